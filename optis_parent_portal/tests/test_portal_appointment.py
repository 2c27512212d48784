import base64
from datetime import date, datetime, time, timedelta

import pytz
from werkzeug import urls

from odoo import Command, http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.optis_school_meetings.tests.interview_common import InterviewCommon

# Pinned for the free times page of one week (6 times a day, 5 days): warm caches, any history.
SLOTS_PAGE_QUERIES = 26


@tagged("post_install", "-at_install")
class TestPortalAppointment(InterviewCommon, HttpCase):
    """Parents book desk appointments in the portal: a type bookable by parents, its free
    times a week at a time, the privacy notice accepted, then cancel and download them.
    Mum (Alice and Bob's mother) and Carol (Carl's guardian) have parent accounts; one agent
    receives Monday to Friday, 9:00-12:00 (Brussels), at one desk for one visitor at a time."""

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
        receptionist = mail_new_test_user(
            cls.env,
            login="appointment_receptionist",
            groups="optis_school_meetings.group_meeting_receptionist",
            tz="Europe/Brussels",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.enrolment = cls.env["school.appointment.type"].create(
            {
                "name": "Enrolment",
                "company_id": cls.company.id,
                "duration": 0.5,
                "min_notice_hours": 24.0,
                "horizon_days": 30,
                "cancel_cutoff_hours": 24.0,
                "portal_published": True,
                "ask_student": True,
                "gdpr_text": "The school keeps your name and email for the enrolment file.",
            }
        )
        cls.hidden = cls.env["school.appointment.type"].create(
            {"name": "Staff only", "company_id": cls.company.id, "duration": 0.5}
        )
        cls.desk = cls.env["school.meeting.counter"].create(
            {"name": "Front desk", "company_id": cls.company.id, "capacity": 1}
        )
        cls.agent = cls.env["school.meeting.agent"].create(
            {"user_id": receptionist.id, "company_id": cls.company.id, "role": "receptionist"}
        )
        cls.env["school.meeting.availability"].create({"agent_id": cls.agent.id, "hour_from": 9.0, "hour_to": 12.0})
        # A Monday 8 to 14 days ahead: the whole week is inside the notice and the horizon.
        today = date.today()
        cls.monday = today + timedelta(days=14 - today.weekday())
        brussels = pytz.timezone("Europe/Brussels")
        cls.first_time = (
            brussels.localize(datetime.combine(cls.monday, time(9, 0))).astimezone(pytz.utc).replace(tzinfo=None)
        )

    def _post(self, url, **data):
        return self.url_open(url, data={**data, "csrf_token": http.Request.csrf_token(self)})

    def _book_url(self, appointment_type=None):
        return f"/my/appointments/type/{(appointment_type or self.enrolment).id}/book"

    def _appointments(self, **domain):
        return self.env["school.appointment"].search(
            [("appointment_type_id", "=", self.enrolment.id)] + [(name, "=", value) for name, value in domain.items()]
        )

    def _staff_book(self, start, visitor, student=None):
        return self.env["school.appointment"]._book(
            self.enrolment,
            start,
            self.agent,
            self.desk,
            {"visitor_partner_id": visitor.id, "student_id": student.id if student else False},
        )

    def test_parent_books_downloads_and_cancels(self):
        self.authenticate("portal_mum", "portal_mum")
        listing = self.url_open("/my/appointments")
        self.assertEqual(listing.status_code, 200)
        self.assertIn(f"/my/appointments/type/{self.enrolment.id}", listing.text)
        self.assertNotIn(f"/my/appointments/type/{self.hidden.id}", listing.text, "not bookable by parents")
        self.assertIn("No appointment booked.", listing.text)

        week = self.url_open(f"/my/appointments/type/{self.enrolment.id}?week={self.monday.isoformat()}")
        self.assertEqual(week.status_code, 200)
        self.assertEqual(week.text.count("o_school_appointment_day"), 5, "Monday to Friday")
        self.assertEqual(week.text.count("o_school_appointment_slot"), 5 * 6, "9:00 to 12:00, every half hour")
        self.assertIn("o_school_appointment_previous", week.text)
        start = self.first_time.isoformat()
        self.assertIn(f"/confirm?start={start}", week.text)

        confirm = self.url_open(f"/my/appointments/type/{self.enrolment.id}/confirm?start={start}")
        self.assertEqual(confirm.status_code, 200)
        self.assertIn("The school keeps your name and email for the enrolment file.", confirm.text)
        self.assertIn('name="accept_privacy"', confirm.text)
        self.assertIn(f'value="{self.alice.id}"', confirm.text)
        self.assertIn(f'value="{self.bob.id}"', confirm.text)
        self.assertNotIn(f'value="{self.carl.id}"', confirm.text)

        # The visitor comes from the session: a forged visitor in the form is ignored.
        response = self._post(
            self._book_url(),
            start=start,
            student_id=self.alice.id,
            accept_privacy="1",
            visitor_partner_id=self.carol.id,
        )
        appointment = self._appointments()
        self.assertEqual(len(appointment), 1)
        self.assertTrue(response.url.endswith(f"/my/appointments/{appointment.id}?success=booked"), response.url)
        self.assertIn("Booked: you will get a confirmation by mail.", response.text)
        self.assertEqual(
            (appointment.visitor_partner_id, appointment.student_id, appointment.start, appointment.state),
            (self.mum, self.alice, self.first_time, "booked"),
        )
        booked_mail = appointment.message_ids.filtered(lambda message: message.message_type == "comment")
        self.assertEqual(len(booked_mail), 1)
        self.assertEqual(booked_mail.partner_ids, self.mum)
        self.assertEqual(booked_mail.attachment_ids.mapped("name"), ["appointment.ics"])
        self.assertIn(b"METHOD:PUBLISH", base64.b64decode(booked_mail.attachment_ids.datas))

    def test_parent_downloads_and_cancels(self):
        self.authenticate("portal_mum", "portal_mum")
        self._post(self._book_url(), start=self.first_time.isoformat(), student_id=self.alice.id, accept_privacy="1")
        appointment = self._appointments()
        self.assertEqual(appointment.visitor_partner_id, self.mum)
        booked_mail = appointment.message_ids.filtered(lambda message: message.message_type == "comment")
        listing = self.url_open("/my/appointments")
        self.assertEqual(listing.text.count('o_school_appointment"'), 1)
        self.assertIn("o_school_appointment_cancel", listing.text)
        ics = self.url_open(f"/my/appointments/{appointment.id}/ics")
        self.assertEqual(ics.status_code, 200)
        self.assertTrue(ics.headers["Content-Type"].startswith("text/calendar"))
        self.assertIn(f"UID:school-appointment-{appointment.id}@", ics.text)
        self.assertIn("DTSTART:" + self.first_time.strftime("%Y%m%dT%H%M%SZ"), ics.text)
        self.assertIn("LOCATION:Front desk", ics.text)
        # Taken: no longer offered.
        week = self.url_open(f"/my/appointments/type/{self.enrolment.id}?week={self.monday.isoformat()}")
        self.assertEqual(week.text.count("o_school_appointment_slot"), 5 * 6 - 1)

        response = self._post(f"/my/appointments/{appointment.id}/cancel")
        self.assertTrue(response.url.endswith("/my/appointments?success=cancelled"), response.url)
        self.assertIn("The appointment is cancelled.", response.text)
        self.assertEqual(appointment.state, "cancelled")
        cancel_mail = appointment.message_ids.filtered(lambda message: message.message_type == "comment")[0]
        self.assertNotEqual(cancel_mail, booked_mail)
        self.assertEqual(cancel_mail.attachment_ids.mapped("name"), ["appointment.ics"])
        cancel_ics = base64.b64decode(cancel_mail.attachment_ids.datas)
        self.assertIn(b"METHOD:CANCEL", cancel_ics)
        self.assertIn(f"UID:school-appointment-{appointment.id}@".encode(), cancel_ics)
        self.assertIn("o_school_appointment_past", response.text)

    def test_privacy_notice_must_be_accepted(self):
        self.authenticate("portal_mum", "portal_mum")
        response = self._post(self._book_url(), start=self.first_time.isoformat(), student_id=self.alice.id)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Please accept the privacy notice to book.", response.text)
        self.assertFalse(self._appointments())

    def test_child_must_be_chosen_among_the_parents(self):
        self.authenticate("portal_mum", "portal_mum")
        start = self.first_time.isoformat()
        response = self._post(self._book_url(), start=start, accept_privacy="1")
        self.assertIn("Choose the child the appointment is about.", response.text)
        # Another family's child, or no number: not found, nothing booked.
        self.assertEqual(
            self._post(self._book_url(), start=start, accept_privacy="1", student_id=self.carl.id).status_code, 404
        )
        self.assertEqual(self._post(self._book_url(), start=start, accept_privacy="1", student_id="x").status_code, 404)
        self.assertFalse(self._appointments())
        # A type that asks for no child books none, whatever is posted.
        self.enrolment.ask_student = False
        self._post(self._book_url(), start=start, accept_privacy="1", student_id=self.carl.id)
        self.assertEqual(self._appointments().mapped("student_id"), self.env["res.partner"])
        self.assertEqual(self._appointments().visitor_partner_id, self.mum)

    def test_time_taken_by_another_parent_is_refused(self):
        start = self.first_time.isoformat()
        # Carol confirms first, in her own request (its own transaction).
        self.authenticate("portal_carol", "portal_carol")
        self._post(self._book_url(), start=start, student_id=self.carl.id, accept_privacy="1")
        self.assertEqual(self._appointments().visitor_partner_id, self.carol)
        # Mum had the confirmation page open and posts the same time.
        self.authenticate("portal_mum", "portal_mum")
        url = self._book_url()
        response = self._post(url, start=start, student_id=self.alice.id, accept_privacy="1")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.url, self.base_url() + url)
        self.assertIn("This time is no longer free: please choose another one.", response.text)
        self.assertEqual(len(self._appointments(start=self.first_time, state="booked")), 1, "no double booking")
        # The confirmation page of a taken time says so and offers no form.
        page = self.url_open(f"/my/appointments/type/{self.enrolment.id}/confirm?start={start}")
        self.assertIn("o_school_appointment_taken", page.text)
        self.assertNotIn("o_school_appointment_form", page.text)
        # A time that is no free time at all (outside the hours) is refused the same way.
        response = self._post(url, start=(self.first_time - timedelta(hours=3)).isoformat(), student_id=self.alice.id)
        self.assertEqual(len(self._appointments()), 1)
        response = self._post(url, start="soon", student_id=self.alice.id, accept_privacy="1")
        self.assertTrue(response.url.endswith(f"/my/appointments/type/{self.enrolment.id}?error=time"))
        self.assertIn("Choose one of the times shown.", response.text)

    def test_cancel_after_cutoff_is_refused(self):
        appointment = self._staff_book(self.first_time, self.mum, self.alice)
        self.enrolment.cancel_cutoff_hours = 24 * 30
        self.authenticate("portal_mum", "portal_mum")
        listing = self.url_open("/my/appointments")
        self.assertIn(f"/my/appointments/{appointment.id}/ics", listing.text)
        self.assertNotIn("o_school_appointment_cancel", listing.text, "no cancel button past the cut-off")
        response = self._post(f"/my/appointments/{appointment.id}/cancel")
        self.assertEqual(response.status_code, 200)
        self.assertIn("can only be cancelled up to 720.0 hours before", response.text)
        self.assertEqual(appointment.state, "booked")

    def test_another_familys_ids_are_not_found(self):
        carols = self._staff_book(self.first_time, self.carol, self.carl)
        self.authenticate("portal_mum", "portal_mum")
        self.assertEqual(self.url_open(f"/my/appointments/{carols.id}").status_code, 404)
        self.assertEqual(self.url_open(f"/my/appointments/{carols.id}/ics").status_code, 404)
        self.assertEqual(self._post(f"/my/appointments/{carols.id}/cancel").status_code, 404)
        self.assertEqual(carols.state, "booked")
        self.assertNotIn(f"/my/appointments/{carols.id}", self.url_open("/my/appointments").text)
        # A type not bookable by parents, and one of a school where Mum has no child.
        other_school = self.env["res.company"].create({"name": "Other School"})
        elsewhere = self.env["school.appointment.type"].create(
            {"name": "Elsewhere", "company_id": other_school.id, "portal_published": True}
        )
        for appointment_type in (self.hidden, elsewhere):
            self.assertEqual(self.url_open(f"/my/appointments/type/{appointment_type.id}").status_code, 404)
            url = f"/my/appointments/type/{appointment_type.id}/confirm?start={self.first_time.isoformat()}"
            self.assertEqual(self.url_open(url).status_code, 404)
            response = self._post(self._book_url(appointment_type), start=self.first_time.isoformat())
            self.assertEqual(response.status_code, 404)
        self.assertEqual(self.env["school.appointment"].search_count([("visitor_partner_id", "=", self.mum.id)]), 0)

    def test_anonymous_is_sent_to_login(self):
        for url in (
            "/my/appointments",
            f"/my/appointments/type/{self.enrolment.id}",
            f"/my/appointments/type/{self.enrolment.id}/confirm?start={self.first_time.isoformat()}",
        ):
            response = self.url_open(url, allow_redirects=False)
            self.assertEqual(response.status_code, 303, url)
            self.assertIn("/web/login", response.headers["Location"], url)
        self.url_open(
            self._book_url(),
            data={"start": self.first_time.isoformat(), "student_id": self.alice.id, "accept_privacy": "1"},
        )
        self.assertFalse(self._appointments())

    def test_weeks_stop_at_the_horizon(self):
        self.authenticate("portal_mum", "portal_mum")
        this_week = self.url_open(f"/my/appointments/type/{self.enrolment.id}")
        self.assertNotIn("o_school_appointment_previous", this_week.text, "no week before this one")
        self.assertIn("o_school_appointment_next", this_week.text)
        far = (date.today() + timedelta(days=400)).isoformat()
        last_week = self.url_open(f"/my/appointments/type/{self.enrolment.id}?week={far}")
        self.assertEqual(last_week.status_code, 200)
        self.assertNotIn("o_school_appointment_next", last_week.text, "nothing after the horizon")
        self.assertEqual(
            self.url_open(f"/my/appointments/type/{self.enrolment.id}?week=garbage").status_code,
            200,
            "an unreadable week shows this week",
        )

    def test_home_tile_and_child_home(self):
        appointment = self._staff_book(self.first_time, self.mum, self.alice)
        self.authenticate("portal_mum", "portal_mum")
        home = self.url_open("/my/home")
        self.assertIn("/my/appointments", home.text)
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["school_appointment_count"]})
        self.assertEqual(counters["school_appointment_count"], 1)
        alice_home = self.url_open(f"/my/school/child/{self.alice.id}").text
        self.assertIn("o_school_home_appointments", alice_home)
        self.assertIn(f"/my/appointments/{appointment.id}", alice_home)
        bob_home = self.url_open(f"/my/school/child/{self.bob.id}").text
        self.assertIn("o_school_home_appointments", bob_home)
        self.assertNotIn(f"/my/appointments/{appointment.id}", bob_home, "about Alice only")

    def test_free_times_page_query_count(self):
        self.authenticate("portal_mum", "portal_mum")
        url = f"/en/my/appointments/type/{self.enrolment.id}?week={self.monday.isoformat()}"
        self.url_open(url).raise_for_status()  # warm the caches
        with self.assertQueryCount(SLOTS_PAGE_QUERIES):
            response = self.url_open(url)
        self.assertEqual(response.text.count("o_school_appointment_slot"), 30)
        # More history does not change the count: booked appointments are read in one query.
        for day in range(3):
            self._staff_book(self.first_time + timedelta(days=day), self.carol, self.carl)
        self.url_open(url).raise_for_status()
        with self.assertQueryCount(SLOTS_PAGE_QUERIES):
            response = self.url_open(url)
        self.assertEqual(response.text.count("o_school_appointment_slot"), 27)

    def test_url_text_is_never_shown(self):
        appointment = self._staff_book(self.first_time, self.mum, self.alice)
        self.authenticate("portal_mum", "portal_mum")
        forged = {"error": "Pay to BE00 instead", "success": "Call +32 000", "booking_error": "Pay to BE00 instead"}
        for url in (
            "/my/appointments",
            f"/my/appointments/{appointment.id}",
            f"/my/appointments/type/{self.enrolment.id}",
        ):
            page = self.url_open(f"{url}?{urls.url_encode(forged)}")
            self.assertEqual(page.status_code, 200, url)
            for text in ("BE00", "Pay to", "Call +32"):
                self.assertNotIn(text, page.text, url)
            self.assertNotIn("o_school_appointment_error", page.text, url)
            self.assertNotIn("o_school_appointment_success", page.text, url)

    def test_pages_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["optis_parent_portal", "optis_school_meetings"], ["fr_FR"], overwrite=True
        )
        self.user_mum.lang = "fr_FR"
        self.mum.lang = "fr_FR"
        self.authenticate("portal_mum", "portal_mum")
        self.assertIn("Prendre rendez-vous", self.url_open("/my/appointments").text)
        week = self.url_open(f"/my/appointments/type/{self.enrolment.id}?week={self.monday.isoformat()}").text
        self.assertIn("Semaine suivante", week)
        self.assertIn("lundi", week, "days in French")
        start = self.first_time.isoformat()
        response = self._post(self._book_url(), start=start, student_id=self.alice.id)
        self.assertIn("Veuillez accepter la déclaration de confidentialité pour réserver.", response.text)
        response = self._post(self._book_url(), start=start, student_id=self.alice.id, accept_privacy="1")
        self.assertIn("Réservé : vous recevrez une confirmation par e-mail.", response.text)
        appointment = self._appointments()
        ics = self.url_open(f"/my/appointments/{appointment.id}/ics").content.decode()
        self.assertIn("SUMMARY:Enrolment à Interview Test School", ics.splitlines())

    def test_parents_read_their_own_appointments_only(self):
        mums = self._staff_book(self.first_time, self.mum, self.alice)
        carols = self._staff_book(self.first_time + timedelta(days=1), self.carol, self.carl)
        mums.note = "Internal: the family owes the last invoice."
        appointments = self.env["school.appointment"].with_user(self.user_mum)
        self.assertEqual(appointments.search([("appointment_type_id", "=", self.enrolment.id)]), mums)
        self.assertEqual(mums.with_user(self.user_mum).read(["start", "student_id"])[0]["student_id"][0], self.alice.id)
        with self.assertRaises(AccessError):
            carols.with_user(self.user_mum).read(["start"])
        with self.assertRaises(AccessError):
            mums.with_user(self.user_mum).read(["note"])
        with self.assertRaises(AccessError):
            mums.with_user(self.user_mum).write({"start": self.first_time + timedelta(hours=1)})
        with self.assertRaises(AccessError):
            appointments.create({"appointment_type_id": self.enrolment.id, "start": self.first_time})
        types = self.env["school.appointment.type"].with_user(self.user_mum)
        self.assertEqual(types.search([("company_id", "=", self.company.id)]), self.enrolment)
        with self.assertRaises(AccessError):
            self.enrolment.with_user(self.user_mum).write({"portal_published": False})

    def test_times_in_the_agents_time_zone_without_a_school_one(self):
        self.company.partner_id.tz = False
        self.authenticate("portal_mum", "portal_mum")
        week = self.url_open(f"/my/appointments/type/{self.enrolment.id}?week={self.monday.isoformat()}").text
        self.assertIn(">09:00<", week, "9:00 in Brussels, the agent's time zone")
        self.assertEqual(week.count(">11:30<"), 5)

    def test_video_appointment_shows_its_link(self):
        self.enrolment.location_mode = "video"
        appointment = self._staff_book(self.first_time, self.mum, self.alice)
        video_url = appointment.calendar_event_id.videocall_location
        self.assertTrue(video_url)
        self.authenticate("portal_mum", "portal_mum")
        self.assertIn(f'href="{video_url}"', self.url_open(f"/my/appointments/{appointment.id}").text)
        self.assertIn(f'href="{video_url}"', self.url_open("/my/appointments").text)
        ics = self.url_open(f"/my/appointments/{appointment.id}/ics").text.replace("\r\n ", "")
        self.assertIn(f"URL:{video_url}", ics)

    def test_one_appointment_at_a_time_per_parent(self):
        colleague = mail_new_test_user(
            self.env,
            login="appointment_colleague",
            groups="optis_school_meetings.group_meeting_receptionist",
            tz="Europe/Brussels",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        second_agent = self.env["school.meeting.agent"].create(
            {"user_id": colleague.id, "company_id": self.company.id, "role": "receptionist"}
        )
        self.env["school.meeting.availability"].create({"agent_id": second_agent.id, "hour_from": 9.0, "hour_to": 12.0})
        self.desk.capacity = 2
        self.authenticate("portal_mum", "portal_mum")
        start = self.first_time.isoformat()
        self._post(self._book_url(), start=start, student_id=self.alice.id, accept_privacy="1")
        response = self._post(self._book_url(), start=start, student_id=self.bob.id, accept_privacy="1")
        self.assertIn("You already have an appointment at that time.", response.text)
        self.assertEqual(len(self._appointments(visitor_partner_id=self.mum.id)), 1)
        # The other agent is still free for another parent.
        self.authenticate("portal_carol", "portal_carol")
        self._post(self._book_url(), start=start, student_id=self.carl.id, accept_privacy="1")
        self.assertEqual(len(self._appointments(start=self.first_time)), 2)
