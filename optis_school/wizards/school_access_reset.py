from odoo import _, api, fields, models
from odoo.exceptions import UserError


class SchoolAccessReset(models.TransientModel):
    """Re-send the portal invitation to the guardians of selected students.

    Only guardians whose link may have a parent account (``grants_portal_account``:
    the school's rule) are concerned. Guardians with an account get a password reset
    mail; the others get a new portal account and its invitation. Per family, only the
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
        users = all_users.filtered(lambda user: user.active and user.share)
        if users:
            users.action_reset_password()
        invite = guardians.filtered(lambda guardian: guardian not in staff and not guardian.user_ids)
        if invite:
            portal_wizard = self.env["portal.wizard"].sudo().create({"partner_ids": [fields.Command.set(invite.ids)]})
            portal_wizard.user_ids.action_grant_access()
        message = _(
            "%(reset)s password reset mails and %(invited)s invitations sent.",
            reset=len(users),
            invited=len(invite),
        )
        if staff:
            message = _(
                "%(reset)s password reset mails and %(invited)s invitations sent. Left out, with a staff "
                "account managed in Settings > Users: %(names)s.",
                reset=len(users),
                invited=len(invite),
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
