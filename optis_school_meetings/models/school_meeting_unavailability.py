from odoo import Command, api, fields, models


class SchoolMeetingUnavailability(models.Model):
    """A period when a counter is closed or an agent is away.

    It hides the slots it covers from then on; the appointments already booked in it stay
    booked until somebody decides: the form lists them (``appointment_ids``) and offers to
    cancel them, mailing the visitors, or to keep them.
    """

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

    # Booked appointments it hits, but for those somebody chose to keep.
    appointment_ids = fields.Many2many(
        "school.appointment",
        string="Booked Appointments Hit",
        compute="_compute_appointment_ids",
        help="Appointments still booked with this agent or at this counter during this period.",
    )
    appointment_count = fields.Integer(string="Appointments Hit", compute="_compute_appointment_ids")
    kept_appointment_ids = fields.Many2many(
        "school.appointment",
        relation="school_meeting_unavailability_kept_rel",
        string="Appointments Kept",
        copy=False,
        help="Appointments hit by this period that were kept on purpose.",
    )

    _sql_constraints = [
        ("dates_valid", "CHECK(start < stop)", "An unavailability must end after it starts."),
        (
            "counter_or_agent",
            "CHECK((counter_id IS NULL) != (agent_id IS NULL))",
            "An unavailability is either for a counter or for an agent.",
        ),
    ]

    @api.depends("agent_id", "counter_id", "start", "stop", "kept_appointment_ids")
    @api.depends_context("uid")
    def _compute_appointment_ids(self):
        # One search for the batch, then each period's own in Python. In a form, the agent
        # or counter may be new records (the period edited inside their form): their origin.
        periods = self.filtered(
            lambda period: period.start
            and period.stop
            and period.start < period.stop
            and (period.agent_id or period.counter_id)
        )
        appointments = self.env["school.appointment"]
        if periods:
            appointments = appointments.search(
                [
                    ("state", "=", "booked"),
                    ("stop", ">", max(fields.Datetime.now(), min(periods.mapped("start")))),
                    ("start", "<", max(periods.mapped("stop"))),
                    "|",
                    ("agent_id", "in", periods.agent_id._origin.ids),
                    ("counter_id", "in", periods.counter_id._origin.ids),
                ]
            )
        for period in self:
            hit = appointments.browse()
            if period in periods:
                hit = appointments.filtered(
                    lambda appointment, period=period: appointment.start < period.stop
                    and appointment.stop > period.start
                    and (
                        (period.agent_id and appointment.agent_id == period.agent_id._origin)
                        or (period.counter_id and appointment.counter_id == period.counter_id._origin)
                    )
                )
            period.appointment_ids = hit - period.kept_appointment_ids
            period.appointment_count = len(period.appointment_ids)

    def action_review_appointments(self):
        """Open this period's form, where the booked appointments it hits are listed with
        the choice to cancel or keep them (from the agent's or the counter's form).

        :return: the action of the form, in a dialog
        """
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "name": self.reason,
        }

    def action_cancel_appointments(self):
        """Cancel the booked appointments this period hits, through the booking engine:
        the slots are freed and each visitor gets the cancellation mail.

        :raise UserError: an appointment cannot be cancelled by the current user
        """
        self.appointment_ids.action_cancel()
        return True

    def action_keep_appointments(self):
        """Keep the booked appointments this period hits: they stay booked, and the period
        no longer warns about them."""
        for period in self:
            period.kept_appointment_ids = [Command.link(appointment.id) for appointment in period.appointment_ids]
        return True
