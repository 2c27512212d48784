from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.school_wallet_settlement import SETTLEMENT_METHODS


class SchoolWalletSettle(models.TransientModel):
    """A student leaves the school: the bursar refunds, moves or donates what is left on
    their wallets, which then close."""

    _name = "school.wallet.settle"
    _description = "Settle the Wallets of a Leaving Student"

    student_id = fields.Many2one(
        "res.partner", required=True, readonly=True, ondelete="cascade", domain="[('is_student', '=', True)]"
    )
    company_id = fields.Many2one(related="student_id.company_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    wallet_ids = fields.Many2many(
        "school.wallet",
        string="Wallets",
        compute="_compute_wallet_ids",
        store=True,
        readonly=False,
        domain="[('student_id', '=', student_id), ('state', '=', 'open')]",
    )
    balance = fields.Monetary(compute="_compute_balance", help="What is left on the wallets to settle.")
    method = fields.Selection(
        SETTLEMENT_METHODS,
        string="Settle By",
        required=True,
        compute="_compute_method",
        store=True,
        readonly=False,
        precompute=True,
    )
    payer_ids = fields.Many2many("res.partner", string="Paying Guardians", compute="_compute_payer_ids")
    guardian_id = fields.Many2one(
        "res.partner",
        string="Refund To",
        compute="_compute_guardian_id",
        store=True,
        readonly=False,
        domain="[('id', 'in', payer_ids)]",
    )
    bank_account_id = fields.Many2one(
        "res.partner.bank",
        compute="_compute_bank_account_id",
        store=True,
        readonly=False,
        domain="[('partner_id', '=', guardian_id)]",
    )
    sibling_ids = fields.Many2many("res.partner", string="Siblings", compute="_compute_sibling_ids")
    sibling_id = fields.Many2one(
        "res.partner",
        compute="_compute_sibling_id",
        store=True,
        readonly=False,
        domain="[('id', 'in', sibling_ids)]",
    )

    @api.depends("student_id")
    def _compute_wallet_ids(self):
        for wizard in self:
            if not wizard.wallet_ids:
                wizard.wallet_ids = wizard.student_id.school_wallet_ids.filtered(lambda wallet: wallet.state == "open")

    @api.depends("wallet_ids")
    def _compute_balance(self):
        for wizard in self:
            wizard.balance = sum(wizard.wallet_ids._origin.mapped("balance"))

    @api.depends("student_id")
    def _compute_method(self):
        for wizard in self:
            wizard.method = wizard.student_id.school_wallet_settlement_method or "refund"

    @api.depends("student_id")
    def _compute_payer_ids(self):
        for wizard in self:
            wizard.payer_ids = wizard.student_id.student_guardian_link_ids.filtered("is_payer").guardian_id

    @api.depends("student_id")
    def _compute_guardian_id(self):
        for wizard in self:
            payers = wizard.student_id.student_guardian_link_ids.filtered("is_payer").guardian_id
            wizard.guardian_id = (
                wizard.student_id.school_wallet_refund_guardian_id
                or payers.filtered(wizard.student_id._school_wallet_refund_bank_account)[:1]
                or payers[:1]
            )

    @api.depends("guardian_id")
    def _compute_bank_account_id(self):
        for wizard in self:
            wizard.bank_account_id = wizard.student_id._school_wallet_refund_bank_account(wizard.guardian_id)

    @api.depends("student_id")
    def _compute_sibling_ids(self):
        for wizard in self:
            guardians = wizard.student_id.student_guardian_link_ids.guardian_id
            wizard.sibling_ids = (guardians.guardian_student_link_ids.student_id - wizard.student_id).filtered(
                lambda sibling, wizard=wizard: sibling.company_id == wizard.company_id
            )

    @api.depends("student_id")
    def _compute_sibling_id(self):
        for wizard in self:
            wizard.sibling_id = wizard.student_id.school_wallet_sibling_id or wizard.sibling_ids[:1]

    def action_settle(self):
        """Settle and close the chosen wallets.

        :return: a notification of what was done
        :raise AccessError: the user is not a bursar
        :raise UserError: see ``school.wallet._settle``
        """
        self.ensure_one()
        if not self.wallet_ids:
            raise UserError(_("%(student)s has no open wallet to settle.", student=self.student_id.name))
        operations = self.wallet_ids._settle(
            self.method,
            guardian=self.guardian_id if self.method == "refund" else None,
            bank_account=self.bank_account_id if self.method == "refund" else None,
            sibling=self.sibling_id if self.method == "sibling" else None,
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "%(count)s wallets of %(student)s closed (%(operations)s operations).",
                    count=len(self.wallet_ids),
                    student=self.student_id.name,
                    operations=len(operations),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
