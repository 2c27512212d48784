from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import SchoolCase


@tagged("post_install", "-at_install")
class TestCodeGenerate(SchoolCase):
    def _wizard_form(self, user=None, **context):
        Wizard = self.env["school.activation.code.generate"].with_user(user or self.user_bursar)
        return Form(Wizard.with_context(**context))

    def _generate(self, form):
        """Save the wizard, generate without printing, return the new codes."""
        form.print_letters = False
        action = form.save().action_generate()
        self.assertEqual(action["res_model"], "school.activation.code")
        return self.env["school.activation.code"].search(action["domain"])

    def _codes_by_student(self, codes):
        return {student: codes.filtered(lambda code: code.student_id == student) for student in codes.student_id}

    def test_selected_students_per_guardian(self):
        form = self._wizard_form()
        self.assertEqual(form.selection, "students")
        self.assertTrue(form.per_guardian)
        for student in (self.student_emma, self.student_lina, self.student_lucas):
            form.student_ids.add(student)
        self.assertEqual(form.target_count, 3)
        codes = self._generate(form)
        by_student = self._codes_by_student(codes)
        self.assertEqual(set(by_student), {self.student_emma, self.student_lina, self.student_lucas})
        # Emma: only her mother receives mail (her father does not).
        self.assertEqual(by_student[self.student_emma].guardian_id, self.parent_1)
        self.assertEqual(len(by_student[self.student_emma]), 1)
        # Lina: one letter for each guardian who receives mail.
        self.assertEqual(len(by_student[self.student_lina]), 2)
        self.assertEqual(by_student[self.student_lina].guardian_id, self.parent_2 | self.guardian_rose)
        # Lucas has no guardian: one letter to his parents all the same.
        self.assertEqual(len(by_student[self.student_lucas]), 1)
        self.assertFalse(by_student[self.student_lucas].guardian_id)
        self.assertEqual(set(codes.mapped("state")), {"unused"})
        self.assertEqual(len(set(codes.mapped("code"))), 4)

    def test_from_student_list_prints_letters(self):
        action = (self.student_emma | self.student_noah | self.guardian_marc).action_generate_activation_codes()
        self.assertEqual(action["context"]["default_student_ids"], (self.student_emma | self.student_noah).ids)
        form = self._wizard_form(**action["context"])
        self.assertTrue(form.print_letters)
        report_action = form.save().action_generate()
        self.assertEqual(report_action["type"], "ir.actions.report")
        self.assertEqual(report_action["report_name"], "optis_school.report_activation_letter")
        codes = self.env["school.activation.code"].browse(report_action["context"]["active_ids"])
        self.assertEqual(codes.student_id, self.student_emma | self.student_noah)
        self.assertEqual(codes.guardian_id, self.parent_1)
        self.assertEqual(len(codes), 2)

    def test_codes_per_student(self):
        form = self._wizard_form()
        form.student_ids.add(self.student_emma)
        form.student_ids.add(self.student_lucas)
        form.per_guardian = False
        form.codes_per_student = 3
        codes = self._generate(form)
        by_student = self._codes_by_student(codes)
        self.assertEqual(len(by_student[self.student_emma]), 3)
        self.assertEqual(len(by_student[self.student_lucas]), 3)
        self.assertFalse(codes.guardian_id)

    def test_by_class(self):
        form = self._wizard_form()
        form.selection = "classes"
        form.class_ids.add(self.class_a1)
        self.assertEqual(form.target_count, 2)
        codes = self._generate(form)
        self.assertEqual(codes.student_id, self.student_emma | self.student_noah)
        self.assertEqual(len(codes), 2)
        self.assertEqual(codes.guardian_id, self.parent_1)

    def test_without_account(self):
        newcomer = self._new_student("Mia", "Janssens", "A-010", self.class_a2)
        offline_parent = self.env["res.partner"].create({"name": "Offline Parent", "email": "offline@example.com"})
        self.env["school.guardian.link"].create({"student_id": newcomer.id, "guardian_id": offline_parent.id})
        form = self._wizard_form()
        form.selection = "without_account"
        # Emma, Noah and Lina have a parent with a portal account; Zoé is in another school.
        self.assertEqual(form.target_count, 2)
        codes = self._generate(form)
        self.assertEqual(codes.student_id, self.student_lucas | newcomer)
        self.assertEqual(codes.filtered(lambda code: code.student_id == newcomer).guardian_id, offline_parent)

    def test_all_students_of_my_schools(self):
        form = self._wizard_form()
        form.selection = "all"
        form.per_guardian = False
        codes = self._generate(form)
        self.assertIn(self.student_emma, codes.student_id)
        self.assertNotIn(self.student_zoe, codes.student_id)
        self.assertEqual(codes.company_id, self.school_a)

    def test_validity_days(self):
        now = fields.Datetime.now()
        with freeze_time(now):
            form = self._wizard_form()
            self.assertEqual(form.validity_days, 30)
            form.student_ids.add(self.student_noah)
            form.validity_days = 10
            codes = self._generate(form)
        self.assertEqual(codes.mapped("expiration_date"), [now + timedelta(days=10)])

    def test_validity_follows_student_school(self):
        now = fields.Datetime.now()
        with freeze_time(now):
            form = self._wizard_form(user=self.user_bursar_b)
            self.assertEqual(form.validity_days, 7)
            form.student_ids.add(self.student_zoe)
            codes = self._generate(form)
        self.assertEqual(codes.mapped("expiration_date"), [now + timedelta(days=7)])

    def test_validity_follows_student_school_multi_school_user(self):
        """A bursar of both schools, working in school A, generates codes for a
        student of school B without touching the validity: the codes follow
        school B's setting (7 days), as codes created anywhere else do."""
        bursar_ab = mail_new_test_user(
            self.env,
            login="school_bursar_ab",
            groups="base.group_user,optis_school.group_school_bursar",
            company_id=self.school_a.id,
            company_ids=[(6, 0, (self.school_a | self.school_b).ids)],
        )
        now = fields.Datetime.now()
        with freeze_time(now):
            form = self._wizard_form(user=bursar_ab, allowed_company_ids=(self.school_a | self.school_b).ids)
            form.student_ids.add(self.student_zoe)
            form.student_ids.add(self.student_noah)
            codes = self._generate(form)
        by_student = self._codes_by_student(codes)
        self.assertEqual(by_student[self.student_noah].expiration_date, now + timedelta(days=30))
        self.assertEqual(by_student[self.student_zoe].expiration_date, now + timedelta(days=7))

    def test_invalid_input(self):
        form = self._wizard_form()
        form.student_ids.add(self.student_noah)
        form.validity_days = -1
        with self.assertRaisesRegex(UserError, "validity"):
            form.save().action_generate()
        form = self._wizard_form()
        form.student_ids.add(self.student_noah)
        form.per_guardian = False
        form.codes_per_student = 0
        with self.assertRaisesRegex(UserError, "at least one code"):
            form.save().action_generate()
        form = self._wizard_form()
        form.selection = "classes"
        with self.assertRaisesRegex(UserError, "No student"):
            form.save().action_generate()
        self.assertFalse(self.env["school.activation.code"].search([("student_id", "=", self.student_noah.id)]))
