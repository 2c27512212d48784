"""Desk appointments as staff book them (issue 10, section 4)."""

import json
from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, tagged, users

from .common import NOW, MeetingsCommon

MONDAY_9 = datetime(2025, 3, 24, 8)  # 9:00 in Brussels
TODAY_10 = datetime(2025, 3, 20, 9)  # Thursday 10:00 in Brussels, an hour after NOW
LATE_APRIL_10 = datetime(2025, 4, 28, 8)  # Monday 10:00 in Brussels (summer time), 39 days ahead


class DeskCommon(MeetingsCommon):
    def _visitor_mails(self, appointment):
        return (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "school.appointment"), ("res_id", "=", appointment.id)], order="id")
        )

    def _open_wizard(self, date_from, date_to, agent=None, counter=None):
        """The free-slot wizard as a receptionist fills it from the menu, after clicking Search."""
        wizard_form = Form(self.env["school.appointment.slot.wizard"])
        wizard_form.appointment_type_id = self.type_enrolment
        if agent:
            wizard_form.agent_id = agent
        if counter:
            wizard_form.counter_id = counter
        wizard_form.date_from = date_from
        wizard_form.date_to = date_to
        wizard = wizard_form.save()
        wizard.action_search_slots()
        return wizard

    def _book_in_form(self, start, agent):
        """A receptionist books in the appointment form."""
        form = Form(self.env["school.appointment"])
        form.appointment_type_id = self.type_enrolment
        form.agent_id = agent
        form.counter_id = self.counter
        form.visitor_partner_id = self.visitor
        form.start = start
        return form


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestStaffBooking(DeskCommon):
    """The minimum notice and the horizon are the rules of visitors booking themselves."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.type_enrolment.write({"min_notice_hours": 24.0, "horizon_days": 14})

    @users("meetings_receptionist")
    def test_receptionist_books_colleague_within_notice_and_beyond_horizon(self):
        for start in (TODAY_10, LATE_APRIL_10):
            form = self._book_in_form(start, self.agent_ben)
            self.assertFalse(form.availability_warning)
            appointment = form.save()
            self.assertEqual((appointment.state, appointment.agent_id), ("booked", self.agent_ben))
            self.assertFalse(appointment.outside_availability)
        # Inside the colleague's hours only: outside them, the override is the colleague's.
        form = self._book_in_form(datetime(2025, 3, 20, 15), self.agent_ben)
        self.assertIn("outside the availability", form.availability_warning)
        with self.assertRaisesRegex(UserError, "outside the availability"):
            form.save()
        # A time already passed is no booking.
        form = self._book_in_form(datetime(2025, 3, 19, 9), self.agent_ben)
        self.assertIn("already passed", form.availability_warning)
        with self.assertRaisesRegex(UserError, "already passed"):
            form.save()

    @users("meetings_receptionist")
    def test_free_slot_wizard_offers_staff_the_near_and_far_slots(self):
        wizard = self._open_wizard(date(2025, 3, 20), date(2025, 3, 20), agent=self.agent_ben)
        # From now on (9:00 in Brussels is now), not from tomorrow at this time.
        self.assertEqual(wizard.line_ids.mapped("start"), [NOW, TODAY_10, TODAY_10 + timedelta(hours=1)])
        wizard = self._open_wizard(date(2025, 4, 28), date(2025, 4, 28), agent=self.agent_ben)
        self.assertIn(LATE_APRIL_10, wizard.line_ids.mapped("start"))
        line = wizard.line_ids.filtered(lambda line: line.start == LATE_APRIL_10)
        action = line.action_book()
        appointment_form = Form(self.env[action["res_model"]].with_context(**action["context"]))
        appointment_form.visitor_partner_id = self.visitor
        appointment = appointment_form.save()
        self.assertEqual((appointment.state, appointment.start), ("booked", LATE_APRIL_10))

    def test_visitors_keep_notice_and_horizon(self):
        appointments = self.env["school.appointment"].sudo()
        visitor_vals = {"visitor_partner_id": self.visitor.id}
        with self.assertRaisesRegex(UserError, "24.0 hours in advance"):
            appointments._book(
                self.type_enrolment, TODAY_10, self.agent_ben, self.counter, visitor_vals, as_visitor=True
            )
        with self.assertRaisesRegex(UserError, "14 days ahead"):
            appointments._book(
                self.type_enrolment, LATE_APRIL_10, self.agent_ben, self.counter, visitor_vals, as_visitor=True
            )
        self.assertNotIn(
            TODAY_10, self._starts(self.type_enrolment._get_free_slots(TODAY_10, TODAY_10 + timedelta(hours=2)))
        )
        # A user who is not meetings staff is a visitor, whatever they pass.
        school_user_model = self.env["school.appointment"].with_user(self.user_school_user)
        self.assertFalse(school_user_model._is_meeting_staff())
        with self.assertRaisesRegex(UserError, "in advance"):
            school_user_model._check_and_lock_slot(
                self.type_enrolment, TODAY_10, TODAY_10 + timedelta(hours=1), self.agent_ben, self.counter, False
            )


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestDeskDeletion(DeskCommon):
    @users("meetings_meeting_admin")
    def test_booked_appointment_is_cancelled_not_deleted(self):
        appointment = self._book(MONDAY_9)
        with self.assertRaisesRegex(UserError, "Cancel them instead"):
            appointment.unlink()
        # Refused before anything is deleted: the chatter and the booking mail stay.
        self.assertTrue(appointment.exists())
        self.assertEqual(len(self._visitor_mails(appointment)), 1)
        self.assertTrue(appointment.message_ids)
        appointment.action_cancel()
        mails = self._visitor_mails(appointment)
        self.assertTrue(mails[-1].subject.startswith("Appointment cancelled"))
        appointment.unlink()
        self.assertFalse(appointment.exists())
        done = self._book(MONDAY_9)
        done.action_done()
        done.unlink()
        self.assertFalse(done.exists())

    @users("meetings_receptionist")
    def test_receptionist_cannot_delete(self):
        appointment = self._book(MONDAY_9)
        with self.assertRaises(AccessError):
            appointment.unlink()

    @users("meetings_meeting_admin")
    def test_type_with_past_appointments_is_archived_not_deleted(self):
        self._book(MONDAY_9)
        self._book(MONDAY_9 + timedelta(days=1))._cancel(as_visitor=False)
        with freeze_time(NOW + timedelta(days=30)):
            with self.assertRaisesRegex(UserError, "Archive it instead"):
                self.type_enrolment.unlink()
            self.type_enrolment.action_archive()
        self.assertFalse(self.type_enrolment.active)
        self.assertEqual(len(self.type_enrolment.with_context(active_test=False).appointment_ids), 2)
        # Only cancelled ones: history too.
        other = self.env["school.appointment.type"].create({"name": "Other", "company_id": self.company.id})
        self._book(MONDAY_9, appointment_type=other, agent=self.agent_ben, counter=self.counter_double)._cancel(
            as_visitor=False
        )
        with self.assertRaisesRegex(UserError, "Archive it instead"):
            other.unlink()
        unused = self.env["school.appointment.type"].create({"name": "Unused", "company_id": self.company.id})
        unused.unlink()
        self.assertFalse(unused.exists())


@tagged("post_install", "-at_install")
class TestDeskDeletionFromList(DeskCommon, HttpCase):
    def test_list_delete_says_cancel_instead(self):
        """The list's Delete action (``unlink`` over JSON-RPC) shows the message, not a crash."""
        now = datetime.now()
        next_monday_9 = (now + timedelta(days=7 - now.weekday())).replace(hour=8, minute=0, second=0, microsecond=0)
        appointment = self._book(next_monday_9)
        self.authenticate("meetings_meeting_admin", "meetings_meeting_admin")
        response = self.url_open(
            "/web/dataset/call_kw/school.appointment/unlink",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": "school.appointment",
                        "method": "unlink",
                        "args": [appointment.ids],
                        "kwargs": {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        error = response.json()["error"]["data"]
        self.assertEqual(error["name"], "odoo.exceptions.UserError")
        self.assertIn("Cancel them instead", error["message"])
        self.assertTrue(appointment.exists())


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestUnavailabilityOverBookings(DeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna_9 = cls._book_class(MONDAY_9, cls.agent_anna, cls.counter)
        cls.anna_10 = cls._book_class(MONDAY_9 + timedelta(hours=1), cls.agent_anna, cls.counter_double)
        cls.ben_9 = cls._book_class(MONDAY_9, cls.agent_ben, cls.counter_double)
        cls.anna_tuesday = cls._book_class(MONDAY_9 + timedelta(days=1), cls.agent_anna, cls.counter_double)

    @classmethod
    def _book_class(cls, start, agent, counter):
        return cls.env["school.appointment"]._book(
            cls.type_enrolment, start, agent, counter, {"visitor_partner_id": cls.visitor.id}
        )

    def _unavailability_form(self, **values):
        form = Form(self.env["school.meeting.unavailability"])
        form.reason = "Away"
        for name, value in values.items():
            setattr(form, name, value)
        form.start = MONDAY_9
        form.stop = MONDAY_9 + timedelta(hours=3)
        return form

    @users("meetings_receptionist")
    def test_absence_lists_bookings_and_cancels_them(self):
        form = self._unavailability_form(agent_id=self.agent_anna)
        # Warned before saving.
        self.assertEqual(form.appointment_count, 2)
        absence = form.save()
        self.assertEqual(absence.appointment_ids, self.anna_9 | self.anna_10)
        absence.action_cancel_appointments()
        for appointment in self.anna_9 | self.anna_10:
            self.assertEqual(appointment.state, "cancelled")
            self.assertTrue(self._visitor_mails(appointment)[-1].subject.startswith("Appointment cancelled"))
        self.assertEqual((self.ben_9.state, self.anna_tuesday.state), ("booked", "booked"))
        self.assertEqual(absence.appointment_count, 0)
        # The freed slots are not offered: she is away.
        slots = self.type_enrolment._get_free_slots(MONDAY_9, MONDAY_9 + timedelta(hours=3), agent=self.agent_anna)
        self.assertFalse(slots)

    @users("meetings_meeting_admin")
    def test_counter_closure_keeps_bookings(self):
        closure = self._unavailability_form(counter_id=self.counter_double).save()
        self.assertEqual(closure.appointment_ids, self.anna_10 | self.ben_9)
        self.assertEqual(closure.appointment_count, 2)
        closure.action_keep_appointments()
        self.assertEqual((self.anna_10.state, self.ben_9.state), ("booked", "booked"))
        self.assertEqual(len(self._visitor_mails(self.ben_9)), 1)
        self.assertEqual(closure.appointment_count, 0)
        self.assertEqual(closure.kept_appointment_ids, self.anna_10 | self.ben_9)
        # A longer closure warns about the newly hit appointments only.
        closure.stop = MONDAY_9 + timedelta(days=2)
        self.assertEqual(closure.appointment_ids, self.anna_tuesday)

    @users("meetings_meeting_admin")
    def test_closure_from_the_counter_form(self):
        with Form(self.counter_double) as counter_form, counter_form.unavailability_ids.new() as closure_form:
            closure_form.reason = "Renovation"
            closure_form.start = MONDAY_9
            closure_form.stop = MONDAY_9 + timedelta(hours=3)
            self.assertEqual(closure_form.appointment_count, 2)
        closure = self.counter_double.unavailability_ids
        action = closure.action_review_appointments()
        self.assertEqual((action["res_model"], action["res_id"]), (closure._name, closure.id))
        closure.action_cancel_appointments()
        self.assertEqual(
            (self.anna_10.state, self.ben_9.state, self.anna_9.state), ("cancelled", "cancelled", "booked")
        )

    @users("meetings_receptionist")
    def test_closure_is_not_a_receptionists(self):
        with self.assertRaises(AccessError):
            self._unavailability_form(counter_id=self.counter).save()


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestFreeSlotWizardByTime(DeskCommon):
    @users("meetings_receptionist")
    def test_a_time_once_with_its_agents_and_counters(self):
        wizard = self._open_wizard(date(2025, 3, 24), date(2025, 3, 28))
        # Monday to Friday, 9:00, 10:00 and 11:00: one line each, for two agents and two counters.
        self.assertEqual(len(wizard.line_ids), 15)
        self.assertEqual(len(set(wizard.line_ids.mapped("start"))), 15)
        for line in wizard.line_ids:
            self.assertEqual(line.agent_ids, self.agent_anna | self.agent_ben)
            self.assertEqual(line.counter_ids, self.counter | self.counter_double)
            self.assertEqual((line.agent_id, line.counter_id), (self.agent_anna, self.counter))

    @users("meetings_receptionist")
    def test_choose_agent_and_counter_when_booking(self):
        wizard = self._open_wizard(date(2025, 3, 24), date(2025, 3, 24))
        with Form(wizard) as wizard_form, wizard_form.line_ids.edit(0) as line_form:
            line_form.agent_id = self.agent_ben
            line_form.counter_id = self.counter_double
        line = wizard.line_ids[0]
        self.assertEqual(line.start, MONDAY_9)
        action = line.action_book()
        appointment_form = Form(self.env[action["res_model"]].with_context(**action["context"]))
        appointment_form.visitor_partner_id = self.visitor
        appointment = appointment_form.save()
        self.assertEqual(
            (appointment.start, appointment.agent_id, appointment.counter_id),
            (MONDAY_9, self.agent_ben, self.counter_double),
        )
        # Searching again: at 9:00 Anna only, at either counter (the double desk has a place left).
        wizard.action_search_slots()
        nine = wizard.line_ids.filtered(lambda line: line.start == MONDAY_9)
        self.assertEqual((nine.agent_ids, nine.agent_id), (self.agent_anna, self.agent_anna))
        self.assertEqual(nine.counter_ids, self.counter | self.counter_double)
        # An agent who is not free then is refused.
        nine.agent_id = self.agent_ben
        with self.assertRaisesRegex(UserError, "Choose one of the free agents"):
            nine.action_book()
