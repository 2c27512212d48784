from odoo import SUPERUSER_ID, Command, api

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

    def _to_post_total(self, student):
        """Sum of the student's operations still to post (meals and sales not in the general ledger yet)."""
        operations = self.env["school.wallet.operation"].search(
            [("student_id", "=", student.id), ("move_id", "=", False)]
        )
        return sum(operations.mapped("amount"))

    def post_pending_operations(self):
        """Run the scheduled action that posts the meals and sales, as the cron worker does."""
        self.env.ref("optis_school_wallet.ir_cron_school_wallet_post_pending").sudo().method_direct_trigger()

    def assert_ledger_matches_general_ledger(self, students):
        """For every student: liability balance in the general ledger == - (sum of wallet balances
        - what is still to post); then run the posting and check that the general ledger equals
        the wallets and that nothing is left to post. The stored wallet balances must equal the
        sums of their operations."""
        wallets = self.env["school.wallet"].with_context(active_test=False).search([("student_id", "in", students.ids)])
        for wallet in wallets:
            self.assertAlmostEqual(wallet.balance, sum(wallet.operation_ids.mapped("amount")))
            self.assertAlmostEqual(wallet.balance, wallet._get_ledger_balances()[wallet.id])
        wallet_totals = {
            student: sum(
                wallets.filtered(lambda wallet, student=student: wallet.student_id == student).mapped("balance")
            )
            for student in students
        }
        for student, wallet_total in wallet_totals.items():
            self.assertAlmostEqual(
                self._liability_balance(student),
                -(wallet_total - self._to_post_total(student)),
                msg=f"{student.name}: general ledger + to post != wallets",
            )
        self.post_pending_operations()
        for student, wallet_total in wallet_totals.items():
            self.assertEqual(self._to_post_total(student), 0.0)
            self.assertAlmostEqual(
                self._liability_balance(student), -wallet_total, msg=f"{student.name}: general ledger != wallets"
            )


def commit_test_wallet(registry, name, credit, **student_values):
    """Create and commit, in its own cursor, a wallet type, a student of the main company
    and their wallet credited with ``credit``: what tests running separate transactions
    (threads, each with its own cursor) need, since those do not see the test's own data.
    Remove it with ``delete_committed_test_wallet``.

    :param registry: the database's registry
    :param str name: names the wallet type and the student
    :param float credit: the first top-up
    :param student_values: more values of the student (e.g. ``student_number``)
    :return: dict of ids: ``wallet_type_id``, ``student_id``, ``wallet_id``, ``account_id``
    """
    data = {}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.ref("base.main_company")
        company._school_wallet_setup_accounting()
        if not company.school_wallet_account_id:
            raise AssertionError("The main company needs a chart of accounts for this test.")
        wallet_type = env["school.wallet.type"].create({"name": name, "company_id": company.id})
        data["wallet_type_id"] = wallet_type.id
        company._school_wallet_setup_accounting()
        student = env["res.partner"].create(
            {"name": f"{name} Student", "is_student": True, "company_id": company.id, **student_values}
        )
        data["student_id"] = student.id
        wallet = student._school_wallet_get(wallet_type)
        data["wallet_id"] = wallet.id
        data["account_id"] = company.school_wallet_account_id.id
        if credit:
            wallet._credit(credit, "topup_cash")
    return data


def delete_committed_test_wallet(registry, data):
    """Remove what ``commit_test_wallet`` committed and the operations and journal entries
    written on the wallet since. The ledger refuses deletion by design: the rows go in SQL.
    Post the wallet's meals and sales with ``post_wallet_operations`` only: an entry of the
    scheduled posting may hold the lines of other students too.

    :param registry: the database's registry
    :param dict data: what ``commit_test_wallet`` returned (possibly partly filled)
    """
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if wallet_id := data.get("wallet_id"):
            cr.execute("SELECT move_id FROM school_wallet_operation WHERE wallet_id = %s", [wallet_id])
            move_ids = [row[0] for row in cr.fetchall() if row[0]]
            cr.execute("DELETE FROM school_wallet_operation WHERE wallet_id = %s", [wallet_id])
            if move_ids:
                cr.execute(
                    "DELETE FROM account_partial_reconcile WHERE debit_move_id IN "
                    "(SELECT id FROM account_move_line WHERE move_id = ANY(%s)) OR credit_move_id IN "
                    "(SELECT id FROM account_move_line WHERE move_id = ANY(%s))",
                    [move_ids, move_ids],
                )
                cr.execute("DELETE FROM account_move_line WHERE move_id = ANY(%s)", [move_ids])
                cr.execute("DELETE FROM account_move WHERE id = ANY(%s)", [move_ids])
            env.invalidate_all()
            env["school.wallet"].browse(wallet_id).unlink()
        if wallet_type_id := data.get("wallet_type_id"):
            env["school.wallet.type"].browse(wallet_type_id).unlink()
        if student_id := data.get("student_id"):
            env["res.partner"].browse(student_id).unlink()


def post_wallet_operations(env, wallet_id):
    """Post what the wallet has to post, as the scheduled action does for every wallet: the
    committed test data stays apart from anything else to post in the database."""
    env["school.wallet.operation"].search([("wallet_id", "=", wallet_id), ("move_id", "=", False)])._post_pending()


def committed_liability_balance(env, data):
    """Balance of the posted wallet account lines of the committed test student."""
    lines = env["account.move.line"].search(
        [
            ("account_id", "=", data["account_id"]),
            ("partner_id", "=", data["student_id"]),
            ("parent_state", "=", "posted"),
        ]
    )
    return sum(lines.mapped("balance"))
