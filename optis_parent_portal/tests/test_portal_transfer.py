from odoo import http
from odoo.tests import HttpCase, tagged

from .rights_common import PortalRightsCommon


@tagged("post_install", "-at_install")
class TestPortalTransfer(PortalRightsCommon, HttpCase):
    """A guardian with money rights moves money between the two wallets of one child, never
    to another child's wallet. Ada has a general wallet (30) and a meals wallet (0); her
    mother pays for Ada and Bob, her grandfather for Ada only."""

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _transfer(self, wallet, target, amount):
        return self.url_open(
            f"/my/wallets/{wallet.id}/transfer",
            data={"target_wallet_id": target.id, "amount": amount, "csrf_token": http.Request.csrf_token(self)},
        )

    def _balances(self):
        wallets = self.wallet_ada_general | self.wallet_ada_meals | self.wallet_bob_general
        wallets.invalidate_recordset()
        return wallets.mapped("balance")

    def test_parent_moves_money_between_the_wallets_of_one_child(self):
        self._login(self.user_mother)
        page = self.url_open(f"/my/wallets/{self.wallet_ada_general.id}")
        self.assertIn("o_school_wallet_transfer_form", page.text)
        self.assertIn(f'<option value="{self.wallet_ada_meals.id}">Meals</option>', page.text)
        self.assertNotIn(f'<option value="{self.wallet_bob_general.id}"', page.text, "never another child's")
        response = self._transfer(self.wallet_ada_general, self.wallet_ada_meals, "10,50")
        self.assertTrue(response.url.endswith("?success=transfer"), response.url)
        self.assertIn("The money was moved to the other wallet.", response.text)
        self.assertEqual(self._balances(), [19.5, 10.5, 12.0])
        operations = self.env["school.wallet.operation"].search([("operation_type", "=", "internal_transfer")])
        self.assertEqual(sorted(operations.mapped("amount")), [-10.5, 10.5])
        self.assertEqual(operations.user_id, self.user_mother, "done by the parent")

    def test_never_across_children(self):
        self._login(self.user_mother)
        response = self._transfer(self.wallet_ada_general, self.wallet_bob_general, "5")
        self.assertTrue(response.url.endswith("?error=transfer_child"), response.url)
        self.assertIn("Money moves only between the wallets of one child.", response.text)
        self.assertEqual(self._balances(), [30.0, 0.0, 12.0])

    def test_forged_ids_are_not_found(self):
        self._login(self.user_grandfather)  # pays for Ada only
        for source, target in (
            (self.wallet_ada_general, self.wallet_bob_general),
            (self.wallet_bob_general, self.wallet_ada_general),
        ):
            self.assertEqual(self._transfer(source, target, "5").status_code, 404)
        response = self.url_open(
            f"/my/wallets/{self.wallet_ada_general.id}/transfer",
            data={"target_wallet_id": "x", "amount": "5", "csrf_token": http.Request.csrf_token(self)},
        )
        self.assertEqual(response.status_code, 404)
        self._login(self.user_stepfather)  # meetings only
        self.assertEqual(self._transfer(self.wallet_ada_general, self.wallet_ada_meals, "5").status_code, 404)
        self.assertEqual(self._balances(), [30.0, 0.0, 12.0])

    def test_refused_amounts(self):
        self._login(self.user_grandfather)
        for wrong in ("0", "abc", "nan", "-5", ""):
            response = self._transfer(self.wallet_ada_general, self.wallet_ada_meals, wrong)
            self.assertTrue(response.url.endswith("?error=transfer_amount"), (wrong, response.url))
            self.assertIn("Enter an amount greater than 0.", response.text)
        response = self._transfer(self.wallet_ada_general, self.wallet_ada_meals, "30.01")
        self.assertTrue(response.url.endswith("?error=transfer_refused"), response.url)
        self.assertIn("The transfer was refused", response.text)
        response = self._transfer(self.wallet_ada_general, self.wallet_ada_general, "1")
        self.assertTrue(response.url.endswith("?error=transfer_refused"), response.url)
        self.assertEqual(self._balances(), [30.0, 0.0, 12.0])

    def test_csrf_is_required(self):
        self._login(self.user_mother)
        response = self.url_open(
            f"/my/wallets/{self.wallet_ada_general.id}/transfer",
            data={"target_wallet_id": self.wallet_ada_meals.id, "amount": "5"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._balances(), [30.0, 0.0, 12.0])
