import logging
import random
from datetime import date, timedelta

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.optis_school.tests.concurrency import race

_logger = logging.getLogger(__name__)

WORKERS = 30
SLOTS = 50
FAMILIES = 200
TEACHERS = 5
FAMILY_ATTEMPTS = 40


@tagged("post_install", "-at_install")
class TestInterviewConcurrency(TransactionCase):
    """Interview bookings in real, separate transactions (one cursor per attempt).

    The school is committed in its own cursor and deleted in a class cleanup: a period of
    50 five-minute interviews, five teachers, 200 families of one child each, and one
    family of two children.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = {}
        cls.addClassCleanup(cls._delete_committed_data)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            company = env["res.company"].create({"name": "Interview Concurrency School"})
            company.partner_id.tz = "UTC"
            cls.data["company_id"] = company.id
            teachers = env["school.teacher"].create(
                [
                    {"first_name": "Teacher", "last_name": str(index), "room": f"R{index}", "company_id": company.id}
                    for index in range(TEACHERS)
                ]
            )
            cls.data["teacher_ids"] = teachers.ids
            partners = env["res.partner"]
            # No email: the threads test the locks, not the mail queue.
            students = partners.create(
                [
                    {"name": f"Child {index}", "is_student": True, "company_id": company.id}
                    for index in range(FAMILIES + 2)
                ]
            )
            guardians = partners.create(
                [{"name": f"Parent {index}", "is_guardian": True} for index in range(FAMILIES + 1)]
            )
            links = [
                {"student_id": students[index].id, "guardian_id": guardians[index].id} for index in range(FAMILIES)
            ]
            links += [{"student_id": student.id, "guardian_id": guardians[-1].id} for student in students[-2:]]
            env["school.guardian.link"].create(links)
            cls.data["partner_ids"] = (students | guardians).ids
            cls.data["student_ids"], cls.data["guardian_ids"] = students.ids, guardians.ids
            period = env["school.interview.period"].create(
                {
                    "name": "Concurrency evening",
                    "company_id": company.id,
                    "date": date.today() + timedelta(days=7),
                    "hour_from": 8.0,
                    "hour_to": 8.0 + SLOTS * 5 / 60,
                    "meeting_minutes": 5,
                    "walking_gap_minutes": 0,
                    "one_per_teacher_per_child": False,
                    "state": "published",
                }
            )
            cls.data["period_id"] = period.id
            cls.data["participation_ids"] = period.participation_ids.sorted("id").ids
            cls.data["starts"] = [start for start, _stop in period._get_slot_grid()]
            # Leaving the cursor block commits.

    @classmethod
    def _delete_committed_data(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            if period_id := cls.data.get("period_id"):
                interviews = env["school.interview"].search([("period_id", "=", period_id)])
                # Booked interviews are cancelled, never deleted.
                interviews.filtered(lambda interview: interview.state == "booked")._cancel(as_parent=False)
                interviews.unlink()
                env["school.interview.period"].browse(period_id).unlink()
            env["school.teacher"].browse(cls.data.get("teacher_ids", [])).unlink()
            partners = env["res.partner"].browse(cls.data.get("partner_ids", []))
            env["school.guardian.link"].search([("student_id", "in", partners.ids)]).unlink()
            partners.unlink()
            if company_id := cls.data.get("company_id"):
                company = env["res.company"].browse(company_id)
                company_partner = company.partner_id
                company.unlink()
                company_partner.unlink()

    def _race(self, attempts):
        """Run the (participation id, start, student id, guardian id) bookings at once."""

        def booking(participation_id, start, student_id, guardian_id):
            def book(env):
                env["school.interview"]._book(
                    env["school.interview.teacher"].browse(participation_id),
                    start,
                    env["res.partner"].browse(student_id),
                    env["res.partner"].browse(guardian_id),
                )

            return book

        return race(self.registry, [booking(*attempt) for attempt in attempts], workers=WORKERS)

    @mute_logger("odoo.sql_db")
    def test_teacher_never_double_booked(self):
        """200 families race for the 50 slots of one teacher, four per slot: exactly 50 win."""
        participation_id = self.data["participation_ids"][0]
        attempts = [
            (
                participation_id,
                self.data["starts"][index % SLOTS],
                self.data["student_ids"][index],
                self.data["guardian_ids"][index],
            )
            for index in range(FAMILIES)
        ]
        random.shuffle(attempts)
        outcomes, retries, seconds = self._race(attempts)
        _logger.info("%s families for %s interviews: %.1f s, %s retries", FAMILIES, SLOTS, seconds, retries)

        self.assertEqual(outcomes.count("done"), SLOTS, outcomes)
        self.assertEqual(outcomes.count("refused"), FAMILIES - SLOTS, outcomes)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            interviews = env["school.interview"].search([("participation_id", "=", participation_id)])
            self.assertEqual(len(interviews), SLOTS)
            self.assertEqual(sorted(interviews.mapped("start")), self.data["starts"])

    @mute_logger("odoo.sql_db")
    def test_family_never_double_booked(self):
        """One parent, two children, four free teachers, one moment: exactly one booking wins."""
        start = self.data["starts"][-1]
        children = self.data["student_ids"][-2:]
        parent = self.data["guardian_ids"][-1]
        teachers = self.data["participation_ids"][1:]
        attempts = [
            (teachers[index % len(teachers)], start, children[index % 2], parent) for index in range(FAMILY_ATTEMPTS)
        ]
        outcomes, retries, seconds = self._race(attempts)
        _logger.info("%s bookings of one family at once: %.1f s, %s retries", FAMILY_ATTEMPTS, seconds, retries)

        self.assertEqual(outcomes.count("done"), 1, outcomes)
        self.assertEqual(outcomes.count("refused"), FAMILY_ATTEMPTS - 1, outcomes)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.assertEqual(env["school.interview"].search_count([("guardian_id", "=", parent)]), 1)
