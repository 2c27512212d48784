from odoo import fields, models


class SchoolMeetingCounter(models.Model):
    """A desk ("guichet") where appointments take place, several at a time up to its capacity."""

    _name = "school.meeting.counter"
    _inherit = ["school.booking.lock.mixin"]
    _description = "Meeting Counter"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", string="School", required=True, default=lambda self: self.env.company, index=True
    )
    capacity = fields.Integer(default=1, required=True, help="Number of appointments held here at the same time.")
    appointment_type_ids = fields.Many2many(
        "school.appointment.type",
        string="Appointment Types",
        check_company=True,
        help="Types of appointment held at this counter; leave empty for all types.",
    )
    unavailability_ids = fields.One2many("school.meeting.unavailability", "counter_id", string="Closures")

    _sql_constraints = [
        ("capacity_positive", "CHECK(capacity >= 1)", "A counter must hold at least one appointment at a time."),
    ]

    def write(self, vals):
        self.env["school.appointment"]._check_configuration_frozen(self, "counter_id", vals, ["company_id"])
        return super().write(vals)

    def _serves(self, appointment_type):
        """Whether appointment_type is held at this counter."""
        self.ensure_one()
        return not self.appointment_type_ids or appointment_type in self.appointment_type_ids
