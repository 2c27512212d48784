from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

# What a link grants in the portal, computed from its flags and the school's rule. The
# portal record rules read them: untick a flag (or delete the link) and the access is gone.
GRANT_FIELDS = ("grants_portal_account", "grants_money", "grants_meetings")


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

    # Portal rights
    allow_portal_account = fields.Boolean(
        string="Parent Account Allowed",
        help="Ticked by the school: this guardian may have a parent account although not legally "
        "responsible, when the school allows guardians ticked by hand (Settings).",
    )
    grants_portal_account = fields.Boolean(
        string="May Have an Account",
        compute="_compute_grants",
        store=True,
        help="Legally responsible guardians; guardians in charge and guardians ticked by hand when the "
        "school allows them. Invitations and activation letters go to these guardians only.",
    )
    grants_money = fields.Boolean(
        string="Sees Money",
        compute="_compute_grants",
        store=True,
        help="The child's wallets, operations, invoices and top-ups in the portal: paying or legally "
        "responsible guardians who may have an account.",
    )
    grants_meetings = fields.Boolean(
        string="Sees Meetings",
        compute="_compute_grants",
        store=True,
        help="The child's parent-teacher interviews and documents in the portal: legally responsible or "
        "in-charge guardians who may have an account.",
    )

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

    @api.depends(
        "is_legally_responsible",
        "is_in_charge",
        "is_payer",
        "allow_portal_account",
        "company_id.school_portal_in_charge",
        "company_id.school_portal_ticked",
    )
    def _compute_grants(self):
        for link in self:
            school = link.company_id
            account = (
                link.is_legally_responsible
                or (link.is_in_charge and school.school_portal_in_charge)
                or (link.allow_portal_account and school.school_portal_ticked)
            )
            link.grants_portal_account = account
            link.grants_money = account and (link.is_payer or link.is_legally_responsible)
            link.grants_meetings = account and (link.is_legally_responsible or link.is_in_charge)

    @api.constrains("student_id", "guardian_id")
    def _check_roles(self):
        for link in self:
            if not link.student_id.is_student:
                raise ValidationError(_("%(name)s is not a student.", name=link.student_id.name))

    @api.model_create_multi
    def create(self, vals_list):
        self._check_no_grant_values(vals_list)
        links = super().create(vals_list)
        links.guardian_id.filtered(lambda guardian: not guardian.is_guardian).write({"is_guardian": True})
        return links

    def write(self, vals):
        self._check_no_grant_values([vals])
        return super().write(vals)

    @api.model
    def _check_no_grant_values(self, vals_list):
        """Rights follow the flags and the school's rule: nobody sets them directly (the ORM
        does not refuse a write of a computed field, and the portal record rules read them)."""
        if any(field_name in vals for vals in vals_list for field_name in GRANT_FIELDS):
            raise UserError(
                _("Portal rights follow the guardian's flags and the school's settings: change those instead.")
            )

    @api.model
    def _get_students_granting(self, guardian, right):
        """The students whose link with ``guardian`` grants ``right``.

        :param guardian: ``res.partner``
        :param str right: one of ``grants_portal_account``, ``grants_money``, ``grants_meetings``
        :return: ``res.partner`` students (sudo: parents do not read links nor their children)
        """
        if right not in GRANT_FIELDS:
            raise ValueError(right)
        return self.sudo().search([("guardian_id", "=", guardian.id), (right, "=", True)]).student_id
