import re

from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from odoo.addons.optis_parent_portal.tests.rights_common import PortalRightsCommon


@tagged("post_install", "-at_install")
class TestPortalTopupFlow(PortalRightsCommon, HttpCase):
    """A parent tops up a child's wallet online through the portal's routes and Odoo's demo
    payment provider, as their browser does: the wallet page's form, the payment form, the
    transaction route, the provider's answer, the payment status page, back on the wallet."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"school_wallet_topup_min": 5.0, "school_wallet_topup_max": 200.0})
        base_provider = cls.env["payment.provider"].sudo().search([("code", "=", "demo")], limit=1)
        cls.provider = cls.env["payment.provider"].sudo().search(
            [("code", "=", "demo"), ("company_id", "=", cls.company.id)], limit=1
        ) or base_provider.copy({"company_id": cls.company.id})
        cls.provider.write({"state": "test", "journal_id": cls.company_data["default_journal_bank"].id})
        cls.payment_method = cls.env.ref("payment_demo.payment_method_demo")

    def _payment_form(self, wallet, amount):
        page = self.url_open(f"/my/wallets/{wallet.id}/topup?amount={amount}")
        self.assertEqual(page.status_code, 200)
        form = re.search(r'<form[^>]*id="o_payment_form"[^>]*>', page.text)
        self.assertTrue(form, "Odoo's payment form")
        attributes = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', form.group(0)))
        self.assertIn(f'data-provider-id="{self.provider.id}"', page.text, "the school's demo provider")
        return attributes

    def _pay(self, wallet, form, state="done", **params):
        """What payment_form.js then does: the transaction route, then the demo provider."""
        processing_values = self.make_jsonrpc_request(
            form["transaction-route"],
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method.id,
                "token_id": None,
                "amount": float(form["amount"]),
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": form["landing-route"],
                "is_validation": False,
                "access_token": form["access-token"],
                **params,
            },
        )
        self._simulate(processing_values["reference"], state)
        return processing_values["reference"]

    def _simulate(self, reference, state="done"):
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {"reference": reference, "payment_details": "4242", "simulated_state": state},
        )

    def _operations(self, wallet):
        return self.env["school.wallet.operation"].search(
            [("wallet_id", "=", wallet.id), ("operation_type", "=", "topup_online")]
        )

    def test_parent_tops_up_twenty_euros_once(self):
        wallet = self.wallet_ada_general
        balance = wallet.balance
        self.authenticate(self.user_mother.login, self.user_mother.login)
        form = self._payment_form(wallet, "20")
        self.assertEqual(form["transaction-route"], f"/my/wallets/{wallet.id}/topup/transaction")
        self.assertEqual(form["landing-route"], f"/my/wallets/{wallet.id}?success=topup")
        self.assertEqual(form["partner-id"], str(self.mother.id))
        reference = self._pay(wallet, form, landing_route="/web/login")
        # The payment status page polls; the post-processing credits the wallet.
        status = self.make_jsonrpc_request("/payment/status/poll", {})
        self.assertEqual(status["state"], "done")
        self.assertEqual(status["landing_route"], f"/my/wallets/{wallet.id}?success=topup", "not the browser's")
        wallet.invalidate_recordset()
        self.assertEqual(wallet.balance, balance + 20)
        tx = self.env["payment.transaction"].search([("reference", "=", reference)])
        self.assertEqual(tx.partner_id, self.mother, "the logged-in guardian pays")
        self.assertEqual(tx.school_wallet_id, wallet)
        self.assertEqual(self._operations(wallet).amount, 20)
        # Replayed: the provider's notification and the status page credit nothing more.
        self._simulate(reference)
        self.make_jsonrpc_request("/payment/status/poll", {})
        tx._post_process()
        wallet.invalidate_recordset()
        self.assertEqual(wallet.balance, balance + 20)
        self.assertEqual(len(self._operations(wallet)), 1)
        page = self.url_open(status["landing_route"])
        self.assertIn("Thank you for your payment", page.text)

    def test_tampered_amount_or_provider_is_refused(self):
        wallet = self.wallet_ada_general
        self.authenticate(self.user_mother.login, self.user_mother.login)
        form = self._payment_form(wallet, "20")
        with self.assertRaises(JsonRpcException):
            self._pay(wallet, form, amount=2000.0)
        with self.assertRaises(JsonRpcException):
            self._pay(wallet, form, flow="token")
        for garbage in ({"amount": "nan"}, {"amount": "x"}, {"provider_id": "x"}, {"payment_method_id": [1]}):
            with self.assertRaisesRegex(JsonRpcException, "ValidationError"):
                self._pay(wallet, form, **garbage)
        other_company = self.setup_other_company(name="Other School")["company"]
        other_provider = self.provider.copy({"company_id": other_company.id, "state": "test"})
        with self.assertRaises(JsonRpcException):
            self._pay(wallet, form, provider_id=other_provider.id)
        # The form's token is for the logged-in parent only.
        self.authenticate(self.user_grandfather.login, self.user_grandfather.login)
        with self.assertRaises(JsonRpcException):
            self._pay(wallet, form)
        self.assertFalse(self.env["payment.transaction"].search([("school_wallet_id", "=", wallet.id)]))

    def test_cancelled_payment_credits_nothing(self):
        wallet = self.wallet_ada_general
        balance = wallet.balance
        self.authenticate(self.user_mother.login, self.user_mother.login)
        self._pay(wallet, self._payment_form(wallet, "20"), state="cancel")
        self.make_jsonrpc_request("/payment/status/poll", {})
        wallet.invalidate_recordset()
        self.assertEqual(wallet.balance, balance)
        self.assertFalse(self._operations(wallet))
