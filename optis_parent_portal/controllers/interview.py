from datetime import datetime

from werkzeug import urls

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class OptisParentPortalInterviews(CustomerPortal):
    """Parent-teacher interviews in the portal: the parent books, cancels and joins a
    waiting list through the booking engine with the parents' rules (``as_parent=True``).

    What a parent sees is decided by the record rules of the portal group (published
    periods; their own interviews), which follow the meetings rights of their guardian
    links; their children are those whose link grants these rights.

    Messages come as short codes in the URL (``?success=booked``, ``?error=time``), whose
    texts are in the templates; an unknown code shows nothing. When the booking engine
    refuses a request, its explanation (e.g. the teacher's next free times) is shown on the
    page rendered by the POST itself, never carried by a URL.
    """

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "school_interview_count" in counters:
            interviews = self._as_parent("school.interview")
            values["school_interview_count"] = (
                interviews.search_count(self._get_interviews_domain()) if interviews.has_access("read") else 0
            )
        return values

    def _get_interviews_domain(self):
        """The booked interviews the user attends (as a guardian): their attendee rows are
        read in sudo (parents may not read them); what they may read is left to the rules."""
        attendees = (
            request.env["school.interview.attendee"]
            .sudo()
            .search([("partner_id", "=", request.env.user.partner_id.id)])
        )
        students = request.env["school.guardian.link"]._get_students_granting(
            request.env.user.partner_id, "grants_meetings"
        )
        return [("state", "=", "booked"), ("id", "in", attendees.interview_id.ids), ("student_id", "in", students.ids)]

    def _my_interviews(self):
        """The booked interviews the user attends and may read (access rights, record rules)."""
        interviews = self._as_parent("school.interview")
        if not interviews.has_access("read"):
            return interviews
        return interviews.search(self._get_interviews_domain(), order="start")

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

    def _redirect(self, path, **codes):
        """Back to ``path`` with message codes (``success``/``error``), never their texts."""
        return request.redirect(f"{path}?{urls.url_encode(codes)}" if codes else path)

    @http.route("/my/interviews", type="http", auth="user", website=True)
    def portal_my_interviews(self, success=None, error=None, **_kwargs):
        """The parent's booked interviews and the parents' evenings open for booking.

        :param str success: code of the message to show (``cancelled``)
        :param str error: code of the error to show (none today)
        :return: the page
        """
        return self._render_interviews(success=success, error=error)

    def _render_interviews(self, success=None, error=None, booking_error=None):
        """The list of interviews.

        :param str booking_error: the booking engine's refusal, from the POST that renders
            this page (never from the URL)
        """
        periods = self._as_parent("school.interview.period")
        # Evenings planned from wishes: those the parent may give wishes for now.
        wish_rounds = self._as_parent("school.interview.round")
        if request.env.user._is_portal():
            periods = periods.search([("stop", ">", fields.Datetime.now())], order="start")
            wish_rounds = wish_rounds.search([("state", "=", "open")], order="id")
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "interviews": self._my_interviews().sudo(),
                "periods": periods.sudo(),
                "wish_rounds": wish_rounds.sudo(),
                "success": success,
                "error": error,
                "booking_error": booking_error,
                "page_name": "school_interviews",
            }
        )
        return request.render("optis_parent_portal.portal_my_interviews", values)

    @http.route("/my/interviews/period/<int:period_id>", type="http", auth="user", website=True)
    def portal_my_interview_period(self, period_id, success=None, error=None, **_kwargs):
        """The free times of the teachers of the parent's children in a parents' evening.

        :param int period_id: a published period
        :param str success: code of the message to show (``booked``, ``waiting``)
        :param str error: code of the error to show (``time``)
        :return: the page; 404 for a period the parent may not read
        """
        return self._render_period(self._my_period(period_id), success=success, error=error)

    def _render_period(self, period, success=None, error=None, booking_error=None):
        """The booking page of ``period``.

        :param str booking_error: the booking engine's refusal, from the POST that renders
            this page (never from the URL)
        """
        period = period.sudo()
        rows = []
        for child in self._my_children().filtered(lambda child: child.company_id == period.company_id):
            school_class = child.school_class_id
            teachers = period.participation_ids
            if period.class_teachers_only:
                teachers = teachers.filtered(
                    lambda line, school_class=school_class: line.teacher_id
                    in school_class.teacher_ids | school_class.main_teacher_id
                )
            rows.append({"child": child, "teachers": teachers})
        participations = period.participation_ids.browse()
        for row in rows:
            participations |= row["teachers"]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "period": period,
                "rows": rows,
                # every teacher's free times at once: a few queries whatever the number of
                # children and teachers (one call per child and teacher made the page slow)
                "free_slots": participations._get_free_slots_by_participation(),
                "booking_open": period._is_booking_open(),
                "family_interviews": self._as_parent("school.interview")
                .search([("period_id", "=", period.id), ("state", "=", "booked")])
                .sudo(),
                "success": success,
                "error": error,
                "booking_error": booking_error,
                "page_name": "school_interview_period",
            }
        )
        return request.render("optis_parent_portal.portal_my_interview_period", values)

    def _check_child_and_teacher(self, period, student_id, participation_id):
        """The parent's child at the period's school and a teacher of the period from the
        posted ids, or a 404 (the booking engine refuses a child of another school too)."""
        ids = {str(student_id), str(participation_id)}
        if not all(value.isdigit() for value in ids):
            raise request.not_found()
        child = self._my_children().filtered(
            lambda student: student.id == int(student_id) and student.company_id == period.sudo().company_id
        )
        participation = period.sudo().participation_ids.filtered(lambda line: line.id == int(participation_id))
        if not child or not participation:
            raise request.not_found()
        return child, participation

    @http.route("/my/interviews/period/<int:period_id>/book", type="http", auth="user", website=True, methods=["POST"])
    def portal_book_interview(self, period_id, student_id=None, participation_id=None, start=None, mode=None, **_kw):
        """Book an interview for the parent's family.

        :param int period_id: a published period
        :param str student_id: id of the parent's child at the period's school
        :param str participation_id: id of a teacher of the period
        :param str start: ISO start of one of the teacher's free times
        :param str mode: ``in_person`` or ``video`` when the teacher lets parents choose
        :return: a redirection with ``?success=booked`` (``?error=time`` for an unreadable
            time), or the page with the booking engine's refusal; 404 for ids that are not
            the parent's
        """
        period = self._my_period(period_id)
        child, participation = self._check_child_and_teacher(period, student_id, participation_id)
        path = f"/my/interviews/period/{period.id}"
        try:
            moment = datetime.fromisoformat(start or "")
        except ValueError:
            return self._redirect(path, error="time")
        try:
            with request.env.cr.savepoint():
                request.env["school.interview"].sudo()._book(
                    participation,
                    moment,
                    child,
                    request.env.user.partner_id,
                    location_mode=mode if mode in ("in_person", "video") else None,
                    as_parent=True,
                )
        except UserError as exception:
            return self._render_period(period, booking_error=str(exception))
        return self._redirect(path, success="booked")

    @http.route("/my/interviews/period/<int:period_id>/wait", type="http", auth="user", website=True, methods=["POST"])
    def portal_join_waiting_list(self, period_id, student_id=None, participation_id=None, **_kw):
        """Put the parent's family on the waiting list of a fully booked teacher.

        :param int period_id: a published period
        :param str student_id: id of the parent's child at the period's school
        :param str participation_id: id of a teacher of the period
        :return: a redirection with ``?success=waiting``, or the page with the booking
            engine's refusal; 404 for ids that are not the parent's
        """
        period = self._my_period(period_id)
        child, participation = self._check_child_and_teacher(period, student_id, participation_id)
        try:
            with request.env.cr.savepoint():
                request.env["school.interview.wait"].sudo()._join(
                    participation, child, request.env.user.partner_id, as_parent=True
                )
        except UserError as exception:
            return self._render_period(period, booking_error=str(exception))
        return self._redirect(f"/my/interviews/period/{period.id}", success="waiting")

    @http.route("/my/interviews/<int:interview_id>/cancel", type="http", auth="user", website=True, methods=["POST"])
    def portal_cancel_interview(self, interview_id, **_kw):
        """Cancel one of the parent's interviews, while booking is open.

        :param int interview_id: an interview the parent attends
        :return: a redirection with ``?success=cancelled``, or the list with the booking
            engine's refusal; 404 for any other interview
        """
        interview = self._my_interviews().filtered(lambda interview: interview.id == interview_id)
        if not interview:
            raise request.not_found()
        try:
            with request.env.cr.savepoint():
                interview.sudo()._cancel(as_parent=True)
        except UserError as exception:
            return self._render_interviews(booking_error=str(exception))
        return self._redirect("/my/interviews", success="cancelled")
