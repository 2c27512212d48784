import logging

from werkzeug.urls import url_parse

from odoo import Command, _, api, models, tools
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)


class ExistingAccountError(UserError):
    """The email address of a new parent already has an account: they log in first."""


class RegistrationClosedError(UserError):
    """The school of the activation code takes no new parent accounts."""


class ResUsers(models.Model):
    _inherit = "res.users"

    # ------------------------------------------------------------
    # Parent accounts opened with an activation code
    # ------------------------------------------------------------

    @api.model
    def _signup_parent_with_code(self, values, code, remote_addr=None):
        """Open the portal account of a new parent with the activation code of their letter.

        All or nothing: the account exists only when the code links the child. A refused code
        leaves nothing behind but the failure the code model records, on its own cursor, for
        throttling. That an address already has an account is only said to someone holding a
        valid code.

        :param dict values: ``name``, ``login`` (the email address), ``password``, ``lang``
        :param str code: the code as typed (case and separators are ignored)
        :param str remote_addr: the client's address, for throttling
        :return: ``(user, student)``: the new portal user and the child now linked to them
        :raise ExistingAccountError: the address already has an account
        :raise RegistrationClosedError: the school of the code takes no new parent accounts
        :raise UserError: missing name, invalid address, or the code refused by
            ``school.activation.code.redeem`` (wrong, used, revoked, expired, lockout)
        """
        name = (values.get("name") or "").strip()
        email = tools.email_normalize(values.get("login") or "")
        if not name:
            raise UserError(_("Enter your name."))
        if not email:
            raise UserError(_("Enter a valid email address."))
        if not values.get("password"):
            raise UserError(_("Choose a password."))
        partner_values = {"name": name, "email": email}
        if values.get("lang") in dict(self.env["res.lang"].get_installed()):
            partner_values["lang"] = values["lang"]
        users_sudo = self.sudo()
        with self.env.cr.savepoint():
            partner_sudo = self.env["res.partner"].sudo().create(partner_values)
            student = self.env["school.activation.code"].sudo().redeem(code, partner_sudo, remote_addr=remote_addr)
            login_pattern = email.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            if users_sudo.with_context(active_test=False).search_count(
                ["|", ("login", "=ilike", login_pattern), ("partner_id.email_normalized", "=", email)], limit=1
            ):
                raise ExistingAccountError(_("This email address already has an account."))
            school = student.company_id
            if not school.school_parent_registration:
                raise RegistrationClosedError(_("Parent registration is closed."))
            user_sudo = users_sudo._signup_create_user(
                {
                    "login": email,
                    "password": values["password"],
                    "partner_id": partner_sudo.id,
                    "company_id": school.id,
                    "company_ids": [Command.set(school.ids)],
                }
            )
            if not user_sudo._is_portal() or user_sudo._is_internal():
                # The portal template user was changed: parents are never internal users.
                raise UserError(_("Parent accounts cannot be opened: contact the school."))
            # Like the guardians the school records: one contact, whatever the school.
            partner_sudo.company_id = False
        template = self.env.ref("auth_signup.mail_template_user_signup_account_created", raise_if_not_found=False)
        if template:
            template.sudo().send_mail(user_sudo.id)
        return user_sudo, student

    def _add_child_with_code(self, code, remote_addr=None):
        """Link a child to this parent's account with the activation code of its letter.

        :param str code: the code as typed (case and separators are ignored)
        :param str remote_addr: the client's address, for throttling
        :return: the child (``res.partner``) now linked to the parent
        :raise AccessError: this is not the caller's own account
        :raise UserError: not a parent (portal) account, or the code refused by
            ``school.activation.code.redeem``
        """
        self.ensure_one()
        # The code is redeemed in sudo for this user's contact: only for the caller's own account.
        if self != self.env.user and not self.env.su:
            raise AccessError(_("An activation code links a child to your own account only."))
        if not self._is_portal():
            raise UserError(_("Activation codes link parents' accounts: staff accounts cannot use them."))
        student = self.env["school.activation.code"].sudo().redeem(code, self.partner_id, remote_addr=remote_addr)
        self._add_school(student.company_id)
        return student

    def _add_school(self, school):
        """Let the parent see a school's records about their child (multi-company rules)."""
        self.ensure_one()
        if school and school not in self.sudo().company_ids:
            self.sudo().write({"company_ids": [Command.link(school.id)]})

    # ------------------------------------------------------------
    # Logging out, resetting a password
    # ------------------------------------------------------------

    def _get_logout_url(self):
        """Where this user lands after logging out: a parent on the website of the school
        of their first child; ``None`` for staff and when the school has no website.

        :return: an absolute http(s) URL or ``None``
        """
        self.ensure_one()
        if not self._is_portal():
            return None
        link = self.env["school.guardian.link"].sudo().search([("guardian_id", "=", self.partner_id.id)], limit=1)
        website = link.company_id.website
        if website and url_parse(website).scheme in ("http", "https"):
            return website
        return None

    def reset_password(self, login):
        """With ``neutral_reset_password`` in the context, an unknown or ambiguous login is
        not an error: the answer must not tell a stranger who has an account."""
        if not self.env.context.get("neutral_reset_password"):
            return super().reset_password(login)
        users = self.search(self._get_login_domain(login)) or self.search(self._get_email_domain(login))
        if len(users) != 1:
            _logger.info("Password reset for <%s>: %s accounts found, no mail sent", login, len(users))
            return False
        try:
            return users.action_reset_password()
        except UserError as error:
            _logger.warning("Password reset for <%s> failed: %s", login, error)
            return False

    # ------------------------------------------------------------
    # Closing the account
    # ------------------------------------------------------------

    def _deactivate_portal_user(self, **post):
        """Odoo's *Delete Account* (``/my/deactivate_account``) for a parent: Odoo archives the
        account at once and queues it for deletion; the parent's erasure request is filed too.
        The school then anonymises the contact and keeps the money records, where Odoo's queue
        would delete the contact, and with it the guardian links (the request, ``ondelete
        restrict``, keeps the contact for the school)."""
        for user in self.filtered(lambda user: user.share and user.partner_id.is_guardian):
            self.env["school.privacy.request"].with_user(user)._request_erasure()
        return super()._deactivate_portal_user(**post)
