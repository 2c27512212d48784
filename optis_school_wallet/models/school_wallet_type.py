from odoo import fields, models


class SchoolWalletType(models.Model):
    _name = "school.wallet.type"
    _description = "Wallet Type"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", string="School", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    # Rules
    overdraft_limit = fields.Monetary(
        default=0.0,
        help="How far below zero a wallet of this type may go. 0: a debit never makes the balance negative.",
    )
    income_account_id = fields.Many2one(
        "account.account",
        check_company=True,
        domain="[('internal_group', '=', 'income')]",
        help="Counterpart of the wallet account for meals, sales and other spending from the wallet.",
    )

    _sql_constraints = [
        ("overdraft_limit_positive", "CHECK(overdraft_limit >= 0)", "The overdraft limit cannot be negative."),
    ]
