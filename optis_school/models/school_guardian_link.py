from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class SchoolGuardianLink(models.Model):
    """Who is responsible for a student, and how. One guardian may be linked to
    any number of students; separated parents are two guardians with their own
    addresses (two households), each linked to the child."""

    _name = "school.guardian.link"
    _description = "Guardian of a Student"
    _order = "student_id, sequence, id"
    _rec_name = "guardian_id"

    sequence = fields.Integer(default=10)
    guardian_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=True)
    student_id = fields.Many2one(
        "res.partner",
        required=True,
        ondelete="cascade",
        index=True,
        domain=[("is_student", "=", True)],
    )
    relationship = fields.Selection(
        selection=[
            ("mother", "Mother"),
            ("father", "Father"),
            ("legal_guardian", "Legal guardian"),
            ("other", "Other"),
        ],
        required=True,
        default="other",
    )
    is_legally_responsible = fields.Boolean(string="Legally Responsible", default=True)
    is_in_charge = fields.Boolean(string="In Charge", default=True, help="The child lives with this guardian.")
    receives_mail = fields.Boolean(default=True)
    is_payer = fields.Boolean(string="Pays", default=True)
    company_id = fields.Many2one(related="student_id.company_id", string="School", store=True, index=True)

    # Parent account (portal user of the guardian)
    guardian_email = fields.Char(related="guardian_id.email", string="Email")
    guardian_phone = fields.Char(related="guardian_id.phone", string="Phone")
    portal_user_id = fields.Many2one("res.users", compute="_compute_portal_user", string="Parent Account")
    last_login = fields.Datetime(compute="_compute_portal_user")

    _sql_constraints = [
        (
            "guardian_student_uniq",
            "unique(guardian_id, student_id)",
            "This guardian is already linked to this student.",
        ),
        ("guardian_not_student", "CHECK(guardian_id != student_id)", "A student cannot be their own guardian."),
    ]

    @api.depends("guardian_id.user_ids")
    def _compute_portal_user(self):
        users = self.env["res.users"].sudo().search([("partner_id", "in", self.guardian_id.ids)])
        user_by_partner = {user.partner_id: user for user in users}
        for link in self:
            user = user_by_partner.get(link.guardian_id)
            link.portal_user_id = user
            link.last_login = user.login_date if user else False

    @api.constrains("student_id", "guardian_id")
    def _check_roles(self):
        for link in self:
            if not link.student_id.is_student:
                raise ValidationError(_("%(name)s is not a student.", name=link.student_id.name))

    @api.model_create_multi
    def create(self, vals_list):
        links = super().create(vals_list)
        links.guardian_id.filtered(lambda guardian: not guardian.is_guardian).write({"is_guardian": True})
        return links
