from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import local_to_utc


def _format_hour(hour):
    """A float hour of the day (17.5) as hh:mm (17:30)."""
    return "{:02d}:{:02d}".format(*divmod(round(hour * 60), 60))


class SchoolInterviewBlock(models.Model):
    """Time of an interview period when a teacher takes no interview."""

    _name = "school.interview.block"
    _description = "Teacher Unavailability during Interviews"
    _order = "participation_id, hour_from, id"

    participation_id = fields.Many2one("school.interview.teacher", required=True, ondelete="cascade", index=True)
    period_id = fields.Many2one(related="participation_id.period_id", store=True, index=True)
    teacher_id = fields.Many2one(related="participation_id.teacher_id", store=True)
    company_id = fields.Many2one(related="participation_id.company_id", store=True)
    hour_from = fields.Float(string="From", required=True)
    hour_to = fields.Float(string="To", required=True)
    reason = fields.Char()
    start = fields.Datetime(compute="_compute_start_stop", store=True)
    stop = fields.Datetime(compute="_compute_start_stop", store=True)

    _sql_constraints = [
        ("hours_valid", "CHECK(hour_from < hour_to)", "An unavailable time must end after it starts."),
    ]

    @api.depends("hour_from", "hour_to", "reason")
    def _compute_display_name(self):
        for block in self:
            hours = "-".join(_format_hour(hour) for hour in (block.hour_from, block.hour_to))
            block.display_name = f"{hours} {block.reason}" if block.reason else hours

    @api.depends("hour_from", "hour_to", "period_id.date", "period_id.timezone")
    def _compute_start_stop(self):
        for block in self:
            if block.period_id.date:
                period = block.period_id
                block.start = local_to_utc(period.timezone, period.date, block.hour_from)
                block.stop = local_to_utc(period.timezone, period.date, block.hour_to)
            else:
                block.start = block.stop = False

    @api.constrains("hour_from", "hour_to", "participation_id")
    def _check_within_period(self):
        for block in self:
            period = block.period_id
            if block.hour_from < period.hour_from or block.hour_to > period.hour_to:
                block_hours = "-".join(_format_hour(hour) for hour in (block.hour_from, block.hour_to))
                period_from, period_to = _format_hour(period.hour_from), _format_hour(period.hour_to)
                raise ValidationError(
                    _(
                        "The unavailable time %(block)s of %(teacher)s is outside the hours of %(period)s "
                        "(%(hour_from)s-%(hour_to)s): block a time within the period.",
                        block=block_hours,
                        teacher=block.teacher_id.name,
                        period=period.name,
                        hour_from=period_from,
                        hour_to=period_to,
                    )
                )

    @api.constrains("start", "stop", "participation_id")
    def _check_no_booked_interview(self):
        for block in self:
            if self.env["school.interview"].search_count(
                [
                    ("participation_id", "=", block.participation_id.id),
                    ("state", "=", "booked"),
                    ("start", "<", block.stop),
                    ("stop", ">", block.start),
                ],
                limit=1,
            ):
                raise ValidationError(
                    _(
                        "%(teacher)s has interviews booked during this time: cancel or move them first.",
                        teacher=block.teacher_id.name,
                    )
                )
