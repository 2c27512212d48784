from odoo import models


class PortalWizardUser(models.TransientModel):
    _inherit = "portal.wizard.user"

    def _send_email(self):
        # The school's invitation (school.parent.invitation) is sent instead of the portal's welcome.
        if self.env.context.get("optis_school_invitation"):
            return True
        return super()._send_email()
