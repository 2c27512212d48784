from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    school_meal_booking = fields.Boolean(related="company_id.school_meal_booking", readonly=False)
    school_meal_wallet_type_id = fields.Many2one(related="company_id.school_meal_wallet_type_id", readonly=False)
    school_meal_cutoff_rule = fields.Selection(related="company_id.school_meal_cutoff_rule", readonly=False)
    school_meal_cutoff_time = fields.Float(related="company_id.school_meal_cutoff_time", readonly=False)
    school_meal_cutoff_days = fields.Integer(related="company_id.school_meal_cutoff_days", readonly=False)
    school_meal_same_article_twice = fields.Boolean(related="company_id.school_meal_same_article_twice", readonly=False)
    school_meal_diet_policy = fields.Selection(related="company_id.school_meal_diet_policy", readonly=False)
    school_meal_absence_refund = fields.Selection(related="company_id.school_meal_absence_refund", readonly=False)
    school_meal_run_out_days = fields.Integer(related="company_id.school_meal_run_out_days", readonly=False)
