from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError


class SchoolWalletCorrection(models.TransientModel):
    """A bursar's correction of a wallet balance: a ``correction`` operation written by the
    wallet engine, with its journal entry, never a change of the stored balance."""

    _name = "school.wallet.correction"
    _description = "Wallet Balance Correction"

    wallet_id = fields.Many2one("school.wallet", required=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="wallet_id.currency_id")
    balance = fields.Monetary(related="wallet_id.balance", string="Current Balance")
    direction = fields.Selection(
        [("add", "Add to the Balance"), ("remove", "Remove from the Balance")], required=True, default="add"
    )
    amount = fields.Monetary(required=True)
    reason = fields.Char(required=True, help="Why the balance is corrected: kept on the operation.")

    def action_confirm(self):
        """Write the correction through the wallet engine and go back to the wallet.

        :raise AccessError: the user is not a bursar, or may not change the wallet
        :raise UserError: non-positive amount, no reason, insufficient balance to remove
        """
        self.ensure_one()
        if not self.env.user.has_group("optis_school.group_school_bursar"):
            raise AccessError(_("Only bursars correct wallet balances."))
        self.wallet_id.check_access("write")
        if not (self.reason or "").strip():
            raise UserError(_("A correction needs a reason."))
        if self.currency_id.compare_amounts(self.amount, 0) <= 0:
            raise UserError(_("The amount of a correction must be positive; choose whether to add or remove it."))
        engine_method = self.wallet_id._credit if self.direction == "add" else self.wallet_id._debit
        engine_method(self.amount, "correction", payment_method="other", reason=self.reason.strip())
        return {"type": "ir.actions.act_window_close"}
