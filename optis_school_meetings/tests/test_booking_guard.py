from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import NOW as MEETINGS_NOW
from .common import MeetingsCommon
from .interview_common import EVENING, NOW, InterviewCommon, utc

EVENING_LATER = EVENING + timedelta(days=7)

MONDAY_9 = datetime(2025, 3, 24, 8)  # 9:00 in Brussels

# What a forged call is refused with: the guard of the model, or the ACL for a role
# that may not write at all.
REFUSED = UserError  # AccessError is a UserError
# The context keys a caller of the external API may send: none opens the guard.
FORGED_CONTEXTS = ({}, {"school_booking_engine": True}, {"school_booking_engine": "<booking engine>"})


def forged_value(record, name):
    """A plausible forged value of field ``name`` of ``record``, different from its value."""
    field = record._fields[name]
    value = record[name]
    if field.type == "many2one":
        return record.env[field.comodel_name].sudo().search([("id", "!=", value.id)], limit=1).id
    if field.type == "one2many":
        return [Command.clear()]
    if field.type == "datetime":
        return (value or datetime(2025, 3, 27, 16)) + timedelta(minutes=25)
    if field.type == "selection":
        return next(key for key, _label in field._description_selection(record.env) if key != value)
    if field.type == "boolean":
        return not value
    return "https://forged.example/room"


def snapshot(record):
    """The record's values of the guarded fields, as stored."""
    record.invalidate_recordset()
    return {name: record[name] for name in record._booking_engine_fields}


class BookingGuardMixin:
    def _assert_forged_writes_refused(self, record, users, fields_to_forge, extra_checks=None):
        """Every forged write of ``fields_to_forge`` by every user (and in sudo), with any
        context a caller could send, is refused and changes nothing."""
        before = snapshot(record)
        for user in users:
            for context in FORGED_CONTEXTS:
                as_user = record.with_user(user).with_context(**context) if user else record.sudo()
                for name in fields_to_forge:
                    with self.subTest(user=user and user.login or "sudo", field=name, context=context):
                        with self.assertRaises(REFUSED), self.env.cr.savepoint():
                            as_user.write({name: forged_value(record, name)})
                            as_user.env.flush_all()
        self.assertEqual(snapshot(record), before)
        if extra_checks:
            extra_checks()


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestInterviewBookingGuard(BookingGuardMixin, InterviewCommon):
    """Interviews are booked, moved and cancelled by the engine only, whoever calls."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.user_admin = mail_new_test_user(
            cls.env, login="guard_meeting_admin", groups="optis_school_meetings.group_meeting_admin", **company
        )
        cls.user_receptionist = mail_new_test_user(
            cls.env, login="guard_receptionist", groups="optis_school_meetings.group_meeting_receptionist", **company
        )
        cls.teacher_1.write({"email": "tina@example.com", "password": "tina-secret-1"})
        cls.user_teacher = cls.teacher_1.user_id

    def setUp(self):
        super().setUp()
        self.alice_tina = self._book(self.part_1, utc(16), self.alice, self.mum)
        self.carl_tom = self._book(self.part_2, utc(16), self.carl, self.carol)

    def _assert_no_overlap(self):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT count(*) FROM school_interview_attendee a JOIN school_interview_attendee b
                 ON a.partner_id = b.partner_id AND a.id < b.id AND a.state = 'booked' AND b.state = 'booked'
                AND a.start < b.stop AND b.start < a.stop"""
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0, "no family in two interviews at once")
        self.env.cr.execute(
            """SELECT count(*) FROM school_interview a JOIN school_interview b
                 ON a.teacher_id = b.teacher_id AND a.id < b.id AND a.state = 'booked' AND b.state = 'booked'
                AND a.start < b.stop AND b.start < a.stop"""
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0, "no teacher in two interviews at once")

    def test_forged_writes_refused(self):
        interview = self.alice_tina
        derived = [name for name in interview._booking_engine_fields if name != "location_mode"]
        # The booking inputs are a move through the engine: a forged slot is refused there.
        forged_moves = {
            "participation_id": self.part_2.id,  # Tom Two is busy at 16:00
            "start": utc(16, 5),  # not an interview time
            "student_id": self.carl.id,  # Mum is not Carl's guardian
            "guardian_id": self.carol.id,  # Carol is not Alice's guardian
        }
        users = [self.user_admin, self.user_receptionist, self.user_teacher, None]
        self._assert_forged_writes_refused(interview, users, [n for n in derived if n not in forged_moves])
        for user in users:
            for name, value in forged_moves.items():
                as_user = interview.with_user(user) if user else interview.sudo()
                with self.subTest(user=user and user.login, field=name), self.assertRaises(REFUSED):
                    with self.env.cr.savepoint():
                        as_user.write({name: value})
        # A mode the teacher does not offer is not forced: the engine keeps the room.
        interview.with_user(self.user_receptionist).write({"location_mode": "video"})
        self.assertEqual((interview.location_mode, interview.video_url), ("in_person", False))
        self.assertEqual(interview.attendee_ids.partner_id, self.mum | self.dad)
        self._assert_no_overlap()

    def test_state_is_the_engines(self):
        self.alice_tina._cancel(as_parent=False)
        self._book(self.part_1, utc(16), self.bob, self.mum)
        for user in (self.user_admin, self.user_receptionist, None):
            cancelled, booked = (
                (self.alice_tina | self.carl_tom).with_user(user) if user else (self.alice_tina | self.carl_tom).sudo()
            )
            with self.assertRaisesRegex(UserError, "booking, moving or cancelling"):
                cancelled.write({"state": "booked"})
            with self.assertRaisesRegex(UserError, "booking, moving or cancelling"):
                booked.write({"state": "cancelled"})
        self.assertEqual(self.alice_tina.state, "cancelled")
        self.assertEqual(self.carl_tom.state, "booked")
        self._assert_no_overlap()

    def test_forged_creates_refused(self):
        base = {
            "participation_id": self.part_1.id,
            "start": utc(16, 10),
            "student_id": self.bob.id,
            "guardian_id": self.mum.id,
        }
        forged = [
            {"state": "cancelled"},
            {"stop": utc(18)},
            {"attendee_ids": [Command.create({"partner_id": self.carol.id})]},
            {"video_url": "https://forged.example/room"},
            {"from_waiting_list": True},
            {"separate_guardian_id": self.mum.id},
            {"teacher_id": self.teacher_2.id},
        ]
        interviews = self.env["school.interview"]
        for user in (self.user_admin, self.user_receptionist, self.user_teacher, None):
            for extra in forged:
                as_user = interviews.with_user(user) if user else interviews.sudo()
                with self.subTest(user=user and user.login, extra=extra), self.assertRaises(REFUSED):
                    with self.env.cr.savepoint():
                        as_user.create({**base, **extra})
        # The same create without forged values is a booking through the engine, checked.
        booked = interviews.with_user(self.user_receptionist).create(base)
        self.assertEqual((booked.stop, booked.attendee_ids.partner_id), (utc(16, 20), self.mum | self.dad))
        with self.assertRaisesRegex(UserError, "already has an interview"):
            interviews.with_user(self.user_receptionist).create(
                {**base, "student_id": self.carl.id, "guardian_id": self.carol.id}
            )
        self._assert_no_overlap()

    def test_attendees_are_the_engines(self):
        attendee = self.alice_tina.attendee_ids[0]
        for user in (self.user_admin, self.user_receptionist, None):
            attendees = (
                self.env["school.interview.attendee"].with_user(user)
                if user
                else self.env["school.interview.attendee"].sudo()
            )
            for context in FORGED_CONTEXTS:
                attendees = attendees.with_context(**context)
                with self.assertRaises(REFUSED), self.env.cr.savepoint():
                    attendees.browse(attendee.id).write({"partner_id": self.carol.id})
                with self.assertRaises(REFUSED), self.env.cr.savepoint():
                    attendees.browse(attendee.id).write({"state": "cancelled"})
                with self.assertRaises(REFUSED), self.env.cr.savepoint():
                    attendees.browse(attendee.id).unlink()
                with self.assertRaises(REFUSED), self.env.cr.savepoint():
                    attendees.create({"interview_id": self.carl_tom.id, "partner_id": self.mum.id})
        self.assertEqual(self.alice_tina.attendee_ids.partner_id, self.mum | self.dad)
        self.assertEqual(self.alice_tina.state, "booked")
        self._assert_no_overlap()

    def test_teacher_and_school_of_booked_interviews_frozen(self):
        """The participation and the period cannot carry booked interviews elsewhere."""
        other_company = self.env["res.company"].create({"name": "Other School"})
        for record, vals in (
            (self.part_1, {"teacher_id": self.teacher_3.id}),
            (self.part_1, {"period_id": self.period.copy({"date": EVENING_LATER}).id}),
            (self.period, {"company_id": other_company.id}),
        ):
            for user in (self.user_admin, None):
                with self.subTest(record=record, vals=vals), self.assertRaisesRegex(UserError, "cannot"):
                    with self.env.cr.savepoint():
                        (record.with_user(user) if user else record.sudo()).write(vals)
        self.assertEqual((self.alice_tina.teacher_id, self.alice_tina.company_id), (self.teacher_1, self.company))
        # Without booked interviews, the teacher of a participation can change.
        self.part_3.with_user(self.user_admin).teacher_id = self.env["school.teacher"].create(
            {"first_name": "Ted", "last_name": "Four", "room": "D4", "company_id": self.company.id}
        )

    def test_period_times_follow_date_and_hours(self):
        """Found by the write sweep: the stored start and end of a period were writable, which
        put its interviews outside it. They follow its date and hours only."""
        start, stop = self.period.start, self.period.stop
        for vals in ({"start": start + timedelta(hours=1)}, {"stop": stop - timedelta(hours=1)}):
            for user in (self.user_admin, None):
                with self.subTest(vals=vals, user=user), self.assertRaisesRegex(UserError, "follow its date"):
                    with self.env.cr.savepoint():
                        (self.period.with_user(user) if user else self.period.sudo()).write(vals)
        self.assertEqual((self.period.start, self.period.stop), (start, stop))

    def test_child_of_another_school_refused(self):
        other_company = self.env["res.company"].create({"name": "Other School"})
        pupil = self.env["res.partner"].create({"name": "Zoe", "is_student": True, "company_id": other_company.id})
        self.env["school.guardian.link"].create({"student_id": pupil.id, "guardian_id": self.carol.id})
        with self.assertRaisesRegex(UserError, "Zoe is not a pupil of Interview Test School"):
            self.env["school.interview"].sudo()._book(self.part_1, utc(16, 10), pupil, self.carol)
        with self.assertRaisesRegex(UserError, "not a pupil"):
            self.carl_tom.sudo().write({"student_id": pupil.id})

    def test_booked_interview_is_cancelled_not_deleted(self):
        with self.assertRaisesRegex(UserError, "cancel it instead"):
            self.alice_tina.with_user(self.user_admin).unlink()
        with self.assertRaisesRegex(UserError, "cancel it instead"):
            self.alice_tina.sudo().unlink()
        self.alice_tina.with_user(self.user_admin).action_cancel()
        self.alice_tina.with_user(self.user_admin).unlink()
        self.assertFalse(self.alice_tina.exists())

    def test_engine_paths_still_work(self):
        """Booking in the form, moving in the form or with ``_move``, cancelling: all through the engine."""
        form = Form(self.env["school.interview"].with_user(self.user_receptionist))
        form.participation_id = self.part_1
        form.start = utc(16, 10)
        form.student_id = self.bob
        form.guardian_id = self.mum
        bob_tina = form.save()
        self.assertEqual(bob_tina.attendee_ids.partner_id, self.mum | self.dad)
        with Form(self.alice_tina.with_user(self.user_receptionist)) as move:
            move.start = utc(16, 20)
        self.assertEqual((self.alice_tina.start, self.alice_tina.stop), (utc(16, 20), utc(16, 30)))
        self.assertEqual(self.alice_tina.attendee_ids.mapped("start"), [utc(16, 20)] * 2)
        self.alice_tina.with_user(self.user_admin)._move(utc(16, 40), participation=self.part_3)
        self.assertEqual(self.alice_tina.teacher_id, self.teacher_3)
        self.assertEqual(self.alice_tina.location_mode, "video", "Tess Three receives by video")
        bob_tina.with_user(self.user_receptionist).action_cancel()
        self.assertEqual(bob_tina.attendee_ids.mapped("state"), ["cancelled"] * 2)
        self._assert_no_overlap()


@tagged("post_install", "-at_install")
@freeze_time(MEETINGS_NOW)
class TestAppointmentBookingGuard(BookingGuardMixin, MeetingsCommon):
    """Appointments are booked, moved and cancelled by the engine only, whoever calls."""

    def setUp(self):
        super().setUp()
        self.anna_9 = self._book(MONDAY_9, agent=self.agent_anna, counter=self.counter_double)
        self.ben_9 = self._book(MONDAY_9, agent=self.agent_ben, counter=self.counter)
        self.anna_10 = self._book(MONDAY_9 + timedelta(hours=1), agent=self.agent_anna, counter=self.counter_double)

    def _assert_no_overlap(self):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT count(*) FROM school_appointment a JOIN school_appointment b
                 ON a.agent_id = b.agent_id AND a.id < b.id AND a.state != 'cancelled' AND b.state != 'cancelled'
                AND a.occupied_start < b.occupied_stop AND b.occupied_start < a.occupied_stop"""
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0, "no agent with two visitors at once")

    def test_forged_writes_refused(self):
        appointment = self.anna_9
        # The booking inputs are a move through the engine: a forged slot is refused there.
        forged_moves = {
            "agent_id": self.agent_ben.id,  # Ben is busy at 9:00
            "counter_id": self.counter.id,  # full at 9:00
            "start": MONDAY_9 + timedelta(minutes=30),  # overlaps Anna's 10:00
            "stop": MONDAY_9 + timedelta(hours=2),  # overlaps Anna's 10:00
        }
        # Inputs a move may change without harm: the visitor (the calendar follows) and the
        # out-of-hours flag (checked against the caller's rights when it matters).
        harmless = {"visitor_partner_id", "outside_availability", "appointment_type_id"}
        derived = [
            name for name in appointment._booking_engine_fields if name not in forged_moves and name not in harmless
        ]
        users = [self.user_meeting_admin, self.user_receptionist, None]
        self._assert_forged_writes_refused(appointment, users, derived)
        for user in users:
            for name, value in forged_moves.items():
                as_user = appointment.with_user(user) if user else appointment.sudo()
                with self.subTest(user=user and user.login, field=name), self.assertRaises(REFUSED):
                    with self.env.cr.savepoint():
                        as_user.write({name: value})
        # A school user without meetings rights is refused by the ACL.
        with self.assertRaises(AccessError):
            appointment.with_user(self.user_school_user).write({"start": MONDAY_9 + timedelta(days=1)})
        self.assertEqual((appointment.start, appointment.agent_id), (MONDAY_9, self.agent_anna))
        self._assert_no_overlap()

    def test_other_school_refused(self):
        other_company = self.env["res.company"].create({"name": "Other School"})
        other_type = self.type_enrolment.sudo().copy({"company_id": other_company.id})
        with self.assertRaisesRegex(UserError, "another school"):
            self.anna_9.sudo().write({"appointment_type_id": other_type.id})
        with self.assertRaisesRegex(UserError, "another school"):
            self.env["school.appointment"].sudo()._book(
                other_type, MONDAY_9 + timedelta(days=1), self.agent_anna, self.counter, {"visitor_name": "X"}
            )
        self.assertEqual(self.anna_9.company_id, self.company)

    def test_state_is_the_engines(self):
        self.anna_9.with_user(self.user_receptionist).action_cancel()
        for user in (self.user_meeting_admin, self.user_receptionist, None):
            as_user = self.anna_9.with_user(user) if user else self.anna_9.sudo()
            with self.assertRaisesRegex(UserError, "booking, moving or cancelling"):
                as_user.write({"state": "booked"})
            with self.assertRaisesRegex(UserError, "booking, moving or cancelling"):
                (self.ben_9.with_user(user) if user else self.ben_9.sudo()).write({"state": "done"})
        self.assertEqual((self.anna_9.state, self.ben_9.state), ("cancelled", "booked"))
        # Creating one that is not booked is forging its state too.
        with self.assertRaisesRegex(UserError, "booking, moving or cancelling"):
            self.env["school.appointment"].sudo().create(
                {
                    "appointment_type_id": self.type_enrolment.id,
                    "agent_id": self.agent_ben.id,
                    "counter_id": self.counter.id,
                    "start": MONDAY_9,
                    "visitor_name": "Intruder",
                    "state": "done",
                }
            )
        self.ben_9.with_user(self.user_receptionist).action_done()
        self.assertEqual(self.ben_9.state, "done")
        self._assert_no_overlap()

    def test_configuration_of_booked_appointments_frozen(self):
        """A type, agent or counter with booked appointments keeps its school and user."""
        other_company = self.env["res.company"].create({"name": "Other School"})
        self.env.user.company_ids |= other_company
        for record, vals in (
            (self.type_enrolment, {"company_id": other_company.id}),
            (self.agent_anna, {"company_id": other_company.id}),
            (self.agent_anna, {"user_id": self.user_meeting_admin.id}),
            (self.counter_double, {"company_id": other_company.id}),
        ):
            for user in (self.user_meeting_admin, None):
                with self.subTest(record=record, vals=vals), self.assertRaisesRegex(UserError, "cannot change"):
                    with self.env.cr.savepoint():
                        (record.with_user(user) if user else record.sudo()).write(vals)
        self.assertEqual((self.anna_9.company_id, self.anna_9.user_id), (self.company, self.user_receptionist))
        # Without booked appointments, they can.
        (self.anna_9 | self.anna_10).with_user(self.user_meeting_admin).action_cancel()
        self.counter_double.with_user(self.user_meeting_admin).name = "Renamed"
        self.agent_anna.sudo().user_id = self.user_school_user

    def test_booked_appointment_is_cancelled_not_deleted(self):
        with self.assertRaisesRegex(UserError, "Cancel them instead"):
            self.anna_9.with_user(self.user_meeting_admin).unlink()
        with self.assertRaisesRegex(UserError, "Cancel them instead"):
            self.anna_9.sudo().unlink()
        self.anna_9.with_user(self.user_meeting_admin).action_cancel()
        self.anna_9.with_user(self.user_meeting_admin).unlink()
        self.assertFalse(self.anna_9.exists())

    def test_engine_paths_still_work(self):
        """Booking in the form, moving in the form, changing the visitor, cancelling."""
        form = Form(self.env["school.appointment"].with_user(self.user_receptionist))
        form.appointment_type_id = self.type_enrolment
        form.agent_id = self.agent_ben
        form.counter_id = self.counter
        form.visitor_partner_id = self.visitor
        form.start = MONDAY_9 + timedelta(hours=1)
        booked = form.save()
        self.assertEqual(booked.occupied_stop, MONDAY_9 + timedelta(hours=2))
        with Form(booked.with_user(self.user_receptionist)) as move:
            move.start = MONDAY_9 + timedelta(hours=2)
        self.assertEqual((booked.start, booked.calendar_event_id.start), (MONDAY_9 + timedelta(hours=2),) * 2)
        other_visitor = self.env["res.partner"].create({"name": "Olga Other", "company_id": self.company.id})
        booked.with_user(self.user_receptionist).visitor_partner_id = other_visitor
        self.assertIn(other_visitor, booked.calendar_event_id.partner_ids)
        booked.with_user(self.user_receptionist).action_cancel()
        self.assertEqual(booked.state, "cancelled")
        self._assert_no_overlap()
