import csv
from pathlib import Path

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import SchoolCase

SAMPLE_CSV = Path(__file__).resolve().parents[2] / "docs" / "students_sample.csv"
FALLBACK_HEADER = [
    "first_name",
    "last_name",
    "student_number",
    "birthdate",
    "school_class_id",
    "is_student",
    "company_id",
]


@tagged("post_install", "-at_install")
class TestStudentImport(SchoolCase):
    def _sample(self):
        """Header and rows of the sample CSV shipped for schools (docs/)."""
        if SAMPLE_CSV.exists():
            with SAMPLE_CSV.open(newline="", encoding="utf-8") as sample:
                reader = csv.reader(sample)
                header = next(reader)
                rows = [row for row in reader if any(row)]
        else:
            header = FALLBACK_HEADER
            rows = [
                ["Emma", "Janssens", "2026-101", "2018-03-14", "P3A", "1", ""],
                ["Lina", "El Amrani", "2026-103", "2016-11-23", "P5B", "1", ""],
            ]
        if "company_id" in header:
            for row in rows:
                row[header.index("company_id")] = self.school_a.name
        return header, rows

    def test_import_students(self):
        header, rows = self._sample()
        for required in ("first_name", "last_name", "student_number", "school_class_id", "is_student"):
            self.assertIn(required, header)
        self.assertTrue(rows)
        column = {name: index for index, name in enumerate(header)}
        class_names = {row[column["school_class_id"]] for row in rows}
        classes = {
            name: self.env["school.class"].create(
                {"name": name, "school_year_id": self.year_a.id, "company_id": self.school_a.id}
            )
            for name in class_names
        }
        Partner = self.env["res.partner"].with_user(self.user_bursar)
        result = Partner.load(header, rows)
        self.assertEqual(result["messages"], [])
        students = self.env["res.partner"].browse(result["ids"])
        self.assertEqual(len(students), len(rows))
        for student, row in zip(students, rows, strict=True):
            with self.subTest(student=student.name):
                self.assertTrue(student.is_student)
                self.assertEqual(student.company_id, self.school_a)
                self.assertEqual(student.student_number, row[column["student_number"]])
                self.assertEqual(student.school_class_id, classes[row[column["school_class_id"]]])
                self.assertEqual(student.first_name, row[column["first_name"]])
                self.assertEqual(student.last_name, row[column["last_name"]])
                self.assertEqual(student.name, f"{row[column['first_name']]} {row[column['last_name']]}")
                if "birthdate" in column:
                    self.assertEqual(str(student.birthdate), row[column["birthdate"]])
        for name, school_class in classes.items():
            expected = sum(1 for row in rows if row[column["school_class_id"]] == name)
            self.assertEqual(school_class.student_count, expected)

        # Importing the same file again does not duplicate students: numbers are unique per school.
        with mute_logger("odoo.sql_db", "odoo.models"):
            again = Partner.load(header, rows)
        self.assertFalse(again["ids"])
        self.assertTrue(any(message["type"] == "error" for message in again["messages"]))
        self.assertEqual(
            self.env["res.partner"].search_count(
                [("company_id", "=", self.school_a.id), ("student_number", "in", students.mapped("student_number"))]
            ),
            len(rows),
        )
