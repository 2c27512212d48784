from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

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
]
# Money coming in: always positive.
TOPUP_TYPES = ("topup_online", "topup_transfer", "topup_cash")
# Money spent from the wallet: always negative. Refunds, transfers and corrections go both ways.
SPENDING_TYPES = ("meal", "photo_order", "sale", "invoice_payment")

PAYMENT_METHODS = [
    ("cash", "Cash"),
    ("bank_transfer", "Bank Transfer"),
    ("online", "Online Payment"),
    ("wallet", "Wallet"),
    ("other", "Other"),
]

# What an operation is never allowed to change after it was written.
LEDGER_FIELDS = {
    "wallet_id",
    "date",
    "amount",
    "operation_type",
    "payment_method",
    "origin_model",
    "origin_id",
    "origin_ref",
    "user_id",
    "reason",
    "move_id",
    "partner_id",
}


class SchoolWalletOperation(models.Model):
    """One line of the append-only wallet ledger. Operations are written by the
    wallet methods (``_credit``, ``_debit``, ``_transfer_to``) together with their
    journal entry; a mistake is fixed by a new operation of type correction."""

    _name = "school.wallet.operation"
    _description = "Wallet Operation"
    _order = "date desc, id desc"
    _rec_name = "operation_type"

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
        "account.move", string="Journal Entry", required=True, readonly=True, ondelete="restrict", index=True
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
    note = fields.Text()

    _sql_constraints = [
        ("amount_not_zero", "CHECK(amount <> 0)", "The amount of a wallet operation cannot be zero."),
        (
            "correction_has_reason",
            "CHECK(operation_type <> 'correction' OR (reason IS NOT NULL AND reason <> ''))",
            "A correction needs a reason.",
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
            if operation.move_id.company_id != operation.company_id:
                raise ValidationError(_("A wallet operation is posted in the school of its wallet."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_ledger(self):
        raise UserError(_("Wallet operations cannot be deleted: record a correction instead."))

    def write(self, vals):
        changed = LEDGER_FIELDS & set(vals)
        if changed:
            raise UserError(
                _(
                    "Wallet operations never change (%(fields)s): record a correction instead.",
                    fields=", ".join(sorted(changed)),
                )
            )
        return super().write(vals)
