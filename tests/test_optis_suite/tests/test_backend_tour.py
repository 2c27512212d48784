from datetime import date

from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user


@tagged("post_install", "-at_install")
class TestBackendTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bursar = mail_new_test_user(
            cls.env,
            login="tour_bursar",
            groups="base.group_user,optis_school.group_school_bursar",
            name="Tour Bursar",
        )

    def test_bursar_creates_student_and_code(self):
        self.start_tour(
            "/odoo/action-optis_school.res_partner_student_action", "optis_bursar_student_tour", login="tour_bursar"
        )
        student = self.env["res.partner"].search([("student_number", "=", "TOUR-001")])
        self.assertEqual(student.name, "Zoé Tourette")
        self.assertTrue(student.is_student)
        codes = self.env["school.activation.code"].search([("student_id", "=", student.id)])
        self.assertEqual(len(codes), 1, "one code for a student without guardians")
        self.assertEqual(codes.state, "unused")


@tagged("post_install", "-at_install")
class TestInterviewTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.meeting_admin = mail_new_test_user(
            cls.env,
            login="tour_meeting_admin",
            groups="base.group_user,optis_school_meetings.group_meeting_admin",
            name="Tour Meetings Administrator",
            tz="Europe/Brussels",
        )

    def test_administrator_plans_an_evening_and_books(self):
        self.start_tour(
            "/odoo/action-optis_school_meetings.school_interview_period_action",
            "optis_interview_booking_tour",
            login="tour_meeting_admin",
        )
        period = self.env["school.interview.period"].search([("name", "=", "Tour evening")])
        self.assertEqual(period.state, "published")
        interview = period.interview_ids
        self.assertEqual(period.date, date(2030, 1, 15))
        self.assertIn(interview.start, [start for start, _stop in period._get_slot_grid()])
        self.assertEqual(interview.teacher_id.name, "Sophie Claes")
        self.assertEqual(set(interview.attendee_ids.partner_id.mapped("name")), {"Isabelle Lejeune", "Marc Vermeulen"})
