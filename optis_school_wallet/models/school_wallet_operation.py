import logging
from collections import defaultdict
from datetime import timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_date

_logger = logging.getLogger(__name__)

OPERATION_TYPES = [
    ("topup_online", "Online Top-up"),
    ("topup_transfer", "Bank Transfer Top-up"),
    ("topup_cash", "Cash Top-up"),
    ("meal", "Meal"),
    ("photo_order", "Photo Order"),
    ("sale", "Sale"),
    ("invoice_payment", "Invoice Payment"),
    ("refund", "Refund"),
    ("internal_transfer", "Internal Transfer"),
    ("correction", "Correction"),
    # A student leaving the school: what is left goes to a guardian, a sibling or the school.
    ("leaver_refund", "Refund to Guardian"),
    ("sibling_transfer", "Transfer to Sibling"),
    ("donation", "Donation to the School"),
]
# Money coming in: always positive.
TOPUP_TYPES = ("topup_online", "topup_transfer", "topup_cash")
# Money spent from the wallet: always negative. Refunds, transfers and corrections go both ways.
SPENDING_TYPES = ("meal", "photo_order", "sale", "invoice_payment")
# The debits that come in volume (point of sale devices, the canteen, the sales journal) are
# written without a journal entry and posted in batches: one entry per school and day (see
# ``_post_pending``). Every other type has its own document and posts one entry per operation.
BATCHED_OPERATION_TYPES = ("meal", "sale")

POSTING_STATES = [
    ("to_post", "To Post"),
    ("posted", "Posted"),
]

PAYMENT_METHODS = [
    ("cash", "Cash"),
    ("bank_transfer", "Bank Transfer"),
    ("online", "Online Payment"),
    ("wallet", "Wallet"),
    ("other", "Other"),
]


class SchoolWalletOperation(models.Model):
    """One line of the append-only wallet ledger. Operations are written by the
    wallet methods (``_credit``, ``_debit``, ``_transfer_to``) together with their
    journal entry, except the batched types (meals, sales), which are posted later
    by ``_post_pending``; a mistake is fixed by a new operation of type correction."""

    _name = "school.wallet.operation"
    _inherit = ["school.wallet.engine.mixin"]
    _description = "Wallet Operation"
    _order = "date desc, id desc"
    _rec_name = "operation_type"
    # Written once by the wallet methods; a bursar may only add a note.
    _engine_free_fields = ("note",)
    _engine_create_only = True

    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    wallet_id = fields.Many2one("school.wallet", required=True, readonly=True, index=True, ondelete="restrict")
    student_id = fields.Many2one(related="wallet_id.student_id", store=True, index=True)
    wallet_type_id = fields.Many2one(related="wallet_id.wallet_type_id", store=True)
    company_id = fields.Many2one(related="wallet_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="wallet_id.currency_id")

    # Money
    amount = fields.Monetary(required=True, readonly=True, help="Positive: money put on the wallet; negative: spent.")
    operation_type = fields.Selection(OPERATION_TYPES, string="Type", required=True, readonly=True)
    payment_method = fields.Selection(PAYMENT_METHODS, readonly=True)
    move_id = fields.Many2one(
        "account.move",
        string="Journal Entry",
        readonly=True,
        ondelete="restrict",
        index=True,
        help="Empty for a meal or sale not posted yet: they are posted together, one entry per school and day.",
    )
    counterpart_account_id = fields.Many2one(
        "account.account",
        readonly=True,
        ondelete="restrict",
        help="The account opposite the wallet liability in the operation's journal entry.",
    )
    posting_state = fields.Selection(
        POSTING_STATES, compute="_compute_posting_state", store=True, help="To Post: no journal entry yet."
    )

    # Origin
    origin_model = fields.Char(readonly=True)
    origin_id = fields.Many2oneReference(string="Origin Record", model_field="origin_model", readonly=True)
    origin_ref = fields.Char(string="Origin Reference", readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Paid By", readonly=True, index="btree_not_null", help="Who brought the money in."
    )
    user_id = fields.Many2one(
        "res.users", string="Recorded By", required=True, readonly=True, default=lambda self: self.env.user
    )
    reason = fields.Char(readonly=True, help="Why this correction was made.")
    refunded_sale_id = fields.Many2one(
        "school.wallet.sale",
        compute="_compute_refunded_sale_id",
        store=True,
        precompute=True,
        index="btree_not_null",
        help="The sale a refund gives back (its origin).",
    )
    note = fields.Text()

    _sql_constraints = [
        ("amount_not_zero", "CHECK(amount <> 0)", "The amount of a wallet operation cannot be zero."),
        (
            "correction_has_reason",
            "CHECK(operation_type <> 'correction' OR (reason IS NOT NULL AND reason <> ''))",
            "A correction needs a reason.",
        ),
        (
            "to_post_batched_only",
            "CHECK(move_id IS NOT NULL OR (operation_type IN ({}) AND counterpart_account_id IS NOT NULL))".format(
                ", ".join(f"'{operation_type}'" for operation_type in BATCHED_OPERATION_TYPES)
            ),
            "Only meals and sales are posted later, and they need their counterpart account.",
        ),
    ]

    def init(self):
        # A bank statement line credits at most one wallet, once: the database refuses the second operation.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS school_wallet_operation_statement_line_uniq "
                "ON %s (origin_id) WHERE origin_model = 'account.bank.statement.line'",
                SQL.identifier(self._table),
            )
        )
        # Likewise, an online payment tops a wallet up once, however often the provider notifies.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS school_wallet_operation_payment_transaction_uniq "
                "ON %s (origin_id) WHERE origin_model = 'payment.transaction'",
                SQL.identifier(self._table),
            )
        )
        # What the posting looks for: the few operations still without a journal entry.
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS school_wallet_operation_to_post_idx ON %s (company_id, id) "
                "WHERE move_id IS NULL",
                SQL.identifier(self._table),
            )
        )

    @api.depends("operation_type", "origin_model", "origin_id")
    def _compute_refunded_sale_id(self):
        for operation in self:
            is_sale_refund = operation.operation_type == "refund" and operation.origin_model == "school.wallet.sale"
            operation.refunded_sale_id = operation.origin_id if is_sale_refund else False

    @api.depends("move_id")
    def _compute_posting_state(self):
        for operation in self:
            operation.posting_state = "posted" if operation.move_id else "to_post"

    @api.depends("operation_type", "amount", "wallet_id")
    def _compute_display_name(self):
        labels = dict(self._fields["operation_type"]._description_selection(self.env))
        for operation in self:
            operation.display_name = f"{labels.get(operation.operation_type, '')} {operation.wallet_id.display_name}"

    @api.constrains("operation_type", "amount")
    def _check_amount_sign(self):
        for operation in self:
            if operation.operation_type in TOPUP_TYPES and operation.amount < 0:
                raise ValidationError(_("A top-up puts money on the wallet: its amount must be positive."))
            if operation.operation_type in SPENDING_TYPES and operation.amount > 0:
                raise ValidationError(_("A payment from the wallet takes money from it: its amount must be negative."))

    @api.constrains("move_id", "wallet_id")
    def _check_move_company(self):
        for operation in self:
            if operation.move_id and operation.move_id.company_id != operation.company_id:
                raise ValidationError(_("A wallet operation is posted in the school of its wallet."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_ledger(self):
        raise UserError(_("Wallet operations cannot be deleted: use Correct Balance on the wallet instead."))

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_post_pending_operations(self):
        """Button of the operations list: post every operation still to post in the
        user's current schools, whatever the selection.

        :return: a notification of what was posted, reloading the list
        :raise AccessError: the user is not a bursar
        """
        if not self.env.user.has_group("optis_school.group_school_bursar"):
            raise AccessError(_("Only bursars post the pending wallet operations."))
        operations_sudo = self.sudo().search(
            [("move_id", "=", False), ("company_id", "in", self.env.companies.ids)], order="id"
        )
        moves_sudo = operations_sudo._post_pending()
        posted_count = len(operations_sudo.filtered("move_id"))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if moves_sudo else "info",
                "message": _(
                    "%(operations)s operations posted in %(entries)s journal entries.",
                    operations=posted_count,
                    entries=len(moves_sudo),
                )
                if moves_sudo
                else _("No wallet operation to post."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    def _post_pending(self):
        """Post those of these operations that have no journal entry yet (the batched types,
        see ``BATCHED_OPERATION_TYPES``): one entry per school and day (the day in the
        school's timezone) in the wallet journal, with one liability line per student and
        one counterpart line per counterpart account, then link the operations to it.

        Race-safe and idempotent: the operations are locked first (``FOR UPDATE SKIP
        LOCKED``) and only those still without an entry are posted, so two postings at the
        same time never post an operation twice (an operation another posting holds is left
        to it; one it posted after this transaction began makes this one fail with a
        serialization error, to be retried); running it again posts nothing.

        :return: the posted ``account.move`` records (sudo), empty when there was nothing to post
        """
        self.flush_model(["move_id"])
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id IN %s AND move_id IS NULL ORDER BY id FOR UPDATE SKIP LOCKED",
                SQL.identifier(self._table),
                tuple(self.ids) or (None,),
            )
        )
        operations_sudo = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        moves_sudo = self.env["account.move"].sudo()
        for company, company_operations in operations_sudo.grouped("company_id").items():
            company._school_wallet_check_accounting()
            timezone = pytz.timezone(company.partner_id.tz or self.env.user.tz or "UTC")
            days = company_operations.grouped(
                lambda operation: pytz.utc.localize(operation.date).astimezone(timezone).date()
            )
            for day, day_operations in sorted(days.items()):
                moves_sudo |= day_operations._post_day(company, day)
        return moves_sudo

    def _post_day(self, company, day):
        """Post these operations of one school and day in one journal entry and link them to it.

        :param company: the ``res.company`` of the operations
        :param date day: the date of the entry
        :return: the posted ``account.move`` (sudo)
        """
        currency = company.currency_id
        student_totals = defaultdict(float)
        account_totals = defaultdict(float)
        for operation in self:
            student_totals[operation.student_id] += operation.amount
            account_totals[operation.counterpart_account_id] += operation.amount
        label = _(
            "Wallet meals and sales of %(day)s (%(count)s operations)",
            day=format_date(self.env, day),
            count=len(self),
        )
        wallet_account = company.sudo().school_wallet_account_id
        # A debit (negative amount) lowers the liability: the wallet account is debited.
        lines = [
            (wallet_account, currency.round(-total), label, student)
            for student, total in sorted(student_totals.items(), key=lambda item: item[0].id)
        ] + [
            (account, currency.round(total), label, self.env["res.partner"])
            for account, total in sorted(account_totals.items(), key=lambda item: item[0].id)
        ]
        # A day already locked in accounting goes on the first open day, as Odoo does for bills.
        lock_dates = company._get_violated_lock_dates(day, False, company.sudo().school_wallet_journal_id)
        entry_date = lock_dates[-1][0] + timedelta(days=1) if lock_dates else day
        move_sudo = company._school_wallet_create_posted_move(entry_date, label, lines)
        self.sudo()._engine().write({"move_id": move_sudo.id})
        return move_sudo

    def _publish_cash_receipt(self, report, payer):
        """Render the cash receipt of this operation and publish it as a document for the
        wallet's child, seen by ``payer`` alone in the portal (or by the child's guardians with
        meetings rights when nobody is named as payer).

        :param report: ``ir.actions.report`` of the receipt
        :param payer: ``res.partner`` who brought the cash, or an empty recordset
        :return: the ``school.document`` published
        """
        self.ensure_one()
        student = self.wallet_id.student_id
        if payer not in student.student_guardian_link_ids.guardian_id:
            # The wizard's payer is any contact over RPC: only a guardian of the child gets it as theirs.
            payer = payer.browse()
        content, content_type = report._render_qweb_pdf(report.report_name, self.ids)
        name = _("Cash receipt %(number)s", number=self.origin_ref or self.id)
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"{name}.{content_type}",
                    "raw": content,
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        return self.env["school.document"]._publish_attachment(
            student, attachment, "receipt", guardian=payer, name=name
        )

    # ------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------

    @api.model
    def _cron_post_pending_operations(self):
        """Every 15 minutes: post the meals and sales written since the last run, in every school.

        Each school on its own: one whose wallet accounting is not configured keeps its
        operations to post (a warning is logged) and does not stop the others.
        """
        pending = self.sudo().search([("move_id", "=", False)], order="id")
        for company, operations in pending.grouped("company_id").items():
            try:
                with self.env.cr.savepoint():
                    operations._post_pending()
            except UserError as error:
                _logger.warning("Wallet operations of %s left to post: %s", company.name, error)
