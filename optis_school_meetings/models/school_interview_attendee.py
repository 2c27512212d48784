from odoo import api, fields, models


class SchoolInterviewAttendee(models.Model):
    """A guardian attending an interview. The database refuses a guardian in two booked
    interviews at the same time, whichever child or teacher they are about: a family,
    siblings included, is never double-booked.

    The booking engine of ``school.interview`` alone creates, changes and deletes them.
    """

    _name = "school.interview.attendee"
    _inherit = ["school.booking.guard.mixin"]
    _description = "Interview Attendee"
    _order = "start, id"
    # Every field: an attendee is the engine's work (``school.booking.guard.mixin``).
    _booking_engine_fields = ("interview_id", "partner_id", "start", "stop", "state", "company_id")

    interview_id = fields.Many2one("school.interview", required=True, ondelete="cascade", index=True)
    partner_id = fields.Many2one("res.partner", string="Guardian", required=True, ondelete="restrict", index=True)
    start = fields.Datetime(related="interview_id.start", store=True)
    stop = fields.Datetime(related="interview_id.stop", store=True)
    state = fields.Selection(related="interview_id.state", store=True)
    company_id = fields.Many2one(related="interview_id.company_id", store=True)

    _sql_constraints = [
        (
            "guardian_no_overlap",
            "EXCLUDE USING gist (partner_id WITH =, tsrange(start, stop) WITH &&) "
            "WHERE (((state)::text = 'booked'::text))",
            "This family already has an interview at that time.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_booking_engine_fields(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_booking_engine_fields(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_booking_engine(self):
        self._check_booking_engine_fields(self._booking_engine_fields)
