from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class SchoolMeetingAvailability(models.Model):
    """A weekly range when an agent receives visitors, in the agent's time zone."""

    _name = "school.meeting.availability"
    _description = "Agent Availability"
    _order = "agent_id, hour_from, id"

    agent_id = fields.Many2one("school.meeting.agent", required=True, ondelete="cascade", index=True)
    user_id = fields.Many2one(related="agent_id.user_id", store=True, string="User")
    company_id = fields.Many2one(related="agent_id.company_id", store=True)

    # Days of the week
    monday = fields.Boolean(default=True)
    tuesday = fields.Boolean(default=True)
    wednesday = fields.Boolean(default=True)
    thursday = fields.Boolean(default=True)
    friday = fields.Boolean(default=True)
    saturday = fields.Boolean()
    sunday = fields.Boolean()

    # Hours, local to the agent
    # No sum in a grouped list: "From 21:30 To 27:00" means nothing.
    hour_from = fields.Float(string="From", required=True, default=8.0, aggregator=False)
    hour_to = fields.Float(string="To", required=True, default=12.0, aggregator=False)
    appointment_type_ids = fields.Many2many(
        "school.appointment.type",
        string="Appointment Types",
        help="Types offered in this range; leave empty for all types.",
    )
    date_from = fields.Date(string="Valid From")
    date_to = fields.Date(string="Valid Until")
    can_edit = fields.Boolean(
        compute="_compute_can_edit",
        help="Whether the current user may change this range (receptionists change their own only).",
    )

    _sql_constraints = [
        (
            "hours_valid",
            "CHECK(hour_from >= 0 AND hour_to <= 24 AND hour_from < hour_to)",
            "An availability goes from an hour to a later hour of the same day (0:00 to 24:00).",
        ),
        (
            "dates_valid",
            "CHECK(date_from IS NULL OR date_to IS NULL OR date_from <= date_to)",
            "An availability cannot end before it starts.",
        ),
    ]

    @api.depends("agent_id")
    @api.depends_context("uid")
    def _compute_can_edit(self):
        # The record rules decide, on the saved rows; a row not saved yet is the user's to fill in.
        writable = self._origin._filtered_access("write")
        may_create = self.browse().has_access("create")
        for availability in self:
            origin = availability._origin
            availability.can_edit = origin in writable if origin else may_create

    @api.constrains(*WEEKDAY_FIELDS)
    def _check_weekdays(self):
        for availability in self:
            if not any(availability[field_name] for field_name in WEEKDAY_FIELDS):
                raise ValidationError(_("An availability needs at least one day of the week."))

    def _serves(self, appointment_type):
        """Whether appointment_type may be booked in this range."""
        self.ensure_one()
        return not self.appointment_type_ids or appointment_type in self.appointment_type_ids

    def _applies_on(self, day):
        """Whether this range applies on ``day`` (a date in the agent's time zone)."""
        self.ensure_one()
        return (
            self[WEEKDAY_FIELDS[day.weekday()]]
            and (not self.date_from or self.date_from <= day)
            and (not self.date_to or day <= self.date_to)
        )
