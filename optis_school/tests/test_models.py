from datetime import date, timedelta

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessDenied, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import SchoolCase


@tagged("post_install", "-at_install")
class TestStudent(SchoolCase):
    def test_student_number_unique_per_school(self):
        # Emma (school A) and Zoé (school B) already share A-001.
        self.assertEqual(self.student_emma.student_number, self.student_zoe.student_number)
        self.assertNotEqual(self.student_emma.company_id, self.student_zoe.company_id)
        other_school = self._new_student("Tom", "Other", "A-002", self.class_b1)
        self.assertEqual(other_school.student_number, "A-002")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self._new_student("Tom", "Twice", "A-002", self.class_a2)

    def test_student_number_unique_on_write(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.student_noah.student_number = "A-001"
            self.env.flush_all()

    def test_name_from_first_and_last_name(self):
        student = self.env["res.partner"].create(
            {"first_name": "  Ada ", "last_name": "Lovelace", "is_student": True, "company_id": self.school_a.id}
        )
        self.assertEqual(student.name, "Ada Lovelace")
        student.write({"last_name": "Byron"})
        self.assertEqual(student.name, "Ada Byron")
        student.first_name = "Augusta"
        self.assertEqual(student.name, "Augusta Byron")
        only_last = self.env["res.partner"].create({"last_name": "Solo"})
        self.assertEqual(only_last.name, "Solo")

    def test_explicit_name_is_kept(self):
        partner = self.env["res.partner"].create({"name": "Dr. Ada", "first_name": "Ada", "last_name": "Lovelace"})
        self.assertEqual(partner.name, "Dr. Ada")

    def test_student_defaults_to_current_school(self):
        student = (
            self.env["res.partner"]
            .with_company(self.school_b)
            .create({"first_name": "No", "last_name": "School", "is_student": True})
        )
        self.assertEqual(student.company_id, self.school_b)
        self.assertEqual(student.type, "contact")

    def test_leaving_date_before_entry_date(self):
        self.student_lina.write({"school_entry_date": "2024-09-01", "school_leaving_date": "2024-09-01"})
        self.assertEqual(self.student_lina.school_leaving_date, date(2024, 9, 1))
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.student_lina.write({"school_leaving_date": "2024-08-31"})
            self.env.flush_all()

    def test_birthdate_in_future(self):
        today = fields.Date.context_today(self.env["res.partner"])
        self.student_noah.birthdate = today
        with self.assertRaises(ValidationError):
            self.student_noah.birthdate = today + timedelta(days=1)
        with self.assertRaises(ValidationError):
            self._new_student("Not", "Born", "A-100", self.class_a1, birthdate=today + timedelta(days=30))


@tagged("post_install", "-at_install")
class TestGuardianLink(SchoolCase):
    def test_link_unique_per_pair(self):
        # The same guardian may be linked to other students (Noah), not twice to one.
        self.assertEqual(self.parent_1.school_student_ids, self.student_emma | self.student_noah)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.env["school.guardian.link"].create(
                {"student_id": self.student_emma.id, "guardian_id": self.parent_1.id, "relationship": "other"}
            )

    def test_student_not_own_guardian(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.env["school.guardian.link"].create(
                {"student_id": self.student_lucas.id, "guardian_id": self.student_lucas.id}
            )

    def test_link_needs_a_student(self):
        with self.assertRaises(ValidationError):
            self.env["school.guardian.link"].create(
                {"student_id": self.guardian_marc.id, "guardian_id": self.guardian_rose.id}
            )

    def test_link_marks_guardian(self):
        partner = self.env["res.partner"].create({"name": "Aunt Jo"})
        self.assertFalse(partner.is_guardian)
        self.env["school.guardian.link"].create({"student_id": self.student_lucas.id, "guardian_id": partner.id})
        self.assertTrue(partner.is_guardian)
        self.assertEqual(self.student_lucas.guardian_ids, partner)
        self.assertEqual(self.student_emma.guardian_ids, self.parent_1 | self.guardian_marc)


@tagged("post_install", "-at_install")
class TestSchoolYear(SchoolCase):
    def _year(self, name, start, end, company=None):
        return self.env["school.year"].create(
            {"name": name, "date_start": start, "date_end": end, "company_id": (company or self.school_a).id}
        )

    def test_end_after_start(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self._year("Backwards", "2030-06-30", "2029-09-01")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self._year("One day", "2030-06-30", "2030-06-30")

    def test_no_overlap_in_one_school(self):
        self._year("2027-2028", "2027-09-01", "2028-06-30")
        with self.assertRaises(ValidationError):
            self._year("Overlapping", "2027-06-01", "2027-12-31")
        with self.assertRaises(ValidationError):
            self._year("Inside", "2026-10-01", "2026-10-31")
        with self.assertRaises(ValidationError):
            self.year_a.date_end = "2027-09-15"

    def test_overlap_allowed_across_schools(self):
        # year_a and year_b already cover the same dates in schools A and B.
        summer_b = self._year("Summer", "2027-07-01", "2027-08-31", company=self.school_b)
        summer_a = self._year("Summer", "2027-07-15", "2027-08-15", company=self.school_a)
        self.assertEqual((summer_a | summer_b).company_id, self.school_a | self.school_b)
        with self.assertRaises(ValidationError):
            self._year("Late summer", "2027-08-01", "2027-09-15", company=self.school_a)

    def test_current_year(self):
        self.assertEqual(self.env["school.year"]._get_current(self.school_a), self.year_a)
        self.assertEqual(self.env["school.year"]._get_current(self.school_b), self.year_b)


@tagged("post_install", "-at_install")
class TestTeacher(SchoolCase):
    def _teacher_vals(self, **values):
        return {"first_name": "Sophie", "last_name": "Claes", "room": "B12", "company_id": self.school_a.id, **values}

    def test_required_fields(self):
        Teacher = self.env["school.teacher"]
        teacher = Teacher.create(self._teacher_vals())
        self.assertEqual(teacher.name, "Sophie Claes")
        for field_name in ("first_name", "last_name", "room"):
            with self.subTest(field=field_name, value="missing"):
                vals = self._teacher_vals()
                del vals[field_name]
                with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
                    Teacher.create(vals)
            for value in ("", "   "):
                with self.subTest(field=field_name, value=value), self.assertRaises(ValidationError):
                    Teacher.create(self._teacher_vals(**{field_name: value}))
            with self.subTest(field=field_name, value="write blank"), self.assertRaises(ValidationError):
                teacher.write({field_name: "  "})

    def test_login_for_teacher_with_email_and_password(self):
        teacher = self.env["school.teacher"].create(
            self._teacher_vals(email="sophie.claes@school-a.example", password="Chalk-and-Board-42")
        )
        user = teacher.user_id
        self.assertTrue(user)
        self.assertEqual(user.login, "sophie.claes@school-a.example")
        self.assertEqual(user.company_id, self.school_a)
        self.assertTrue(user.has_group("optis_school.group_school_teacher"))
        self.assertTrue(user._is_internal())
        self.assertFalse(user.has_group("optis_school.group_school_bursar"))
        self.assertFalse(user.has_group("optis_school.group_school_admin"))
        self.assertFalse(user.has_group("base.group_system"))
        # The password lets the teacher log in; another one does not.
        credential = {"type": "password", "login": user.login, "password": "Chalk-and-Board-42"}
        auth_info = user.with_user(user)._check_credentials(credential, {"interactive": False})
        self.assertEqual(auth_info["uid"], user.id)
        with self.assertRaises(AccessDenied):
            user.with_user(user)._check_credentials(dict(credential, password="wrong-password"), {"interactive": False})
        # A new password is set on the same user.
        teacher.password = "New-Chalk-43"
        self.assertEqual(teacher.user_id, user)
        auth_info = user.with_user(user)._check_credentials(
            dict(credential, password="New-Chalk-43"), {"interactive": False}
        )
        self.assertEqual(auth_info["uid"], user.id)

    def test_no_login_without_password(self):
        teacher = self.env["school.teacher"].create(self._teacher_vals(email="no.login@school-a.example"))
        self.assertFalse(teacher.user_id)

    def test_password_without_email(self):
        with self.assertRaises(ValidationError):
            self.env["school.teacher"].create(self._teacher_vals(password="Chalk-and-Board-42"))
        teacher = self.env["school.teacher"].create(self._teacher_vals())
        with self.assertRaises(ValidationError):
            teacher.password = "Chalk-and-Board-42"
        self.assertFalse(teacher.user_id)

    def test_login_follows_email(self):
        teacher = self.env["school.teacher"].create(
            self._teacher_vals(email="sophie.claes@school-a.example", password="Chalk-and-Board-42")
        )
        teacher.write({"email": "s.claes@school-a.example", "last_name": "Claes-Dupont"})
        self.assertEqual(teacher.user_id.login, "s.claes@school-a.example")
        self.assertEqual(teacher.user_id.name, "Sophie Claes-Dupont")
        # A login chosen by hand is kept.
        teacher.user_id.login = "sophie"
        teacher.write({"email": "sophie@school-a.example"})
        self.assertEqual(teacher.user_id.login, "sophie")
        self.assertEqual(teacher.user_id.email, "sophie@school-a.example")
