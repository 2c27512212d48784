from datetime import date, timedelta

from odoo import Command, http
from odoo.tests import HttpCase, tagged

from odoo.addons.optis_school_meetings.tests.interview_common import InterviewCommon


@tagged("post_install", "-at_install")
class TestPortalInterview(InterviewCommon, HttpCase):
    """Parents book their parent-teacher interviews in the portal. Mum (Alice and Bob's
    mother) and Carol (Carl's guardian) have parent accounts; an evening in ten days is
    published, another is still a draft."""

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
                    for login, partner in (("portal_mum", cls.mum), ("portal_carol", cls.carol))
                ]
            )
        )
        periods = cls.env["school.interview.period"]
        cls.evening = periods.create(
            {
                "name": "Autumn evening",
                "company_id": cls.company.id,
                "date": date.today() + timedelta(days=10),
                "hour_from": 17.0,
                "hour_to": 18.0,
                "meeting_minutes": 10,
                "walking_gap_minutes": 0,
                "state": "published",
            }
        )
        cls.draft = periods.create(
            {"name": "Draft evening", "company_id": cls.company.id, "date": date.today() + timedelta(days=20)}
        )
        cls.tina, cls.tom, cls.tess = (
            cls.evening.participation_ids.filtered(lambda line, teacher=teacher: line.teacher_id == teacher)
            for teacher in (cls.teacher_1, cls.teacher_2, cls.teacher_3)
        )
        cls.slots = [start for start, _stop in cls.evening._get_slot_grid()]

    def _post(self, url, **data):
        return self.url_open(url, data={**data, "csrf_token": http.Request.csrf_token(self)})

    def _book(self, participation, start, student, guardian, **kwargs):
        return self.env["school.interview"]._book(participation, start, student, guardian, **kwargs)

    def test_record_rules(self):
        own = self._book(self.tina, self.slots[0], self.alice, self.dad)
        other = self._book(self.tina, self.slots[1], self.carl, self.carol)
        self.assertEqual(self.env["school.interview"].with_user(self.user_mum).search([]), own)
        self.assertEqual(self.env["school.interview"].with_user(self.user_carol).search([]), other)
        periods = self.env["school.interview.period"].with_user(self.user_mum).search([])
        self.assertIn(self.evening, periods)
        self.assertNotIn(self.draft, periods)

    def test_parent_books_and_cancels(self):
        self._book(self.tina, self.slots[0], self.carl, self.carol)
        self.authenticate("portal_mum", "portal_mum")
        page = self.url_open(f"/my/interviews/period/{self.evening.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Alice", page.text)
        self.assertIn("Tom Two", page.text)
        self.assertNotIn("Tess Three", page.text, "not a teacher of Mum's children")
        self.assertEqual(page.text.count("o_school_interview_slot"), 2 * (6 + 5), "Tina has one time taken by Carl")

        response = self._post(
            f"/my/interviews/period/{self.evening.id}/book",
            student_id=self.alice.id,
            participation_id=self.tina.id,
            start=self.slots[1].isoformat(),
        )
        self.assertIn("Booked", response.text)
        interview = self.env["school.interview"].search([("student_id", "=", self.alice.id)])
        self.assertEqual((interview.start, interview.participation_id), (self.slots[1], self.tina))
        self.assertEqual(interview.attendee_ids.partner_id, self.mum | self.dad)

        # The rules of the period answer in the page: Bob's family is busy at that time.
        response = self._post(
            f"/my/interviews/period/{self.evening.id}/book",
            student_id=self.bob.id,
            participation_id=self.tom.id,
            start=self.slots[1].isoformat(),
        )
        self.assertIn("already has an interview with Tina One", response.text)

        listing = self.url_open("/my/interviews")
        self.assertIn("Autumn evening", listing.text)
        self.assertEqual(listing.text.count('class="o_school_interview"'), 1)
        response = self._post(f"/my/interviews/{interview.id}/cancel")
        self.assertIn("The interview is cancelled", response.text)
        self.assertEqual(interview.state, "cancelled")

    def test_strangers_ids_are_not_found(self):
        carls = self._book(self.tina, self.slots[0], self.carl, self.carol)
        self.authenticate("portal_mum", "portal_mum")
        self.assertEqual(self.url_open(f"/my/interviews/period/{self.draft.id}").status_code, 404)
        self.assertEqual(self.url_open("/my/interviews/period/999999").status_code, 404)
        book = f"/my/interviews/period/{self.evening.id}/book"
        # Somebody else's child; a teacher of another period.
        for student, participation in ((self.carl, self.tina), (self.alice, self.part_1)):
            response = self._post(
                book, student_id=student.id, participation_id=participation.id, start=self.slots[2].isoformat()
            )
            self.assertEqual(response.status_code, 404)
        response = self._post(book, student_id="alice", participation_id=self.tina.id, start=self.slots[2].isoformat())
        self.assertEqual(response.status_code, 404, "not an id")
        self.assertEqual(self._post(f"/my/interviews/{carls.id}/cancel").status_code, 404)
        self.assertEqual(carls.state, "booked")
        self.assertFalse(
            self.env["school.interview"].search(
                [("student_id", "in", (self.carl | self.alice).ids), ("id", "!=", carls.id)]
            )
        )

    def test_waiting_list(self):
        self.tom.block_ids = [(0, 0, {"hour_from": 17.1667, "hour_to": 18.0})]
        self.authenticate("portal_mum", "portal_mum")
        wait = f"/my/interviews/period/{self.evening.id}/wait"
        response = self._post(wait, student_id=self.alice.id, participation_id=self.tom.id)
        self.assertIn("still has free interviews", response.text)
        self._book(self.tom, self.slots[0], self.carl, self.carol)
        page = self.url_open(f"/my/interviews/period/{self.evening.id}")
        self.assertIn("Join the waiting list", page.text)
        response = self._post(wait, student_id=self.alice.id, participation_id=self.tom.id)
        self.assertIn("You are on the waiting list", response.text)
        entry = self.env["school.interview.wait"].search([("participation_id", "=", self.tom.id)])
        self.assertEqual((entry.student_id, entry.guardian_id, entry.state), (self.alice, self.mum, "waiting"))

    def test_closed_booking(self):
        self.evening.booking_close = date.today() - timedelta(days=1)
        self.authenticate("portal_mum", "portal_mum")
        page = self.url_open(f"/my/interviews/period/{self.evening.id}")
        self.assertIn("Booking is closed", page.text)
        self.assertNotIn("o_school_interview_slot", page.text)
        response = self._post(
            f"/my/interviews/period/{self.evening.id}/book",
            student_id=self.alice.id,
            participation_id=self.tina.id,
            start=self.slots[0].isoformat(),
        )
        self.assertIn("Booking for Autumn evening is closed", response.text)
