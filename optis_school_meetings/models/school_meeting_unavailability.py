from odoo import fields, models


class SchoolMeetingUnavailability(models.Model):
    """A period when a counter is closed or an agent is away."""

    _name = "school.meeting.unavailability"
    _description = "Meeting Unavailability"
    _order = "start desc, id desc"
    _rec_name = "reason"

    reason = fields.Char(required=True)
    start = fields.Datetime(required=True)
    stop = fields.Datetime(required=True)
    counter_id = fields.Many2one("school.meeting.counter", ondelete="cascade", index=True)
    agent_id = fields.Many2one("school.meeting.agent", ondelete="cascade", index=True)
    user_id = fields.Many2one(related="agent_id.user_id", store=True, string="User")
    company_id = fields.Many2one(
        "res.company", string="School", required=True, default=lambda self: self.env.company, index=True
    )

    _sql_constraints = [
        ("dates_valid", "CHECK(start < stop)", "An unavailability must end after it starts."),
        (
            "counter_or_agent",
            "CHECK((counter_id IS NULL) != (agent_id IS NULL))",
            "An unavailability is either for a counter or for an agent.",
        ),
    ]
