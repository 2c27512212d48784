import json

from werkzeug import urls

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
        self.assertIn("data:image/svg+xml;base64,", response.text)

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
        self.assertTrue(response.url.endswith("?success=threshold"), response.url)
        self.assertIn("You will be alerted", response.text)
        self.assertEqual(self.wallet_ada_general.low_balance_threshold, 12.5)

    def test_threshold_refuses_what_is_not_an_amount(self):
        """NaN passes every "< 0" check, infinity and huge values overflow: all refused."""
        self.authenticate("ada_mother", "ada_mother")
        self.wallet_ada_general.low_balance_threshold = 12.5
        url = f"/my/wallets/{self.wallet_ada_general.id}/threshold"
        for wrong in ("-1", "ten", "nan", "NaN", "inf", "-inf", "Infinity", "1e3", "99999999999", "9" * 400, ""):
            response = self.url_open(url, data={"threshold": wrong, "csrf_token": http.Request.csrf_token(self)})
            self.assertEqual(response.status_code, 200, wrong)
            self.assertTrue(response.url.endswith("?error=amount"), response.url)
            self.assertIn("Enter an amount of 0 or more", response.text, wrong)
            self.assertNotIn("You will be alerted", response.text, wrong)
            self.assertEqual(self.wallet_ada_general.low_balance_threshold, 12.5, wrong)

    def test_url_text_is_never_shown(self):
        """The page with the school's IBAN shows only the messages it names by a code."""
        self.authenticate("ada_mother", "ada_mother")
        page = f"/my/wallets/{self.wallet_ada_general.id}"
        forged = {
            "message": "<script>alert('pwned')</script>",
            "error": "Pay to BE00 0000 0000 0000 instead",
            "success": "Your balance is refunded: call +32 000",
        }
        response = self.url_open(f"{page}?{urls.url_encode(forged)}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("BE71 0961 2345 6769", response.text, "the real page")
        for text in ("alert(&#39;pwned&#39;)", "alert('pwned')", "pwned", "BE00", "Pay to", "call +32"):
            self.assertNotIn(text, response.text)
        self.assertNotIn("o_school_wallet_success", response.text)
        self.assertNotIn("o_school_wallet_error", response.text)

        response = self.url_open(f"{page}?success=threshold")
        self.assertIn("You will be alerted when the balance goes below the new amount.", response.text)
        self.assertNotIn("o_school_wallet_error", response.text)
        response = self.url_open(f"{page}?error=amount")
        self.assertIn("Enter an amount of 0 or more (0: no alert).", response.text)
        self.assertNotIn("o_school_wallet_success", response.text)

    def test_url_codes_are_translated(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["optis_parent_portal"], ["fr_FR"], overwrite=True)
        self.mother.lang = "fr_FR"
        self.authenticate("ada_mother", "ada_mother")
        page = f"/my/wallets/{self.wallet_ada_general.id}"
        response = self.url_open(f"{page}?success=threshold")
        self.assertIn("Vous serez averti quand le solde passera sous ce nouveau montant.", response.text)
        response = self.url_open(f"{page}?error=amount")
        self.assertIn("Indiquez un montant de 0 ou plus (0 : pas d'alerte).", response.text)

    def test_staff_have_no_wallet_page(self):
        self.authenticate(self.user_bursar.login, self.user_bursar.login)
        response = self.url_open("/my/wallets")
        self.assertNotIn("o_school_wallet_row", response.text)
        self.assertEqual(self.url_open(f"/my/wallets/{self.wallet_ada_general.id}").status_code, 404)

    def _counters(self, login, counters):
        self.authenticate(login, login)
        response = self.url_open(
            "/my/counters",
            data=json.dumps({"params": {"counters": counters}}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()["result"]

    def test_portal_home_counts_the_wallets(self):
        """Each user counts the wallets of their own children, read with their own rights."""
        self.assertEqual(self._counters("ada_mother", ["school_wallet_count"])["school_wallet_count"], 2)
        # Bob's father: Bob's wallet only, none of Ada's.
        self.assertEqual(self._counters("bob_father", ["school_wallet_count"])["school_wallet_count"], 1)
        # A bursar reads every wallet in the backend, but is nobody's parent here.
        self.assertEqual(self._counters(self.user_bursar.login, ["school_wallet_count"])["school_wallet_count"], 0)
        # A parent who works at the school counts their own children's wallets.
        self.env["school.guardian.link"].create(
            {"student_id": self.student_cid.id, "guardian_id": self.user_bursar.partner_id.id}
        )
        wallet_cid = self.student_cid._school_wallet_get(self.type_general)
        self.assertEqual(self._counters(self.user_bursar.login, ["school_wallet_count"])["school_wallet_count"], 1)
        self.authenticate(self.user_bursar.login, self.user_bursar.login)
        self.assertEqual(self.url_open(f"/my/wallets/{wallet_cid.id}").status_code, 200)
        self.assertEqual(self.url_open(f"/my/wallets/{self.wallet_ada_general.id}").status_code, 404)
