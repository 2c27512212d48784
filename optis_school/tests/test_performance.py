from odoo.tests import tagged

from .common import SchoolCase

STUDENT_LIST_FIELDS = ["name", "school_class_id", "guardian_ids", "unused_activation_code_count"]


@tagged("post_install", "-at_install")
class TestStudentListQueries(SchoolCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        students = cls.env["res.partner"].create(
            [
                {
                    "first_name": f"Student {index}",
                    "last_name": "Perf",
                    "is_student": True,
                    "student_number": f"PERF-{index:03d}",
                    "school_class_id": (cls.class_a1 if index % 2 else cls.class_a2).id,
                    "company_id": cls.school_a.id,
                }
                for index in range(20)
            ]
        )
        guardians = cls.env["res.partner"].create(
            [{"name": f"Guardian {index}", "email": f"guardian{index}@perf.example"} for index in range(40)]
        )
        cls.env["school.guardian.link"].create(
            [
                {"student_id": student.id, "guardian_id": guardians[2 * index + offset].id}
                for index, student in enumerate(students)
                for offset in (0, 1)
            ]
        )
        cls.env["school.activation.code"].create(
            [{"student_id": student.id} for student in students for _copy in range(2)]
        )
        cls.students = students

    def _count_read_queries(self, students):
        self.env.invalidate_all()
        self.env.flush_all()
        count_before = self.cr.sql_log_count
        result = students.read(STUDENT_LIST_FIELDS)
        return self.cr.sql_log_count - count_before, result

    def test_student_list_read_does_not_grow(self):
        # The bursar's list: the codes column is the bursar's business.
        for user in (self.user_bursar, self.user_school_admin):
            with self.subTest(user=user.login):
                students = self.students.with_user(user)
                # Warm up what does not depend on the records (access rules, ...).
                self._count_read_queries(students[:5])
                few_queries, few = self._count_read_queries(students[:5])
                many_queries, many = self._count_read_queries(students)
                self.assertEqual(many_queries, few_queries)
                self.env.invalidate_all()
                with self.assertQueryCount(few_queries):
                    students.read(STUDENT_LIST_FIELDS)
                self.assertEqual(len(many), 20)
                self.assertEqual([len(row["guardian_ids"]) for row in many], [2] * 20)
                self.assertEqual([row["unused_activation_code_count"] for row in many], [2] * 20)
                self.assertEqual(few[0]["school_class_id"][0], self.class_a2.id)
