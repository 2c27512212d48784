import base64
from datetime import datetime, timedelta

from freezegun import freeze_time
from psycopg2 import errors as pgerrors

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged, users
from odoo.tools import mute_logger

from .common import NOW, MeetingsCommon

MONDAY_9 = datetime(2025, 3, 24, 8)  # 9:00 in Brussels


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestBooking(MeetingsCommon):
    def _visitor_mails(self, appointment):
        """Mails queued for the visitor about this appointment, oldest first."""
        return (
            self.env["mail.mail"]
            .sudo()
            .search(
                [("model", "=", "school.appointment"), ("res_id", "=", appointment.id)],
                order="id",
            )
            .filtered(lambda mail: self.visitor in mail.recipient_ids)
        )

    def _messages(self, appointment, subject_start):
        return appointment.message_ids.filtered(lambda message: (message.subject or "").startswith(subject_start))

    @users("meetings_receptionist")
    def test_book_creates_event_and_one_mail(self):
        appointment = self._book(MONDAY_9)
        self.assertEqual(appointment.stop, MONDAY_9 + timedelta(hours=1))
        self.assertEqual(appointment.state, "booked")
        event = appointment.calendar_event_id.sudo()
        self.assertEqual((event.start, event.stop), (appointment.start, appointment.stop))
        self.assertEqual(event.partner_ids, self.visitor | self.user_receptionist.partner_id)
        self.assertEqual(event.user_id, self.user_receptionist)
        self.assertEqual(event.location, "Desk")
        # Our confirmation with the .ics, and no invitation mail from calendar.
        mails = self._visitor_mails(appointment)
        self.assertEqual(len(mails), 1)
        self.assertTrue(mails.subject.startswith("Appointment confirmed"))
        self.assertEqual(mails.attachment_ids.mapped("name"), ["appointment.ics"])
        self.assertFalse(
            self.env["mail.mail"].sudo().search([("model", "=", "calendar.event"), ("res_id", "=", event.id)])
        )
        self.assertEqual(len(self._messages(appointment, "Appointment confirmed")), 1)

    def test_book_by_name_creates_or_reuses_visitor(self):
        vals = {"visitor_name": "New Parent", "visitor_email": "new.parent@example.com", "visitor_phone": "0470"}
        first = self.env["school.appointment"]._book(self.type_enrolment, MONDAY_9, self.agent_anna, self.counter, vals)
        second = self.env["school.appointment"]._book(
            self.type_enrolment, MONDAY_9, self.agent_ben, self.counter_double, vals
        )
        self.assertTrue(first.visitor_partner_id)
        self.assertEqual(first.visitor_partner_id, second.visitor_partner_id)
        self.assertEqual(first.visitor_partner_id.email, "new.parent@example.com")
        self.assertEqual(first.name, "Enrolment - New Parent")

    def test_taken_slot_is_refused(self):
        self._book(MONDAY_9)
        with self.assertRaisesRegex(UserError, "already has an appointment"):
            self._book(MONDAY_9 + timedelta(minutes=30))
        with self.assertRaisesRegex(UserError, "full"):
            self._book(MONDAY_9, agent=self.agent_ben)
        # Back to back is fine.
        self._book(MONDAY_9 + timedelta(hours=1))

    @users("meetings_receptionist")
    def test_outside_availability_warns_then_agent_overrides_own(self):
        evening = datetime(2025, 3, 24, 17)
        with self.assertRaisesRegex(UserError, "outside the availability of"):
            self._book(evening)
        appointment = self._book(evening, allow_outside_availability=True)
        self.assertTrue(appointment.outside_availability)
        # The override never allows a double booking.
        with self.assertRaisesRegex(UserError, "already has an appointment"):
            self._book(evening, counter=self.counter_double, allow_outside_availability=True)

    @users("meetings_receptionist")
    def test_cross_agent_only_inside_availability(self):
        """Anna books for Ben inside Ben's availability, never outside it."""
        appointment = self._book(MONDAY_9, agent=self.agent_ben)
        self.assertEqual(appointment.agent_id, self.agent_ben)
        with self.assertRaises(AccessError):
            self._book(datetime(2025, 3, 24, 17), agent=self.agent_ben, allow_outside_availability=True)

    @users("meetings_meeting_admin")
    def test_administrator_overrides_for_anybody(self):
        appointment = self._book(datetime(2025, 3, 24, 17), agent=self.agent_ben, allow_outside_availability=True)
        self.assertTrue(appointment.outside_availability)

    def test_unavailability_notice_and_horizon_need_override(self):
        self.env["school.meeting.unavailability"].create(
            {
                "reason": "Away",
                "agent_id": self.agent_anna.id,
                "company_id": self.company.id,
                "start": MONDAY_9,
                "stop": MONDAY_9 + timedelta(hours=3),
            }
        )
        with self.assertRaisesRegex(UserError, "is unavailable"):
            self._book(MONDAY_9)
        self.type_enrolment.write({"min_notice_hours": 24, "horizon_days": 14})
        # Notice and horizon: the rules of visitors booking themselves (staff: test_desk_staff).
        with self.assertRaisesRegex(UserError, "in advance"):
            self._book(datetime(2025, 3, 20, 9), agent=self.agent_ben, as_visitor=True)
        with self.assertRaisesRegex(UserError, "days ahead"):
            self._book(datetime(2025, 4, 28, 8), agent=self.agent_ben, as_visitor=True)

    def test_move_mails_the_visitor_note_does_not(self):
        appointment = self._book(MONDAY_9)
        self.assertEqual(len(self._visitor_mails(appointment)), 1)

        appointment.note = "Bring the report card"
        appointment.counter_id = self.counter_double
        self.assertEqual(len(self._visitor_mails(appointment)), 1)
        self.assertEqual(len(appointment.message_ids.filtered(lambda message: message.message_type == "comment")), 1)

        appointment._move(MONDAY_9 + timedelta(days=1))
        mails = self._visitor_mails(appointment)
        self.assertEqual(len(mails), 2)
        self.assertTrue(mails[-1].subject.startswith("Appointment changed"))
        self.assertEqual(mails[-1].attachment_ids.mapped("name"), ["appointment.ics"])
        self.assertEqual(appointment.stop, MONDAY_9 + timedelta(days=1, hours=1))
        self.assertEqual(appointment.calendar_event_id.start, MONDAY_9 + timedelta(days=1))
        # The old slot is free again, the new one is taken.
        self._book(MONDAY_9)
        with self.assertRaises(UserError):
            self._book(MONDAY_9 + timedelta(days=1))

        other_type = self.type_enrolment.copy({"name": "Re-enrolment"})
        appointment.appointment_type_id = other_type
        self.assertEqual(len(self._visitor_mails(appointment)), 3)

    def test_move_to_taken_slot_is_refused(self):
        appointment = self._book(MONDAY_9)
        self._book(MONDAY_9 + timedelta(hours=1))
        with self.assertRaisesRegex(UserError, "already has an appointment"):
            appointment._move(MONDAY_9 + timedelta(hours=1))
        self.assertEqual(appointment.start, MONDAY_9)

    @users("meetings_receptionist")
    def test_cancel_frees_slot_removes_event_and_mails(self):
        appointment = self._book(MONDAY_9)
        event = appointment.calendar_event_id
        appointment.action_cancel()
        self.assertEqual(appointment.state, "cancelled")
        self.assertFalse(event.exists())
        mails = self._visitor_mails(appointment)
        self.assertEqual(len(mails), 2)
        self.assertTrue(mails[-1].subject.startswith("Appointment cancelled"))
        # Both mails carry the appointment's .ics, with one UID: the cancellation's removes
        # the event the visitor added from the confirmation.
        booked_ics, cancelled_ics = (base64.b64decode(mail.attachment_ids.datas).decode() for mail in mails)
        uid = f"UID:school-appointment-{appointment.id}@"
        self.assertIn(uid, booked_ics)
        self.assertIn(uid, cancelled_ics)
        self.assertIn("METHOD:PUBLISH", booked_ics)
        self.assertIn("METHOD:CANCEL", cancelled_ics)
        self.assertIn("STATUS:CANCELLED", cancelled_ics)
        self.assertIn("DTSTART:20250324T080000Z", cancelled_ics)
        self._book(MONDAY_9)
        with self.assertRaisesRegex(UserError, "cannot be moved"):
            appointment._move(MONDAY_9 + timedelta(hours=1))

    def test_cancellation_cutoff_for_visitors_only(self):
        tomorrow = datetime(2025, 3, 21, 8)
        first = self._book(tomorrow)
        with freeze_time(NOW + timedelta(hours=4)), self.assertRaisesRegex(UserError, "24.0 hours before"):
            first.sudo()._cancel(as_visitor=True)
        # The agent cancels whatever the cut-off.
        first.with_user(self.user_receptionist).action_cancel()
        self.assertEqual(first.state, "cancelled")
        later = self._book(MONDAY_9)
        later.sudo()._cancel(as_visitor=True)
        self.assertEqual(later.state, "cancelled")

    def test_form_warns_before_saving(self):
        form = Form(self.env["school.appointment"].with_user(self.user_receptionist))
        form.appointment_type_id = self.type_enrolment
        form.agent_id = self.agent_anna
        form.counter_id = self.counter
        form.visitor_partner_id = self.visitor
        form.start = datetime(2025, 3, 24, 17)
        self.assertIn("outside the availability", form.availability_warning)
        self.assertEqual(form.visitor_name, "Victor Visitor")
        form.start = MONDAY_9
        self.assertFalse(form.availability_warning)
        appointment = form.save()
        self.assertEqual(appointment.stop, MONDAY_9 + timedelta(hours=1))

    def test_type_with_upcoming_appointments_cannot_be_deleted(self):
        self._book(MONDAY_9)
        with self.assertRaisesRegex(UserError, "still to come"):
            self.type_enrolment.unlink()
        self.assertEqual(self.type_enrolment.upcoming_appointment_count, 1)
        unused = self.type_enrolment.copy({"name": "Unused"})
        unused.unlink()
        self.assertFalse(unused.exists())

    def test_database_refuses_overlap_for_one_agent(self):
        """Last guard: the exclusion constraint, even when the checks are bypassed."""
        appointment = self._book(MONDAY_9)
        self.env.flush_all()
        with mute_logger("odoo.sql_db"), self.assertRaises(pgerrors.ExclusionViolation), self.env.cr.savepoint():
            self.env.cr.execute(
                """INSERT INTO school_appointment (appointment_type_id, agent_id, counter_id, company_id, start, stop,
                       occupied_start, occupied_stop, visitor_name, state)
                   SELECT appointment_type_id, agent_id, %s, company_id, start + interval '30 minutes',
                       stop, occupied_start + interval '30 minutes', occupied_stop, 'Intruder', 'booked'
                   FROM school_appointment WHERE id = %s""",
                [self.counter_double.id, appointment.id],
            )

    def test_counter_capacity_at_least_one(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(pgerrors.CheckViolation), self.env.cr.savepoint():
            self.counter.capacity = 0
            self.env.flush_all()

    def test_agent_role_sets_group(self):
        admin_group = self.env.ref("optis_school_meetings.group_meeting_admin")
        self.assertNotIn(admin_group, self.user_receptionist.groups_id)
        self.agent_anna.role = "administrator"
        self.assertIn(admin_group, self.user_receptionist.groups_id)
        self.agent_anna.role = "receptionist"
        self.assertNotIn(admin_group, self.user_receptionist.groups_id)
