from odoo import api, fields, models


class ReportInterviewFamilySchedule(models.AbstractModel):
    """The interviews of each guardian: of one period when the report is printed from it
    (``data['period_id']``), else every booked interview still to come."""

    _name = "report.optis_school_meetings.report_interview_family_schedule"
    _description = "Family Interview Schedule"

    @api.model
    def _get_report_values(self, docids, data=None):
        guardians = self.env["res.partner"].browse(docids)
        period = self.env["school.interview.period"].browse((data or {}).get("period_id"))
        domain = [("state", "=", "booked"), ("attendee_ids.partner_id", "in", guardians.ids)]
        if period:
            domain.append(("period_id", "=", period.id))
        else:
            domain.append(("start", ">=", fields.Datetime.now()))
        interviews = self.env["school.interview"].search(domain, order="start, id")
        return {
            "doc_ids": guardians.ids,
            "doc_model": "res.partner",
            "docs": guardians,
            "period": period,
            "interviews_by_guardian": {
                guardian.id: interviews.filtered(lambda interview: guardian in interview.attendee_ids.partner_id)
                for guardian in guardians
            },
        }
