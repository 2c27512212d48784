from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.optis_school.tests.concurrency import race

from .common import (
    commit_test_wallet,
    committed_liability_balance,
    delete_committed_test_wallet,
    post_wallet_operations,
)

THREADS = 50
DEBIT = 10.0
# The wallet covers exactly this many debits.
COVERED_DEBITS = 10


@tagged("post_install", "-at_install")
class TestWalletConcurrency(TransactionCase):
    """Debits in real, separate transactions (one cursor per thread).

    Separate transactions do not see the test transaction, so the school data is
    created and committed in its own cursor, and deleted again in a cleanup that runs
    even when the test fails. The wallet gets its own wallet type so that nothing else
    in the database is touched but the journal sequence.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = {}
        cls.addClassCleanup(lambda: delete_committed_test_wallet(cls.registry, cls.data))
        cls.data.update(commit_test_wallet(cls.registry, "Concurrency test", DEBIT * COVERED_DEBITS))

    def _debit(self, env):
        env["school.wallet"].browse(self.data["wallet_id"])._debit(DEBIT, "meal")

    @mute_logger("odoo.sql_db")
    def test_concurrent_debits_never_overdraw(self):
        outcomes, _retries, _seconds = race(self.registry, [self._debit] * THREADS, workers=THREADS)

        self.assertEqual(outcomes.count("done"), COVERED_DEBITS, outcomes)
        self.assertEqual(outcomes.count("refused"), THREADS - COVERED_DEBITS, outcomes)

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            wallet = env["school.wallet"].browse(self.data["wallet_id"])
            operations = wallet.operation_ids.sorted("id")
            self.assertEqual(len(operations), COVERED_DEBITS + 1)
            running_balance = 0.0
            for operation in operations:
                running_balance += operation.amount
                self.assertGreaterEqual(running_balance, -wallet.overdraft_limit)
            self.assertEqual(wallet._get_ledger_balances()[wallet.id], 0.0)
            self.assertEqual(wallet.balance, 0.0)
            # The meals wait for the posting; then the general ledger holds the balance.
            self.assertEqual(len(operations.filtered(lambda operation: not operation.move_id)), COVERED_DEBITS)
            post_wallet_operations(env, self.data["wallet_id"])
            self.assertEqual(set(operations.move_id.mapped("state")), {"posted"})
            self.assertAlmostEqual(committed_liability_balance(env, self.data), -wallet.balance)


@tagged("post_install", "-at_install")
class TestWalletPostingConcurrency(TransactionCase):
    """The posting runs while the wallet is being debited, each in real, separate
    transactions: every operation ends in exactly one journal entry."""

    DEBITS = 60
    POSTINGS = 12

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = {}
        cls.addClassCleanup(lambda: delete_committed_test_wallet(cls.registry, cls.data))
        cls.data.update(commit_test_wallet(cls.registry, "Posting concurrency test", DEBIT * cls.DEBITS))

    def _debit(self, env):
        env["school.wallet"].browse(self.data["wallet_id"])._debit(DEBIT, "sale")

    def _post(self, env):
        post_wallet_operations(env, self.data["wallet_id"])

    @mute_logger("odoo.sql_db")
    def test_posting_while_debiting(self):
        # The postings spread among the debits, so that they run while debits commit.
        works = [self._debit] * self.DEBITS
        for index in range(self.POSTINGS):
            works.insert(index * (self.DEBITS // self.POSTINGS + 1), self._post)
        outcomes, _retries, _seconds = race(self.registry, works, workers=12)
        self.assertEqual(outcomes.count("done"), self.DEBITS + self.POSTINGS, outcomes)

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            wallet = env["school.wallet"].browse(self.data["wallet_id"])
            batched = wallet.operation_ids.filtered(lambda operation: operation.operation_type == "sale")
            self.assertEqual(len(batched), self.DEBITS)
            posted_during_the_race = batched.filtered("move_id")
            post_wallet_operations(env, self.data["wallet_id"])
            # No operation lost: all posted, each in one entry that books exactly its operations.
            self.assertFalse(batched.filtered(lambda operation: not operation.move_id))
            for move in batched.move_id:
                self.assertEqual(move.state, "posted")
                move_operations = batched.filtered(lambda operation, move=move: operation.move_id == move)
                liability = move.line_ids.filtered(lambda line: line.account_id.id == self.data["account_id"])
                self.assertEqual(liability.partner_id.id, self.data["student_id"])
                self.assertAlmostEqual(sum(liability.mapped("balance")), -sum(move_operations.mapped("amount")))
            # None posted twice: the general ledger holds the balance, not more.
            self.assertAlmostEqual(wallet.balance, 0.0)
            self.assertAlmostEqual(committed_liability_balance(env, self.data), -wallet.balance)
            self.assertTrue(posted_during_the_race, "no posting ran while debits were made: nothing was tested")


@tagged("post_install", "-at_install")
class TestWalletSettlementConcurrency(TransactionCase):
    """A student leaves while the vending machine still sells to them, each in real,
    separate transactions: the sales before the closing are settled with the rest, those
    after it are refused, and no money is lost or counted twice."""

    SALES = 20
    CREDIT = 100.0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = {}
        cls.addClassCleanup(lambda: delete_committed_test_wallet(cls.registry, cls.data))
        cls.data.update(commit_test_wallet(cls.registry, "Settlement concurrency test", cls.CREDIT))

    def _sale(self, env):
        env["school.wallet"].browse(self.data["wallet_id"])._debit(1.0, "sale")

    def _settle(self, env):
        env["school.wallet"].browse(self.data["wallet_id"])._settle("donation")

    @mute_logger("odoo.sql_db")
    def test_settle_while_selling(self):
        works = [self._sale] * self.SALES
        works.insert(self.SALES // 2, self._settle)
        outcomes, _retries, _seconds = race(self.registry, works, workers=8)
        self.assertEqual(outcomes[self.SALES // 2], "done", outcomes)
        sales_done = outcomes.count("done") - 1
        self.assertEqual(outcomes.count("refused"), self.SALES - sales_done, outcomes)

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            wallet = env["school.wallet"].browse(self.data["wallet_id"])
            self.assertEqual(wallet.state, "closed")
            operations = wallet.operation_ids
            self.assertEqual(len(operations.filtered(lambda operation: operation.operation_type == "sale")), sales_done)
            donation = operations.filtered(lambda operation: operation.operation_type == "donation")
            self.assertAlmostEqual(donation.amount, -(self.CREDIT - sales_done))
            # Nothing after the closing: the donation is the last operation.
            self.assertEqual(operations.sorted("id")[-1], donation)
            self.assertEqual(wallet._get_ledger_balances()[wallet.id], 0.0)
            self.assertEqual(wallet.balance, 0.0)
            post_wallet_operations(env, self.data["wallet_id"])
            self.assertAlmostEqual(committed_liability_balance(env, self.data), 0.0)


@tagged("post_install", "-at_install")
class TestWalletRefundConcurrency(TransactionCase):
    """Bursars refund the same sale at once, each in a real, separate transaction (one
    cursor per thread): the sale is refunded at most once in total."""

    REFUNDS = 6

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = {}
        cls.addClassCleanup(cls._delete_committed_data)
        cls.data.update(commit_test_wallet(cls.registry, "Refund race", 50.0, student_number="REFUND-RACE-1"))
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            wallet = env["school.wallet"].browse(cls.data["wallet_id"])
            device = env["school.wallet.device"].create(
                {
                    "name": "Refund race till",
                    "company_id": wallet.company_id.id,
                    "wallet_type_id": wallet.wallet_type_id.id,
                }
            )
            cls.data["device_id"] = device.id
            cls.data["sale_ids"] = [
                env["school.wallet.sale"]
                ._register_from_device(
                    device,
                    {
                        "reference": reference,
                        "student_number": "REFUND-RACE-1",
                        "items": [{"article": "Book", "unit_price": 5.0}],
                    },
                )[0]
                .id
                for reference in ("RACE-FULL", "RACE-PART")
            ]
            bursar = env.ref("optis_school.demo_user_bursar", raise_if_not_found=False)
            cls.data["bursar_id"] = bursar.id if bursar and wallet.company_id in bursar.company_ids else SUPERUSER_ID

    @classmethod
    def _delete_committed_data(cls):
        with cls.registry.cursor() as cr:
            # Sales are never deleted through the ORM: the test data goes in SQL.
            if cls.data.get("sale_ids"):
                cr.execute("DELETE FROM school_wallet_sale_line WHERE sale_id = ANY(%s)", [cls.data["sale_ids"]])
                cr.execute("DELETE FROM school_wallet_sale WHERE id = ANY(%s)", [cls.data["sale_ids"]])
            if cls.data.get("device_id"):
                cr.execute("DELETE FROM school_wallet_device WHERE id = %s", [cls.data["device_id"]])
        delete_committed_test_wallet(cls.registry, cls.data)

    def _refund_work(self, sale_id, amount=None):
        def work(env):
            # As a bursar does: through the refund wizard.
            bursar_env = env(user=self.data["bursar_id"])
            values = {"sale_id": sale_id} if amount is None else {"sale_id": sale_id, "amount": amount}
            bursar_env["school.wallet.sale.refund"].create(values).action_confirm()

        return work

    def _refunded(self, env, sale_id):
        env.cr.execute(
            "SELECT COALESCE(SUM(amount), 0), COUNT(*) FROM school_wallet_operation "
            "WHERE operation_type = 'refund' AND origin_model = 'school.wallet.sale' AND origin_id = %s",
            [sale_id],
        )
        return env.cr.fetchone()

    @mute_logger("odoo.sql_db")
    def test_concurrent_refunds_refund_once(self):
        full_sale_id, part_sale_id = self.data["sale_ids"]
        works = [self._refund_work(full_sale_id)] * self.REFUNDS + [self._refund_work(part_sale_id, 2.0)] * self.REFUNDS
        outcomes, _retries, _seconds = race(self.registry, works, workers=len(works))
        full_outcomes, part_outcomes = outcomes[: self.REFUNDS], outcomes[self.REFUNDS :]
        self.assertEqual(full_outcomes.count("done"), 1, full_outcomes)
        self.assertEqual(full_outcomes.count("refused"), self.REFUNDS - 1, full_outcomes)
        # 2.00 twice fits in 5.00, a third time does not.
        self.assertEqual(part_outcomes.count("done"), 2, part_outcomes)
        self.assertEqual(part_outcomes.count("refused"), self.REFUNDS - 2, part_outcomes)

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.assertEqual(self._refunded(env, full_sale_id), (5.0, 1))
            self.assertEqual(self._refunded(env, part_sale_id), (4.0, 2))
            full_sale, part_sale = env["school.wallet.sale"].browse(self.data["sale_ids"])
            self.assertEqual((full_sale.state, full_sale.amount_refunded), ("refunded", 5.0))
            self.assertEqual((part_sale.state, part_sale.amount_refunded), ("partially_refunded", 4.0))
            wallet = env["school.wallet"].browse(self.data["wallet_id"])
            # 50 - 2 sales of 5 + refunds of 5 and 4.
            self.assertAlmostEqual(wallet.balance, 49.0)
            self.assertAlmostEqual(wallet._get_ledger_balances()[wallet.id], 49.0)
            post_wallet_operations(env, self.data["wallet_id"])
            self.assertAlmostEqual(committed_liability_balance(env, self.data), -wallet.balance)


@tagged("post_install", "-at_install")
class TestWalletInvoicePaymentConcurrency(TransactionCase):
    """A parent's double submit, and two wallets of one student, paying the same invoice at
    once, each in a real, separate transaction: the invoice is paid once, by one debit."""

    SUBMITS = 4
    AMOUNT = 25.0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = {}
        cls.other_wallet = {}
        cls.addClassCleanup(cls._delete_committed_data)
        cls.data.update(commit_test_wallet(cls.registry, "Invoice race", 100.0))
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            cls.data["setting"] = company.school_wallet_invoice_payment
            company.school_wallet_invoice_payment = True
            student = env["res.partner"].browse(cls.data["student_id"])
            wallet_type = env["school.wallet.type"].create({"name": "Invoice race 2", "company_id": company.id})
            cls.other_wallet["wallet_type_id"] = wallet_type.id
            company._school_wallet_setup_accounting()
            wallet = student._school_wallet_get(wallet_type)
            cls.other_wallet["wallet_id"] = wallet.id
            wallet._credit(100.0, "topup_cash")
            guardian = env["res.partner"].create({"name": "Invoice race parent"})
            cls.data["guardian_id"] = guardian.id
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "partner_id": guardian.id,
                    "school_student_id": student.id,
                    "invoice_line_ids": [
                        Command.create({"name": "Trip", "quantity": 1, "price_unit": cls.AMOUNT, "tax_ids": []})
                    ],
                }
            )
            invoice.action_post()
            cls.data["invoice_id"] = invoice.id

    @classmethod
    def _delete_committed_data(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            if "setting" in cls.data:
                env.ref("base.main_company").school_wallet_invoice_payment = cls.data["setting"]
            # Posted entries are never deleted through the ORM: the test data goes in SQL.
            if invoice_id := cls.data.get("invoice_id"):
                cr.execute(
                    "DELETE FROM account_partial_reconcile WHERE debit_move_id IN "
                    "(SELECT id FROM account_move_line WHERE move_id = %s) OR credit_move_id IN "
                    "(SELECT id FROM account_move_line WHERE move_id = %s)",
                    [invoice_id, invoice_id],
                )
                cr.execute(
                    "DELETE FROM account_full_reconcile WHERE id IN "
                    "(SELECT full_reconcile_id FROM account_move_line WHERE move_id = %s)",
                    [invoice_id],
                )
                cr.execute("DELETE FROM account_move_line WHERE move_id = %s", [invoice_id])
                cr.execute("DELETE FROM account_move WHERE id = %s", [invoice_id])
        delete_committed_test_wallet(cls.registry, cls.other_wallet)
        delete_committed_test_wallet(cls.registry, cls.data)
        if guardian_id := cls.data.get("guardian_id"):
            # After the payment entries (their receivable line is the guardian's).
            with cls.registry.cursor() as cr:
                cr.execute("DELETE FROM res_partner WHERE id = %s", [guardian_id])

    def _pay_work(self, wallet_id):
        def work(env):
            invoice = env["account.move"].browse(self.data["invoice_id"])
            invoice._school_pay_from_wallet(env["school.wallet"].browse(wallet_id))

        return work

    @mute_logger("odoo.sql_db")
    def test_invoice_paid_once(self):
        works = [self._pay_work(self.data["wallet_id"])] * self.SUBMITS
        works += [self._pay_work(self.other_wallet["wallet_id"])] * self.SUBMITS
        outcomes, _retries, _seconds = race(self.registry, works, workers=len(works))
        self.assertEqual(outcomes.count("done"), 1, outcomes)
        self.assertEqual(outcomes.count("refused"), len(works) - 1, outcomes)

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoice = env["account.move"].browse(self.data["invoice_id"])
            self.assertEqual(invoice.payment_state, "paid")
            wallets = env["school.wallet"].browse([self.data["wallet_id"], self.other_wallet["wallet_id"]])
            payments = wallets.operation_ids.filtered(lambda operation: operation.operation_type == "invoice_payment")
            self.assertEqual(payments.mapped("amount"), [-self.AMOUNT])
            self.assertAlmostEqual(sum(wallets.mapped("balance")), 200.0 - self.AMOUNT)
            for wallet in wallets:
                self.assertAlmostEqual(wallet._get_ledger_balances()[wallet.id], wallet.balance)
