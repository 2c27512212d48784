from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import WalletCommon


@tagged("post_install", "-at_install")
class TestWalletSecurity(WalletCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operation = cls.wallet_ada_general._credit(10.0, "topup_cash")

    def test_bursar(self):
        wallet = self.wallet_ada_general.with_user(self.user_bursar)
        self.assertEqual(wallet.balance, 10.0)
        self.assertEqual(wallet.operation_ids, self.operation)
        self.assertEqual(self.student_ada.with_user(self.user_bursar).school_wallet_balance, 10.0)
        with self.assertRaises(AccessError):
            self.env["school.wallet.operation"].with_user(self.user_bursar).create(
                {
                    "wallet_id": self.wallet_ada_general.id,
                    "amount": 1000.0,
                    "operation_type": "correction",
                    "reason": "free money",
                    "move_id": self.operation.move_id.id,
                }
            )
        with self.assertRaises(AccessError):
            wallet.unlink()
        with self.assertRaises(AccessError):
            self.type_general.with_user(self.user_bursar).overdraft_limit = 100.0

    def test_teacher_sees_no_wallet(self):
        with self.assertRaises(AccessError):
            self.wallet_ada_general.with_user(self.user_teacher).read(["balance"])
        with self.assertRaises(AccessError):
            self.operation.with_user(self.user_teacher).read(["amount"])
        # The wallet fields of a student are for bursars only.
        student = self.student_ada.with_user(self.user_teacher)
        self.assertEqual(student.name, "Ada Student")
        with self.assertRaises(AccessError):
            student.read(["school_wallet_balance"])

    def test_admin_configures_wallet_types(self):
        self.type_general.with_user(self.user_admin).overdraft_limit = 2.0
        self.assertEqual(self.wallet_ada_general.overdraft_limit, 2.0)

    def test_wallet_type_accounts_of_its_own_school(self):
        """Found by the write sweep: a school administrator could book a school's wallet spending
        on another school's income account."""
        other_school = self.env["res.company"].create({"name": "Other School"})
        self.env["account.chart.template"].try_loading("generic_coa", company=other_school, install_demo=False)
        other_income = self.env["account.account"].search(
            [("company_ids", "in", other_school.ids), ("account_type", "=", "income")], limit=1
        )
        self.assertTrue(other_income)
        self.user_admin.company_ids |= other_school
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self.type_general.with_user(self.user_admin).income_account_id = other_income
        self.assertNotEqual(self.type_general.income_account_id, other_income)

    def test_other_school_is_invisible(self):
        other_school = self.env["res.company"].create({"name": "Other School"})
        other_bursar = self.user_bursar.copy(
            {"login": "other_bursar", "company_id": other_school.id, "company_ids": [(6, 0, other_school.ids)]}
        )
        self.assertFalse(self.env["school.wallet"].with_user(other_bursar).search([]))
        self.assertFalse(self.env["school.wallet.operation"].with_user(other_bursar).search([]))
        with self.assertRaises(AccessError):
            self.wallet_ada_general.with_user(other_bursar).read(["balance"])
