from odoo import api, fields, models

DIFFERENCE_KINDS = [
    ("balance", "Stored Balance"),
    ("general_ledger", "General Ledger"),
]


class SchoolWalletLedgerCheckLine(models.Model):
    """One difference found by a ledger check."""

    _name = "school.wallet.ledger.check.line"
    _inherit = ["school.wallet.engine.mixin"]
    _description = "Wallet Ledger Difference"
    _order = "check_id, id"
    _engine_create_only = True

    check_id = fields.Many2one(
        "school.wallet.ledger.check", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="check_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="check_id.currency_id")
    kind = fields.Selection(DIFFERENCE_KINDS, required=True, readonly=True)
    description = fields.Char(readonly=True)
    wallet_id = fields.Many2one("school.wallet", readonly=True, ondelete="cascade")
    student_id = fields.Many2one("res.partner", readonly=True, ondelete="cascade")
    amount_recorded = fields.Monetary(
        string="Recorded", readonly=True, help="Stored balance, or general ledger liability + operations to post."
    )
    amount_expected = fields.Monetary(string="Sum of Operations", readonly=True)
    difference = fields.Monetary(compute="_compute_difference", store=True)

    @api.depends("amount_recorded", "amount_expected")
    def _compute_difference(self):
        for line in self:
            line.difference = line.amount_recorded - line.amount_expected
