import json

from odoo.tests import HttpCase, tagged

from .rights_common import PortalRightsCommon


@tagged("post_install", "-at_install")
class TestPortalTopup(PortalRightsCommon, HttpCase):
    """The online top-up from the wallet page, up to Odoo's payment form: the school's
    limits, and only for a guardian with money rights on the child. The payment itself (with
    the demo provider) is tested in ``test_optis_suite`` (``test_portal_topup_flow``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"school_wallet_topup_min": 5.0, "school_wallet_topup_max": 200.0})

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _topup(self, wallet, amount):
        return self.url_open(f"/my/wallets/{wallet.id}/topup?amount={amount}")

    def _topup_transaction(self, wallet):
        return self.url_open(
            f"/my/wallets/{wallet.id}/topup/transaction",
            data=json.dumps({"params": {"amount": 20.0, "access_token": "x", "provider_id": 1, "flow": "direct"}}),
            headers={"Content-Type": "application/json"},
        )

    def test_wallet_page_offers_the_topup(self):
        self._login(self.user_mother)
        page = self.url_open(f"/my/wallets/{self.wallet_ada_general.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_school_wallet_topup_form", page.text)
        self.assertIn(f'action="/my/wallets/{self.wallet_ada_general.id}/topup"', page.text)

    def test_amount_within_the_schools_limits(self):
        self._login(self.user_mother)
        for wrong in ("4.99", "200.01", "nan", "NaN", "inf", "-10", "1e3", "abc", "", "0"):
            response = self._topup(self.wallet_ada_general, wrong)
            self.assertEqual(response.status_code, 200, wrong)
            self.assertTrue(response.url.endswith("?error=topup_amount"), (wrong, response.url))
            self.assertIn("it must be within the school's limits", response.text, wrong)
            self.assertIn("5.00", response.text, "the school's minimum is shown")
            self.assertIn("200.00", response.text, "the school's maximum is shown")
        response = self._topup(self.wallet_ada_general, "20")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith("/topup?amount=20"), response.url)
        self.assertIn("Top up online", response.text)
        self.assertNotIn("it must be within the school's limits", response.text)
        self.assertIn('<span class="oe_currency_value">20.00</span>', response.text)
        # No provider in this school: Odoo's payment form says so (the form itself, with the
        # demo provider: test_optis_suite/tests/test_portal_topup_flow.py).
        self.assertIn("No payment method available", response.text)

    def test_no_maximum(self):
        self.company.school_wallet_topup_max = 0
        self._login(self.user_mother)
        response = self._topup(self.wallet_ada_general, "1500")
        self.assertTrue(response.url.endswith("/topup?amount=1500"), response.url)

    def test_strangers_and_meetings_only_guardians_get_404(self):
        # The grandfather pays for Ada, not for Bob; the stepfather has meetings rights only.
        for user, wallet in (
            (self.user_grandfather, self.wallet_bob_general),
            (self.user_stepfather, self.wallet_ada_general),
            (self.user_uncle, self.wallet_ada_general),
        ):
            self._login(user)
            self.assertEqual(self._topup(wallet, "20").status_code, 404, user.login)
            response = self._topup_transaction(wallet)
            self.assertEqual(response.json()["error"]["data"]["name"], "werkzeug.exceptions.NotFound", user.login)
        self.assertFalse(self.env["payment.transaction"].search([("school_wallet_id", "!=", False)]))
        self._login(self.user_grandfather)
        self.assertEqual(self._topup(self.wallet_ada_general, "20").status_code, 200)

    def test_closed_wallet_takes_no_topup(self):
        self.wallet_ada_meals.sudo()._settle("donation")
        self.assertEqual(self.wallet_ada_meals.state, "closed")
        self._login(self.user_mother)
        page = self.url_open(f"/my/wallets/{self.wallet_ada_meals.id}")
        self.assertNotIn("o_school_wallet_topup_form", page.text)
        response = self._topup(self.wallet_ada_meals, "20")
        self.assertTrue(response.url.endswith("?error=topup_closed"), response.url)
        self.assertIn("This wallet is closed", response.text)

    def test_anonymous_is_sent_to_login(self):
        response = self._topup(self.wallet_ada_general, "20")
        self.assertIn("/web/login", response.url)

    def test_confirmation_is_a_code(self):
        self._login(self.user_mother)
        page = self.url_open(f"/my/wallets/{self.wallet_ada_general.id}?success=topup")
        self.assertIn("Thank you for your payment", page.text)
        page = self.url_open(f"/my/wallets/{self.wallet_ada_general.id}?success=Thank+you+pirate")
        self.assertNotIn("Thank you", page.text)
