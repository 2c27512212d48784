import json

from odoo import Command, http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.optis_school_wallet.tests.common import WalletCommon


@tagged("post_install", "-at_install")
class TestPortalWallet(WalletCommon, HttpCase):
    """Parents see their own children's wallets in the portal, and nobody else's: Ada's
    mother has a portal account; so has a stranger, parent of Bob."""

    # A Belgian school paid in euros: the EPC QR code only exists for euros and SEPA IBANs.
    country_code = "BE"
    chart_template = "generic_coa"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mother, cls.stranger = (
            mail_new_test_user(
                cls.env,
                login=login,
                groups="base.group_portal",
                name=name,
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )
            for login, name in (("ada_mother", "Ada's Mother"), ("bob_father", "Bob's Father"))
        )
        cls.env["school.guardian.link"].create(
            [
                {"student_id": cls.student_ada.id, "guardian_id": cls.mother.partner_id.id},
                {"student_id": cls.student_bob.id, "guardian_id": cls.stranger.partner_id.id},
            ]
        )
        cls.wallet_ada_general._credit(30.0, "topup_cash")
        cls.wallet_ada_general._debit(4.5, "sale", origin_ref="Vending machine")
        cls.wallet_bob_general._credit(12.0, "topup_cash")
        bank_account = cls.env["res.partner.bank"].create(
            {"acc_number": "BE71 0961 2345 6769", "partner_id": cls.company.partner_id.id, "company_id": cls.company.id}
        )
        cls.company.school_wallet_bank_account_id = bank_account

    def test_records_rules_show_own_children_only(self):
        wallets = self.env["school.wallet"].with_user(self.mother).search([])
        self.assertEqual(wallets, self.wallet_ada_general | self.wallet_ada_meals)
        operations = self.env["school.wallet.operation"].with_user(self.mother).search([])
        self.assertEqual(operations.wallet_id, self.wallet_ada_general)
        with self.assertRaises(AccessError):
            self.wallet_bob_general.with_user(self.mother).read(["balance"])
        with self.assertRaises(AccessError):
            self.wallet_ada_general.with_user(self.mother).write({"low_balance_threshold": 1.0})

    def test_wallet_list_and_page(self):
        self.authenticate("ada_mother", "ada_mother")
        response = self.url_open("/my/wallets")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Ada Student", response.text)
        self.assertNotIn("Bob Student", response.text)
        self.assertEqual(response.text.count("o_school_wallet_row"), 2)

        response = self.url_open(f"/my/wallets/{self.wallet_ada_general.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("25.50", response.text)
        self.assertIn("Vending machine", response.text)
        self.assertIn(self.wallet_ada_general.communication, response.text)
        self.assertIn("BE71 0961 2345 6769", response.text)
        self.assertIn("data:image/png;base64,", response.text)

    def test_strangers_wallet_is_not_found(self):
        self.authenticate("ada_mother", "ada_mother")
        for url in (f"/my/wallets/{self.wallet_bob_general.id}", "/my/wallets/999999"):
            self.assertEqual(self.url_open(url).status_code, 404, url)
        response = self.url_open(
            f"/my/wallets/{self.wallet_bob_general.id}/threshold",
            data={"threshold": "50", "csrf_token": http.Request.csrf_token(self)},
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(
            self.wallet_bob_general.low_balance_threshold, self.company.school_wallet_low_balance_threshold
        )

    def test_parent_sets_the_alert_threshold(self):
        self.authenticate("ada_mother", "ada_mother")
        url = f"/my/wallets/{self.wallet_ada_general.id}/threshold"
        response = self.url_open(url, data={"threshold": "12,50", "csrf_token": http.Request.csrf_token(self)})
        self.assertEqual(response.status_code, 200)
        self.assertIn("You will be alerted", response.text)
        self.assertEqual(self.wallet_ada_general.low_balance_threshold, 12.5)
        for wrong in ("-1", "ten"):
            response = self.url_open(url, data={"threshold": wrong, "csrf_token": http.Request.csrf_token(self)})
            self.assertIn("Enter an amount of 0 or more", response.text)
        self.assertEqual(self.wallet_ada_general.low_balance_threshold, 12.5)

    def test_staff_have_no_wallet_page(self):
        self.authenticate(self.user_bursar.login, self.user_bursar.login)
        response = self.url_open("/my/wallets")
        self.assertNotIn("o_school_wallet_row", response.text)
        self.assertEqual(self.url_open(f"/my/wallets/{self.wallet_ada_general.id}").status_code, 404)

    def test_portal_home_counts_the_wallets(self):
        self.authenticate("ada_mother", "ada_mother")
        response = self.url_open(
            "/my/counters",
            data=json.dumps({"params": {"counters": ["school_wallet_count"]}}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.json()["result"]["school_wallet_count"], 2)
