from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.optis_school_meetings.tests.interview_common import InterviewCommon

from .common import create_published_evening

# Queries of the booking page of a period, the page warmed once: the same for one child and
# for six, whatever the number of teachers (it grew by one query per child and teacher).
PERIOD_PAGE_QUERIES = 22


@tagged("post_install", "-at_install")
class TestPortalInterviewQueries(InterviewCommon, HttpCase):
    """The booking page of a period reads the free times of all its teachers at once. Six
    teachers teach one class; Solo has one child in it, Many six."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        teachers = cls.teacher_1 | cls.teacher_2 | cls.teacher_3
        teachers |= cls.env["school.teacher"].create(
            [
                {"first_name": name, "last_name": "Extra", "room": f"D{index}", "company_id": cls.company.id}
                for index, name in enumerate(("Uma", "Victor", "Wendy"))
            ]
        )
        cls.school_class.teacher_ids = [Command.set(teachers.ids)]
        partners = cls.env["res.partner"]
        children = partners.create(
            [
                {
                    "name": f"Child {index}",
                    "is_student": True,
                    "company_id": cls.company.id,
                    "school_class_id": cls.school_class.id,
                }
                for index in range(7)
            ]
        )
        solo, many = partners.create(
            [{"name": name, "is_guardian": True, "email": f"{name.lower()}@example.com"} for name in ("Solo", "Many")]
        )
        links = cls.env["school.guardian.link"]
        links.create({"student_id": children[0].id, "guardian_id": solo.id})
        links.create([{"student_id": child.id, "guardian_id": many.id} for child in children[1:]])
        portal = cls.env.ref("base.group_portal")
        cls.env["res.users"].with_context(no_reset_password=True).create(
            [
                {
                    "login": login,
                    "password": login,
                    "partner_id": partner.id,
                    "groups_id": [Command.set(portal.ids)],
                    "company_id": cls.company.id,
                    "company_ids": [Command.set(cls.company.ids)],
                }
                for login, partner in (("portal_solo", solo), ("portal_many", many))
            ]
        )
        cls.evening = create_published_evening(cls.env, cls.company, "Busy evening")
        cls.slots = [start for start, _stop in cls.evening._get_slot_grid()]
        cls.first = cls.evening.participation_ids.filtered(lambda line: line.teacher_id == cls.teacher_1)
        cls.env["school.interview"]._book(cls.first, cls.slots[0], cls.alice, cls.mum)
        cls.env["school.interview.block"].create({"participation_id": cls.first.id, "hour_from": 17.5, "hour_to": 18.0})

    def test_free_slots_of_all_teachers_at_once(self):
        participations = self.evening.participation_ids
        self.assertEqual(len(participations), 6)
        with self.assertQueryCount(2):
            free = participations._get_free_slots_by_participation()
        self.assertEqual(free, {line.id: line._get_free_slots() for line in participations})
        self.assertEqual([start for start, _stop in free[self.first.id]], self.slots[1:3])

    def _period_page_queries(self, login, children):
        self.authenticate(login, login)
        url = f"/en/my/interviews/period/{self.evening.id}"
        self.url_open(url).raise_for_status()  # warm the caches
        with self.assertQueryCount(PERIOD_PAGE_QUERIES):
            response = self.url_open(url)
        response.raise_for_status()
        # every child sees every teacher's free times: all but the booked and blocked ones
        free = 5 * len(self.slots) + 2
        self.assertEqual(response.text.count("o_school_interview_slot"), children * free)

    def test_period_page_queries_one_child(self):
        self._period_page_queries("portal_solo", 1)

    def test_period_page_queries_six_children(self):
        self._period_page_queries("portal_many", 6)
