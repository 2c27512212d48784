from odoo import api, models


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model
    def signup(self, values, token=None):
        """A school invitation's link works once: it is marked used when the password is set."""
        invitation = self.env["school.parent.invitation"]._find_by_token(token) if token else None
        result = super().signup(values, token=token)
        if invitation:
            invitation._mark_used()
        return result
