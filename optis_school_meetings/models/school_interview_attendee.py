from odoo import fields, models


class SchoolInterviewAttendee(models.Model):
    """A guardian attending an interview. The database refuses a guardian in two booked
    interviews at the same time, whichever child or teacher they are about: a family,
    siblings included, is never double-booked."""

    _name = "school.interview.attendee"
    _description = "Interview Attendee"
    _order = "start, id"

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
