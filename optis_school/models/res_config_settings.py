from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    school_activation_validity_days = fields.Integer(
        related="company_id.school_activation_validity_days", readonly=False
    )
    school_invitation_validity_days = fields.Integer(
        related="company_id.school_invitation_validity_days", readonly=False
    )
    school_parent_account_mode = fields.Selection(related="company_id.school_parent_account_mode", readonly=False)
    school_portal_in_charge = fields.Boolean(related="company_id.school_portal_in_charge", readonly=False)
    school_portal_ticked = fields.Boolean(related="company_id.school_portal_ticked", readonly=False)
    school_parent_registration = fields.Boolean(related="company_id.school_parent_registration", readonly=False)
    school_parent_edit_health = fields.Boolean(related="company_id.school_parent_edit_health", readonly=False)
    school_activation_max_attempts = fields.Integer(
        string="Failed Code Attempts Before Lockout",
        config_parameter="optis_school.activation_max_attempts",
        default=5,
    )
    school_activation_lockout_minutes = fields.Integer(
        string="Lockout Window (minutes)",
        config_parameter="optis_school.activation_lockout_minutes",
        default=15,
    )
