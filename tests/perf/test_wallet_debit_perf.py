"""Benchmark: sustained debits on ONE wallet under contention.

First one thread debits the wallet for ``OPTIS_BENCH_DEBIT_BASELINE_SECONDS`` (default 5):
the rate without contention. Then ``OPTIS_BENCH_DEBIT_THREADS`` threads (default 4), each
with its own cursor and one transaction per debit, debit the same wallet until
``OPTIS_BENCH_DEBITS`` debits (default 3000, both phases together) were attempted or
``OPTIS_BENCH_DEBIT_SECONDS`` (default 15) passed: on a 2-core machine the time runs out
first. Serialization failures are retried as Odoo retries a request. The wallet is topped
up for all but the last few debits, so the overdraft limit is reached when a run (e.g. with
a smaller ``OPTIS_BENCH_DEBITS``) attempts them all. The debits are sales: written without
a journal entry, then posted in one batch at the end (timed too), as the scheduled action
does. Goal: 50 debits/s. The test prints the rates and asserts correctness only: stored
balance == ledger sum, the running balance never below the limit, and, once posted, the
general ledger liability == - balance. The committed data is deleted at the end.
How to run it: docs/PERFORMANCE.md.
"""

import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from perf_output import PerfOutput

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase
from odoo.tools import mute_logger

from odoo.addons.optis_school.tests.concurrency import RETRIED_ERRORS
from odoo.addons.optis_school_wallet.tests.common import (
    commit_test_wallet,
    committed_liability_balance,
    delete_committed_test_wallet,
    post_wallet_operations,
)

THREADS = int(os.environ.get("OPTIS_BENCH_DEBIT_THREADS", "4"))
DEBITS = int(os.environ.get("OPTIS_BENCH_DEBITS", "3000"))
MAX_SECONDS = float(os.environ.get("OPTIS_BENCH_DEBIT_SECONDS", "15"))
# First, the same debits from one thread (no contention): the cost of one debit.
BASELINE_SECONDS = float(os.environ.get("OPTIS_BENCH_DEBIT_BASELINE_SECONDS", "5"))
GOAL_PER_SECOND = 50
DEBIT = 1.0
# Debits beyond the top-up: they must be refused.
UNCOVERED = 10


@pytest.mark.perf
class TestWalletDebitBenchmark(PerfOutput, TransactionCase):
    # Outside odoo.addons, Odoo's metaclass assigns no tags; TransactionCase needs some.
    test_tags = {"perf"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = {}
        # Separate transactions only see committed data; removed again at the end.
        cls.addClassCleanup(lambda: delete_committed_test_wallet(cls.registry, cls.data))
        cls.data.update(commit_test_wallet(cls.registry, "Debit benchmark", DEBIT * (DEBITS - UNCOVERED)))

    def _debit_loop(self, barrier, counter, deadline_box, stats):
        """Debit in new transactions until the attempts or the time run out."""
        threading.current_thread().dbname = self.registry.db_name
        barrier.wait(timeout=60)
        while True:
            with counter["lock"]:
                if counter["attempts"] >= DEBITS or time.perf_counter() > deadline_box["deadline"]:
                    return
                counter["attempts"] += 1
            while True:
                try:
                    with self.registry.cursor() as cr:
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        env["school.wallet"].browse(self.data["wallet_id"])._debit(DEBIT, "sale")
                    outcome = "debited"
                    break
                except UserError:
                    outcome = "refused"
                    break
                except RETRIED_ERRORS:
                    with counter["lock"]:
                        stats["retries"] += 1
                    time.sleep(random.uniform(0.0, 0.01))
            with counter["lock"]:
                stats[outcome] += 1

    def _run_phase(self, threads, seconds, counter):
        """Debit from ``threads`` threads for at most ``seconds``.

        :return: (stats, elapsed seconds)
        """
        stats = {"debited": 0, "refused": 0, "retries": 0}
        barrier = threading.Barrier(threads + 1)
        deadline_box = {"deadline": float("inf")}
        with ThreadPoolExecutor(max_workers=threads) as executor:
            futures = [
                executor.submit(self._debit_loop, barrier, counter, deadline_box, stats) for _thread in range(threads)
            ]
            deadline_box["deadline"] = time.perf_counter() + seconds
            start = time.perf_counter()
            barrier.wait(timeout=60)
            for future in futures:
                future.result(timeout=seconds + 120)
            elapsed = time.perf_counter() - start
        return stats, elapsed

    @mute_logger("odoo.sql_db")
    def test_debits_under_contention(self):
        counter = {"lock": threading.Lock(), "attempts": 0}
        baseline, baseline_elapsed = self._run_phase(1, BASELINE_SECONDS, counter)
        milliseconds = 1000 * baseline_elapsed / max(baseline["debited"], 1)
        self._say(
            f"wallet debits, 1 thread: {baseline['debited']} debited in {baseline_elapsed:.1f} s: "
            f"{baseline['debited'] / baseline_elapsed:.1f} debits/s ({milliseconds:.0f} ms each)"
        )
        stats, elapsed = self._run_phase(THREADS, MAX_SECONDS, counter)
        rate = stats["debited"] / elapsed
        self._say(
            f"wallet debits, {THREADS} threads: {stats['debited'] + stats['refused']} attempts in {elapsed:.1f} s: "
            f"{stats['debited']} debited, {stats['refused']} refused, {stats['retries']} serialization retries"
        )
        self._say(
            f"wallet debits: {rate:.1f} debits/s (goal {GOAL_PER_SECOND}/s), load average {os.getloadavg()[0]:.2f}"
        )
        for key in stats:
            stats[key] += baseline[key]

        self.assertEqual(stats["debited"] + stats["refused"], counter["attempts"])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            wallet = env["school.wallet"].browse(self.data["wallet_id"])
            operations = wallet.operation_ids.sorted(lambda operation: (operation.date, operation.id))
            self.assertEqual(len(operations), stats["debited"] + 1)
            limit = wallet.overdraft_limit
            running_balance = 0.0
            for operation in operations.sorted("id"):
                running_balance += operation.amount
                self.assertGreaterEqual(running_balance, -limit)
            ledger = wallet._get_ledger_balances()[wallet.id]
            self.assertAlmostEqual(wallet.balance, ledger)
            self.assertAlmostEqual(ledger, DEBIT * (DEBITS - UNCOVERED - stats["debited"]))
            if counter["attempts"] == DEBITS:
                # The run went to the end: the top-up is spent and the rest refused.
                self.assertEqual(stats["debited"], DEBITS - UNCOVERED)
                self.assertEqual(stats["refused"], UNCOVERED)
            sales = operations.filtered(lambda operation: operation.operation_type == "sale")
            self.assertEqual(len(sales), stats["debited"])
            self.assertFalse(sales.move_id)
            self.assertAlmostEqual(committed_liability_balance(env, self.data), -DEBIT * (DEBITS - UNCOVERED))
            start = time.perf_counter()
            post_wallet_operations(env, wallet.id)
            env.flush_all()
            posting_seconds = time.perf_counter() - start
            self._say(
                f"posting the {len(sales)} sales: {len(sales.move_id)} journal entry in {posting_seconds:.2f} s "
                f"({1000 * posting_seconds / max(len(sales), 1):.1f} ms per operation)"
            )
            self.assertTrue(all(sales.mapped("move_id")))
            self.assertEqual(set(sales.move_id.mapped("state")), {"posted"})
            self.assertAlmostEqual(committed_liability_balance(env, self.data), -wallet.balance)
