from odoo.tests import TransactionCase


class TestSmoke(TransactionCase):
    def test_student_name(self):
        student = self.env["res.partner"].create({"first_name": "Ada", "last_name": "Lovelace", "is_student": True})
        self.assertEqual(student.name, "Ada Lovelace")
