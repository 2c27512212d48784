import hashlib
import logging
from datetime import timedelta

from werkzeug.urls import url_encode, url_join

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)

# What a tracked invitation mail became (OCA mail_tracking states, grouped for staff).
MAIL_STATES = {
    "error": "error",
    "deferred": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "opened": "opened",
    "unsub": "opened",
    "rejected": "bounced",
    "spam": "bounced",
    "bounced": "bounced",
    "soft-bounced": "bounced",
}
INVITATION_PATH = "/my/school"
INVITATION_STATES = [
    ("valid", "Valid"),
    ("used", "Used"),
    ("expired", "Expired"),
    ("replaced", "Replaced"),
]
INVITATION_MAIL_STATES = [
    ("queued", "Not Sent Yet"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("opened", "Opened"),
    ("bounced", "Bounced"),
    ("error", "Error"),
]


class SchoolParentInvitation(models.Model):
    """One invitation mail sent to a guardian: the username and a link to choose a password.

    The link is auth_signup's (``/web/signup`` or ``/web/reset_password`` with a signed token),
    its validity the school's (``school_invitation_validity_days``) instead of auth_signup's
    144 hours. This record makes the link single use and explains a refused one: the token is
    found again by its hash (the token itself is never stored), and
    ``res.partner._get_partner_from_token`` refuses it once the invitation is used, expired
    or replaced by a newer one.
    """

    _name = "school.parent.invitation"
    _description = "Parent Invitation"
    _order = "sent_date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Guardian", required=True, index=True, ondelete="cascade")
    user_id = fields.Many2one("res.users", string="Account", required=True, ondelete="cascade")
    login = fields.Char(related="user_id.login", string="Username")
    company_id = fields.Many2one("res.company", string="School", required=True, index=True)
    # sha256 of the signed token of the link: finds the invitation of a link, never rebuilds it.
    sent_date = fields.Datetime(string="Sent On", required=True, readonly=True, default=fields.Datetime.now)
    token_hash = fields.Char(required=True, index=True, copy=False, groups="base.group_system")
    expiration_date = fields.Datetime(string="Valid Until", required=True)
    used_date = fields.Datetime(string="Used On", readonly=True)
    replaced = fields.Boolean(string="Replaced by a Newer One", readonly=True)
    state = fields.Selection(selection=INVITATION_STATES, compute="_compute_state")
    tracking_email_ids = fields.One2many("mail.tracking.email", "school_invitation_id", string="Mail Tracking")
    mail_state = fields.Selection(
        selection=INVITATION_MAIL_STATES,
        string="Mail",
        compute="_compute_mail_state",
    )

    @api.depends("used_date", "replaced", "expiration_date")
    def _compute_state(self):
        for invitation in self:
            invitation.state = invitation._get_state()

    def _get_state(self):
        """The state now (``state`` is cached for the transaction; the clock is not)."""
        self.ensure_one()
        if self.used_date:
            return "used"
        if self.replaced:
            return "replaced"
        if self.expiration_date <= fields.Datetime.now():
            return "expired"
        return "valid"

    @api.depends("tracking_email_ids.state")
    def _compute_mail_state(self):
        # Trackings are readable by their linked message's readers; the mail was deleted once sent.
        trackings = (
            self.env["mail.tracking.email"]
            .sudo()
            .search([("school_invitation_id", "in", self.ids)], order="time desc, id desc")
        )
        last_state = {}
        for tracking in trackings:
            last_state.setdefault(tracking.school_invitation_id.id, MAIL_STATES.get(tracking.state, "sent"))
        # Not tracked (yet): the mail waits in the queue, or could not reach the mail server.
        untracked = [invitation_id for invitation_id in self.ids if invitation_id not in last_state]
        mails = self.env["mail.mail"].sudo().search([("school_invitation_id", "in", untracked)]) if untracked else []
        for mail in mails:
            last_state.setdefault(mail.school_invitation_id.id, "error" if mail.state == "exception" else "queued")
        for invitation in self:
            # Neither tracked nor waiting: sent and deleted (auto_delete) before tracking existed.
            invitation.mail_state = last_state.get(invitation.id, "sent")

    # ------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------

    @api.model
    def _get_invitable_error(self, guardian):
        """Why ``guardian`` may not be invited, or ``None``.

        Only guardians whose link may have a parent account (the school's rule), with an
        email address, and with no internal account (staff, archived too: Settings > Users
        manages them).

        :param guardian: a ``res.partner``
        :return: a translated reason or ``None``
        """
        guardian_sudo = guardian.sudo()
        if not guardian_sudo.email:
            return _("%(name)s has no email address.", name=guardian_sudo.name)
        if any(not user.share for user in guardian_sudo.with_context(active_test=False).user_ids):
            return _("%(name)s has a staff account, managed in Settings > Users.", name=guardian_sudo.name)
        links = guardian_sudo.guardian_student_link_ids.filtered(
            lambda link: link.grants_portal_account and link.student_id.active
        )
        if not links:
            return _("%(name)s may not have a parent account.", name=guardian_sudo.name)
        return None

    @api.model
    def _invite(self, guardians):
        """Send each guardian an invitation: their portal account (created when missing) and
        a link valid for their school's number of days that sets the password and logs in.
        The guardian's earlier invitations stop working.

        Runs in sudo (a bursar does not manage users): the caller checked that it may invite
        these guardians; each one is checked again here (``_get_invitable_error``).

        :param guardians: ``res.partner`` records
        :return: the new ``school.parent.invitation`` records
        :raise UserError: a guardian may not be invited
        """
        if not self.env.su:
            raise AccessError(_("Invitations are sent by the school's invitation flows only."))
        for guardian in guardians:
            error = self._get_invitable_error(guardian)
            if error:
                raise UserError(error)
        invitations = self.browse()
        for guardian in guardians.sudo():
            invitations |= self._invite_one(guardian)
        return invitations

    def _invite_one(self, guardian):
        user = guardian.user_ids.filtered("share")[:1]
        signup_type = "reset"
        if not user:
            # portal.wizard creates (or reactivates) a portal account; its own mail is ours instead.
            portal_wizard = (
                self.env["portal.wizard"]
                .with_context(optis_school_invitation=True)
                .create({"partner_ids": [fields.Command.set(guardian.ids)]})
            )
            portal_wizard.user_ids.action_grant_access()
            user = guardian.user_ids.filtered("share")[:1]
            signup_type = "signup"
        if not user._is_portal() or user._is_internal():
            raise UserError(_("%(name)s has no parent account: contact the administrator.", name=guardian.name))
        link = guardian.guardian_student_link_ids.filtered("grants_portal_account")[:1]
        school = link.company_id or user.company_id
        days = school.school_invitation_validity_days or 14
        now = fields.Datetime.now()
        self.search([("partner_id", "=", guardian.id), ("used_date", "=", False), ("replaced", "=", False)]).write(
            {"replaced": True}
        )
        guardian.signup_prepare(signup_type=signup_type)
        token = guardian._generate_signup_token(expiration=days * 24)
        invitation = self.create(
            {
                "partner_id": guardian.id,
                "user_id": user.id,
                "company_id": school.id,
                "sent_date": now,
                "token_hash": self._hash_token(token),
                "expiration_date": now + timedelta(days=days),
            }
        )
        route = "reset_password" if signup_type == "reset" else "signup"
        query = url_encode({"db": self.env.cr.dbname, "token": token, "redirect": INVITATION_PATH})
        url = url_join(guardian.get_base_url(), f"/web/{route}?{query}")
        template = self.env.ref("optis_school.mail_template_school_parent_invitation")
        template.with_context(invitation_url=url, validity_days=days).send_mail(
            invitation.id, force_send=True, email_values={"school_invitation_id": invitation.id}
        )
        _logger.info("Parent invitation sent to partner %s (user %s), valid %s days", guardian.id, user.id, days)
        return invitation

    # ------------------------------------------------------------
    # The link
    # ------------------------------------------------------------

    @api.model
    def _hash_token(self, token):
        return hashlib.sha256((token or "").encode()).hexdigest()

    @api.model
    def _find_by_token(self, token):
        """:return: the invitation whose link carries ``token`` (sudo), or an empty recordset"""
        if not token or not isinstance(token, str) or len(token) > 1024:
            return self.sudo().browse()
        return self.sudo().search([("token_hash", "=", self._hash_token(token))], limit=1)

    @api.model
    def _get_token_refusal(self, token):
        """Why the invitation link with ``token`` no longer works.

        :return: ``used``, ``expired`` or ``replaced``; ``None`` when the token is no
            invitation's or the link still works
        """
        invitation = self._find_by_token(token)
        if not invitation:
            return None
        state = invitation._get_state()
        if state != "valid":
            return state
        if not self.env["res.partner"].sudo()._get_partner_from_token(token):
            # auth_signup refused it: the password was set or the guardian logged in since.
            return "used"
        return None

    def _mark_used(self):
        self.sudo().write({"used_date": fields.Datetime.now()})

    # ------------------------------------------------------------
    # A new invitation, asked from a refused link
    # ------------------------------------------------------------

    @api.model
    def _request_new(self, token=None, login=None, remote_addr=None):
        """Send a new invitation to the address of the account of a refused link (``token``)
        or of ``login``. Says nothing: the page answers the same whatever happened.

        Throttled per account (one invitation per ``optis_school.invitation_resend_minutes``,
        default 10) and per address (the activation code limits).

        :param str token: the token of the refused link
        :param str login: a username typed by the visitor
        :param str remote_addr: the client's address
        :return: the new invitation, or an empty recordset (never shown)
        """
        invitations = self.sudo()
        nothing = invitations.browse()
        attempts = self.env["school.activation.attempt"].sudo()
        ip_keys = [f"invitation-ip:{remote_addr}"] if remote_addr else []
        if ip_keys and attempts._is_locked_out(ip_keys):
            _logger.info("New invitation refused: too many requests from %s", remote_addr)
            return nothing
        if ip_keys:
            with attempts._attempt_env() as env:
                env["school.activation.attempt"].create([{"key": key, "reason": "invitation"} for key in ip_keys])
        guardian = self.env["res.partner"].sudo()
        if token:
            guardian = invitations._find_by_token(token).partner_id
        elif login and isinstance(login, str):
            users_sudo = self.env["res.users"].sudo()
            # Parents' logins are their normalized address (portal.wizard): as typed, else normalized.
            for candidate in dict.fromkeys([login.strip(), tools.email_normalize(login) or ""]):
                users = users_sudo.search(users_sudo._get_login_domain(candidate)) if candidate else users_sudo
                if len(users) == 1:
                    if users.share:
                        guardian = users.partner_id
                    break
        if not guardian or not guardian.user_ids.filtered("share"):
            _logger.info("New invitation asked for no known parent account")
            return nothing
        error = invitations._get_invitable_error(guardian)
        if error:
            _logger.info("New invitation refused for partner %s: %s", guardian.id, error)
            return nothing
        minutes = int(self.env["ir.config_parameter"].sudo().get_param("optis_school.invitation_resend_minutes", 10))
        if invitations.search_count(
            [
                ("partner_id", "=", guardian.id),
                ("sent_date", ">", fields.Datetime.now() - timedelta(minutes=minutes)),
            ],
            limit=1,
        ):
            _logger.info(
                "New invitation for partner %s not sent: one was sent less than %s min ago", guardian.id, minutes
            )
            return nothing
        return invitations._invite(guardian)
