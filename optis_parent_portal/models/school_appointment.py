from datetime import datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date, format_datetime


class SchoolAppointmentType(models.Model):
    _inherit = "school.appointment.type"

    def _portal_timezone(self):
        """The time zone parents read this type's times in: the school's, else its agents'
        (whose availabilities are in their own time zone), else UTC."""
        self.ensure_one()
        return self.company_id.partner_id.tz or self._get_agents()[:1]._get_timezone() or "UTC"

    def _portal_format_time(self, moment):
        """``moment`` (naive UTC) as a full date and time in the type's time zone."""
        return _format_time(self.env, moment, self._portal_timezone())

    def _portal_get_week(self, week=None):
        """The free times parents may book in one week, from the one slot engine with the
        public rules (minimum notice, horizon: ``as_visitor=True``).

        Several agents or counters free at one time make one time: the booking takes the
        first of them (``school.appointment._portal_book``).

        :param date week: a day of the week to show (school's time zone); the current week
            when empty; clamped to the weeks between today and the booking horizon
        :return: dict ``days`` [(day label, [(naive UTC start, hh:mm label)])] of the days
            with free times, in the type's time zone; ``week``, the label of its Monday;
            ``previous`` and ``next``, the Mondays around, or None outside the bookable weeks
        """
        self.ensure_one()
        timezone_name = self._portal_timezone()
        timezone = pytz.timezone(timezone_name)
        today = pytz.utc.localize(fields.Datetime.now()).astimezone(timezone).date()
        first_week = today - timedelta(days=today.weekday())
        last_day = today + timedelta(days=self.horizon_days)
        last_week = last_day - timedelta(days=last_day.weekday())
        monday = (week or today) - timedelta(days=(week or today).weekday())
        monday = min(max(monday, first_week), last_week)

        def to_utc(day):
            return timezone.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)

        starts_by_day = {}
        for slot in self._get_free_slots(to_utc(monday), to_utc(monday + timedelta(days=7)), as_visitor=True):
            day = pytz.utc.localize(slot["start"]).astimezone(timezone).date()
            starts = starts_by_day.setdefault(day, [])
            if not starts or starts[-1] != slot["start"]:
                starts.append(slot["start"])
        return {
            "days": [
                (
                    format_date(self.env, day, date_format="EEEE d MMMM"),
                    [
                        (start, format_datetime(self.env, start, tz=timezone_name, dt_format="HH:mm"))
                        for start in starts
                    ],
                )
                for day, starts in sorted(starts_by_day.items())
            ],
            "week": format_date(self.env, monday, date_format="EEEE d MMMM"),
            "previous": monday - timedelta(days=7) if monday > first_week else None,
            "next": monday + timedelta(days=7) if monday < last_week else None,
        }

    def _portal_is_free(self, start):
        """Whether ``start`` (naive UTC) is one of the free times parents may book now."""
        self.ensure_one()
        stop = start + timedelta(hours=self.duration)
        return any(slot["start"] == start for slot in self._get_free_slots(start, stop, as_visitor=True))


class SchoolAppointment(models.Model):
    _inherit = "school.appointment"

    def _portal_format_time(self):
        """The start as a full date and time in the appointment's time zone (its agent's)."""
        self.ensure_one()
        return _format_time(self.env, self.start, self.timezone)

    def _portal_can_cancel(self):
        """Whether the visitor may still cancel it themselves (booked, before the type's cut-off)."""
        self.ensure_one()
        cutoff = self.start - timedelta(hours=self.appointment_type_id.cancel_cutoff_hours)
        return self.state == "booked" and fields.Datetime.now() <= cutoff

    @api.model
    def _portal_book(self, appointment_type, start, guardian, student=None):
        """Book ``appointment_type`` at ``start`` for ``guardian``, who books themselves in the
        portal: the first agent and counter free at that time, the type's public rules
        (notice, horizon) applied by the booking engine, which cannot overbook.

        Called in sudo by the portal: the caller has checked that the type is one the
        guardian may book, that ``guardian`` is the logged-in user's partner and that
        ``student`` is one of their children at the type's school.

        :param appointment_type: a ``school.appointment.type`` bookable by parents
        :param datetime start: naive UTC start of one of the free times
        :param guardian: the ``res.partner`` of the logged-in guardian (the visitor)
        :param student: the child the appointment is about (a ``res.partner``), or empty
        :return: the new ``school.appointment``
        :raise UserError: the time is no longer free (or never was), the guardian already
            has an appointment then, or the type needs a child and none is given
        """
        if appointment_type.ask_student and not student:
            raise UserError(_("Choose the child the appointment is about."))
        stop = start + timedelta(hours=appointment_type.duration)
        # One parent, one desk appointment at a time: their bookings wait for each other
        # (the lock of interview bookings), then see the one before.
        self.env["school.booking.partner.lock"].sudo()._lock_partners(guardian)
        if self.sudo().search_count(
            [
                ("visitor_partner_id", "=", guardian.id),
                ("state", "=", "booked"),
                ("start", "<", stop),
                ("stop", ">", start),
            ],
            limit=1,
        ):
            raise UserError(_("You already have an appointment at that time."))
        slots = [
            slot for slot in appointment_type._get_free_slots(start, stop, as_visitor=True) if slot["start"] == start
        ]
        if not slots:
            raise UserError(_("This time is no longer free: please choose another one."))
        return self._book(
            appointment_type,
            start,
            slots[0]["agent"],
            slots[0]["counter"],
            {"visitor_partner_id": guardian.id, "student_id": student.id if student else False},
            as_visitor=True,
        )


def _format_time(env, moment, timezone_name):
    """``moment`` (naive UTC) as weekday, day, month, year and hh:mm in ``timezone_name``."""
    return format_datetime(env, moment, tz=timezone_name, dt_format="EEEE d MMMM y, HH:mm")
