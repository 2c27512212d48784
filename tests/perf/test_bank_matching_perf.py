"""Benchmark: wallet matching of bank statement lines against a bare import.

On the same database and in the same run:

(a) the time Odoo itself takes to create ``OPTIS_BENCH_STATEMENT_LINES`` bank statement lines
    (default 400; the issue's figure is 10,000: about 6 minutes of (a) alone on this machine),
    with our matching deferred (context ``optis_wallet_defer_matching``);
(b) the time our matching takes on those lines: finding the communication, crediting the
    wallet and reconciling the line against the wallet liability (or queueing it).

Goal: (b) <= (a), so that import + matching stays within twice a bare import. Lines: 80 %
carry a wallet's communication in one of several notations, 10 % an unknown valid
communication, 10 % none. The figures are printed; the test asserts the results (every
wallet credited exactly its lines, queue states) and rolls everything back.
"""

import os
import time

import pytest
from perf_output import PerfOutput

from odoo.tests import TransactionCase

from odoo.addons.account.tools import sanitize_structured_reference
from odoo.addons.optis_school_wallet.tools import build_structured_communication_be

LINE_COUNT = int(os.environ.get("OPTIS_BENCH_STATEMENT_LINES", "400"))
WALLET_COUNT = 50
IMPORT_CONTEXT = {"tracking_disable": True, "mail_create_nolog": True, "mail_create_nosubscribe": True}


@pytest.mark.perf
class TestBankMatchingBenchmark(PerfOutput, TransactionCase):
    test_tags = {"perf"}

    def test_matching_against_bare_import(self):
        env = self.env(context=dict(self.env.context, **IMPORT_CONTEXT))
        company = env.ref("base.main_company")
        company._school_wallet_setup_accounting()
        wallet_type = env["school.wallet.type"].create({"name": "Bank benchmark", "company_id": company.id})
        company._school_wallet_setup_accounting()
        students = env["res.partner"].create(
            [
                {"name": f"Bank Benchmark {index:03d}", "is_student": True, "company_id": company.id}
                for index in range(WALLET_COUNT)
            ]
        )
        wallets = env["school.wallet"].create(
            [{"student_id": student.id, "wallet_type_id": wallet_type.id} for student in students]
        )
        journal = env["account.journal"].search([("company_id", "=", company.id), ("type", "=", "bank")], limit=1)

        expected = {wallet.id: 0.0 for wallet in wallets}
        values = []
        for index in range(LINE_COUNT):
            amount = 5.0 + index % 20
            kind = index % 10
            if kind < 8:
                wallet = wallets[index % WALLET_COUNT]
                digits = sanitize_structured_reference(wallet.communication)
                notation = (
                    wallet.communication,
                    f"***{digits[:3]}/{digits[3:7]}/{digits[7:]}***",
                    digits,
                    f"Top-up for {wallet.student_id.name} {digits[:3]} {digits[3:7]} {digits[7:]} thanks",
                )[index % 4]
                expected[wallet.id] += amount
            elif kind == 8:
                notation = build_structured_communication_be(8_000_000_000 + index)
            else:
                notation = f"Gift {index}"
            values.append({"journal_id": journal.id, "amount": amount, "payment_ref": notation, "date": "2026-11-20"})

        line_model = env["account.bank.statement.line"].with_context(optis_wallet_defer_matching=True)
        started = time.perf_counter()
        lines = line_model.create(values)
        env.flush_all()
        bare_seconds = time.perf_counter() - started
        self.assertFalse(any(lines.mapped("optis_wallet_match_state")), "matching was deferred")

        profile = None
        if os.environ.get("OPTIS_BENCH_PROFILE"):
            import cProfile  # noqa: PLC0415 - on demand only

            profile = cProfile.Profile()
            profile.enable()
        started = time.perf_counter()
        lines._optis_wallet_match()
        env.flush_all()
        matching_seconds = time.perf_counter() - started
        if profile:
            import pstats  # noqa: PLC0415

            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)

        ratio = matching_seconds / bare_seconds
        self._say(
            f"bank statement lines: {LINE_COUNT}; (a) bare creation {bare_seconds:.1f} s = "
            f"{LINE_COUNT / bare_seconds:.1f} lines/s; (b) matching + crediting + reconciliation "
            f"{matching_seconds:.1f} s = {LINE_COUNT / matching_seconds:.1f} lines/s; (b)/(a) = {ratio:.2f} "
            f"(goal <= 1: import + matching within 2x a bare import)"
        )

        wallets.invalidate_recordset(["balance"])
        for wallet in wallets:
            self.assertAlmostEqual(wallet.balance, expected[wallet.id], places=2)
        states = lines.mapped("optis_wallet_match_state")
        self.assertEqual(states.count("matched"), sum(1 for index in range(LINE_COUNT) if index % 10 < 8))
        self.assertEqual(states.count("unknown_reference"), sum(1 for index in range(LINE_COUNT) if index % 10 == 8))
        self.assertEqual(states.count("unmatched"), sum(1 for index in range(LINE_COUNT) if index % 10 == 9))
