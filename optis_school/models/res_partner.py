from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_date

from .school_parent_invitation import INVITATION_MAIL_STATES, INVITATION_STATES

DIET_REGIMES = [
    ("standard", "Standard"),
    ("vegetarian", "Vegetarian"),
    ("vegan", "Vegan"),
    ("no_pork", "No pork"),
    ("halal", "Halal"),
    ("kosher", "Kosher"),
    ("medical", "Medical diet"),
]


class ResPartner(models.Model):
    """Students and guardians are persons (``res.partner``). A student belongs
    to one school (its company); a guardian may have children in several."""

    _inherit = "res.partner"

    # Person
    first_name = fields.Char()
    last_name = fields.Char()
    birthdate = fields.Date(string="Date of Birth")

    # Student
    is_student = fields.Boolean(string="Is a Student", index=True)
    student_number = fields.Char(copy=False, index=True)
    school_class_id = fields.Many2one(
        "school.class", string="Class", index=True, tracking=True, check_company=True, ondelete="restrict"
    )
    diet_regime = fields.Selection(DIET_REGIMES, string="Diet", default="standard")
    allergen_ids = fields.Many2many("school.allergen", string="Allergies")
    medical_notes = fields.Text(groups="optis_school.group_school_admin")
    school_entry_date = fields.Date(string="Entry Date")
    school_leaving_date = fields.Date(string="Leaving Date")
    student_guardian_link_ids = fields.One2many("school.guardian.link", "student_id", string="Guardians")
    guardian_ids = fields.Many2many("res.partner", compute="_compute_guardian_ids", string="Guardian Contacts")
    # Codes are the bursar's: school users and teachers do not read them.
    activation_code_ids = fields.One2many(
        "school.activation.code", "student_id", string="Activation Codes", groups="optis_school.group_school_bursar"
    )
    unused_activation_code_count = fields.Integer(
        compute="_compute_unused_activation_code_count", groups="optis_school.group_school_bursar"
    )

    # Guardian
    is_guardian = fields.Boolean(string="Is a Guardian", index=True)
    guardian_student_link_ids = fields.One2many("school.guardian.link", "guardian_id", string="Children")
    school_student_ids = fields.Many2many("res.partner", compute="_compute_school_student_ids", string="Students")
    contact_by_email = fields.Boolean(string="Contact by Email", default=True)
    contact_by_sms = fields.Boolean(string="Contact by SMS")
    contact_by_paper = fields.Boolean(string="Contact by Paper Mail")
    # The last invitation mail (school.parent.invitation) and what became of it.
    school_invitation_id = fields.Many2one(
        "school.parent.invitation",
        compute="_compute_school_invitation_id",
        string="Last Invitation",
        groups="optis_school.group_school_bursar",
    )
    school_invitation_date = fields.Datetime(
        compute="_compute_school_invitation_id", string="Invited On", groups="optis_school.group_school_bursar"
    )
    school_invitation_state = fields.Selection(
        selection=INVITATION_STATES,
        compute="_compute_school_invitation_id",
        string="Invitation Link",
        groups="optis_school.group_school_bursar",
    )
    school_invitation_mail_state = fields.Selection(
        selection=INVITATION_MAIL_STATES,
        compute="_compute_school_invitation_id",
        string="Invitation Mail",
        groups="optis_school.group_school_bursar",
    )

    _sql_constraints = [
        (
            "student_number_company_uniq",
            "unique(student_number, company_id)",
            "This student number is already used in this school.",
        ),
        (
            "school_dates_check",
            "CHECK(school_leaving_date IS NULL OR school_entry_date IS NULL"
            " OR school_leaving_date >= school_entry_date)",
            "A student cannot leave the school before entering it.",
        ),
    ]

    @api.depends("student_guardian_link_ids.guardian_id")
    def _compute_guardian_ids(self):
        for partner in self:
            partner.guardian_ids = partner.student_guardian_link_ids.guardian_id

    @api.depends("guardian_student_link_ids.student_id")
    def _compute_school_student_ids(self):
        for partner in self:
            partner.school_student_ids = partner.guardian_student_link_ids.student_id

    def _compute_school_invitation_id(self):
        invitations = self.env["school.parent.invitation"].search([("partner_id", "in", self.ids)])
        last = {}
        for invitation in invitations:
            last.setdefault(invitation.partner_id.id, invitation)
        for partner in self:
            invitation = last.get(partner.id, invitations.browse())
            partner.school_invitation_id = invitation
            partner.school_invitation_date = invitation.sent_date
            partner.school_invitation_state = invitation.state
            partner.school_invitation_mail_state = invitation.mail_state

    def _compute_unused_activation_code_count(self):
        counts = dict(
            self.env["school.activation.code"]._read_group(
                [("student_id", "in", self.ids), ("state", "=", "unused")], ["student_id"], ["__count"]
            )
        )
        for partner in self:
            partner.unused_activation_code_count = counts.get(partner, 0)

    @api.constrains("is_student", "company_id", "birthdate")
    def _check_student(self):
        today = fields.Date.context_today(self)
        for partner in self.filtered("is_student"):
            if not partner.company_id:
                raise ValidationError(_("Student %(name)s must belong to a school.", name=partner.name))
            if partner.birthdate and partner.birthdate > today:
                raise ValidationError(_("The date of birth of %(name)s is in the future.", name=partner.name))

    @api.model
    def _compose_person_name(self, first_name, last_name):
        return " ".join(part.strip() for part in (first_name, last_name) if part and part.strip())

    @api.onchange("first_name", "last_name")
    def _onchange_person_name(self):
        for partner in self:
            if partner.first_name or partner.last_name:
                partner.name = self._compose_person_name(partner.first_name, partner.last_name)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("name") and (vals.get("first_name") or vals.get("last_name")):
                vals["name"] = self._compose_person_name(vals.get("first_name"), vals.get("last_name"))
            if vals.get("is_student") and not vals.get("company_id"):
                vals["company_id"] = self.env.company.id
            if vals.get("is_student") and "type" not in vals:
                vals["type"] = "contact"
        return super().create(vals_list)

    def write(self, vals):
        result = super().write(vals)
        if ("first_name" in vals or "last_name" in vals) and "name" not in vals:
            for partner in self:
                name = self._compose_person_name(partner.first_name, partner.last_name)
                if name and name != partner.name:
                    super(ResPartner, partner).write({"name": name})
        return result

    def action_view_activation_codes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optis_school.school_activation_code_action")
        action["domain"] = [("student_id", "=", self.id)]
        action["context"] = {"default_student_id": self.id, "search_default_filter_unused": 1}
        return action

    def action_school_invite(self):
        """Send this guardian the invitation to their parent account (button of the guardian's form).

        :return: a notification
        :raise AccessError: the caller is not a bursar
        :raise UserError: the guardian is in none of the caller's schools with a link that may
            have a parent account, or may not be invited (no email, staff account)
        """
        self.ensure_one()
        if not self.env.user.has_group("optis_school.group_school_bursar"):
            raise AccessError(_("Only bursars invite parents."))
        # With the caller's rights: a link of one of the caller's schools.
        links = self.env["school.guardian.link"].search(
            [("guardian_id", "=", self.id), ("grants_portal_account", "=", True)], limit=1
        )
        if not links:
            raise UserError(_("%(name)s has no child in your schools who allows a parent account.", name=self.name))
        invitation = self.env["school.parent.invitation"].sudo()._invite(self)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "Invitation sent to %(email)s, valid until %(date)s.",
                    email=invitation.user_id.email,
                    date=format_date(self.env, invitation.expiration_date),
                ),
            },
        }

    # ------------------------------------------------------------
    # Invitation links (auth_signup tokens made single use, see school.parent.invitation)
    # ------------------------------------------------------------

    @api.model
    def _get_partner_from_token(self, token):
        partner = super()._get_partner_from_token(token)
        if partner:
            invitation = self.env["school.parent.invitation"]._find_by_token(token)
            if invitation and (invitation._get_state() != "valid" or invitation.partner_id != partner):
                return None
        return partner

    def action_generate_activation_codes(self):
        """Open the code generation wizard for the selected students."""
        action = self.env["ir.actions.act_window"]._for_xml_id("optis_school.school_activation_code_generate_action")
        action["context"] = {"default_student_ids": self.filtered("is_student").ids, "default_selection": "students"}
        return action
