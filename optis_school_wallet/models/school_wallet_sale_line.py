from odoo import api, fields, models


class SchoolWalletSaleLine(models.Model):
    """One article of a point of sale purchase: the lines of the sales journal."""

    _name = "school.wallet.sale.line"
    _inherit = ["school.wallet.engine.mixin"]
    _description = "Point of Sale Purchase Line"
    # Written with their sale by the device API, never changed.
    _engine_create_only = True
    _engine_unlink_only = True
    _order = "date desc, id"
    _rec_name = "article"

    sale_id = fields.Many2one("school.wallet.sale", required=True, readonly=True, index=True, ondelete="cascade")
    date = fields.Datetime(related="sale_id.date", store=True, index=True)
    device_id = fields.Many2one(related="sale_id.device_id", store=True, index=True)
    device_kind = fields.Selection(related="sale_id.device_id.kind", store=True, string="Device Kind")
    student_id = fields.Many2one(related="sale_id.student_id", store=True, index=True)
    wallet_id = fields.Many2one(related="sale_id.wallet_id", store=True)
    company_id = fields.Many2one(related="sale_id.company_id", store=True, index=True)
    state = fields.Selection(related="sale_id.state", store=True)
    currency_id = fields.Many2one(related="sale_id.currency_id")

    article = fields.Char(required=True, readonly=True)
    quantity = fields.Float(required=True, readonly=True, default=1.0, digits=(16, 3))
    price_unit = fields.Monetary(string="Unit Price", readonly=True)
    price_subtotal = fields.Monetary(string="Subtotal", compute="_compute_price_subtotal", store=True, aggregator="sum")

    @api.depends("quantity", "price_unit")
    def _compute_price_subtotal(self):
        for line in self:
            line.price_subtotal = line.currency_id.round(line.quantity * line.price_unit)
