from odoo import models


class ResPartner(models.Model):
    """Children and guardians serialize their interview bookings on their own row, so that a
    family is never booked twice at the same time (see ``school.interview``)."""

    _inherit = ["res.partner", "school.booking.lock.mixin"]
    _name = "res.partner"
