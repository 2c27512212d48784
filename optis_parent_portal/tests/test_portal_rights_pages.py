import json

from odoo import http
from odoo.tests import Form, HttpCase, tagged

from .rights_common import PortalRightsCommon


@tagged("post_install", "-at_install")
class TestPortalRightsPages(PortalRightsCommon, HttpCase):
    """Each portal page shows a guardian what their links grant, request by request."""

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _post(self, url, **data):
        return self.url_open(url, data={**data, "csrf_token": http.Request.csrf_token(self)})

    def _wallet_rows(self):
        response = self.url_open("/my/wallets")
        self.assertEqual(response.status_code, 200)
        return response.text.count("o_school_wallet_row")

    def _counter(self, name):
        response = self.url_open(
            "/my/counters",
            data=json.dumps({"params": {"counters": [name]}}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()["result"][name]

    def _book_ada(self, slot):
        return self._post(
            f"/my/interviews/period/{self.evening.id}/book",
            student_id=self.student_ada.id,
            participation_id=self.tina.id,
            start=self.slots[slot].isoformat(),
        )

    def _interview_rows(self):
        response = self.url_open("/my/interviews")
        self.assertEqual(response.status_code, 200)
        return response.text.count('class="o_school_interview"')

    def test_money_and_meetings(self):
        self._login(self.user_mother)
        self.assertEqual(self._wallet_rows(), 3)
        self.assertEqual(self.url_open(f"/my/wallets/{self.wallet_ada_general.id}").status_code, 200)
        self.assertEqual(self._interview_rows(), 2)
        page = self.url_open(f"/my/interviews/period/{self.evening.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Ada Student", page.text)
        self.assertIn("Bob Student", page.text)

    def test_meetings_only(self):
        self._login(self.user_stepfather)
        self.assertEqual(self._wallet_rows(), 0)
        self.assertEqual(self._counter("school_wallet_count"), 0)
        self.assertEqual(self.url_open(f"/my/wallets/{self.wallet_ada_general.id}").status_code, 404)
        response = self._post(f"/my/wallets/{self.wallet_ada_general.id}/threshold", threshold="50")
        self.assertEqual(response.status_code, 404)
        self.assertNotEqual(self.wallet_ada_general.low_balance_threshold, 50.0)

        page = self.url_open(f"/my/interviews/period/{self.evening.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Ada Student", page.text)
        self.assertNotIn("Bob Student", page.text, "not his child")
        # Ada's family has one interview per teacher: the mother's is cancelled first.
        self.interview_ada._cancel()
        self.assertIn("Booked", self._book_ada(2).text)
        booked = self.env["school.interview"].search(
            [("student_id", "=", self.student_ada.id), ("id", "!=", self.interview_ada.id)]
        )
        self.assertIn(self.stepfather, booked.attendee_ids.partner_id)
        self.assertEqual(self._interview_rows(), 1)

    def test_money_only(self):
        self._login(self.user_grandfather)
        self.assertEqual(self._wallet_rows(), 2)
        self.assertEqual(self.url_open(f"/my/wallets/{self.wallet_ada_general.id}").status_code, 200)
        self.assertEqual(self.url_open(f"/my/wallets/{self.wallet_bob_general.id}").status_code, 404)
        # He attends Bob's interview (booked for him) but sees no interview and no evening.
        self.assertEqual(self._interview_rows(), 0)
        self.assertEqual(self._counter("school_interview_count"), 0)
        self.assertEqual(self.url_open(f"/my/interviews/period/{self.evening.id}").status_code, 404)
        self.assertEqual(self._book_ada(2).status_code, 404)
        self.assertEqual(self._post(f"/my/interviews/{self.interview_bob.id}/cancel").status_code, 404)
        self.assertEqual(self.interview_bob.state, "booked")

    def test_link_without_rights(self):
        """The "Other" guardian of both children, with an account given by hand, sees nothing."""
        self._login(self.user_uncle)
        self.assertEqual(self._wallet_rows(), 0)
        for wallet in (self.wallet_ada_general, self.wallet_bob_general):
            self.assertEqual(self.url_open(f"/my/wallets/{wallet.id}").status_code, 404)
        self.assertEqual(self._interview_rows(), 0)
        self.assertEqual(self.url_open(f"/my/interviews/period/{self.evening.id}").status_code, 404)
        self.assertEqual(self._book_ada(2).status_code, 404)

    def test_reset_access_leaves_out_the_other_guardian(self):
        form = Form(self.env["school.access.reset"].with_user(self.user_bursar))
        form.student_ids.add(self.student_ada)
        form.student_ids.add(self.student_bob)
        self.assertEqual(form.mode, "guardian")
        wizard = form.save()
        self.assertNotIn(self.uncle, wizard.guardian_ids)
        self.assertEqual(wizard.guardian_ids, self.mother | self.stepfather | self.grandfather)

    def test_losing_money_while_logged_in(self):
        self._login(self.user_grandfather)
        url = f"/my/wallets/{self.wallet_ada_general.id}"
        self.assertEqual(self.url_open(url).status_code, 200)
        with Form(self.link_ada_grandfather.with_user(self.user_bursar)) as link_form:
            link_form.is_payer = False
        self.env.flush_all()
        self.assertEqual(self.url_open(url).status_code, 404)
        self.assertEqual(self._wallet_rows(), 0)

    def test_losing_the_link_while_logged_in(self):
        self._login(self.user_mother)
        url = f"/my/wallets/{self.wallet_ada_general.id}"
        self.assertEqual(self.url_open(url).status_code, 200)
        self.link_ada_mother.with_user(self.user_bursar).unlink()
        self.env.flush_all()
        self.assertEqual(self.url_open(url).status_code, 404)
        self.assertEqual(self._wallet_rows(), 1)
        page = self.url_open(f"/my/interviews/period/{self.evening.id}")
        self.assertNotIn("Ada Student", page.text)
        self.assertIn("Bob Student", page.text)

    def test_losing_meetings_while_logged_in(self):
        self._login(self.user_stepfather)
        url = f"/my/interviews/period/{self.evening.id}"
        self.assertEqual(self.url_open(url).status_code, 200)
        self._set_school_rule(school_portal_ticked=False)
        self.env.flush_all()
        self.assertEqual(self.url_open(url).status_code, 404)
        self.assertEqual(self._book_ada(2).status_code, 404)
