from odoo import _, api, fields, models
from odoo.exceptions import UserError


class SchoolAccessReset(models.TransientModel):
    """Send the school's invitation (``school.parent.invitation``) to the guardians of
    selected students.

    Only guardians whose link may have a parent account (``grants_portal_account``:
    the school's rule) are concerned. Guardians without an account get a new portal
    account; every one gets a mail with their username and a single-use link, valid for
    the school's number of days, that sets the password and logs in. Per family, only the
    guardian in charge (else the first legally responsible one) among them is invited.
    """

    _name = "school.access.reset"
    _description = "Reset Parent Access"

    student_ids = fields.Many2many("res.partner", string="Students", domain=[("is_student", "=", True)])
    mode = fields.Selection(
        selection=[
            ("guardian", "One account per guardian"),
            ("family", "One account per family"),
        ],
        required=True,
        default=lambda self: self.env.company.school_parent_account_mode,
    )
    guardian_ids = fields.Many2many("res.partner", compute="_compute_guardian_ids", string="Guardians Concerned")

    @api.depends("student_ids", "mode")
    def _compute_guardian_ids(self):
        for wizard in self:
            wizard.guardian_ids = wizard._get_guardians()

    def _get_guardians(self):
        self.ensure_one()
        guardians = self.env["res.partner"]
        for student in self.student_ids:
            links = student.student_guardian_link_ids.filtered(
                lambda link: link.guardian_id.active and link.grants_portal_account
            )
            if self.mode == "family":
                links = links.filtered("is_in_charge")[:1] or links.filtered("is_legally_responsible")[:1] or links[:1]
            guardians |= links.guardian_id
        return guardians

    def action_reset(self):
        self.ensure_one()
        guardians = self._get_guardians()
        without_email = guardians.filtered(lambda guardian: not guardian.email)
        if without_email:
            raise UserError(
                _(
                    "These guardians have no email address: %(names)s",
                    names=", ".join(without_email.mapped("name")),
                )
            )
        if not guardians:
            raise UserError(_("These students have no guardian who may have a parent account."))
        # Sudo: a bursar may not manage users. It reaches parents' portal accounts only:
        # a guardian who is also staff (any internal account, even archived) is left to
        # Settings > Users, so that linking a colleague as a "guardian" resets nothing of theirs.
        all_users = guardians.sudo().with_context(active_test=False).user_ids
        staff = all_users.filtered(lambda user: not user.share).partner_id
        invited = guardians - staff
        # Guardians with an account get a link that sets a new password (a reset), the others a
        # new portal account: both in the school's invitation mail, single use, valid for the
        # school's number of days.
        reset = invited.sudo().filtered(lambda guardian: guardian.user_ids.filtered("share"))
        self.env["school.parent.invitation"].sudo()._invite(invited)
        new = invited - reset
        message = _(
            "%(reset)s password reset mails and %(invited)s invitations sent.",
            reset=len(reset),
            invited=len(new),
        )
        if staff:
            message = _(
                "%(reset)s password reset mails and %(invited)s invitations sent. Left out, with a staff "
                "account managed in Settings > Users: %(names)s.",
                reset=len(reset),
                invited=len(new),
                names=", ".join(staff.mapped("name")),
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if staff else "success",
                "message": message,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
