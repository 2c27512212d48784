from datetime import datetime

from odoo import _, http
from odoo.exceptions import UserError
from odoo.http import request

from ..tools import interview_ics
from .interview import OptisParentPortalInterviews


class OptisParentPortalInterviewMove(OptisParentPortalInterviews):
    """A parent moves one of their booked interviews to another free time of the same
    teacher (a page listing the free times, then the chosen one posted), through the
    booking engine with the parents' rules; and downloads it as an ``.ics`` file.

    Only the interviews of ``_my_interviews`` (the parent attends them, the record rules let
    them read them) are reachable: any other id answers 404.
    """

    def _my_interview(self, interview_id):
        """One of the parent's booked interviews, or a 404."""
        interview = self._my_interviews().filtered(lambda interview: interview.id == interview_id)
        if not interview:
            raise request.not_found()
        return interview

    @http.route("/my/interviews/<int:interview_id>/move", type="http", auth="user", website=True, methods=["GET"])
    def portal_move_interview_page(self, interview_id, error=None, **_kwargs):
        """The teacher's free times to move the interview to.

        :param int interview_id: an interview the parent attends
        :param str error: code of the error to show (``time``)
        :return: the page; 404 for any other interview
        """
        return self._render_move(self._my_interview(interview_id), error=error)

    def _render_move(self, interview, error=None, booking_error=None):
        """The move page of ``interview``.

        :param str booking_error: the booking engine's refusal, from the POST that renders
            this page (never from the URL)
        """
        interview = interview.sudo()
        period = interview.period_id
        booking_open = period._is_booking_open()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "interview": interview,
                "period": period,
                "booking_open": booking_open,
                "free": interview.participation_id._get_free_slots() if booking_open else [],
                "success": None,
                "error": error,
                "booking_error": booking_error,
                "page_name": "school_interview_move",
            }
        )
        return request.render("optis_parent_portal.portal_my_interview_move", values)

    @http.route(
        "/my/interviews/<int:interview_id>/move/confirm", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_move_interview(self, interview_id, start=None, **_kwargs):
        """Move the interview to the chosen free time of the same teacher.

        :param int interview_id: an interview the parent attends
        :param str start: ISO start of one of the teacher's free times
        :return: a redirection to the list with ``?success=moved`` (to the move page with
            ``?error=time`` for an unreadable time), or the move page with the booking
            engine's refusal; 404 for any other interview
        """
        interview = self._my_interview(interview_id)
        try:
            moment = datetime.fromisoformat(start or "")
        except ValueError:
            return self._redirect(f"/my/interviews/{interview.id}/move", error="time")
        try:
            with request.env.cr.savepoint():
                interview.sudo()._move(moment, as_parent=True)
        except UserError as exception:
            return self._render_move(interview, booking_error=str(exception))
        return self._redirect("/my/interviews", success="moved")

    @http.route("/my/interviews/<int:interview_id>/ics", type="http", auth="user", website=True, methods=["GET"])
    def portal_interview_ics(self, interview_id, **_kwargs):
        """The interview as an iCalendar file.

        :param int interview_id: an interview the parent attends
        :return: a ``text/calendar`` attachment; 404 for any other interview
        """
        interview = self._my_interview(interview_id).sudo()
        summary = _(
            "Interview with %(teacher)s about %(child)s",
            teacher=interview.teacher_name,
            child=interview.student_id.name,
        )
        content = interview_ics(interview, summary, request.httprequest.host.split(":")[0])
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "text/calendar; charset=utf-8"),
                ("Content-Disposition", http.content_disposition(f"interview-{interview.id}.ics")),
            ],
        )
