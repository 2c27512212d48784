from datetime import date, datetime

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import request

from .interview import OptisParentPortalInterviews

PAST_APPOINTMENTS_SHOWN = 20


class OptisParentPortalAppointments(OptisParentPortalInterviews):
    """Desk appointments in the portal (enrolment, a talk with the secretariat...): a parent
    chooses a type, one of its free times in a week from the one slot engine, accepts the
    type's privacy notice and books, for themselves; they cancel before the type's cut-off
    and download an appointment as an ``.ics`` file.

    What a parent sees is decided by the record rules of the portal group: the types of
    their children's schools that are bookable by parents (meetings rights), and the
    appointments they booked. The visitor is always the logged-in user's partner, never a
    value of the form; the child, when the type asks for one, is one of their children at
    the type's school. Bookings and cancellations go through the booking engine with the
    visitors' rules (``as_visitor=True``).

    Messages come as short codes in the URL (``?success=booked``, ``?error=time``), whose
    texts are in the templates; the engine's refusals are shown on the page rendered by
    the POST itself, never carried by a URL.
    """

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "school_appointment_count" in counters:
            appointments = self._as_parent("school.appointment")
            values["school_appointment_count"] = (
                appointments.search_count(self._get_appointments_domain(upcoming=True))
                if request.env.user._is_portal() and appointments.has_access("read")
                else 0
            )
        return values

    def _get_appointments_domain(self, upcoming=None):
        """The appointments the user booked as a visitor: the coming booked ones, the others,
        or all (``upcoming`` True, False or None). For parents the record rules say the same."""
        domain = [("visitor_partner_id", "=", request.env.user.partner_id.id)]
        now = fields.Datetime.now()
        if upcoming:
            domain += [("state", "=", "booked"), ("start", ">=", now)]
        elif upcoming is False:
            domain += ["|", ("state", "!=", "booked"), ("start", "<", now)]
        return domain

    def _my_appointments(self, upcoming=None, limit=None):
        """The appointments the user booked as a visitor and may read (access rights,
        record rules): the coming booked ones by time, or the others most recent first.

        :param bool upcoming: True for the booked ones still to come, False for the others,
            None for all
        """
        appointments = self._as_parent("school.appointment")
        if not request.env.user._is_portal() or not appointments.has_access("read"):
            return appointments
        order = "start, id" if upcoming else "start desc, id desc"
        return appointments.search(self._get_appointments_domain(upcoming), order=order, limit=limit)

    def _my_appointment(self, appointment_id):
        """One of the user's appointments, or a 404."""
        appointment = self._my_appointments().filtered(lambda appointment: appointment.id == appointment_id)
        if not appointment:
            raise request.not_found()
        return appointment

    def _my_appointment_types(self):
        """The types the user may book (record rules: bookable by parents, at a school of
        a child whose link grants meetings rights)."""
        appointment_types = self._as_parent("school.appointment.type")
        if not request.env.user._is_portal() or not appointment_types.has_access("read"):
            return appointment_types
        return appointment_types.search([])

    def _my_appointment_type(self, appointment_type_id):
        """A type the user may book, or a 404."""
        appointment_type = self._my_appointment_types().filtered(lambda line: line.id == appointment_type_id)
        if not appointment_type:
            raise request.not_found()
        return appointment_type

    def _my_children_at(self, appointment_type):
        """The user's children (meetings rights) at the school of ``appointment_type``."""
        company = appointment_type.sudo().company_id
        return self._my_children().filtered(lambda child: child.company_id == company)

    @staticmethod
    def _parse_start(start):
        """The naive UTC start posted by a form, or None."""
        try:
            moment = datetime.fromisoformat(start or "")
        except ValueError:
            return None
        return moment if moment.tzinfo is None else None

    @http.route("/my/appointments", type="http", auth="user", website=True)
    def portal_my_appointments(self, success=None, error=None, **_kwargs):
        """The parent's coming and past desk appointments, and the types they may book.

        :param str success: code of the message to show (``cancelled``)
        :param str error: code of the error to show (none today)
        :return: the page
        """
        return self._render_appointments(success=success, error=error)

    def _render_appointments(self, success=None, error=None, booking_error=None):
        """The list of appointments.

        :param str booking_error: the booking engine's refusal, from the POST that renders
            this page (never from the URL)
        """
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "upcoming": self._my_appointments(upcoming=True).sudo(),
                "past": self._my_appointments(upcoming=False, limit=PAST_APPOINTMENTS_SHOWN).sudo(),
                "appointment_types": self._my_appointment_types().sudo(),
                "success": success,
                "error": error,
                "booking_error": booking_error,
                "page_name": "school_appointments",
            }
        )
        return request.render("optis_parent_portal.portal_my_appointments", values)

    @http.route("/my/appointments/type/<int:appointment_type_id>", type="http", auth="user", website=True)
    def portal_appointment_type(self, appointment_type_id, week=None, error=None, **_kwargs):
        """The free times of a type in one week, day by day, with the previous and next weeks.

        :param int appointment_type_id: a type the parent may book
        :param str week: a day of the week to show (``YYYY-MM-DD``); the current week otherwise
        :param str error: code of the error to show (``time``)
        :return: the page; 404 for a type the parent may not book
        """
        appointment_type = self._my_appointment_type(appointment_type_id)
        try:
            week_day = date.fromisoformat(week) if week else None
        except ValueError:
            week_day = None
        appointment_type_sudo = appointment_type.sudo()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "appointment_type": appointment_type_sudo,
                "slots": appointment_type_sudo._portal_get_week(week_day),
                "error": error,
                "page_name": "school_appointment_type",
            }
        )
        return request.render("optis_parent_portal.portal_appointment_type", values)

    @http.route(
        "/my/appointments/type/<int:appointment_type_id>/confirm",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def portal_appointment_confirm(self, appointment_type_id, start=None, **_kwargs):
        """The confirmation page of a chosen time: the type's privacy notice to accept and,
        when the type asks for it, the child.

        :param int appointment_type_id: a type the parent may book
        :param str start: ISO start (naive UTC) of one of its free times
        :return: the page (saying so when the time is no longer free); a redirection to the
            type's week with ``?error=time`` for an unreadable time; 404 for a type the
            parent may not book
        """
        appointment_type = self._my_appointment_type(appointment_type_id)
        moment = self._parse_start(start)
        if not moment:
            return self._redirect(f"/my/appointments/type/{appointment_type.id}", error="time")
        return self._render_confirm(appointment_type, moment)

    def _render_confirm(self, appointment_type, start, error=None, booking_error=None, student=None):
        """The confirmation page of ``start``.

        :param str error: code of the error to show (``gdpr``, ``child``)
        :param str booking_error: the booking engine's refusal, from the POST that renders
            this page (never from the URL)
        :param student: the child chosen in the refused form, chosen again
        """
        appointment_type_sudo = appointment_type.sudo()
        children = self._my_children_at(appointment_type) if appointment_type_sudo.ask_student else None
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "appointment_type": appointment_type_sudo,
                "start": start,
                "free": appointment_type_sudo._portal_is_free(start),
                "children": children,
                "student": student or (children if children and len(children) == 1 else None),
                "error": error,
                "booking_error": booking_error,
                "page_name": "school_appointment_confirm",
            }
        )
        return request.render("optis_parent_portal.portal_appointment_confirm", values)

    @http.route(
        "/my/appointments/type/<int:appointment_type_id>/book",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_appointment_book(self, appointment_type_id, start=None, student_id=None, accept_privacy=None, **_kw):
        """Book the chosen time for the logged-in parent.

        :param int appointment_type_id: a type the parent may book
        :param str start: ISO start (naive UTC) of one of its free times
        :param str student_id: id of one of the parent's children at the type's school,
            when the type asks for a child
        :param str accept_privacy: ticked (any value) when the parent accepts the privacy notice
        :return: a redirection to the appointment with ``?success=booked``; the confirmation
            page again with the refusal (privacy notice not accepted, no child chosen, the
            engine's refusal such as a time taken meanwhile); to the type's week with
            ``?error=time`` for an unreadable time; 404 for a type or child that is not the parent's
        """
        appointment_type = self._my_appointment_type(appointment_type_id)
        appointment_type_sudo = appointment_type.sudo()
        moment = self._parse_start(start)
        if not moment:
            return self._redirect(f"/my/appointments/type/{appointment_type.id}", error="time")
        student = None
        if appointment_type_sudo.ask_student:
            if student_id:
                if not str(student_id).isdigit():
                    raise request.not_found()
                student = self._my_children_at(appointment_type).filtered(lambda child: child.id == int(student_id))
                if not student:
                    raise request.not_found()
            else:
                return self._render_confirm(appointment_type, moment, error="child")
        if appointment_type_sudo.gdpr_text and not accept_privacy:
            return self._render_confirm(appointment_type, moment, error="gdpr", student=student)
        try:
            with request.env.cr.savepoint():
                appointment = (
                    request.env["school.appointment"]
                    .sudo()
                    ._portal_book(appointment_type_sudo, moment, request.env.user.partner_id, student)
                )
        except UserError as exception:
            return self._render_confirm(appointment_type, moment, booking_error=str(exception), student=student)
        return self._redirect(f"/my/appointments/{appointment.id}", success="booked")

    @http.route("/my/appointments/<int:appointment_id>", type="http", auth="user", website=True, methods=["GET"])
    def portal_my_appointment(self, appointment_id, success=None, **_kwargs):
        """One of the parent's appointments (the confirmation after booking).

        :param int appointment_id: an appointment the parent booked
        :param str success: code of the message to show (``booked``)
        :return: the page; 404 for any other appointment
        """
        appointment = self._my_appointment(appointment_id)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "appointment": appointment.sudo(),
                "success": success,
                "error": None,
                "booking_error": None,
                "page_name": "school_appointment",
            }
        )
        return request.render("optis_parent_portal.portal_my_appointment", values)

    @http.route(
        "/my/appointments/<int:appointment_id>/cancel", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_cancel_appointment(self, appointment_id, **_kwargs):
        """Cancel one of the parent's appointments, before the type's cut-off.

        :param int appointment_id: an appointment the parent booked
        :return: a redirection to the list with ``?success=cancelled``, or the list with the
            booking engine's refusal (past the cut-off, not booked); 404 for any other appointment
        """
        appointment = self._my_appointment(appointment_id)
        try:
            with request.env.cr.savepoint():
                appointment.sudo()._cancel(as_visitor=True)
        except UserError as exception:
            return self._render_appointments(booking_error=str(exception))
        return self._redirect("/my/appointments", success="cancelled")

    @http.route("/my/appointments/<int:appointment_id>/ics", type="http", auth="user", website=True, methods=["GET"])
    def portal_appointment_ics(self, appointment_id, **_kwargs):
        """The appointment as an iCalendar file (a cancelled one removes the event).

        :param int appointment_id: an appointment the parent booked
        :return: a ``text/calendar`` attachment; 404 for any other appointment
        """
        appointment = self._my_appointment(appointment_id)
        return request.make_response(
            appointment.sudo()._get_ics_file(),
            headers=[
                ("Content-Type", "text/calendar; charset=utf-8"),
                ("Content-Disposition", http.content_disposition(f"appointment-{appointment.id}.ics")),
            ],
        )
