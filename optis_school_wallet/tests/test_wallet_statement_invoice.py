from odoo import Command
from odoo.tests import tagged

from .common import WalletCommon


@tagged("post_install", "-at_install")
class TestStatementLinePaysInvoice(WalletCommon):
    """A bank transfer whose communication is an open invoice's structured reference pays
    that invoice; partial, overpaid and closed cases wait for the bursar."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.be")
        cls.company._school_wallet_setup_accounting()
        cls.guardian = cls.env["res.partner"].create({"name": "Paying Parent"})
        cls.bank_journal = cls.company_data["default_journal_bank"]

    def _invoice(self, amount):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.guardian.id,
                "school_student_id": self.student_ada.id,
                "invoice_date": "2026-11-01",
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Trip", "price_unit": amount, "tax_ids": [], "account_id": self.income_account.id}
                    )
                ],
            }
        )
        invoice.action_post()
        return invoice

    def _line(self, amount, payment_ref):
        return self.env["account.bank.statement.line"].create(
            {"journal_id": self.bank_journal.id, "amount": amount, "payment_ref": payment_ref, "date": "2026-11-20"}
        )

    def test_exact_amount_pays_the_invoice(self):
        invoice = self._invoice(45)
        digits = invoice.payment_reference.strip("+").replace("/", "")
        line = self._line(45, f"school trip {digits} Ada")
        self.assertEqual(line.optis_wallet_match_state, "invoice_paid")
        self.assertEqual(line.optis_invoice_id, invoice)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertTrue(line.is_reconciled)
        self.assertEqual(line.partner_id, self.guardian)
        self.assertFalse(self.wallet_ada_general.operation_ids, "an invoice payment is no wallet top-up")
        # Matching again changes nothing.
        line.action_optis_wallet_match()
        self.assertEqual(invoice.amount_residual, 0)

    def test_partial_payment_waits_then_is_booked(self):
        invoice = self._invoice(100)
        line = self._line(40, invoice.payment_reference)
        self.assertEqual(line.optis_wallet_match_state, "partial")
        self.assertIn("100", line.optis_wallet_match_reason)
        self.assertEqual(invoice.payment_state, "not_paid")
        line.action_optis_pay_invoice_partially()
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(invoice.amount_residual, 60)
        self.assertEqual(line.optis_wallet_match_state, "invoice_paid")
        # The rest, paid later, closes the invoice.
        self._line(60, invoice.payment_reference)
        self.assertEqual(invoice.payment_state, "paid")

    def test_overpaid_and_closed_invoices_wait(self):
        invoice = self._invoice(30)
        overpaid = self._line(31, invoice.payment_reference)
        self.assertEqual(overpaid.optis_wallet_match_state, "overpaid")
        self.assertEqual(invoice.payment_state, "not_paid")
        self._line(30, invoice.payment_reference)
        self.assertEqual(invoice.payment_state, "paid")
        again = self._line(30, invoice.payment_reference)
        self.assertEqual(again.optis_wallet_match_state, "invoice_closed")
        self.assertFalse(again.is_reconciled)

    def test_cancelled_invoice_reference_is_unknown(self):
        invoice = self._invoice(20)
        reference = invoice.payment_reference
        invoice.button_draft()
        invoice.button_cancel()
        line = self._line(20, reference)
        self.assertEqual(line.optis_wallet_match_state, "unknown_reference")

    def test_wallet_communication_still_tops_up(self):
        self._invoice(20)
        line = self._line(20, self.wallet_ada_general.communication)
        self.assertEqual(line.optis_wallet_match_state, "matched")
        self.assertEqual(self.wallet_ada_general.balance, 20)
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_unmatched_line_opens_the_reconciliation_widget(self):
        """What the matching leaves over is reconciled by hand in OCA's widget."""
        line = self._line(12.5, "bank fees refund")
        self.assertEqual(line.optis_wallet_match_state, "unmatched")
        action = line.action_optis_open_reconcile()
        self.assertEqual(action["res_model"], "account.bank.statement.line")
        self.assertEqual(self.env[action["res_model"]].search(action["domain"]), line)
        view = self.env.ref(action["context"]["view_ref"])
        self.assertEqual(view.model, "account.bank.statement.line")

    def test_other_school_invoice_not_paid(self):
        invoice = self._invoice(20)
        other = self.setup_other_company(name="Other School")
        other_journal = other["default_journal_bank"]
        line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": other_journal.id,
                "amount": 20,
                "payment_ref": invoice.payment_reference,
                "date": "2026-11-20",
            }
        )
        self.assertNotEqual(line.optis_wallet_match_state, "invoice_paid")
        self.assertEqual(invoice.payment_state, "not_paid")
