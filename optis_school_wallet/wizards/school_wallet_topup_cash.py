from odoo import _, api, fields, models
from odoo.exceptions import UserError


class SchoolWalletTopupCash(models.TransientModel):
    """Cash brought to the desk: the bursar credits the wallet and prints a receipt."""

    _name = "school.wallet.topup.cash"
    _description = "Wallet Cash Top-up"

    wallet_id = fields.Many2one("school.wallet", required=True, readonly=True, ondelete="cascade")
    student_id = fields.Many2one(related="wallet_id.student_id")
    currency_id = fields.Many2one(related="wallet_id.currency_id")
    amount = fields.Monetary(required=True)
    payer_id = fields.Many2one(
        "res.partner",
        string="Paid By",
        compute="_compute_payer_id",
        store=True,
        readonly=False,
        domain="[('id', 'in', guardian_ids)]",
    )
    guardian_ids = fields.Many2many("res.partner", compute="_compute_guardian_ids")
    note = fields.Char()

    @api.depends("wallet_id")
    def _compute_payer_id(self):
        for wizard in self:
            if not wizard.payer_id:
                links = wizard.wallet_id.student_id.student_guardian_link_ids
                wizard.payer_id = links.filtered("is_payer")[:1].guardian_id

    @api.depends("wallet_id")
    def _compute_guardian_ids(self):
        for wizard in self:
            wizard.guardian_ids = wizard.wallet_id.student_id.student_guardian_link_ids.guardian_id

    def action_confirm(self):
        """Credit the wallet with the cash, open the receipt and publish it in the payer's
        documents in the portal (with the child's documents).

        :return: the receipt report action
        :raise UserError: non-positive amount, no cash journal, archived wallet
        """
        self.ensure_one()
        if self.currency_id.compare_amounts(self.amount, 0) <= 0:
            raise UserError(_("The amount of a cash top-up must be positive."))
        company = self.wallet_id.company_id
        journal = company._school_wallet_cash_journal()
        receipt_number = self.env["ir.sequence"].with_company(company).sudo().next_by_code("school.wallet.cash.receipt")
        operation = self.wallet_id._credit(
            self.amount,
            "topup_cash",
            counterpart_account=journal.default_account_id,
            payment_method="cash",
            origin_ref=receipt_number,
            note=self.note,
            partner=self.payer_id,
        )
        report = self.env.ref("optis_school_wallet.action_report_wallet_cash_receipt")
        operation._publish_cash_receipt(report, self.payer_id)
        return report.report_action(operation)
