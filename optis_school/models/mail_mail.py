from odoo import fields, models


class MailMail(models.Model):
    _inherit = "mail.mail"

    # Kept on the tracking record: the invitation mail itself is deleted once sent.
    school_invitation_id = fields.Many2one("school.parent.invitation", index="btree_not_null", ondelete="set null")

    def _tracking_email_prepare(self, email):
        values = super()._tracking_email_prepare(email)
        if self.school_invitation_id:
            values["school_invitation_id"] = self.school_invitation_id.id
        return values
