from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import WalletCommon


@tagged("post_install", "-at_install")
class TestWalletAccounting(WalletCommon):
    def test_loading_a_chart_sets_the_wallets_up(self):
        self.assertEqual(self.wallet_account.account_type, "liability_current")
        self.assertEqual(self.wallet_account.name, "Student wallets (prepayments)")
        self.assertEqual(self.wallet_journal.type, "general")
        self.assertEqual(self.wallet_journal.code, "WAL")
        self.assertTrue(self.wallet_journal.default_account_id)
        self.assertEqual(self.type_general.income_account_id.internal_group, "income")
        # Running the set-up again changes nothing.
        self.company._school_wallet_setup_accounting()
        self.assertEqual(self.company.school_wallet_account_id, self.wallet_account)
        self.assertEqual(self.company.school_wallet_journal_id, self.wallet_journal)

    def test_credit_entry(self):
        operation = self.wallet_ada_general._credit(25.0, "topup_cash", counterpart_account=self.cash_account)
        move = operation.move_id
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.journal_id, self.wallet_journal)
        self.assertRecordValues(
            move.line_ids.sorted("balance"),
            [
                {"account_id": self.wallet_account.id, "partner_id": self.student_ada.id, "debit": 0.0, "credit": 25.0},
                {"account_id": self.cash_account.id, "partner_id": self.student_ada.id, "debit": 25.0, "credit": 0.0},
            ],
        )

    def test_default_counterparts(self):
        topup = self.wallet_ada_general._credit(25.0, "topup_transfer")
        meal = self.wallet_ada_general._debit(5.0, "meal")
        topup_line = topup.move_id.line_ids.filtered(lambda line: line.account_id != self.wallet_account)
        self.assertEqual(topup_line.account_id, self.wallet_journal.default_account_id)
        self.assertEqual(topup_line.balance, 25.0)
        # The meal is posted later, against the income account of the wallet type.
        self.assertFalse(meal.move_id)
        self.assertEqual(meal.counterpart_account_id, self.type_general.income_account_id)
        self.post_pending_operations()
        meal_line = meal.move_id.line_ids.filtered(lambda line: line.account_id != self.wallet_account)
        self.assertEqual(meal_line.account_id, self.type_general.income_account_id)
        self.assertEqual(meal_line.balance, -5.0)
        self.assertEqual(
            meal.move_id.line_ids.filtered(lambda line: line.account_id == self.wallet_account).balance, 5.0
        )

    def test_missing_counterpart_account(self):
        self.type_general.income_account_id = False
        with self.assertRaisesRegex(UserError, "income account"):
            self.wallet_ada_general._debit(1.0, "sale")

    def test_general_ledger_matches_the_wallets(self):
        self.wallet_ada_general._credit(40.0, "topup_transfer")
        self.wallet_ada_general._debit(7.5, "photo_order")
        self.wallet_ada_general._transfer_to(self.wallet_ada_meals, 10.0)
        self.wallet_ada_meals._debit(14.0, "meal")
        self.wallet_ada_meals._credit(1.25, "correction", reason="Dessert not served")
        self.wallet_bob_general._credit(5.0, "topup_online")
        self.wallet_bob_general._debit(5.0, "refund", counterpart_account=self.cash_account)
        self.wallet_bob_general._credit(2.0, "topup_cash")
        self.wallet_bob_general.active = False
        students = self.student_ada | self.student_bob | self.student_cid
        self.assert_ledger_matches_general_ledger(students)
        self.assertEqual(self._liability_balance(self.student_ada), -(32.5 - 14.0 + 1.25 + 10.0 - 10.0))
        self.assertEqual(self._liability_balance(self.student_bob), -2.0)
        self.assertEqual(self._liability_balance(self.student_cid), 0.0)

    def test_school_without_chart_of_accounts(self):
        school = self.env["res.company"].create({"name": "School Without Chart"})
        self.env.user.company_ids |= school
        env = self.env(context=dict(self.env.context, allowed_company_ids=school.ids))
        wallet_type = env["school.wallet.type"].create({"name": "General", "company_id": school.id})
        student = env["res.partner"].create({"name": "Dora", "is_student": True, "company_id": school.id})
        wallet = student._school_wallet_get(wallet_type)
        self.assertTrue(wallet.communication)
        school._school_wallet_setup_accounting()
        self.assertFalse(school.school_wallet_account_id)
        with self.assertRaisesRegex(UserError, "School Without Chart.*chart of accounts"):
            wallet._credit(10.0, "topup_cash")
        self.assertFalse(wallet.operation_ids)

    def test_bursar_posts_without_accounting_rights(self):
        self.assertFalse(self.user_bursar.has_group("account.group_account_invoice"))
        wallet = self.wallet_ada_general.with_user(self.user_bursar)
        operation = wallet._credit(10.0, "topup_cash", counterpart_account=self.cash_account)
        wallet._debit(3.0, "sale")
        self.assertEqual(operation.user_id, self.user_bursar)
        self.assertEqual(wallet.balance, 7.0)
        self.assert_ledger_matches_general_ledger(self.student_ada)
