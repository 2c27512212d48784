from odoo import api, fields, models
from odoo.exceptions import UserError


class SchoolWalletTopupTransfer(models.TransientModel):
    """What a parent needs to top up a wallet by bank transfer: the school's IBAN, the
    wallet's permanent structured communication and an EPC QR code for banking apps."""

    _name = "school.wallet.topup.transfer"
    _description = "Wallet Top-up by Bank Transfer"

    wallet_id = fields.Many2one("school.wallet", required=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="wallet_id.currency_id")
    amount = fields.Monetary(help="Leave empty to let the payer choose the amount.")

    # Instructions
    bank_account_id = fields.Many2one("res.partner.bank", compute="_compute_instructions")
    beneficiary = fields.Char(compute="_compute_instructions")
    communication = fields.Char(related="wallet_id.communication", string="Structured Communication")
    qr_code = fields.Char(compute="_compute_instructions", string="EPC QR Code")
    error = fields.Char(compute="_compute_instructions")

    @api.depends("wallet_id", "amount")
    def _compute_instructions(self):
        for wizard in self:
            bank_account = wizard.wallet_id.company_id._school_wallet_topup_bank_account()
            wizard.bank_account_id = bank_account
            wizard.beneficiary = bank_account.acc_holder_name or bank_account.partner_id.name
            wizard.qr_code = False
            wizard.error = False
            if not wizard.wallet_id:
                continue
            try:
                wizard.qr_code = wizard.wallet_id._get_topup_transfer_qr_code(wizard.amount or None)
            except UserError as error:
                wizard.error = error.args[0]
