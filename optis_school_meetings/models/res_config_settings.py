from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    school_video_server_url = fields.Char(related="company_id.school_video_server_url", readonly=False)
