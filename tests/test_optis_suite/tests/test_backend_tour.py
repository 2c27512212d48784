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
