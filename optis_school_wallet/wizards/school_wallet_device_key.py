from odoo import fields, models


class SchoolWalletDeviceKey(models.TransientModel):
    """Shows a new device API key once: only its hash is stored on the device, and this
    transient record is only readable by the user who generated it (and vacuumed)."""

    _name = "school.wallet.device.key"
    _description = "New Device API Key"
    _transient_max_hours = 0.1

    device_id = fields.Many2one("school.wallet.device", required=True, readonly=True, ondelete="cascade")
    api_key = fields.Char(string="API Key", readonly=True)
