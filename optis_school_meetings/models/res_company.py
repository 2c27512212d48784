import uuid

from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    school_video_server_url = fields.Char(
        string="Video Call Server",
        help="Address of the school's video call service (for example its own Jitsi Meet server): "
        "each video interview gets its own room there. Empty: video interviews get no link.",
    )

    def _get_interview_video_url(self):
        """A new room on the school's video server, or False when the school has none.

        :return: the room's address, hard to guess (a random name per interview)
        """
        self.ensure_one()
        if not self.school_video_server_url:
            return False
        return f"{self.school_video_server_url.rstrip('/')}/optis-{uuid.uuid4().hex}"
