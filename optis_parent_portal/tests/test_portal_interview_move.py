from datetime import date, timedelta

from werkzeug import urls

from odoo import Command, http
from odoo.tests import HttpCase, tagged

from odoo.addons.optis_school_meetings.tests.interview_common import InterviewCommon

from .common import create_published_evening


@tagged("post_install", "-at_install")
class TestPortalInterviewMove(InterviewCommon, HttpCase):
    """Parents move their booked interviews to another free time of the same teacher and
    download them as ``.ics`` files. Mum (Alice and Bob's mother) and Carol (Carl's
    guardian) have parent accounts; an evening in ten days is published."""

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
                        "lang": "en_US",
                        "partner_id": partner.id,
                        "groups_id": [Command.set(portal.ids)],
                        "company_id": cls.company.id,
                        "company_ids": [Command.set(cls.company.ids)],
                    }
                    for login, partner in (("portal_mum", cls.mum), ("portal_carol", cls.carol))
                ]
            )
        )
        cls.evening = create_published_evening(cls.env, cls.company, "Autumn evening")
        cls.tina = cls.evening.participation_ids.filtered(lambda line: line.teacher_id == cls.teacher_1)
        cls.slots = [start for start, _stop in cls.evening._get_slot_grid()]

    def _post(self, url, **data):
        return self.url_open(url, data={**data, "csrf_token": http.Request.csrf_token(self)})

    def _book(self, participation, start, student, guardian):
        return self.env["school.interview"]._book(participation, start, student, guardian)

    def _moved_mails(self, interview):
        return interview.message_ids.filtered(
            lambda message: message.message_type == "comment" and "has changed" in (message.body or "")
        )

    def test_parent_moves_to_a_free_time(self):
        interview = self._book(self.tina, self.slots[0], self.alice, self.mum)
        self.authenticate("portal_mum", "portal_mum")

        listing = self.url_open("/my/interviews")
        self.assertIn(f"/my/interviews/{interview.id}/move", listing.text)
        self.assertIn(f"/my/interviews/{interview.id}/ics", listing.text)
        # On the period's page, Tina shows Alice's time with Move/Cancel, not her free times.
        period_page = self.url_open(f"/my/interviews/period/{self.evening.id}")
        self.assertEqual(period_page.text.count("o_school_interview_own"), 1)
        self.assertIn(f"/my/interviews/{interview.id}/move", period_page.text)
        self.assertEqual(
            period_page.text.count("o_school_interview_slot"),
            6 + 6 + 5,
            "Tom's for both, Tina's for Bob but Alice's time",
        )

        page = self.url_open(f"/my/interviews/{interview.id}/move")
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.text.count("o_school_interview_slot"), 5, "Tina's other free times")
        response = self._post(f"/my/interviews/{interview.id}/move/confirm", start=self.slots[3].isoformat())
        self.assertTrue(response.url.endswith("/my/interviews?success=moved"), response.url)
        self.assertIn("The interview is moved: you will get a confirmation by mail.", response.text)
        self.assertEqual(
            (interview.start, interview.participation_id, interview.state), (self.slots[3], self.tina, "booked")
        )
        moved = self._moved_mails(interview)
        self.assertEqual(len(moved), 1, "the family is told by the engine")
        self.assertEqual(moved.partner_ids, self.mum | self.dad)

    def test_move_to_a_taken_time_is_refused(self):
        interview = self._book(self.tina, self.slots[0], self.alice, self.mum)
        self._book(self.tina, self.slots[2], self.carl, self.carol)
        self.authenticate("portal_mum", "portal_mum")
        url = f"/my/interviews/{interview.id}/move/confirm"
        response = self._post(url, start=self.slots[2].isoformat())
        self.assertEqual(response.status_code, 200)
        # The engine's refusal, on the page the POST renders, not carried by a redirection.
        self.assertEqual(response.url, self.base_url() + url)
        self.assertIn("Tina One already has an interview at", response.text)
        self.assertIn("o_school_interview_slot", response.text, "the free times are shown again")
        self.assertEqual(interview.start, self.slots[0])
        self.assertFalse(self._moved_mails(interview))

        response = self._post(url, start="tomorrow")
        self.assertTrue(response.url.endswith(f"/my/interviews/{interview.id}/move?error=time"), response.url)
        self.assertIn("Choose one of the times shown.", response.text)
        self.assertEqual(interview.start, self.slots[0])

    def test_closed_booking_cannot_move(self):
        interview = self._book(self.tina, self.slots[0], self.alice, self.mum)
        self.evening.booking_close = date.today() - timedelta(days=1)
        self.authenticate("portal_mum", "portal_mum")
        page = self.url_open(f"/my/interviews/{interview.id}/move")
        self.assertIn("Booking is closed", page.text)
        self.assertNotIn("o_school_interview_slot", page.text)
        response = self._post(f"/my/interviews/{interview.id}/move/confirm", start=self.slots[3].isoformat())
        self.assertIn("Booking for Autumn evening is closed", response.text)
        self.assertEqual(interview.start, self.slots[0])

    def test_strangers_interview_is_not_found(self):
        carls = self._book(self.tina, self.slots[0], self.carl, self.carol)
        self.authenticate("portal_mum", "portal_mum")
        self.assertEqual(self.url_open(f"/my/interviews/{carls.id}/move").status_code, 404)
        self.assertEqual(self.url_open(f"/my/interviews/{carls.id}/ics").status_code, 404)
        self.assertEqual(self.url_open("/my/interviews/999999/ics").status_code, 404)
        response = self._post(f"/my/interviews/{carls.id}/move/confirm", start=self.slots[3].isoformat())
        self.assertEqual(response.status_code, 404)
        self.assertEqual(carls.start, self.slots[0])
        # A cancelled interview of the parent's own is no longer theirs to move.
        alices = self._book(self.tina, self.slots[1], self.alice, self.mum)
        alices._cancel(as_parent=False)
        self.assertEqual(self.url_open(f"/my/interviews/{alices.id}/move").status_code, 404)

    def test_csrf_is_required(self):
        interview = self._book(self.tina, self.slots[0], self.alice, self.mum)
        self.authenticate("portal_mum", "portal_mum")
        url = f"/my/interviews/{interview.id}/move/confirm"
        for data in ({"start": self.slots[3].isoformat()}, {"start": self.slots[3].isoformat(), "csrf_token": "x"}):
            response = self.url_open(url, data=data)
            self.assertEqual(response.status_code, 400, data)
        self.assertEqual(interview.start, self.slots[0])
        self.assertFalse(self._moved_mails(interview))

    def test_ics(self):
        interview = self._book(self.tina, self.slots[1], self.alice, self.mum)
        self.authenticate("portal_mum", "portal_mum")
        response = self.url_open(f"/my/interviews/{interview.id}/ics")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("text/calendar"))
        self.assertIn(".ics", response.headers["Content-Disposition"])
        lines = response.content.decode().splitlines()
        self.assertIn("BEGIN:VEVENT", lines)
        self.assertIn(f"DTSTART:{self.slots[1]:%Y%m%dT%H%M%SZ}", lines)
        self.assertIn(f"DTEND:{self.slots[1] + timedelta(minutes=10):%Y%m%dT%H%M%SZ}", lines)
        self.assertIn("SUMMARY:Interview with Tina One about Alice", lines)
        self.assertIn(f"LOCATION:{interview.room}", lines)

    def test_ics_of_a_video_interview(self):
        self.company.school_video_server_url = "https://meet.example.com"
        self.tina.location_mode = "video"
        interview = self._book(self.tina, self.slots[1], self.alice, self.mum)
        self.assertTrue(interview.video_url)
        self.authenticate("portal_mum", "portal_mum")
        ics = self.url_open(f"/my/interviews/{interview.id}/ics").content.decode()
        unfolded = ics.replace("\r\n ", "").splitlines()
        self.assertIn(f"LOCATION:{interview.video_url}", unfolded)
        self.assertNotIn("LOCATION:A1", unfolded)

    def test_url_text_is_never_shown(self):
        interview = self._book(self.tina, self.slots[0], self.alice, self.mum)
        self.authenticate("portal_mum", "portal_mum")
        forged = {"error": "Pay to BE00 instead", "success": "Call +32 000", "booking_error": "Pay to BE00 instead"}
        page = self.url_open(f"/my/interviews/{interview.id}/move?{urls.url_encode(forged)}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_school_interview_slot", page.text, "the real page")
        for text in ("BE00", "Pay to", "Call +32"):
            self.assertNotIn(text, page.text)
        self.assertNotIn("o_school_interview_error", page.text)
        self.assertNotIn("o_school_interview_success", page.text)

    def test_pages_in_french(self):
        interview = self._book(self.tina, self.slots[0], self.alice, self.mum)
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["optis_parent_portal"], ["fr_FR"], overwrite=True)
        self.user_mum.lang = "fr_FR"
        self.authenticate("portal_mum", "portal_mum")
        self.assertIn("Changer l'heure", self.url_open("/my/interviews").text)
        self.assertIn("Changer l'heure", self.url_open(f"/my/interviews/period/{self.evening.id}").text)
        self.assertIn("Déplacer un entretien", self.url_open(f"/my/interviews/{interview.id}/move").text)
        response = self._post(f"/my/interviews/{interview.id}/move/confirm", start=self.slots[3].isoformat())
        self.assertIn("L'entretien est déplacé : vous recevrez une confirmation par e-mail.", response.text)
        ics = self.url_open(f"/my/interviews/{interview.id}/ics").content.decode()
        self.assertIn("SUMMARY:Entretien avec Tina One au sujet de Alice", ics.splitlines())
