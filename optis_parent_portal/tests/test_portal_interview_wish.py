import re
from datetime import date, timedelta

from odoo import Command, http
from odoo.tests import HttpCase, tagged

from odoo.addons.optis_school.tests.queue_jobs import trap_jobs
from odoo.addons.optis_school_meetings.tests.interview_common import InterviewCommon


@tagged("post_install", "-at_install")
class TestPortalInterviewWishes(InterviewCommon, HttpCase):
    """Parents give their wishes for an evening planned from wishes. Mum (Alice and Bob's
    mother) and Carol (Carl's guardian) have parent accounts; the round of the spring evening
    is open to wishes; another school has its own round."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        portal = cls.env.ref("base.group_portal")
        cls.user_mum, cls.user_carol = (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                [
                    {
                        "login": login,
                        "password": login,
                        "partner_id": partner.id,
                        "groups_id": [Command.set(portal.ids)],
                        "company_id": cls.company.id,
                        "company_ids": [Command.set(cls.company.ids)],
                    }
                    for login, partner in (("wish_mum", cls.mum), ("wish_carol", cls.carol))
                ]
            )
        )
        cls.round = cls.env["school.interview.round"].create({"period_id": cls.period.id})
        cls.round.action_open_wishes()
        other_school = cls.env["res.company"].create({"name": "Other Wish School"})
        cls.env.user.company_ids |= other_school
        other_period = cls.env["school.interview.period"].create(
            {"name": "Elsewhere", "company_id": other_school.id, "date": date.today() + timedelta(days=30)}
        )
        cls.other_round = cls.env["school.interview.round"].create({"period_id": other_period.id})
        cls.other_round.action_open_wishes()
        cls.url = f"/my/interviews/round/{cls.round.id}"

    def _post(self, url, **data):
        return self.url_open(url, data={**data, "csrf_token": http.Request.csrf_token(self)})

    def _field(self, child, participation):
        return f"priority_{child.id}_{participation.id}"

    def test_parent_gives_wishes_and_unavailable_times(self):
        """Mum answers for both children (the class's two teachers each) and says she cannot
        come for the first two interview times; the planner then keeps her family out of them."""
        self.authenticate("wish_mum", "wish_mum")
        listing = self.url_open("/my/interviews")
        self.assertIn(self.url, listing.text, "the evening open to wishes is listed")
        page = self.url_open(self.url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Alice", page.text)
        self.assertIn("Bob", page.text)
        self.assertNotIn("Carl", page.text)
        self.assertNotIn("Tess Three", page.text, "not a teacher of the class")
        self.assertEqual(page.text.count("o_school_wish_row"), 4)
        self.assertEqual(page.text.count("o_school_unavailable_slot"), 9)
        response = self._post(
            f"{self.url}/wishes",
            **{
                self._field(self.alice, self.part_1): "required",
                self._field(self.alice, self.part_2): "none",
                self._field(self.bob, self.part_1): "wanted",
                self._field(self.bob, self.part_2): "",
            },
            unavailable=["0", "1"],
        )
        self.assertTrue(response.url.endswith("?success=saved"), response.url)
        self.assertIn("Your wishes are saved", response.text)
        wishes = self.round.wish_ids
        self.assertEqual(
            {(wish.student_id, wish.participation_id, wish.guardian_priority, wish.guardian_id) for wish in wishes},
            {
                (self.alice, self.part_1, "required", self.mum),
                (self.alice, self.part_2, "none", self.mum),
                (self.bob, self.part_1, "wanted", self.mum),
            },
        )
        block = self.round.family_block_ids
        self.assertEqual((block.guardian_id, block.hour_from, block.hour_to), (self.mum, 17.0, 17 + 20 / 60))
        # Shown again as chosen.
        page = self.url_open(self.url)
        self.assertEqual(len(re.findall(r"<option[^>]*\sselected", page.text)), 4)
        self.assertEqual(len(re.findall(r"<input[^>]*\schecked", page.text)), 2)

        self.round.action_close_wishes()
        with trap_jobs() as trap:
            self.round.action_compute()
            trap.perform_enqueued_jobs()
        alice = wishes.filtered(lambda wish: wish.student_id == self.alice and wish.participation_id == self.part_1)
        self.assertEqual(alice.result, "planned")
        self.assertGreater(alice.planned_start, self.period._get_slot_grid()[1][0])
        closed = self.url_open(self.url)
        self.assertIn("o_school_wishes_closed", closed.text)
        response = self._post(f"{self.url}/wishes", **{self._field(self.alice, self.part_1): "optional"})
        self.assertIn("are closed", response.text)
        self.assertEqual(alice.guardian_priority, "required")

    def test_strangers_ids_are_not_found(self):
        """Another school's round, a draft round, somebody else's child or a teacher of another
        evening in the form: not found or refused, nothing written."""
        draft = self.env["school.interview.round"].create({"period_id": self.period.id})
        self.authenticate("wish_mum", "wish_mum")
        for round_ in (self.other_round, draft):
            self.assertEqual(self.url_open(f"/my/interviews/round/{round_.id}").status_code, 404)
            self.assertEqual(
                self._post(
                    f"/my/interviews/round/{round_.id}/wishes", **{self._field(self.alice, self.part_1): "required"}
                ).status_code,
                404,
            )
        self.assertEqual(self.url_open("/my/interviews/round/999999").status_code, 404)
        other_part = self.other_round.period_id.participation_ids[:1]
        for child, participation in ((self.carl, self.part_1), (self.alice, self.part_3), (self.alice, other_part)):
            if not participation:
                continue
            response = self._post(f"{self.url}/wishes", **{self._field(child, participation): "required"})
            self.assertIn("cannot be recorded", response.text)
        for forged in ({self._field(self.alice, self.part_1): "urgent"}, {"unavailable": ["99"]}):
            response = self._post(f"{self.url}/wishes", **forged)
            self.assertIn("cannot be recorded", response.text)
        self.assertEqual(self._post(f"{self.url}/wishes", unavailable=["x"]).status_code, 404)
        self.assertFalse(self.round.wish_ids)
        self.assertFalse(self.round.family_block_ids)

    def test_anonymous_and_staff(self):
        """Anonymous visitors go to the login page; staff (not parents) are not found."""
        self.authenticate(None, None)
        response = self.url_open(self.url)
        self.assertIn("/web/login", response.url)
        self.authenticate("admin", "admin")
        self.assertEqual(self.url_open(self.url).status_code, 404)

    def test_teacher_wish_kept_when_the_parent_answers(self):
        """The teacher asked to see Carl; Carol says it is not needed: both are kept, the
        strongest is planned."""
        wish = self.env["school.interview.wish"].create(
            {
                "round_id": self.round.id,
                "student_id": self.carl.id,
                "guardian_id": self.carol.id,
                "participation_id": self.part_1.id,
                "teacher_priority": "required",
            }
        )
        self.authenticate("wish_carol", "wish_carol")
        self._post(f"{self.url}/wishes", **{self._field(self.carl, self.part_1): "none"})
        self.assertEqual(
            (wish.teacher_priority, wish.guardian_priority, wish.priority), ("required", "none", "required")
        )

    def test_page_queries(self):
        """The wishes page reads a fixed number of queries for a family of two children."""
        self.authenticate("wish_mum", "wish_mum")
        self.url_open(self.url).raise_for_status()  # warm the caches
        with self.assertQueryCount(WISH_PAGE_QUERIES):
            self.url_open(self.url).raise_for_status()


WISH_PAGE_QUERIES = 20
