import io
from datetime import timedelta

from freezegun import freeze_time
from psycopg2.errors import ExclusionViolation

from odoo import Command, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger
from odoo.tools.pdf import PdfReader

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.optis_school.tests.report_common import SchoolReportAssertions, set_school_address

from .interview_common import EVENING, NOW, InterviewCommon, utc


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestInterviews(InterviewCommon):
    # ------------------------------------------------------------
    # Periods
    # ------------------------------------------------------------

    def test_grid_has_breaks_and_blocks_remove_slots(self):
        grid = [start for start, _stop in self.period._get_slot_grid()]
        self.assertEqual(
            grid,
            [
                utc(16),
                utc(16, 10),
                utc(16, 20),
                utc(16, 40),
                utc(16, 50),
                utc(17),
                utc(17, 20),
                utc(17, 30),
                utc(17, 40),
            ],
            "17:00-19:00 Brussels time, 3 interviews then a 10-minute break",
        )
        self.assertEqual(self.period.start, utc(16))
        self.part_1.block_ids = [(0, 0, {"hour_from": 17.5, "hour_to": 18.0, "reason": "Staff meeting"})]
        free = [start for start, _stop in self.part_1._get_free_slots()]
        self.assertEqual(free, [utc(16), utc(16, 10), utc(16, 20), utc(17), utc(17, 20), utc(17, 30), utc(17, 40)])
        self.assertEqual(self.part_1.free_count, 7)
        with self.assertRaisesRegex(UserError, "not one of the interview times"):
            self._book(self.part_1, utc(16, 40), self.alice, self.mum)
        with self.assertRaisesRegex(UserError, "not one of the interview times"):
            self._book(self.part_1, utc(16, 5), self.alice, self.mum)

    def test_times_shown_in_the_period_time_zone(self):
        """The free times of the portal and the schedules read as in the school, summer and
        winter time alike."""
        self.assertEqual(self.period.timezone, "Europe/Brussels")
        self.assertEqual([self.period._format_hour(start) for start in (utc(16), utc(17, 40))], ["17:00", "18:40"])
        summer = self.period.start.replace(month=7, day=1)
        self.assertEqual(self.period._format_hour(summer), "18:00")
        self.period.timezone = "America/New_York"
        self.assertEqual(self.period._format_hour(summer), "12:00")

    def test_receptionist_books_through_the_form(self):
        receptionist = mail_new_test_user(
            self.env,
            login="interview_receptionist",
            groups="optis_school_meetings.group_meeting_receptionist",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        interviews = self.env["school.interview"].with_user(receptionist)
        form = Form(interviews)
        form.participation_id = self.part_1
        form.start = utc(16)
        form.student_id = self.alice
        form.guardian_id = self.mum
        interview = form.save()
        self.assertEqual(interview.attendee_names, "Mum, Dad")
        self.assertEqual(interview.period_id, self.period)
        form = Form(interviews)
        form.participation_id = self.part_1
        form.start = utc(16)
        form.student_id = self.carl
        form.guardian_id = self.carol
        with self.assertRaisesRegex(UserError, "Tina One already has an interview"):
            form.save()
        # Outside a period's rules, even staff are refused: Carol is not Alice's guardian.
        with self.assertRaisesRegex(UserError, "not a guardian of Alice"):
            interviews._book(self.part_2, utc(16, 40), self.alice, self.carol)
        self.assertEqual(self.period.with_user(receptionist).interview_count, 1)
        with self.assertRaises(AccessError):
            self.period.with_user(receptionist).write({"max_per_family": 1})

    def test_every_teacher_takes_part_by_default(self):
        self.assertEqual(self.period.participation_ids.teacher_id, self.teacher_1 | self.teacher_2 | self.teacher_3)
        self.assertEqual(self.part_2.room, "B2", "the teacher's room by default")

    def test_periods_never_overlap(self):
        values = {"name": "Other", "company_id": self.company.id, "date": EVENING, "hour_from": 18.5, "hour_to": 20.0}
        with self.assertRaises(ExclusionViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env["school.interview.period"].create(values)
        # Back to back, or another day: fine.
        self.env["school.interview.period"].create({**values, "hour_from": 19.0})
        self.env["school.interview.period"].create({**values, "date": EVENING + timedelta(days=1)})

    def test_times_frozen_and_deletion_refused_once_booked(self):
        self._book(self.part_1, utc(16), self.alice, self.mum)
        with self.assertRaisesRegex(UserError, "cannot change"):
            self.period.hour_from = 16.0
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            self.period.unlink()
        with self.assertRaisesRegex(UserError, "cannot be removed"):
            self.part_1.unlink()
        with self.assertRaisesRegex(ValidationError, "interviews booked during this time"):
            self.part_1.block_ids = [(0, 0, {"hour_from": 17.0, "hour_to": 17.5})]

    # ------------------------------------------------------------
    # Never double-booked
    # ------------------------------------------------------------

    def test_teacher_never_double_booked(self):
        interview = self._book(self.part_1, utc(16), self.alice, self.mum)
        self.assertEqual(interview.attendee_ids.partner_id, self.mum | self.dad, "both parents of one household")
        self.assertEqual(interview.stop, utc(16, 10))
        with self.assertRaisesRegex(UserError, "already has an interview at(.|\n)*Free times: 17:10, 17:20, 17:40"):
            self._book(self.part_1, utc(16), self.carl, self.carol)
        # The database refuses it too, whatever the code above does.
        with self.assertRaises(ExclusionViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env.cr.execute(
                "INSERT INTO school_interview (participation_id, teacher_id, student_id, guardian_id, start, stop, "
                "state, location_mode) SELECT participation_id, teacher_id, %s, %s, start, stop, state, location_mode "
                "FROM school_interview WHERE id = %s",
                (self.carl.id, self.carol.id, interview.id),
            )

    def test_family_never_double_booked_siblings_included(self):
        self._book(self.part_1, utc(16), self.alice, self.mum)
        with self.assertRaisesRegex(UserError, "Mum, Dad already has an interview with Tina One"):
            self._book(self.part_2, utc(16), self.bob, self.dad)
        # The database refuses a guardian in two interviews at once, whatever the code above does.
        bob_later = self._book(self.part_2, utc(16, 40), self.bob, self.dad)
        with self.assertRaises(ExclusionViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env.cr.execute(
                "UPDATE school_interview_attendee SET start = %s, stop = %s WHERE interview_id = %s",
                (utc(16), utc(16, 10), bob_later.id),
            )

    def test_walking_gap_between_rooms(self):
        self._book(self.part_1, utc(16), self.alice, self.mum)
        with self.assertRaisesRegex(UserError, "Leave 5 minutes"):
            self._book(self.part_2, utc(16, 10), self.bob, self.mum)
        # Same room, next slot: no walking.
        self._book(self.part_1, utc(16, 10), self.bob, self.mum)
        self._book(self.part_2, utc(16, 40), self.alice, self.mum)
        self.period.walking_gap_minutes = 0
        self._book(self.part_2, utc(16, 20), self.bob, self.mum)

    # ------------------------------------------------------------
    # Limits and separated parents
    # ------------------------------------------------------------

    def test_one_interview_per_teacher_and_child(self):
        self._book(self.part_1, utc(16), self.alice, self.mum)
        with self.assertRaisesRegex(UserError, "Alice's family already has an interview with Tina One"):
            self._book(self.part_1, utc(16, 40), self.alice, self.dad)
        self.period.one_per_teacher_per_child = False
        self._book(self.part_1, utc(16, 40), self.alice, self.dad)

    def test_limits_per_child_and_per_family(self):
        self.period.write({"max_per_child": 1, "max_per_family": 2})
        self._book(self.part_1, utc(16), self.alice, self.mum)
        with self.assertRaisesRegex(UserError, "At most 1 interviews per child"):
            self._book(self.part_2, utc(16, 40), self.alice, self.mum)
        self._book(self.part_2, utc(16, 40), self.bob, self.dad)
        self.period.max_per_child = 0
        with self.assertRaisesRegex(UserError, "At most 2 interviews per family"):
            self._book(self.part_3, utc(17, 20), self.alice, self.mum)
        # Another family is not counted.
        self._book(self.part_3, utc(17, 20), self.carl, self.carol)

    def test_separated_parents(self):
        # Not allowed: Frank's interview is the family's, Eve is there too.
        interview = self._book(self.part_1, utc(16), self.dana, self.frank)
        self.assertEqual(interview.attendee_ids.partner_id, self.eve | self.frank)
        self.assertFalse(interview.separate_guardian_id)
        with self.assertRaisesRegex(UserError, "Dana's family already has an interview with Tina One"):
            self._book(self.part_1, utc(16, 10), self.dana, self.eve)
        interview.action_cancel()

        # Allowed: each parent meets the teacher on their own.
        self.period.allow_separate_parents = True
        for_eve = self._book(self.part_1, utc(16), self.dana, self.eve)
        for_frank = self._book(self.part_1, utc(16, 10), self.dana, self.frank)
        self.assertEqual(for_eve.attendee_ids.partner_id, self.eve)
        self.assertEqual(for_frank.attendee_ids.partner_id, self.frank)
        self.assertEqual(for_frank.separate_guardian_id, self.frank)
        with self.assertRaisesRegex(UserError, "Dana's family already has an interview with Tina One"):
            self._book(self.part_1, utc(16, 20), self.dana, self.frank)
        # Frank's time is his own: Eve's next interview may be at the same time as Frank's.
        self._book(self.part_2, utc(16, 40), self.dana, self.eve)
        self._book(self.part_3, utc(16, 40), self.dana, self.frank)

    # ------------------------------------------------------------
    # Parents' rules
    # ------------------------------------------------------------

    def test_parents_rules(self):
        as_parent = {"as_parent": True}
        with self.assertRaisesRegex(UserError, "not a guardian of Alice"):
            self._book(self.part_1, utc(16), self.alice, self.stranger)
        with self.assertRaisesRegex(UserError, "Tess Three does not teach Alice"):
            self._book(self.part_3, utc(16), self.alice, self.mum, **as_parent)
        self.period.booking_close = NOW - timedelta(hours=1)
        with self.assertRaisesRegex(UserError, "Booking for Spring evening is closed"):
            self._book(self.part_1, utc(16), self.alice, self.mum, **as_parent)
        # The school still books by phone.
        interview = self._book(self.part_1, utc(16), self.alice, self.mum)
        with self.assertRaisesRegex(UserError, "contact the school to cancel"):
            interview._cancel(as_parent=True)
        self.period.write({"booking_close": False, "booking_open": NOW + timedelta(days=1)})
        with self.assertRaisesRegex(UserError, "closed"):
            self._book(self.part_2, utc(16, 40), self.alice, self.mum, **as_parent)
        self.period.write({"booking_open": False, "state": "draft"})
        with self.assertRaisesRegex(UserError, "not open for booking"):
            self._book(self.part_2, utc(16, 40), self.alice, self.mum, **as_parent)
        self.period.state = "published"
        self._book(self.part_2, utc(16, 40), self.alice, self.mum, **as_parent)
        self.period.state = "closed"
        with self.assertRaisesRegex(UserError, "not open for booking"):
            self._book(self.part_2, utc(17, 20), self.bob, self.mum)

    def test_video_link_per_interview(self):
        without_server = self._book(self.part_3, utc(16), self.alice, self.mum)
        self.assertEqual(without_server.location_mode, "video")
        self.assertFalse(without_server.video_url, "no video server chosen by the school: no link, no default")
        self.assertIn("the school will send you the link", self._mails_to(self.mum)[-1].body)
        self.company.school_video_server_url = "https://video.school.example/"
        first = self._book(self.part_3, utc(16, 10), self.carl, self.carol)
        second = self._book(self.part_3, utc(16, 20), self.dana, self.eve)
        self.assertEqual(first.location_mode, "video")
        self.assertTrue(first.video_url.startswith("https://video.school.example/optis-"))
        self.assertNotEqual(first.video_url, second.video_url, "one room per interview")
        in_room = self._book(self.part_1, utc(16, 40), self.carl, self.carol, location_mode="video")
        self.assertEqual(in_room.location_mode, "in_person", "this teacher receives in the room")
        self.assertFalse(in_room.video_url)
        self.part_2.location_mode = "choice"
        chosen = self._book(self.part_2, utc(17, 20), self.carl, self.carol, location_mode="video")
        self.assertEqual(chosen.location_mode, "video")
        self.assertTrue(chosen.video_url)

    # ------------------------------------------------------------
    # Mails, moves, waiting list
    # ------------------------------------------------------------

    def _mails_to(self, partner):
        return self.env["mail.message"].search(
            [("model", "=", "school.interview"), ("partner_ids", "in", partner.ids), ("message_type", "=", "comment")]
        )

    def test_family_is_told_of_booking_move_and_cancel_only(self):
        interview = self._book(self.part_1, utc(16), self.alice, self.mum)
        booked = self._mails_to(self.dad)
        self.assertEqual(len(booked), 1)
        self.assertIn("is booked", booked.body)
        interview.note = "Bring the report card"
        self.assertEqual(self._mails_to(self.dad), booked, "no mail for an internal note")
        interview._move(utc(16, 40))
        moved = self._mails_to(self.dad) - booked
        self.assertEqual(len(moved), 1)
        self.assertIn("has changed", moved.body)
        with self.assertRaisesRegex(UserError, "already has an interview"):
            self._book(self.part_1, utc(16, 40), self.carl, self.carol)
        self._book(self.part_1, utc(16), self.carl, self.carol)
        interview.action_cancel()
        cancelled = self._mails_to(self.dad) - booked - moved
        self.assertIn("is cancelled", cancelled.body)
        self.assertEqual(interview.attendee_ids.mapped("state"), ["cancelled", "cancelled"])
        with self.assertRaisesRegex(UserError, "cancelled interview cannot be changed"):
            interview._move(utc(17, 20))

    def test_waiting_list_gets_the_freed_slot(self):
        # Tina One only takes the first three interviews; Dana's parents book separately.
        self.period.allow_separate_parents = True
        self.part_1.block_ids = [(0, 0, {"hour_from": 17.5, "hour_to": 19.0})]
        waiting_model = self.env["school.interview.wait"]
        self._book(self.part_1, utc(16), self.alice, self.mum)
        with self.assertRaisesRegex(UserError, "still has free interviews"):
            waiting_model._join(self.part_1, self.carl, self.carol)
        self._book(self.part_1, utc(16, 10), self.dana, self.eve)
        freed = self._book(self.part_1, utc(16, 20), self.bob, self.dad)
        with self.assertRaisesRegex(UserError, "Tina One has no free time left: the family may join the waiting list"):
            self._book(self.part_1, utc(16), self.carl, self.carol)
        # The Carol family waits first, but is busy at 16:20 (UTC) with Tom Two.
        self._book(self.part_2, utc(16, 20), self.carl, self.carol)
        first = waiting_model._join(self.part_1, self.carl, self.carol)
        with self.assertRaisesRegex(UserError, "already on the waiting list"):
            waiting_model._join(self.part_1, self.carl, self.carol)
        with self.assertRaisesRegex(UserError, "Tess Three does not teach Dana"):
            self.part_3.block_ids = [(0, 0, {"hour_from": 17.0, "hour_to": 19.0})]
            waiting_model._join(self.part_3, self.dana, self.frank, as_parent=True)
        second = waiting_model._join(self.part_1, self.dana, self.frank, as_parent=True)
        self.assertEqual(self.period.waiting_count, 2)

        freed.action_cancel()
        self.assertEqual(first.state, "waiting", "the slot does not suit the first family")
        self.assertEqual(second.state, "booked")
        offered = second.interview_id
        self.assertEqual((offered.start, offered.student_id, offered.from_waiting_list), (utc(16, 20), self.dana, True))
        self.assertIn("A place became free", self._mails_to(self.frank)[0].body)
        self.assertEqual(self.period.waiting_count, 1)

    # ------------------------------------------------------------
    # Teachers and schedules
    # ------------------------------------------------------------

    def test_teacher_sees_own_schedule_only(self):
        self.teacher_1.write({"email": "tina@example.com", "password": "tina-secret-1"})
        self.teacher_2.write({"email": "tom@example.com", "password": "tom-secret-2"})
        own = self._book(self.part_1, utc(16), self.alice, self.mum)
        other = self._book(self.part_2, utc(16, 40), self.alice, self.mum)
        as_tina = self.env["school.interview"].with_user(self.teacher_1.user_id)
        self.assertEqual(as_tina.search([]), own)
        with self.assertRaises(AccessError):
            as_tina.browse(other.id).read(["student_id"])
        with self.assertRaises(AccessError):
            as_tina.browse(own.id).write({"note": "mine"})

    def test_printed_schedules(self):
        self._book(self.part_1, utc(16), self.alice, self.mum)
        self._book(self.part_1, utc(16, 40), self.carl, self.carol, location_mode="video")
        self._book(self.part_2, utc(16, 40), self.bob, self.dad)
        self.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        action = self.period.action_print_teacher_schedules()
        self.assertEqual(action["context"]["active_ids"], self.period.participation_ids.ids)
        reports = self.env["ir.actions.report"]
        html, _kind = reports._render_qweb_html(
            "optis_school_meetings.report_interview_teacher_schedule", (self.part_1 | self.part_2).ids
        )
        html = html.decode()
        self.assertEqual(html.count('class="page"'), 2, "one page per teacher")
        for text in ("Tina One", "Tom Two", "Alice", "Bob", "Mum", "17:00-17:10", "Break", "Free"):
            self.assertIn(text, html)

        action = self.period.action_print_family_schedules()
        html, _kind = reports._render_qweb_html(
            "optis_school_meetings.report_interview_family_schedule",
            action["context"]["active_ids"],
            data=action["data"],
        )
        html = html.decode()
        self.assertEqual(html.count('class="page"'), 3, "one page per guardian: Mum, Dad, Carol")
        for text in ("Tina One", "Tom Two", "Alice", "Bob", "Carl", "A1", "B2"):
            self.assertIn(text, html)


@tagged("post_install", "-at_install")
class TestInterviewSchedulePdf(SchoolReportAssertions, InterviewCommon):
    """Real PDF rendering (wkhtmltopdf fetches the report's styles from the test server):
    not under freezegun, which would freeze the server's clock too."""

    # Debian's wkhtmltopdf warns that it ignores the header and footer switches.
    @mute_logger("odoo.addons.base.models.ir_actions_report")
    def test_teacher_schedules_print_one_pdf_page_each(self):
        self._book(self.part_1, utc(16), self.alice, self.mum)
        self.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        # The styles come from the test's HTTP server, on the address it listens to.
        port = tools.config["http_port"]
        self.env["ir.config_parameter"].sudo().set_param("report.url", f"http://127.0.0.1:{port}")
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "optis_school_meetings.action_report_interview_teacher_schedule", self.period.participation_ids.ids
            )
        )
        self.assertEqual(kind, "pdf")
        self.assertEqual(len(PdfReader(io.BytesIO(pdf)).pages), 3, "one page per teacher")

    @mute_logger("odoo.addons.base.models.ir_actions_report")
    def test_schedules_pdf_show_the_school(self):
        """Teacher and family schedules carry the school's letterhead in their page, once,
        on the installed (Debian, unpatched Qt) wkhtmltopdf."""
        set_school_address(self.company)
        self.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        self._book(self.part_1, utc(16), self.alice, self.mum)
        self._book(self.part_2, utc(16, 40), self.bob, self.dad)
        teacher_report = "optis_school_meetings.action_report_interview_teacher_schedule"
        participations = self.part_1 | self.part_2
        self.assert_letterhead_once(teacher_report, participations.ids, self.company, documents=2)
        text = self.render_school_pdf(teacher_report, participations.ids)
        self.assert_school_in_pdf_text(text, self.company)
        self.assertIn("Tina One", text)

        action = self.period.action_print_family_schedules()
        family_report = "optis_school_meetings.action_report_interview_family_schedule"
        guardians = action["context"]["active_ids"]
        self.assert_letterhead_once(
            family_report, guardians, self.company, documents=len(guardians), data=action["data"]
        )
        text = self.render_school_pdf(family_report, guardians, data=action["data"])
        self.assert_school_in_pdf_text(text, self.company)
        self.assertIn("Mum", text)
