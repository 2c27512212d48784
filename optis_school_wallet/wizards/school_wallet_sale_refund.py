from odoo import _, api, fields, models
from odoo.exceptions import AccessError


class SchoolWalletSaleRefund(models.TransientModel):
    """A bursar refunds a sale, in full or in part: a refund operation on its wallet,
    capped by the sale at what is left to refund."""

    _name = "school.wallet.sale.refund"
    _description = "Point of Sale Purchase Refund"

    sale_id = fields.Many2one("school.wallet.sale", required=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="sale_id.currency_id")
    amount_total = fields.Monetary(related="sale_id.amount_total")
    amount_refunded = fields.Monetary(related="sale_id.amount_refunded")
    amount = fields.Monetary(
        compute="_compute_amount",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        help="By default, what is left.",
    )
    reason = fields.Char()

    @api.depends("sale_id")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.sale_id.amount_total - wizard.sale_id.amount_refunded

    def action_confirm(self):
        """Refund the amount through the sale (``school.wallet.sale._refund``).

        :raise AccessError: the user is not a bursar, or may not change the sale
        :raise UserError: nothing left to refund, amount not in (0, left]
        """
        self.ensure_one()
        if not self.env.user.has_group("optis_school.group_school_bursar"):
            raise AccessError(_("Only bursars refund sales."))
        self.sale_id.check_access("write")
        self.sale_id._refund(self.amount, reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
