from datetime import date, datetime

from odoo import Command
from odoo.tests import TransactionCase

# Thursday 27 March 2025, 17:00-19:00 in Brussels (UTC+1): 16:00-18:00 UTC.
EVENING = date(2025, 3, 27)
NOW = datetime(2025, 3, 20, 8, 0)


def utc(hour, minute=0):
    """A moment of the evening, in naive UTC."""
    return datetime(2025, 3, 27, hour, minute)


class InterviewCommon(TransactionCase):
    """A school of its own in Brussels time with three teachers (rooms A1 and B2, and one by
    video), one class taught by the first two, and four families:

    - the Martins: Alice and Bob, siblings, with their parents Mum and Dad;
    - Carl, with his guardian Carol;
    - Dana, whose parents Eve and Frank live apart (Frank's link asks for separate interviews);
    - a stranger, guardian of nobody here.

    The evening: 10-minute interviews, a 10-minute break every 3, walking gap of 5 minutes.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Interview Test School"})
        cls.company.partner_id.tz = "Europe/Brussels"
        cls.env.user.company_ids |= cls.company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids, tracking_disable=True))
        cls.teacher_1, cls.teacher_2, cls.teacher_3 = cls.env["school.teacher"].create(
            [
                {"first_name": "Tina", "last_name": "One", "room": "A1", "company_id": cls.company.id},
                {"first_name": "Tom", "last_name": "Two", "room": "B2", "company_id": cls.company.id},
                {"first_name": "Tess", "last_name": "Three", "room": "C3", "company_id": cls.company.id},
            ]
        )
        year = cls.env["school.year"].create(
            {
                "name": "2024-2025",
                "date_start": date(2024, 9, 1),
                "date_end": date(2025, 6, 30),
                "company_id": cls.company.id,
            }
        )
        cls.school_class = cls.env["school.class"].create(
            {
                "name": "Interview class",
                "school_year_id": year.id,
                "company_id": cls.company.id,
                "main_teacher_id": cls.teacher_1.id,
                "teacher_ids": [Command.set((cls.teacher_1 | cls.teacher_2).ids)],
            }
        )
        partners = cls.env["res.partner"]

        def student(name):
            return partners.create(
                {"name": name, "is_student": True, "company_id": cls.company.id, "school_class_id": cls.school_class.id}
            )

        def guardian(name):
            return partners.create({"name": name, "is_guardian": True, "email": f"{name.lower()}@example.com"})

        cls.alice, cls.bob, cls.carl, cls.dana = (student(name) for name in ("Alice", "Bob", "Carl", "Dana"))
        cls.mum, cls.dad, cls.carol, cls.eve, cls.frank, cls.stranger = (
            guardian(name) for name in ("Mum", "Dad", "Carol", "Eve", "Frank", "Stranger")
        )
        links = cls.env["school.guardian.link"]
        for child, parents in ((cls.alice, cls.mum | cls.dad), (cls.bob, cls.mum | cls.dad), (cls.carl, cls.carol)):
            for parent in parents:
                links.create({"student_id": child.id, "guardian_id": parent.id})
        links.create({"student_id": cls.dana.id, "guardian_id": cls.eve.id})
        cls.frank_link = links.create(
            {"student_id": cls.dana.id, "guardian_id": cls.frank.id, "separate_interviews": True}
        )

        cls.period = cls.env["school.interview.period"].create(
            {
                "name": "Spring evening",
                "company_id": cls.company.id,
                "date": EVENING,
                "hour_from": 17.0,
                "hour_to": 19.0,
                "meeting_minutes": 10,
                "break_every": 3,
                "break_minutes": 10,
                "walking_gap_minutes": 5,
                "state": "published",
            }
        )
        cls.part_1, cls.part_2, cls.part_3 = (
            cls.period.participation_ids.filtered(lambda line, teacher=teacher: line.teacher_id == teacher)
            for teacher in (cls.teacher_1, cls.teacher_2, cls.teacher_3)
        )
        cls.part_3.location_mode = "video"

    def _book(self, participation, start, student, guardian, **kwargs):
        return self.env["school.interview"]._book(participation, start, student, guardian, **kwargs)
