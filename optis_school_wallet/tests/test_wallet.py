from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import WalletCommon


@tagged("post_install", "-at_install")
class TestWallet(WalletCommon):
    def test_one_wallet_per_student_and_type(self):
        self.assertEqual(self.student_ada._school_wallet_get(self.type_general), self.wallet_ada_general)
        self.wallet_ada_general.active = False
        # An archived wallet is found again, not duplicated.
        self.assertEqual(self.student_ada._school_wallet_get(self.type_general), self.wallet_ada_general)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["school.wallet"].create(
                {"student_id": self.student_ada.id, "wallet_type_id": self.type_general.id}
            )

    def test_wallet_defaults(self):
        wallet = self.wallet_ada_general
        self.assertEqual(wallet.company_id, self.company)
        self.assertEqual(wallet.currency_id, self.company.currency_id)
        self.assertEqual(wallet.balance, 0.0)
        self.assertEqual(wallet.display_name, "Ada Student - General")

    def test_only_students_have_wallets(self):
        with self.assertRaises(ValidationError):
            self.env["school.wallet"].create({"student_id": self.partner.id, "wallet_type_id": self.type_general.id})
        with self.assertRaises(UserError):
            self.partner._school_wallet_get(self.type_general)

    def test_credit_and_debit(self):
        wallet = self.wallet_ada_general
        topup = wallet._credit(50.0, "topup_cash", payment_method="cash", origin_ref="R-001", note="Monday")
        meal = wallet._debit(4.5, "meal", origin=self.student_bob)
        self.assertEqual(wallet.balance, 45.5)
        self.assertEqual((topup.amount, meal.amount), (50.0, -4.5))
        self.assertEqual(topup.user_id, self.env.user)
        self.assertEqual((topup.payment_method, topup.origin_ref, topup.note), ("cash", "R-001", "Monday"))
        self.assertEqual((meal.origin_model, meal.origin_id), ("res.partner", self.student_bob.id))
        self.assertEqual(wallet.operation_ids, topup | meal)

    def test_debit_refused_when_balance_is_too_low(self):
        wallet = self.wallet_ada_general
        wallet._credit(10.0, "topup_cash")
        wallet._debit(10.0, "sale")
        with self.assertRaisesRegex(UserError, r"Insufficient balance on Ada Student - General.*0\.01.*0\.00"):
            wallet._debit(0.01, "sale")
        self.assertEqual(wallet.balance, 0.0)
        self.assertEqual(len(wallet.operation_ids), 2)

    def test_overdraft_limit_of_wallet_type(self):
        wallet = self.wallet_ada_meals  # limit 5.00
        wallet._debit(3.0, "meal")
        wallet._debit(2.0, "meal")
        self.assertEqual(wallet.balance, -5.0)
        with self.assertRaisesRegex(UserError, "overdraft limit"):
            wallet._debit(0.01, "meal")
        wallet._credit(5.0, "topup_transfer")
        self.assertEqual(wallet.balance, 0.0)

    def test_amount_must_be_positive(self):
        for amount in (0.0, -3.0, 0.001):
            with self.assertRaises(UserError):
                self.wallet_ada_general._credit(amount, "topup_cash")
            with self.assertRaises(UserError):
                self.wallet_ada_general._debit(amount, "sale")
        self.assertFalse(self.wallet_ada_general.operation_ids)

    def test_amount_is_rounded_to_the_currency(self):
        operation = self.wallet_ada_general._credit(10.004, "topup_cash")
        self.assertEqual(operation.amount, 10.0)

    def test_sign_of_operation_types(self):
        with self.assertRaises(ValidationError):
            self.wallet_ada_general._credit(5.0, "meal")
        self.wallet_ada_general._credit(5.0, "topup_cash")
        with self.assertRaises(ValidationError):
            self.wallet_ada_general._debit(5.0, "topup_cash")
        # Refunds and corrections go both ways.
        self.wallet_ada_general._credit(1.0, "refund")
        self.wallet_ada_general._debit(1.0, "refund", counterpart_account=self.cash_account)
        self.assertEqual(self.wallet_ada_general.balance, 5.0)

    def test_archived_wallet_refuses_operations(self):
        self.wallet_ada_general.active = False
        with self.assertRaisesRegex(UserError, "archived"):
            self.wallet_ada_general._credit(5.0, "topup_cash")

    def test_correction_needs_a_reason(self):
        wallet = self.wallet_ada_general
        with self.assertRaisesRegex(UserError, "reason"):
            wallet._credit(5.0, "correction")
        with self.assertRaisesRegex(UserError, "reason"):
            wallet._credit(5.0, "correction", reason="  ")
        correction = wallet._credit(5.0, "correction", reason="Meal charged twice on Monday")
        self.assertEqual(correction.reason, "Meal charged twice on Monday")
        self.assertEqual(wallet.balance, 5.0)

    def test_operations_are_append_only(self):
        operation = self.wallet_ada_general._credit(20.0, "topup_cash")
        for vals in (
            {"amount": 30.0},
            {"date": "2020-01-01 00:00:00"},
            {"wallet_id": self.wallet_bob_general.id},
            {"operation_type": "correction"},
            {"move_id": False},
        ):
            with self.assertRaisesRegex(UserError, "never change"):
                operation.write(vals)
        with self.assertRaises(AccessError):
            operation.unlink()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            operation.sudo().unlink()
        operation.note = "Paid at the front desk"
        self.assertEqual(operation.note, "Paid at the front desk")
        self.assertEqual(self.wallet_ada_general.balance, 20.0)
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            self.wallet_ada_general.unlink()
        with self.assertRaises(UserError):
            self.wallet_ada_general.student_id = self.student_bob
        # A wallet without operations can go.
        self.wallet_bob_general.unlink()

    def test_zero_amount_refused_by_the_database(self):
        operation = self.wallet_ada_general._credit(1.0, "topup_cash")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.cr.execute("UPDATE school_wallet_operation SET amount = 0 WHERE id = %s", [operation.id])

    def test_transfer_between_wallets_of_a_student(self):
        self.wallet_ada_general._credit(30.0, "topup_transfer")
        source, target = self.wallet_ada_general._transfer_to(self.wallet_ada_meals, 12.0, note="For the canteen")
        self.assertEqual((source.amount, target.amount), (-12.0, 12.0))
        self.assertEqual({source.operation_type, target.operation_type}, {"internal_transfer"})
        self.assertEqual(source.move_id, target.move_id)
        self.assertEqual((self.wallet_ada_general.balance, self.wallet_ada_meals.balance), (18.0, 12.0))
        # The source must cover the amount: the meals overdraft does not help the general wallet.
        with self.assertRaisesRegex(UserError, "Insufficient balance"):
            self.wallet_ada_general._transfer_to(self.wallet_ada_meals, 18.01)
        with self.assertRaises(UserError):
            self.wallet_ada_general._transfer_to(self.wallet_ada_general, 1.0)
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_transfer_across_students_refused(self):
        self.wallet_ada_general._credit(30.0, "topup_transfer")
        with self.assertRaisesRegex(UserError, "one student"):
            self.wallet_ada_general._transfer_to(self.wallet_bob_general, 5.0)
        self.assertEqual(self.wallet_bob_general.balance, 0.0)

    def test_balance_on_the_student(self):
        self.wallet_ada_general._credit(30.0, "topup_cash")
        self.wallet_ada_meals._debit(4.0, "meal")
        self.wallet_ada_meals.active = False
        students = self.student_ada | self.student_bob | self.student_cid
        students.invalidate_recordset(["school_wallet_balance", "school_wallet_count"])
        # One grouped query for the wallets, one for the partners' currency.
        with self.assertQueryCount(2):
            self.assertEqual(students.mapped("school_wallet_balance"), [26.0, 0.0, 0.0])
            self.assertEqual(students.mapped("school_wallet_count"), [2, 1, 0])
        action = self.student_ada.action_view_school_wallets()
        self.assertEqual(self.env["school.wallet"].search(action["domain"]), self.wallet_ada_general)

    def test_open_a_wallet_from_the_form(self):
        with Form(self.env["school.wallet"].with_user(self.user_bursar)) as wallet_form:
            wallet_form.student_id = self.student_cid
            wallet_form.wallet_type_id = self.type_meals
        wallet = wallet_form.record
        self.assertEqual(wallet.company_id, self.company)
        self.assertTrue(wallet.communication)
        self.assertEqual(wallet.overdraft_limit, 5.0)

    def test_bursar_sees_the_balance_on_the_student_form(self):
        self.wallet_ada_general._credit(12.0, "topup_cash")
        student_form = Form(
            self.student_ada.with_user(self.user_bursar), view="optis_school.res_partner_student_view_form"
        )
        self.assertEqual(student_form.school_wallet_balance, 12.0)
        self.assertEqual(len(student_form.school_wallet_ids), 2)
        # A teacher opens the same form without the wallet fields.
        teacher_form = Form(
            self.student_ada.with_user(self.user_teacher), view="optis_school.res_partner_student_view_form"
        )
        self.assertNotIn("school_wallet_balance", teacher_form._view["fields"])
