from odoo import _, fields, models
from odoo.exceptions import UserError


class SchoolWalletBankAssign(models.TransientModel):
    _name = "school.wallet.bank.assign"
    _description = "Assign a Bank Transfer to a Wallet"

    statement_line_id = fields.Many2one("account.bank.statement.line", string="Bank Transfer", required=True)
    company_id = fields.Many2one(related="statement_line_id.company_id")
    currency_id = fields.Many2one(related="statement_line_id.currency_id")
    amount = fields.Monetary(related="statement_line_id.amount")
    payment_ref = fields.Char(related="statement_line_id.payment_ref", string="Label")
    match_reason = fields.Char(related="statement_line_id.optis_wallet_match_reason", string="Reason")
    wallet_id = fields.Many2one(
        "school.wallet", string="Wallet to Credit", required=True, domain="[('company_id', '=', company_id)]"
    )

    def action_assign(self):
        """Credit the chosen wallet with the transfer, as the automatic matching does.

        :raise UserError: the transfer was already credited or reconciled
        """
        self.ensure_one()
        if not self.env.user.has_group("optis_school.group_school_bursar"):
            raise UserError(_("Only bursars assign bank transfers to wallets."))
        self.wallet_id.check_access("read")
        self.statement_line_id.sudo()._optis_wallet_credit(self.wallet_id.sudo())
        return {"type": "ir.actions.act_window_close"}
