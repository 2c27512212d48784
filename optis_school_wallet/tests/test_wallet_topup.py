import base64

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.account.tools import is_valid_structured_reference_be, sanitize_structured_reference
from odoo.addons.optis_school.tests.qr_reader import decode_svg
from odoo.addons.optis_school.tests.report_common import SchoolReportAssertions, set_school_address

from .common import WalletCommon

SVG_DATA_PREFIX = "data:image/svg+xml;base64,"


@tagged("post_install", "-at_install")
class TestWalletTopup(SchoolReportAssertions, WalletCommon):
    """Top-ups by bank transfer (instructions, EPC QR code) and in cash at the desk (receipt)."""

    # A Belgian school paid in euros: the EPC QR code only exists for euros and SEPA IBANs.
    country_code = "BE"
    chart_template = "generic_coa"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.school_iban = cls.env["res.partner.bank"].create(
            {
                "acc_number": "BE71 0961 2345 6769",
                "partner_id": cls.company.partner_id.id,
                "acc_holder_name": "Ecole des Tests",
                "company_id": cls.company.id,
            }
        )
        cls.company.school_wallet_bank_account_id = cls.school_iban
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["res.lang"]._activate_lang("nl_NL")
        cls.guardian_fr, cls.guardian_nl = cls.env["res.partner"].create(
            [
                {"name": "Camille Parent", "lang": "fr_FR", "email": "camille@example.com"},
                {"name": "Joost Ouder", "lang": "nl_NL", "email": "joost@example.com"},
            ]
        )
        cls.env["school.guardian.link"].create(
            [
                {"student_id": cls.student_ada.id, "guardian_id": cls.guardian_fr.id, "is_payer": True},
                {"student_id": cls.student_bob.id, "guardian_id": cls.guardian_nl.id, "is_payer": True},
            ]
        )

    # ------------------------------------------------------------
    # Bank transfer: EPC QR code
    # ------------------------------------------------------------

    def test_epc_payload_with_amount(self):
        values = self.wallet_ada_general._get_topup_transfer_qr_vals(25.5)
        self.assertEqual(values[:4], ["BCD", "002", "1", "SCT"], "EPC069-12 header")
        self.assertEqual(values[5], "Ecole des Tests", "beneficiary name")
        self.assertEqual(values[6], "BE71096123456769", "the school's IBAN")
        self.assertEqual(values[7], "EUR25.5")
        # The wallet's communication goes in the structured remittance field, digits only,
        # and the free-text field stays empty (the EPC standard allows one or the other).
        self.assertEqual(values[9], sanitize_structured_reference(self.wallet_ada_general.communication))
        self.assertTrue(is_valid_structured_reference_be(values[9]))
        self.assertEqual(values[10], "")

    def test_epc_payload_without_amount(self):
        values = self.wallet_ada_general._get_topup_transfer_qr_vals()
        self.assertEqual(values[7], "", "an open amount leaves the amount line empty")
        self.assertEqual(values[9], sanitize_structured_reference(self.wallet_ada_general.communication))

    def test_epc_refuses_bad_input(self):
        with self.assertRaisesRegex(UserError, "positive"):
            self.wallet_ada_general._get_topup_transfer_qr_vals(-5)
        self.school_iban.acc_number = "US12345678"
        with self.assertRaisesRegex(UserError, "SEPA"):
            self.wallet_ada_general._get_topup_transfer_qr_vals(10)

    def test_epc_without_bank_account(self):
        self.company.school_wallet_bank_account_id = False
        self.school_iban.unlink()
        with self.assertRaisesRegex(UserError, "no bank account for top-ups"):
            self.wallet_ada_general._get_topup_transfer_qr_vals(10)

    def test_transfer_instructions_from_wallet_form(self):
        action = self.wallet_ada_general.with_user(self.user_bursar).action_open_topup_transfer()
        wizard_form = Form(self.env[action["res_model"]].with_user(self.user_bursar).with_context(**action["context"]))
        wizard_form.amount = 40
        wizard = wizard_form.save()
        self.assertEqual(wizard.bank_account_id, self.school_iban)
        self.assertEqual(wizard.communication, self.wallet_ada_general.communication)
        self.assertFalse(wizard.error)
        self.assertTrue(wizard.qr_code.startswith(SVG_DATA_PREFIX))
        # the code reads the transfer: the school's IBAN, the wallet's communication, the amount
        payload = decode_svg(base64.b64decode(wizard.qr_code.removeprefix(SVG_DATA_PREFIX))).split("\n")
        self.assertEqual(payload[6], "BE71096123456769")
        self.assertEqual(payload[7], "EUR40.0")
        self.assertEqual(payload[9], sanitize_structured_reference(self.wallet_ada_general.communication))

    def test_transfer_instructions_show_the_error(self):
        self.company.school_wallet_bank_account_id = False
        self.school_iban.unlink()
        wizard = self.env["school.wallet.topup.transfer"].create({"wallet_id": self.wallet_ada_general.id})
        self.assertFalse(wizard.qr_code)
        self.assertIn("no bank account", wizard.error)

    # ------------------------------------------------------------
    # Cash at the desk
    # ------------------------------------------------------------

    def _cash_topup(self, wallet, amount, user=None, payer=None):
        action = wallet.with_user(user or self.user_bursar).action_open_topup_cash()
        wizard_form = Form(
            self.env[action["res_model"]].with_user(user or self.user_bursar).with_context(**action["context"])
        )
        wizard_form.amount = amount
        if payer:
            wizard_form.payer_id = payer
        return wizard_form.save().action_confirm()

    def test_cash_topup_credits_and_prints_a_receipt(self):
        report_action = self._cash_topup(self.wallet_ada_general, 25)
        operation = self.env["school.wallet.operation"].browse(report_action["context"]["active_ids"])
        self.assertEqual(operation.amount, 25)
        self.assertEqual(operation.operation_type, "topup_cash")
        self.assertEqual(operation.payment_method, "cash")
        self.assertEqual(operation.partner_id, self.guardian_fr, "the paying guardian by default")
        self.assertEqual(operation.user_id, self.user_bursar)
        self.assertTrue(operation.origin_ref.startswith("CASH/"))
        self.assertEqual(self.wallet_ada_general.balance, 25)
        cash_line = operation.move_id.line_ids.filtered(lambda line: line.account_id == self.cash_account)
        self.assertEqual(cash_line.debit, 25, "the cash lands in the cash journal's account")
        self.assert_ledger_matches_general_ledger(self.student_ada)

        second = self._cash_topup(self.wallet_ada_general, 5)
        second_operation = self.env["school.wallet.operation"].browse(second["context"]["active_ids"])
        self.assertNotEqual(second_operation.origin_ref, operation.origin_ref, "one receipt number each")

    def test_receipt_amount_in_words_in_the_payer_language(self):
        operation_fr = self.env["school.wallet.operation"].browse(
            self._cash_topup(self.wallet_ada_general, 25)["context"]["active_ids"]
        )
        operation_nl = self.env["school.wallet.operation"].browse(
            self._cash_topup(self.wallet_bob_general, 25)["context"]["active_ids"]
        )
        report = self.env["ir.actions.report"]
        html_fr = str(report._render_qweb_html("optis_school_wallet.report_wallet_cash_receipt", operation_fr.ids)[0])
        html_nl = str(report._render_qweb_html("optis_school_wallet.report_wallet_cash_receipt", operation_nl.ids)[0])
        self.assertIn("Vingt-Cinq", html_fr)
        self.assertIn("Vijfentwintig", html_nl)
        self.assertIn(operation_fr.origin_ref, html_fr)
        self.assertIn("Camille Parent", html_fr)

    @mute_logger("odoo.addons.base.models.ir_actions_report")
    def test_receipt_pdf_shows_the_school_on_debian_wkhtmltopdf(self):
        """Debian's wkhtmltopdf (unpatched Qt, the one installed) prints no header document:
        the receipt carries the school's name and address in its page."""
        set_school_address(self.company)
        report_action = self._cash_topup(self.wallet_ada_general, 25)
        operation = self.env["school.wallet.operation"].browse(report_action["context"]["active_ids"])
        text = self.render_school_pdf(report_action["report_name"], operation.ids)
        self.assert_school_in_pdf_text(text, self.company)
        self.assertIn(operation.origin_ref, text)
        self.assertIn("Camille Parent", text)

    def test_receipt_letterhead_once(self):
        set_school_address(self.company)
        operations = self.env["school.wallet.operation"].browse(
            self._cash_topup(self.wallet_ada_general, 25)["context"]["active_ids"]
            + self._cash_topup(self.wallet_bob_general, 10)["context"]["active_ids"]
        )
        self.assert_letterhead_once(
            "optis_school_wallet.action_report_wallet_cash_receipt", operations.ids, self.company, documents=2
        )

    def test_cash_topup_refuses_bad_amounts(self):
        with self.assertRaisesRegex(UserError, "positive"):
            self._cash_topup(self.wallet_ada_general, -10)
        self.assertFalse(self.wallet_ada_general.operation_ids)

    def test_cash_topup_needs_a_cash_journal(self):
        self.env["account.journal"].search([("company_id", "=", self.company.id), ("type", "=", "cash")]).write(
            {"active": False}
        )
        self.company.school_wallet_cash_journal_id = False
        with self.assertRaisesRegex(UserError, "no cash journal"):
            self._cash_topup(self.wallet_ada_general, 10)

    def test_cash_topup_is_for_bursars(self):
        with self.assertRaises(AccessError):
            self.env["school.wallet.topup.cash"].with_user(self.user_teacher).create(
                {"wallet_id": self.wallet_ada_general.id, "amount": 10}
            )

    def test_cash_topup_payer_is_a_guardian(self):
        wizard = self.env["school.wallet.topup.cash"].create({"wallet_id": self.wallet_ada_general.id, "amount": 10})
        self.assertEqual(wizard.guardian_ids, self.guardian_fr)
        self.student_ada.student_guardian_link_ids = [Command.create({"guardian_id": self.guardian_nl.id})]
        wizard = self.env["school.wallet.topup.cash"].create({"wallet_id": self.wallet_ada_general.id, "amount": 10})
        self.assertEqual(wizard.guardian_ids, self.guardian_fr | self.guardian_nl)
