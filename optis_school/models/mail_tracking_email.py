from odoo import fields, models


class MailTrackingEmail(models.Model):
    _inherit = "mail.tracking.email"

    school_invitation_id = fields.Many2one(
        "school.parent.invitation",
        string="Parent Invitation",
        index="btree_not_null",
        ondelete="cascade",
        readonly=True,
    )
