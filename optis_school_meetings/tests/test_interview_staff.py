from datetime import timedelta

import pytz
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, tagged

from .interview_common import EVENING, NOW, InterviewCommon, utc

TEACHER_SCHEDULE = "optis_school_meetings.report_interview_teacher_schedule"


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestInterviewStaff(InterviewCommon):
    """Interview periods as the staff run them: blocked times, the calendar of a period,
    and each teacher's own printed schedule."""

    def test_blocked_time_within_the_period_hours(self):
        with Form(self.part_1) as participation:
            with participation.block_ids.new() as block:
                block.hour_from = 17.5
                block.hour_to = 18.0
                block.reason = "Staff meeting"
        self.assertEqual(self.part_1.block_ids.display_name, "17:30-18:00 Staff meeting")

        for hour_from, hour_to in ((16.5, 17.5), (18.5, 19.5), (20.0, 21.0)):
            with self.subTest(block=(hour_from, hour_to)):
                form = Form(self.part_2)
                with form.block_ids.new() as block:
                    block.hour_from = hour_from
                    block.hour_to = hour_to
                with (
                    self.assertRaisesRegex(ValidationError, r"outside the hours of Spring evening \(17:00-19:00\)"),
                    self.env.cr.savepoint(),
                ):
                    form.save()
        self.assertFalse(self.part_2.block_ids)
        with self.assertRaisesRegex(ValidationError, "outside the hours"):
            self.part_1.block_ids.hour_to = 19.5
        # The whole evening may be blocked.
        self.part_2.block_ids = [(0, 0, {"hour_from": 17.0, "hour_to": 19.0})]
        self.assertFalse(self.part_2._get_free_slots())

    def test_calendar_opens_on_the_period_date(self):
        action = self.period.action_view_interviews()
        self.assertIn("calendar", action["view_mode"])
        self.assertEqual(action["domain"], [("period_id", "=", self.period.id)])
        initial = fields.Datetime.from_string(action["context"]["initial_date"])
        self.assertEqual(initial, utc(16), "the evening's start, in UTC as the web client reads it")
        brussels = pytz.utc.localize(initial).astimezone(pytz.timezone("Europe/Brussels"))
        self.assertEqual(brussels.date(), EVENING)

    def test_my_interviews_open_on_the_next_evening(self):
        """The teacher's own calendar ("My Interviews", its menu) opens on their next
        interview evening, not on today; without an evening to come, on today."""
        self.teacher_1.write({"email": "tina@example.com", "password": "tina-secret-1"})
        tina = self.teacher_1.user_id
        menu_action = self.env.ref("optis_school_meetings.school_interview_my_menu").action
        self.assertEqual(menu_action, self.env.ref("optis_school_meetings.school_interview_my_server_action"))
        action = menu_action.with_user(tina).run()
        self.assertEqual(action["res_model"], "school.interview")
        self.assertEqual(action["view_mode"].split(",")[0], "calendar")
        self.assertEqual(fields.Datetime.from_string(action["context"]["initial_date"]), self.period.start)
        self.assertEqual(action["context"]["search_default_mine"], 1)
        with freeze_time(self.period.stop + timedelta(days=1)):
            action = self.env["school.interview"].with_user(tina)._action_my_interviews()
        self.assertNotIn("initial_date", action["context"])

    def test_teacher_prints_own_schedule_only(self):
        self.teacher_1.write({"email": "tina@example.com", "password": "tina-secret-1"})
        self.teacher_2.write({"email": "tom@example.com", "password": "tom-secret-2"})
        tina, tom = self.teacher_1.user_id, self.teacher_2.user_id
        own = self._book(self.part_1, utc(16), self.alice, self.mum)
        self._book(self.part_2, utc(16, 40), self.bob, self.dad)
        reports = self.env["ir.actions.report"]

        # From "My Interviews" with nothing selected: the periods to come.
        action = self.env["school.interview"].with_user(tina).action_print_my_schedule()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["report_name"], TEACHER_SCHEDULE)
        self.assertEqual(action["context"]["active_ids"], self.part_1.ids)
        html = reports.with_user(tina)._render_qweb_html(TEACHER_SCHEDULE, action["context"]["active_ids"])[0]
        self.assertIn("Tina One", html.decode())
        self.assertIn("Alice", html.decode())
        self.assertNotIn("Tom Two", html.decode())
        # From an interview of the list.
        action = own.with_user(tina).action_print_my_schedule()
        self.assertEqual(action["context"]["active_ids"], self.part_1.ids)

        # Tom prints his own, and Tina's schedule is out of his reach.
        action = self.env["school.interview"].with_user(tom).action_print_my_schedule()
        self.assertEqual(action["context"]["active_ids"], self.part_2.ids)
        with self.assertRaises(AccessError):
            reports.with_user(tom)._render_qweb_html(TEACHER_SCHEDULE, self.part_1.ids)

        # Once the evening is over, there is nothing to come to print.
        with freeze_time(utc(18) + timedelta(days=1)), self.assertRaisesRegex(UserError, "no interview period to come"):
            self.env["school.interview"].with_user(tina).action_print_my_schedule()


@tagged("post_install", "-at_install")
class TestDemoTeacherSchedule(TransactionCase):
    """The demo teacher (login ``teacher``) prints their schedule of the demo parents' evening."""

    def test_demo_teacher_prints_own_schedule_only(self):
        teacher_user = self.env.ref("optis_school.demo_user_teacher")
        period = self.env.ref("optis_school_meetings.school_interview_period_demo")
        own = period.participation_ids.filtered(lambda participation: participation.user_id == teacher_user)
        self.assertTrue(own, "the demo teacher takes part in the demo evening")
        colleague = self.env["school.teacher"].create(
            {
                "first_name": "Colin",
                "last_name": "Colleague",
                "email": "colin.colleague@example.com",
                "room": "D4",
                "company_id": period.company_id.id,
            }
        )
        colleague.password = "colin-secret-1"
        colleague_part = self.env["school.interview.teacher"].create(
            {"period_id": period.id, "teacher_id": colleague.id}
        )
        reports = self.env["ir.actions.report"]

        with freeze_time(period.start - timedelta(days=1)):
            action = self.env["school.interview"].with_user(teacher_user).action_print_my_schedule()
            printed = self.env["school.interview.teacher"].browse(action["context"]["active_ids"])
            self.assertIn(own, printed)
            self.assertEqual(printed.user_id, teacher_user, "the teacher's own schedules only")
            html = reports.with_user(teacher_user)._render_qweb_html(TEACHER_SCHEDULE, own.ids)[0].decode()
            self.assertIn(teacher_user.name, html)

            action = self.env["school.interview"].with_user(colleague.user_id).action_print_my_schedule()
            self.assertEqual(action["context"]["active_ids"], colleague_part.ids)
            with self.assertRaises(AccessError):
                reports.with_user(colleague.user_id)._render_qweb_html(TEACHER_SCHEDULE, own.ids)
