from odoo import api, models


class ReportInterviewTeacherSchedule(models.AbstractModel):
    """The evening of each teacher. The participations are checked first: a teacher asking
    for a colleague's schedule gets an access error, not a half-rendered page."""

    _name = "report.optis_school_meetings.report_interview_teacher_schedule"
    _description = "Teacher Interview Schedule"

    @api.model
    def _get_report_values(self, docids, data=None):
        participations = self.env["school.interview.teacher"].browse(docids)
        participations.check_access("read")
        return {
            "doc_ids": participations.ids,
            "doc_model": "school.interview.teacher",
            "docs": participations,
        }
