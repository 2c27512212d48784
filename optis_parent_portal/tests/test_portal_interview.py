import json
from datetime import date, timedelta

from werkzeug import urls

from odoo import Command, http
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.optis_school_meetings.tests.interview_common import InterviewCommon

from .common import create_published_evening


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
        cls.evening = create_published_evening(cls.env, cls.company, "Autumn evening")
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
        self.assertTrue(response.url.endswith("?success=booked"), response.url)
        self.assertIn("Booked: you will get a confirmation by mail.", response.text)
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
        # Shown on the page the POST renders, not carried by a redirection.
        self.assertEqual(response.url, self.base_url() + f"/my/interviews/period/{self.evening.id}/book")
        self.assertIn("already has an interview with Tina One", response.text)
        self.assertIn("o_school_interview_slot", response.text, "the free times are shown again")

        listing = self.url_open("/my/interviews")
        self.assertIn("Autumn evening", listing.text)
        self.assertEqual(listing.text.count('class="o_school_interview"'), 1)
        response = self._post(f"/my/interviews/{interview.id}/cancel")
        self.assertTrue(response.url.endswith("/my/interviews?success=cancelled"), response.url)
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

    def test_url_text_is_never_shown(self):
        """Interview pages show only the messages they name by a code, in the parent's language."""
        self.authenticate("portal_mum", "portal_mum")
        forged = {
            "message": "<script>alert('pwned')</script>",
            "error": "Pay to BE00 0000 0000 0000 instead",
            "success": "Call +32 000 to confirm",
            "booking_error": "Pay to BE00 0000 0000 0000 instead",
        }
        for page in ("/my/interviews", f"/my/interviews/period/{self.evening.id}"):
            response = self.url_open(f"{page}?{urls.url_encode(forged)}")
            self.assertEqual(response.status_code, 200, page)
            self.assertIn("Autumn evening", response.text, "the real page")
            for text in ("pwned", "BE00", "Pay to", "Call +32"):
                self.assertNotIn(text, response.text, page)
            self.assertNotIn("o_school_interview_success", response.text, page)
            self.assertNotIn("o_school_interview_error", response.text, page)

        page = f"/my/interviews/period/{self.evening.id}"
        for code, text in (
            ("success=booked", "Booked: you will get a confirmation by mail."),
            ("success=waiting", "You are on the waiting list: a freed time is booked for you and mailed."),
            ("success=cancelled", "The interview is cancelled."),
            ("error=time", "Choose one of the times shown."),
        ):
            self.assertIn(text, self.url_open(f"{page}?{code}").text, code)

        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["optis_parent_portal"], ["fr_FR"], overwrite=True)
        self.user_mum.lang = "fr_FR"
        self.authenticate("portal_mum", "portal_mum")
        self.assertIn(
            "Réservé : vous recevrez une confirmation par e-mail.", self.url_open(f"{page}?success=booked").text
        )
        self.assertIn("Choisissez une des heures proposées.", self.url_open(f"{page}?error=time").text)

    def test_child_of_another_school_is_refused(self):
        """Mum's third child goes to another school: no interview of this school about her,
        whether the page, the booking engine or the waiting list is asked."""
        other_school = self.env["res.company"].create({"name": "Other Test School"})
        zoe = self.env["res.partner"].create({"name": "Zoe", "is_student": True, "company_id": other_school.id})
        self.env["school.guardian.link"].create({"student_id": zoe.id, "guardian_id": self.mum.id})
        self.evening.class_teachers_only = False

        self.authenticate("portal_mum", "portal_mum")
        page = self.url_open(f"/my/interviews/period/{self.evening.id}")
        self.assertIn("Alice", page.text)
        # Zoe is in the switcher of Mum's children, not among the children to book for.
        self.assertIn('<h4 class="mt-4">Alice', page.text)
        self.assertNotIn('<h4 class="mt-4">Zoe', page.text)
        self.assertNotIn(f'name="student_id" value="{zoe.id}"', page.text)
        for action in ("book", "wait"):
            response = self._post(
                f"/my/interviews/period/{self.evening.id}/{action}",
                student_id=zoe.id,
                participation_id=self.tina.id,
                start=self.slots[0].isoformat(),
            )
            self.assertEqual(response.status_code, 404, action)

        # The engine itself refuses, for parents and staff alike.
        for as_parent in (True, False):
            with self.assertRaisesRegex(UserError, "Zoe is not a pupil of Interview Test School"):
                self._book(self.tina, self.slots[0], zoe, self.mum, as_parent=as_parent)
        self.tina.block_ids = [Command.create({"hour_from": 17.0, "hour_to": 18.0})]
        with self.assertRaisesRegex(UserError, "Zoe is not a pupil of Interview Test School"):
            self.env["school.interview.wait"]._join(self.tina, zoe, self.mum, as_parent=True)
        self.assertFalse(self.env["school.interview"].search([("student_id", "=", zoe.id)]))
        self.assertFalse(self.env["school.interview.wait"].search([("student_id", "=", zoe.id)]))

    def _count_interviews(self, login):
        self.authenticate(login, login)
        response = self.url_open(
            "/my/counters",
            data=json.dumps({"params": {"counters": ["school_interview_count"]}}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()["result"]["school_interview_count"]

    def test_portal_home_counts_the_interviews(self):
        """Each user counts the booked interviews they attend, read with their own rights."""
        self._book(self.tina, self.slots[0], self.alice, self.dad)
        self._book(self.tom, self.slots[1], self.bob, self.mum)
        self._book(self.tina, self.slots[1], self.carl, self.carol)
        self._book(self.tom, self.slots[2], self.carl, self.carol)._cancel(as_parent=False)
        receptionist = mail_new_test_user(
            self.env,
            login="interview_receptionist",
            groups="base.group_user,optis_school_meetings.group_meeting_receptionist",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertEqual(self._count_interviews("portal_mum"), 2)
        self.assertEqual(self._count_interviews("portal_carol"), 1, "the cancelled one is not counted")
        # Reads every interview of the school in the backend, but attends none of them.
        self.assertEqual(self.env["school.interview"].with_user(receptionist).search_count([]), 4)
        self.assertEqual(self._count_interviews("interview_receptionist"), 0)
        listing = self.url_open("/my/interviews")
        self.assertEqual(listing.status_code, 200)
        self.assertNotIn('class="o_school_interview"', listing.text)
