from odoo.tests import tagged

from .interview_common import InterviewCommon

INTERVIEW_LIST_FIELDS = [
    "start",
    "teacher_name",
    "room",
    "student_id",
    "student_class_id",
    "attendee_names",
    "location_mode",
    "period_id",
    "from_waiting_list",
    "company_id",
    "state",
]
TEACHER_LIST_FIELDS = ["teacher_id", "room", "location_mode", "block_ids", "booked_count", "free_count"]


@tagged("post_install", "-at_install")
class TestInterviewListQueries(InterviewCommon):
    """The lists of interviews and of a period's teachers read the same number of queries
    for 2 records as for many: nothing is read record by record."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        partners = cls.env["res.partner"]
        grid = [start for start, _stop in cls.period._get_slot_grid()]
        interviews = cls.env["school.interview"]
        for index, start in enumerate(grid):
            student = partners.create(
                {
                    "name": f"Pupil {index}",
                    "is_student": True,
                    "company_id": cls.company.id,
                    "school_class_id": cls.school_class.id,
                }
            )
            guardian = partners.create({"name": f"Parent {index}", "is_guardian": True})
            cls.env["school.guardian.link"].create({"student_id": student.id, "guardian_id": guardian.id})
            interviews |= interviews._book(cls.part_1, start, student, guardian)
        cls.interviews = interviews
        cls.part_2.block_ids = [(0, 0, {"hour_from": 18.0, "hour_to": 18.5, "reason": "Meeting"})]
        cls.part_3.block_ids = [(0, 0, {"hour_from": 17.0, "hour_to": 17.5, "reason": "Late"})]

    def _count(self, records, fields):
        self.env.invalidate_all()
        self.env.flush_all()
        before = self.cr.sql_log_count
        records.read(fields)
        return self.cr.sql_log_count - before

    def test_interview_list(self):
        self.assertEqual(len(self.interviews), 9)
        self._count(self.interviews[:2], INTERVIEW_LIST_FIELDS)  # warm-up
        few = self._count(self.interviews[:2], INTERVIEW_LIST_FIELDS)
        self.assertEqual(self._count(self.interviews, INTERVIEW_LIST_FIELDS), few)
        self.env.invalidate_all()
        with self.assertQueryCount(few):
            self.interviews.read(INTERVIEW_LIST_FIELDS)

    def test_period_teachers_list(self):
        # As the web client reads them: browsed by id.
        participations = self.env["school.interview.teacher"].browse(self.period.participation_ids.ids)
        self._count(participations[:1], TEACHER_LIST_FIELDS)  # warm-up
        few = self._count(participations[:1], TEACHER_LIST_FIELDS)
        self.assertEqual(self._count(participations, TEACHER_LIST_FIELDS), few)
        rows = {row["id"]: row for row in participations.read(["booked_count", "free_count"])}
        self.assertEqual((rows[self.part_1.id]["booked_count"], rows[self.part_1.id]["free_count"]), (9, 0))
        self.assertEqual((rows[self.part_2.id]["booked_count"], rows[self.part_2.id]["free_count"]), (0, 7))
        self.assertEqual((rows[self.part_3.id]["booked_count"], rows[self.part_3.id]["free_count"]), (0, 6))
