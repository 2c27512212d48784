import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from psycopg2 import errors as pgerrors

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

THREADS = 50
DEBIT = 10.0
# The wallet covers exactly this many debits.
COVERED_DEBITS = 10
# What Odoo retries: a request that failed on one of these runs again on a fresh snapshot.
RETRIED_ERRORS = (pgerrors.SerializationFailure, pgerrors.DeadlockDetected, pgerrors.LockNotAvailable)


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
        cls.addClassCleanup(cls._delete_committed_data)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            company._school_wallet_setup_accounting()
            if not company.school_wallet_account_id:
                raise AssertionError("The main company needs a chart of accounts for the concurrency test.")
            wallet_type = env["school.wallet.type"].create({"name": "Concurrency test", "company_id": company.id})
            cls.data["wallet_type_id"] = wallet_type.id
            company._school_wallet_setup_accounting()
            student = env["res.partner"].create({"name": "Concurrency Student", "is_student": True})
            cls.data["student_id"] = student.id
            wallet = student._school_wallet_get(wallet_type)
            cls.data["wallet_id"] = wallet.id
            wallet._credit(DEBIT * COVERED_DEBITS, "topup_cash")
            cls.data["account_id"] = company.school_wallet_account_id.id
            # Leaving the cursor block commits.

    @classmethod
    def _delete_committed_data(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            if wallet_id := cls.data.get("wallet_id"):
                cr.execute("SELECT id, move_id FROM school_wallet_operation WHERE wallet_id = %s", [wallet_id])
                rows = cr.fetchall()
                # The ledger refuses deletion by design: remove the test rows in SQL.
                cr.execute("DELETE FROM school_wallet_operation WHERE wallet_id = %s", [wallet_id])
                env.invalidate_all()
                moves = env["account.move"].browse({move_id for _operation, move_id in rows})
                moves.button_draft()
                moves.posted_before = False
                moves.with_context(force_delete=True).unlink()
                env["school.wallet"].browse(wallet_id).unlink()
            if wallet_type_id := cls.data.get("wallet_type_id"):
                env["school.wallet.type"].browse(wallet_type_id).unlink()
            if student_id := cls.data.get("student_id"):
                env["res.partner"].browse(student_id).unlink()

    def _debit_in_own_transaction(self, barrier):
        """Debit the wallet in a new cursor, retrying like Odoo retries a request.

        :return: "debited" or "refused"
        """
        thread = threading.current_thread()
        thread.dbname = self.registry.db_name
        barrier.wait(timeout=60)
        for _attempt in range(200):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    env["school.wallet"].browse(self.data["wallet_id"])._debit(DEBIT, "meal")
                return "debited"
            except UserError:
                return "refused"
            except RETRIED_ERRORS:
                time.sleep(random.uniform(0.0, 0.05))
        return "gave up"

    @mute_logger("odoo.sql_db")
    def test_concurrent_debits_never_overdraw(self):
        barrier = threading.Barrier(THREADS)
        with ThreadPoolExecutor(max_workers=THREADS) as executor:
            futures = [executor.submit(self._debit_in_own_transaction, barrier) for _thread in range(THREADS)]
            outcomes = [future.result(timeout=300) for future in futures]

        self.assertEqual(outcomes.count("debited"), COVERED_DEBITS, outcomes)
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
            lines = env["account.move.line"].search(
                [
                    ("account_id", "=", self.data["account_id"]),
                    ("partner_id", "=", self.data["student_id"]),
                    ("parent_state", "=", "posted"),
                ]
            )
            self.assertEqual(len(lines), COVERED_DEBITS + 1)
            self.assertAlmostEqual(sum(lines.mapped("balance")), -wallet.balance)
            self.assertEqual(set(operations.move_id.mapped("state")), {"posted"})
