from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.account.tools import is_valid_structured_reference_be

from .common import WalletCommon


@tagged("post_install", "-at_install")
class TestWalletInvoice(WalletCommon):
    """Student invoices: the student on the invoice, the status parents see, and paying
    from the student's wallet in one transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.school_wallet_invoice_payment = True
        cls.guardian = cls.env["res.partner"].create({"name": "Paying Parent"})
        cls.wallet_ada_general._credit(100, "topup_cash", counterpart_account=cls.cash_account)

    def _invoice(self, amount=40.0, student=None, due="2026-12-31", post=True):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.guardian.id,
                "school_student_id": (student or self.student_ada).id,
                "invoice_date": "2026-11-01",
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "School trip",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [],
                            "account_id": self.income_account.id,
                        }
                    )
                ],
            }
        )
        if post:
            invoice.action_post()
        return invoice

    def test_pay_full_invoice_from_wallet(self):
        invoice = self._invoice(40)
        invoice.with_user(self.user_bursar).action_school_pay_from_wallet()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(self.wallet_ada_general.balance, 60)
        operation = self.wallet_ada_general.operation_ids.filtered(lambda op: op.operation_type == "invoice_payment")
        self.assertEqual(operation.amount, -40)
        self.assertEqual(operation.payment_method, "wallet")
        self.assertEqual(operation.origin_id, invoice.id)
        receivable = operation.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertEqual(receivable.partner_id, self.guardian, "the receivable is the guardian's")
        self.assertTrue(receivable.reconciled)
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_partial_payment(self):
        invoice = self._invoice(150)
        invoice._school_pay_from_wallet(self.wallet_ada_general, 60)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(invoice.amount_residual, 90)
        self.assertEqual(self.wallet_ada_general.balance, 40)
        with self.assertRaisesRegex(UserError, "at most the amount due"):
            invoice._school_pay_from_wallet(self.wallet_ada_general, 90.01)
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_insufficient_balance_writes_nothing(self):
        invoice = self._invoice(150)
        moves_before = self.env["account.move"].search_count([])
        with self.assertRaisesRegex(UserError, "Insufficient balance"):
            invoice._school_pay_from_wallet(self.wallet_ada_general)
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)
        self.assertEqual(self.wallet_ada_general.balance, 100)
        self.assertEqual(invoice.payment_state, "not_paid")

    def test_archived_wallet_writes_nothing(self):
        invoice = self._invoice(10)
        moves_before = self.env["account.move"].search_count([])
        self.wallet_ada_general.active = False
        with self.assertRaisesRegex(UserError, "archived"):
            invoice._school_pay_from_wallet(self.wallet_ada_general)
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)
        self.assertEqual(invoice.payment_state, "not_paid")

    def test_refused_cases(self):
        invoice = self._invoice(10)
        with self.assertRaisesRegex(UserError, "invoice's student"):
            invoice._school_pay_from_wallet(self.wallet_bob_general)
        draft = self._invoice(10, post=False)
        with self.assertRaisesRegex(UserError, "open customer invoices"):
            draft._school_pay_from_wallet(self.wallet_ada_general)
        self.company.school_wallet_invoice_payment = False
        with self.assertRaisesRegex(UserError, "does not allow"):
            invoice._school_pay_from_wallet(self.wallet_ada_general)
        self.assertEqual(self.wallet_ada_general.balance, 100)

    def test_button_visible_only_when_allowed(self):
        invoice = self._invoice(10)
        self.assertTrue(invoice.school_wallet_payment_allowed)
        self.company.school_wallet_invoice_payment = False
        invoice.invalidate_recordset(["school_wallet_payment_allowed"])
        self.assertFalse(invoice.school_wallet_payment_allowed)

    def test_student_on_invoice_form(self):
        move_form = Form(self.env["account.move"].with_context(default_move_type="out_invoice"))
        move_form.partner_id = self.guardian
        move_form.school_student_id = self.student_bob
        with move_form.invoice_line_ids.new() as line:
            line.name = "Books"
            line.price_unit = 12
        invoice = move_form.save()
        self.assertEqual(invoice.school_student_id, self.student_bob)
        self.assertEqual(self.env["account.move"].search([("school_student_id", "=", self.student_bob.id)]), invoice)

    def test_belgian_structured_reference(self):
        """A Belgian school's invoices carry the structured communication of l10n_be."""
        self.company.country_id = self.env.ref("base.be")
        self.company._school_wallet_setup_accounting()
        self.assertEqual(self.company_data["default_journal_sale"].invoice_reference_model, "be")
        invoice = self._invoice(10)
        self.assertRegex(invoice.payment_reference, r"^\+\+\+\d{3}/\d{4}/\d{5}\+\+\+$")
        self.assertTrue(is_valid_structured_reference_be(invoice.payment_reference))

    def test_status_for_parents(self):
        with freeze_time("2026-11-20"):
            open_invoice = self._invoice(10, due="2026-12-31")
            overdue = self._invoice(10, due="2026-11-10")
            paid = self._invoice(10, due="2026-11-10")
            paid._school_pay_from_wallet(self.wallet_ada_general)
            cancelled = self._invoice(10, post=False)
            cancelled.button_cancel()
            credited = self._invoice(10)
            credited._reverse_moves(cancel=True)
            (open_invoice | overdue | paid | cancelled | credited).invalidate_recordset(["school_payment_status"])
            self.assertEqual(open_invoice.school_payment_status, "open")
            self.assertEqual(overdue.school_payment_status, "overdue")
            self.assertEqual(paid.school_payment_status, "paid")
            self.assertEqual(cancelled.school_payment_status, "credited")
            self.assertEqual(credited.school_payment_status, "credited")
        with freeze_time("2027-01-05"):
            open_invoice.invalidate_recordset(["school_payment_status"])
            self.assertEqual(open_invoice.school_payment_status, "overdue", "past its due date")


@tagged("post_install", "-at_install")
class TestStudentInvoiceSplit(WalletCommon):
    """Invoices to the paying guardians, split by their shares."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mother, cls.father = cls.env["res.partner"].create([{"name": "Mother"}, {"name": "Father"}])
        cls.link_mother, cls.link_father = cls.env["school.guardian.link"].create(
            [
                {"student_id": cls.student_ada.id, "guardian_id": cls.mother.id, "is_payer": True},
                {"student_id": cls.student_ada.id, "guardian_id": cls.father.id, "is_payer": True},
            ]
        )

    def _run_wizard(self, students, amount):
        action = self.env["ir.actions.act_window"]._for_xml_id("optis_school_wallet.school_invoice_students_action")
        wizard_form = Form(
            self.env["school.invoice.students"]
            .with_user(self.user_bursar)
            .with_context(active_model="res.partner", active_ids=students.ids)
        )
        self.assertEqual(action["res_model"], "school.invoice.students")
        wizard_form.description = "School trip"
        wizard_form.amount = amount
        return self.env["account.move"].search(wizard_form.save().sudo().action_create_invoices()["domain"])

    def test_equal_split_by_default(self):
        invoices = self._run_wizard(self.student_ada, 100.01)
        self.assertEqual(len(invoices), 2)
        self.assertEqual(invoices.partner_id, self.mother | self.father)
        self.assertEqual(set(invoices.mapped("school_student_id")), {self.student_ada})
        self.assertEqual(sorted(invoices.mapped("amount_total")), [50.0, 50.01], "the remainder on the last part")
        self.assertAlmostEqual(sum(invoices.mapped("amount_total")), 100.01, places=2)
        self.assertTrue(all(invoice.state == "posted" for invoice in invoices))

    def test_split_by_share(self):
        self.student_ada.student_guardian_link_ids = [
            Command.update(self.link_mother.id, {"invoice_share": 70}),
            Command.update(self.link_father.id, {"invoice_share": 30}),
        ]
        invoices = self._run_wizard(self.student_ada, 99.99)
        by_guardian = {invoice.partner_id: invoice.amount_total for invoice in invoices}
        self.assertEqual(by_guardian[self.mother], 69.99)
        self.assertEqual(by_guardian[self.father], 30.0)

    def test_one_paying_guardian(self):
        self.link_father.is_payer = False
        invoices = self._run_wizard(self.student_ada, 40)
        self.assertEqual(invoices.partner_id, self.mother)
        self.assertEqual(invoices.amount_total, 40)

    def test_shares_must_add_up(self):
        with self.assertRaisesRegex(ValidationError, "add up to 100"):
            self.student_ada.student_guardian_link_ids = [
                Command.update(self.link_mother.id, {"invoice_share": 70}),
                Command.update(self.link_father.id, {"invoice_share": 20}),
            ]

    def test_half_set_split_refused_at_invoicing(self):
        self.link_mother.invoice_share = 70
        with self.assertRaisesRegex(UserError, "on every paying guardian"):
            self._run_wizard(self.student_ada, 10)

    def test_no_paying_guardian(self):
        with self.assertRaisesRegex(UserError, "no paying guardian"):
            self._run_wizard(self.student_bob, 10)
