from odoo import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.mail.tests.common import mail_new_test_user


class WalletCommon(AccountTestInvoicingCommon):
    """A school with a chart of accounts (the generic one, loaded by the accounting
    test case), two wallet types, three students, their wallets and one user per role."""

    @classmethod
    def get_default_groups(cls):
        return super().get_default_groups() | cls.env.ref("optis_school.group_school_admin")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.wallet_account = cls.company.school_wallet_account_id
        cls.wallet_journal = cls.company.school_wallet_journal_id
        cls.income_account = cls.company_data["default_account_revenue"]
        cls.cash_account = cls.company_data["default_journal_cash"].default_account_id

        cls.type_general = cls.env["school.wallet.type"].create({"name": "General", "company_id": cls.company.id})
        cls.type_meals = cls.env["school.wallet.type"].create(
            {"name": "Meals", "company_id": cls.company.id, "overdraft_limit": 5.0}
        )
        # Types created after the chart get their income account from the setup.
        cls.company._school_wallet_setup_accounting()

        users = {
            "bursar": "optis_school.group_school_bursar",
            "teacher": "optis_school.group_school_teacher",
            "admin": "optis_school.group_school_admin",
        }
        for role, group in users.items():
            user = mail_new_test_user(
                cls.env,
                login=f"wallet_{role}",
                groups=group,
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )
            setattr(cls, f"user_{role}", user)

        cls.student_ada, cls.student_bob, cls.student_cid = cls.env["res.partner"].create(
            [
                {"first_name": first_name, "last_name": "Student", "is_student": True, "company_id": cls.company.id}
                for first_name in ("Ada", "Bob", "Cid")
            ]
        )
        cls.wallet_ada_general = cls.student_ada._school_wallet_get(cls.type_general)
        cls.wallet_ada_meals = cls.student_ada._school_wallet_get(cls.type_meals)
        cls.wallet_bob_general = cls.student_bob._school_wallet_get(cls.type_general)

    def _liability_balance(self, student):
        """Balance (debit - credit) of the posted lines of the wallet account for a student."""
        lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", self.wallet_account.id),
                ("partner_id", "=", student.id),
                ("parent_state", "=", "posted"),
            ]
        )
        return sum(lines.mapped("balance"))

    def assert_ledger_matches_general_ledger(self, students):
        """For every student: liability balance in the general ledger == - sum of wallet balances,
        and the stored wallet balances equal the sums of their operations."""
        wallets = self.env["school.wallet"].with_context(active_test=False).search([("student_id", "in", students.ids)])
        for wallet in wallets:
            self.assertAlmostEqual(wallet.balance, sum(wallet.operation_ids.mapped("amount")))
            self.assertAlmostEqual(wallet.balance, wallet._get_ledger_balances()[wallet.id])
        for student in students:
            wallet_total = sum(wallets.filtered(lambda wallet: wallet.student_id == student).mapped("balance"))
            self.assertAlmostEqual(
                self._liability_balance(student), -wallet_total, msg=f"{student.name}: general ledger != wallets"
            )
