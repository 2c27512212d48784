from psycopg2 import IntegrityError

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError

# Written by the request's own flow only (``_request_erasure``, ``action_anonymize``,
# ``action_refuse``): a bursar's write over RPC does not close a request nor change whose it is.
FLOW_FIELDS = (
    "partner_id",
    "user_id",
    "company_id",
    "state",
    "request_date",
    "done_date",
    "handled_by_id",
    "privacy_log_id",
    "anonymized_partner_count",
)
# The permission of the flow to write ``FLOW_FIELDS``: only Python code holds this object (a
# context sent over RPC is made of strings, numbers, lists and dicts), see the wallet engine.
_FLOW = object()
FLOW_CONTEXT_KEY = "school_privacy_flow"
ANONYMIZE_GROUP = "privacy_partner_to_be_forgotten.group_partner_anonymize"


class SchoolPrivacyRequest(models.Model):
    """A parent's request to erase their personal data, handled by the school in the backend.

    The parent files it from the portal (``/my/school/privacy``); at most one request of a
    guardian is open at a time (a partial unique index). The school looks the data up (core
    ``privacy_lookup``), then anonymises: the guardian, and each child no other guardian
    remains for, go through the wizard of OCA ``privacy_partner_to_be_forgotten`` (extended
    to the student fields in ``res_partner.py``); wallets, their operations, invoices and
    payments are kept as accounting law requires, only their contact is anonymised.
    """

    _name = "school.privacy.request"
    _description = "Data Erasure Request"
    _inherit = ["mail.thread"]
    _order = "state, request_date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Guardian", required=True, readonly=True, index=True, ondelete="restrict"
    )
    user_id = fields.Many2one("res.users", string="Parent Account", readonly=True, ondelete="set null")
    company_id = fields.Many2one("res.company", string="School", readonly=True, index=True)
    state = fields.Selection(
        [("requested", "Requested"), ("done", "Done"), ("refused", "Refused")],
        default="requested",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    request_date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    done_date = fields.Datetime(string="Handled On", readonly=True, copy=False)
    handled_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    refusal_reason = fields.Text(tracking=True, help="Told to the parent in the portal when the request is refused.")
    privacy_log_id = fields.Many2one("privacy.log", readonly=True, copy=False, groups="base.group_system")
    anonymized_partner_count = fields.Integer(string="Contacts Anonymised", readonly=True, copy=False)

    def init(self):
        # One open request per guardian, also against two submissions at the same time.
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS school_privacy_request_open_uniq"
            " ON school_privacy_request (partner_id) WHERE state = 'requested'"
        )

    @api.depends("partner_id")
    def _compute_display_name(self):
        for request in self:
            request.display_name = _("Erasure request of %(name)s", name=request.partner_id.display_name or "")

    @api.model_create_multi
    def create(self, vals_list):
        if not self._flow_running():
            self.check_access("create")
            raise UserError(_("Erasure requests are filed by the parents in the portal."))
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) & set(FLOW_FIELDS) and not self._flow_running():
            self.check_access("write")
            raise UserError(_("Use the buttons of the request to handle it."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_handled(self):
        if not self._flow_running():
            raise UserError(_("Erasure requests are kept as the record of what was asked and done."))

    def _flow_running(self):
        return self.env.context.get(FLOW_CONTEXT_KEY) is _FLOW

    def _flow(self):
        return self.with_context(**{FLOW_CONTEXT_KEY: _FLOW})

    # ------------------------------------------------------------
    # Parents
    # ------------------------------------------------------------

    @api.model
    def _request_erasure(self):
        """File the caller's erasure request, or return the one still open.

        Created in sudo (parents may not create records of this model): the guardian and the
        account are always the caller's own, never a value they send.

        :return: the open ``school.privacy.request`` of the caller (sudo)
        :raise AccessError: the caller is not a portal user (staff ask the administrator)
        """
        user = self.env.user
        if not user._is_portal():
            raise AccessError(_("Only parents' accounts ask for erasure here."))
        requests = self.sudo()._flow()
        open_request = requests.search([("partner_id", "=", user.partner_id.id), ("state", "=", "requested")], limit=1)
        if open_request:
            return open_request
        try:
            with self.env.cr.savepoint():
                open_request = requests.create(
                    {"partner_id": user.partner_id.id, "user_id": user.id, "company_id": user.company_id.id}
                )
        except IntegrityError:
            # Submitted twice at once: the other submission's request is the one.
            open_request = requests.search([("partner_id", "=", user.partner_id.id), ("state", "=", "requested")])
        else:
            open_request.message_post(
                body=_("%(name)s asked for the erasure of their personal data in the portal.", name=user.name),
                author_id=user.partner_id.id,
                subtype_xmlid="mail.mt_note",
            )
        # Without the flow's permission: the caller gets the record, not the right to write it.
        return self.sudo().browse(open_request.id)

    # ------------------------------------------------------------
    # School
    # ------------------------------------------------------------

    def _get_partners_to_anonymize(self):
        """The guardian with their own addresses (child contacts, as the OCA wizard takes them),
        and each of their children no other active guardian remains for.

        :return: ``res.partner`` (sudo)
        """
        self.ensure_one()
        guardian = self.partner_id.sudo()
        addresses = guardian.with_context(active_test=False).search(
            [("id", "child_of", guardian.id), ("is_student", "=", False)]
        )
        links = self.env["school.guardian.link"].sudo().search([("guardian_id", "=", guardian.id)])
        students = links.student_id.with_context(active_test=False)
        other_links = (
            self.env["school.guardian.link"]
            .sudo()
            .search(
                [
                    ("student_id", "in", students.ids),
                    ("guardian_id", "!=", guardian.id),
                    ("guardian_id.active", "=", True),
                ]
            )
        )
        return guardian | addresses | (students - other_links.student_id)

    def action_lookup(self):
        """Open core Privacy Lookup on the guardian's name and email: every record naming them."""
        self.ensure_one()
        return self.partner_id.action_privacy_lookup()

    def action_anonymize(self):
        """Anonymise the guardian and their children left without guardian, and close the request.

        Only users of the anonymisation group of ``privacy_partner_to_be_forgotten`` (checked
        outside sudo); the OCA wizard then runs in sudo, as it archives and renames the
        parent's account (which needs Access Rights). The partners are the request's own,
        never chosen by the caller. A privacy log (core ``privacy_lookup``) keeps a masked
        name and email and the records found.

        :raise AccessError: the caller may not anonymise contacts
        :raise UserError: the request is not open, or the guardian has a staff account
        """
        self.ensure_one()
        if not self.env.user.has_group(ANONYMIZE_GROUP):
            raise AccessError(_("Only the users allowed to anonymise contacts handle erasure requests."))
        self.check_access("write")
        if self.state != "requested":
            raise UserError(_("This request is already handled."))
        guardian = self.partner_id.sudo()
        if guardian.with_context(active_test=False).user_ids.filtered(lambda user: not user.share):
            raise UserError(
                _("%(name)s has a staff account: erase it in Settings > Users.", name=guardian.display_name)
            )
        partners = self._get_partners_to_anonymize()
        lookup = (
            self.env["privacy.lookup.wizard"]
            .sudo()
            .create({"name": guardian.name, "email": guardian.email or f"{guardian.id}@unknown.invalid"})
        )
        lookup.action_lookup()
        log = (
            self.env["privacy.log"]
            .sudo()
            .create(
                {
                    "anonymized_name": guardian.name,
                    "anonymized_email": lookup.email,
                    "records_description": lookup.records_description,
                    "execution_details": _(
                        "Erasure request: %(count)s contacts anonymised; money records kept.",
                        count=len(partners),
                    ),
                }
            )
        )
        lookup.unlink()
        wizard = self.env["partner.anonymize.wizard"].sudo().create({"partner_ids": [Command.set(partners.ids)]})
        wizard.action_confirm()
        self._flow().write(
            {
                "state": "done",
                "done_date": fields.Datetime.now(),
                "handled_by_id": self.env.user.id,
                "anonymized_partner_count": len(partners),
            }
        )
        # The log is the Settings users' (core privacy_lookup): linked in sudo.
        self.sudo()._flow().privacy_log_id = log
        self.message_post(
            body=_("%(count)s contacts anonymised; the money records are kept.", count=len(partners)),
            subtype_xmlid="mail.mt_note",
        )
        return True

    def action_refuse(self):
        """Refuse the request; the reason (``refusal_reason``) is shown to the parent.

        :raise UserError: the request is not open, or no reason is given
        """
        for request in self:
            request.check_access("write")
            if request.state != "requested":
                raise UserError(_("This request is already handled."))
            if not (request.refusal_reason or "").strip():
                raise UserError(_("Write the reason of the refusal first: the parent reads it."))
            request._flow().write(
                {"state": "refused", "done_date": fields.Datetime.now(), "handled_by_id": self.env.user.id}
            )
        return True
