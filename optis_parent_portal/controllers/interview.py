from datetime import datetime

from werkzeug import urls

from odoo import _, fields, http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class OptisParentPortalInterviews(CustomerPortal):
    """Parent-teacher interviews in the portal: the parent books, cancels and joins a
    waiting list through the booking engine with the parents' rules (``as_parent=True``).

    What a parent sees is decided by the record rules of the portal group (published
    periods; their own interviews), which follow the meetings rights of their guardian
    links; their children are those whose link grants these rights.
    """

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "school_interview_count" in counters:
            values["school_interview_count"] = (
                self._as_parent("school.interview").search_count([("state", "=", "booked")])
                if request.env.user._is_portal()
                else 0
            )
        return values

    def _my_children(self):
        """The children of the logged-in guardian whose link grants meetings rights (read in
        sudo: parents have no access to the links themselves, nor to their children's contacts)."""
        if not request.env.user._is_portal():
            return request.env["res.partner"]
        return request.env["school.guardian.link"]._get_students_granting(
            request.env.user.partner_id, "grants_meetings"
        )

    def _my_period(self, period_id):
        """A published period the parent may read (record rules), or a 404."""
        if not request.env.user._is_portal():
            raise request.not_found()
        period = self._as_parent("school.interview.period").search([("id", "=", period_id)])
        if not period:
            raise request.not_found()
        return period

    def _as_parent(self, model):
        """``model`` as the parent, in every school of theirs (record rules apply)."""
        return request.env[model].with_context(allowed_company_ids=request.env.user.company_ids.ids)

    def _redirect(self, path, **params):
        return request.redirect(f"{path}?{urls.url_encode(params)}" if params else path)

    @http.route("/my/interviews", type="http", auth="user", website=True)
    def portal_my_interviews(self, message=None, error=None, **_kwargs):
        is_parent = request.env.user._is_portal()
        interviews = self._as_parent("school.interview")
        periods = self._as_parent("school.interview.period")
        if is_parent:
            interviews = interviews.search([("state", "=", "booked")], order="start")
            periods = periods.search([("stop", ">", fields.Datetime.now())], order="start")
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "interviews": interviews.sudo(),
                "periods": periods.sudo(),
                "message": message,
                "error": error,
                "page_name": "school_interviews",
            }
        )
        return request.render("optis_parent_portal.portal_my_interviews", values)

    @http.route("/my/interviews/period/<int:period_id>", type="http", auth="user", website=True)
    def portal_my_interview_period(self, period_id, message=None, error=None, **_kwargs):
        period = self._my_period(period_id).sudo()
        children = self._my_children().filtered(lambda child: child.company_id == period.company_id)
        rows = []
        for child in children:
            school_class = child.school_class_id
            teachers = period.participation_ids
            if period.class_teachers_only:
                teachers = teachers.filtered(
                    lambda line, school_class=school_class: line.teacher_id
                    in school_class.teacher_ids | school_class.main_teacher_id
                )
            rows.append({"child": child, "teachers": teachers})
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "period": period,
                "rows": rows,
                "booking_open": period._is_booking_open(),
                "family_interviews": self._as_parent("school.interview")
                .search([("period_id", "=", period.id), ("state", "=", "booked")])
                .sudo(),
                "message": message,
                "error": error,
                "page_name": "school_interview_period",
            }
        )
        return request.render("optis_parent_portal.portal_my_interview_period", values)

    def _check_child_and_teacher(self, period, student_id, participation_id):
        """The parent's child and a teacher of the period from the posted ids, or a 404."""
        ids = {str(student_id), str(participation_id)}
        if not all(value.isdigit() for value in ids):
            raise request.not_found()
        child = self._my_children().filtered(lambda student: student.id == int(student_id))
        participation = period.sudo().participation_ids.filtered(lambda line: line.id == int(participation_id))
        if not child or not participation:
            raise request.not_found()
        return child, participation

    @http.route("/my/interviews/period/<int:period_id>/book", type="http", auth="user", website=True, methods=["POST"])
    def portal_book_interview(self, period_id, student_id=None, participation_id=None, start=None, mode=None, **_kw):
        period = self._my_period(period_id)
        child, participation = self._check_child_and_teacher(period, student_id, participation_id)
        path = f"/my/interviews/period/{period.id}"
        try:
            moment = datetime.fromisoformat(start or "")
        except ValueError:
            return self._redirect(path, error=_("Choose one of the times shown."))
        try:
            request.env["school.interview"].sudo()._book(
                participation,
                moment,
                child,
                request.env.user.partner_id,
                location_mode=mode if mode in ("in_person", "video") else None,
                as_parent=True,
            )
        except UserError as exception:
            return self._redirect(path, error=str(exception))
        return self._redirect(path, message=_("Booked: you will get a confirmation by mail."))

    @http.route("/my/interviews/period/<int:period_id>/wait", type="http", auth="user", website=True, methods=["POST"])
    def portal_join_waiting_list(self, period_id, student_id=None, participation_id=None, **_kw):
        period = self._my_period(period_id)
        child, participation = self._check_child_and_teacher(period, student_id, participation_id)
        path = f"/my/interviews/period/{period.id}"
        try:
            request.env["school.interview.wait"].sudo()._join(
                participation, child, request.env.user.partner_id, as_parent=True
            )
        except UserError as exception:
            return self._redirect(path, error=str(exception))
        return self._redirect(
            path, message=_("You are on the waiting list: a freed time is booked for you and mailed.")
        )

    @http.route("/my/interviews/<int:interview_id>/cancel", type="http", auth="user", website=True, methods=["POST"])
    def portal_cancel_interview(self, interview_id, **_kw):
        interview = (
            self._as_parent("school.interview").search([("id", "=", interview_id)])
            if request.env.user._is_portal()
            else request.env["school.interview"]
        )
        if not interview:
            raise request.not_found()
        try:
            interview.sudo()._cancel(as_parent=True)
        except UserError as exception:
            return self._redirect("/my/interviews", error=str(exception))
        return self._redirect("/my/interviews", message=_("The interview is cancelled."))
