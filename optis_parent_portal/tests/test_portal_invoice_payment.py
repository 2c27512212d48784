import base64
import re
from unittest.mock import patch

from lxml import html

from odoo import Command, http
from odoo.tests import HttpCase, tagged

from odoo.addons.account.tools import is_valid_structured_reference_be
from odoo.addons.optis_school.tests.qr_reader import decode_svg
from odoo.addons.optis_school_wallet.models import school_wallet

from .rights_common import PortalRightsCommon

IBAN = "BE71 0961 2345 6769"


@tagged("post_install", "-at_install")
class TestPortalInvoicePayment(PortalRightsCommon, HttpCase):
    """Odoo's invoice page of a Belgian school: Odoo's PDF and online payment, the transfer
    details (IBAN, structured reference, EPC QR code of the amount due) and, when the school
    allows it, the payment from a wallet of the invoice's student. Ada's mother gets an
    invoice of 25 for Ada (general wallet 30, meals 0); her grandfather one of 10 for Bob,
    whom he does not pay for (no money rights on Bob)."""

    country_code = "BE"
    chart_template = "generic_coa"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.school_wallet_invoice_payment = True
        cls.bank_account = cls.env["res.partner.bank"].create(
            {"acc_number": IBAN, "partner_id": cls.company.partner_id.id, "company_id": cls.company.id}
        )
        cls.company.school_wallet_bank_account_id = cls.bank_account
        cls.invoice_ada = cls._invoice(cls.mother, cls.student_ada, 25.0)
        cls.invoice_bob = cls._invoice(cls.grandfather, cls.student_bob, 10.0)

    @classmethod
    def _invoice(cls, partner, student, amount):
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "school_student_id": student.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "School trip",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [],
                            "account_id": cls.income_account.id,
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        return invoice

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _page(self, invoice):
        response = self.url_open(f"/my/invoices/{invoice.id}")
        self.assertEqual(response.status_code, 200)
        return response

    def _pay(self, invoice, wallet_id, confirm="1"):
        data = {"wallet_id": wallet_id, "csrf_token": http.Request.csrf_token(self)}
        if confirm:
            data["confirm"] = confirm
        return self.url_open(f"/my/invoices/{invoice.id}/wallet_payment", data=data)

    def _wallet_payments(self):
        return self.env["school.wallet.operation"].search([("operation_type", "=", "invoice_payment")])

    def test_odoo_pdf_and_online_payment_stay(self):
        self.env["ir.config_parameter"].sudo().set_param("account_payment.enable_portal_payment", True)
        self._login(self.user_mother)
        page = self._page(self.invoice_ada).text
        self.assertIn("o_download_btn", page, "Odoo's PDF")
        self.assertIn('data-bs-target="#pay_with"', page, "Odoo's Pay Now")
        pdf = self.url_open(f"/my/invoices/{self.invoice_ada.id}?report_type=pdf&download=true")
        self.assertEqual(pdf.status_code, 200)

    def test_transfer_block_shows_the_structured_reference_and_an_epc_qr_code(self):
        reference = self.invoice_ada.payment_reference
        self.assertTrue(is_valid_structured_reference_be(reference), reference)
        school_wallet._cached_qr_code.cache_clear()
        draw = school_wallet.qr_code_svg_data_uri
        drawn = []

        def counting_draw(payload, **kwargs):
            drawn.append(payload)
            return draw(payload, **kwargs)

        self._login(self.user_mother)
        with patch.object(school_wallet, "qr_code_svg_data_uri", counting_draw):
            response = self._page(self.invoice_ada)
        tree = html.fromstring(response.content)
        (block,) = tree.xpath("//div[hasclass('o_school_invoice_transfer')]")
        self.assertEqual(block.xpath(".//strong[hasclass('o_school_invoice_reference')]/text()"), [reference])
        self.assertEqual(block.xpath(".//strong[hasclass('o_school_invoice_iban')]/text()"), [IBAN])
        (image,) = block.xpath(".//img[hasclass('o_school_invoice_qr')]/@src")
        self.assertTrue(image.startswith("data:image/svg+xml;base64,"))
        # the image reads the payload drawn
        self.assertEqual(decode_svg(base64.b64decode(image.removeprefix("data:image/svg+xml;base64,"))), drawn[0])
        self.assertEqual(len(drawn), 1)
        payload = drawn[0].split("\n")
        self.assertEqual(payload[:4], ["BCD", "002", "1", "SCT"])
        self.assertEqual(payload[6], IBAN.replace(" ", ""))
        self.assertEqual(payload[7], "EUR25.0")
        self.assertEqual(payload[9], re.sub(r"\D", "", reference), "the structured remittance field")

        # Partly paid: the code asks for what is left.
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice_ada.ids
        ).create({"amount": 5.0})._create_payments()
        drawn.clear()
        with patch.object(school_wallet, "qr_code_svg_data_uri", counting_draw):
            self._page(self.invoice_ada)
        self.assertEqual(drawn[0].split("\n")[7], "EUR20.0")

    def test_paid_invoice_has_no_payment_block(self):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice_ada.ids
        ).create({})._create_payments()
        self._login(self.user_mother)
        page = self._page(self.invoice_ada).text
        self.assertNotIn("o_school_invoice_pay", page)
        self.assertNotIn("o_school_invoice_wallet_form", page)

    def test_parent_pays_from_a_wallet_once(self):
        self._login(self.user_mother)
        tree = html.fromstring(self._page(self.invoice_ada).content)
        (form,) = tree.xpath("//form[hasclass('o_school_invoice_wallet_form')]")
        self.assertEqual(form.get("action"), f"/my/invoices/{self.invoice_ada.id}/wallet_payment")
        self.assertEqual(
            sorted(int(value) for value in form.xpath(".//input[@name='wallet_id']/@value")),
            sorted((self.wallet_ada_general | self.wallet_ada_meals).ids),
            "Ada's wallets, never Bob's",
        )
        response = self._pay(self.invoice_ada, self.wallet_ada_general.id)
        self.assertTrue(response.url.endswith(f"/my/invoices/{self.invoice_ada.id}?success=wallet_paid"), response.url)
        self.assertIn("The invoice was paid from the wallet. Thank you.", response.text)
        self.assertEqual(self.invoice_ada.payment_state, "paid")
        self.assertEqual(self.wallet_ada_general.balance, 5.0)
        operation = self._wallet_payments()
        self.assertEqual(operation.amount, -25.0)
        self.assertEqual(operation.origin_id, self.invoice_ada.id)
        self.assertEqual(operation.user_id, self.user_mother, "done by the parent")
        self.assertNotIn("o_school_invoice_wallet_form", response.text, "nothing left to pay")

        # The same form sent again (a double submit): refused, nothing debited twice.
        again = self._pay(self.invoice_ada, self.wallet_ada_general.id)
        self.assertTrue(again.url.endswith("?error=wallet_choice"), again.url)
        self.assertEqual(len(self._wallet_payments()), 1)
        self.assertEqual(self.wallet_ada_general.balance, 5.0)
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_refusals_have_clear_messages_and_write_nothing(self):
        bob_meals = self.student_bob._school_wallet_get(self.type_meals)
        cid_wallet = self.student_cid._school_wallet_get(self.type_general)
        cid_wallet._credit(100.0, "topup_cash")
        self._login(self.user_mother)
        cases = [
            # another child's wallet of the family, another family's, not a number
            (self.wallet_bob_general.id, "1", "wallet_choice", "Choose one of the wallets of the invoice's child."),
            (bob_meals.id, "1", "wallet_choice", "Choose one of the wallets of the invoice's child."),
            (cid_wallet.id, "1", "wallet_choice", "Choose one of the wallets of the invoice's child."),
            ("x", "1", "wallet_choice", "Choose one of the wallets of the invoice's child."),
            (self.wallet_ada_general.id, None, "wallet_confirm", "Tick the box to confirm the payment."),
            (self.wallet_ada_meals.id, "1", "wallet_balance", "The balance of this wallet is too low"),
        ]
        for wallet_id, confirm, code, text in cases:
            with self.subTest(wallet_id=wallet_id, code=code):
                response = self._pay(self.invoice_ada, wallet_id, confirm)
                self.assertTrue(response.url.endswith(f"?error={code}"), response.url)
                self.assertIn(text, response.text)
        self.assertFalse(self._wallet_payments())
        self.assertEqual(self.invoice_ada.payment_state, "not_paid")
        self.assertEqual(
            (self.wallet_ada_general | self.wallet_ada_meals | self.wallet_bob_general | cid_wallet).mapped("balance"),
            [30.0, 0.0, 12.0, 100.0],
        )

    def test_guardian_without_money_rights_cannot_pay(self):
        # Bob's invoice goes to his grandfather, who does not pay for Bob: no wallet to choose.
        self._login(self.user_grandfather)
        page = self._page(self.invoice_bob).text
        self.assertIn("o_school_invoice_transfer", page, "he may pay by transfer")
        self.assertNotIn("o_school_invoice_wallet_form", page)
        response = self._pay(self.invoice_bob, self.wallet_bob_general.id)
        self.assertTrue(response.url.endswith("?error=wallet_choice"), response.url)
        self.assertFalse(self._wallet_payments())

    def test_school_setting_off_no_button_and_post_refused(self):
        self.company.school_wallet_invoice_payment = False
        self._login(self.user_mother)
        page = self._page(self.invoice_ada).text
        self.assertIn("o_school_invoice_transfer", page)
        self.assertNotIn("o_school_invoice_wallet_form", page)
        response = self._pay(self.invoice_ada, self.wallet_ada_general.id)
        self.assertTrue(response.url.endswith("?error=wallet_disabled"), response.url)
        self.assertIn("The school does not take invoice payments from wallets.", response.text)
        self.assertFalse(self._wallet_payments())
        self.assertEqual(self.wallet_ada_general.balance, 30.0)

    def test_strangers_and_anonymous(self):
        # The grandfather cannot read the mother's invoice: 404 on the payment, Odoo's redirection on the page.
        self._login(self.user_grandfather)
        self.assertEqual(self._pay(self.invoice_ada, self.wallet_ada_general.id).status_code, 404)
        page = self.url_open(f"/my/invoices/{self.invoice_ada.id}")
        self.assertNotIn(self.invoice_ada.payment_reference, page.text)
        self.assertNotIn("o_school_invoice_pay", page.text)
        # Anonymous: to the login page, nothing paid.
        self.authenticate(None, None)
        response = self.url_open(
            f"/my/invoices/{self.invoice_ada.id}/wallet_payment",
            data={"wallet_id": self.wallet_ada_general.id, "confirm": "1", "csrf_token": http.Request.csrf_token(self)},
        )
        self.assertIn("/web/login", response.url)
        self.assertFalse(self._wallet_payments())

    def test_csrf_is_required(self):
        self._login(self.user_mother)
        response = self.url_open(
            f"/my/invoices/{self.invoice_ada.id}/wallet_payment",
            data={"wallet_id": self.wallet_ada_general.id, "confirm": "1"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._wallet_payments())

    def test_url_text_is_never_shown(self):
        self._login(self.user_mother)
        for key in ("error", "success"):
            page = self.url_open(f"/my/invoices/{self.invoice_ada.id}?{key}=Send+money+to+BE00+0000+0000+0000")
            self.assertNotIn("Send money to", page.text)

    def test_translated(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["optis_parent_portal"], ["fr_FR"], overwrite=True)
        self.user_mother.lang = "fr_FR"
        self._login(self.user_mother)
        page = self.url_open(f"/my/invoices/{self.invoice_ada.id}?error=wallet_balance").text
        for text in (
            "Payer par virement",
            "Communication, à recopier telle quelle",
            "Payer avec un portefeuille",
            "Je confirme le paiement de",
            "Le solde de ce portefeuille est insuffisant",
        ):
            self.assertIn(text, page)

    def test_link_with_access_token_shows_the_transfer_not_the_wallets(self):
        # Odoo's invoice mail links the page with its access token, for anyone holding it.
        self.authenticate(None, None)
        response = self.url_open(self.invoice_ada.get_portal_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.invoice_ada.payment_reference, response.text)
        self.assertIn("o_school_invoice_transfer", response.text)
        self.assertNotIn("o_school_invoice_wallet_form", response.text)
