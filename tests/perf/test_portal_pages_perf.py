"""Benchmark: two hot portal pages, timed with the test client (issue 11).

1. A period's booking page (``/my/interviews/period/<id>``) for a parent of six children
   in a class of six teachers, one interview booked and one time blocked.
2. A wallet's page (``/my/wallets/<id>``) with its EPC QR code.

Each page is opened once to warm the caches, then ``OPTIS_BENCH_RUNS`` times (default 20):
the median and p95 wall times and the queries of one view are printed, never asserted;
the test asserts the pages are right. Everything is rolled back. How to run it and the
figures: docs/PERFORMANCE.md.
"""

import os
import statistics
import time
from datetime import date, timedelta

import pytest
from perf_output import PerfOutput

from odoo import Command
from odoo.tests import HttpCase

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.optis_school_meetings.tests.interview_common import InterviewCommon
from odoo.addons.optis_school_wallet.tests.common import WalletCommon

RUNS = int(os.environ.get("OPTIS_BENCH_RUNS", "20"))


class PageTimer(PerfOutput):
    def _time_page(self, label, url):
        """Print the median and p95 of ``RUNS`` views of ``url`` (after a warm-up view) and
        the queries of one view; return the last response."""
        self.url_open(url).raise_for_status()
        count0 = self.cr.sql_log_count
        response = self.url_open(url)
        queries = self.cr.sql_log_count - count0
        times = []
        for _run in range(RUNS):
            start = time.perf_counter()
            response = self.url_open(url)
            times.append((time.perf_counter() - start) * 1000)
            response.raise_for_status()
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
        self._say(
            f"{label}: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms "
            f"over {RUNS} views, {queries} queries per view (load average {os.getloadavg()[0]:.2f})"
        )
        return response


@pytest.mark.perf
class TestPeriodPageBenchmark(PageTimer, InterviewCommon, HttpCase):
    test_tags = {"perf"}

    def test_period_page(self):
        teachers = self.teacher_1 | self.teacher_2 | self.teacher_3
        teachers |= self.env["school.teacher"].create(
            [
                {"first_name": name, "last_name": "Bench", "room": name, "company_id": self.company.id}
                for name in ("U", "V", "W")
            ]
        )
        self.school_class.teacher_ids = [Command.set(teachers.ids)]
        children = self.env["res.partner"].create(
            [
                {
                    "name": f"Bench child {index}",
                    "is_student": True,
                    "company_id": self.company.id,
                    "school_class_id": self.school_class.id,
                }
                for index in range(6)
            ]
        )
        parent = mail_new_test_user(
            self.env,
            login="bench_parent",
            groups="base.group_portal",
            name="Bench Parent",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.env["school.guardian.link"].create(
            [{"student_id": child.id, "guardian_id": parent.partner_id.id} for child in children]
        )
        period = self.env["school.interview.period"].create(
            {
                "name": "Bench evening",
                "company_id": self.company.id,
                "date": date.today() + timedelta(days=10),
                "hour_from": 17.0,
                "hour_to": 19.0,
                "meeting_minutes": 10,
                "walking_gap_minutes": 0,
                "state": "published",
            }
        )
        first = period.participation_ids.filtered(lambda line: line.teacher_id == self.teacher_1)
        self.env["school.interview"]._book(first, period.start, self.alice, self.mum)
        self.env["school.interview.block"].create({"participation_id": first.id, "hour_from": 18.5, "hour_to": 19.0})
        self.authenticate("bench_parent", "bench_parent")
        response = self._time_page("period page, 6 children x 6 teachers", f"/en/my/interviews/period/{period.id}")
        # 12 times per teacher; the first teacher: one booked, three blocked
        self.assertEqual(response.text.count("o_school_interview_slot"), 6 * (6 * 12 - 4))


@pytest.mark.perf
class TestWalletPageBenchmark(PageTimer, WalletCommon, HttpCase):
    test_tags = {"perf"}
    country_code = "BE"
    chart_template = "generic_coa"

    def test_wallet_page(self):
        mother = mail_new_test_user(
            self.env,
            login="bench_mother",
            groups="base.group_portal",
            name="Bench Mother",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.env["school.guardian.link"].create(
            {"student_id": self.student_ada.id, "guardian_id": mother.partner_id.id}
        )
        self.company.school_wallet_bank_account_id = self.env["res.partner.bank"].create(
            {
                "acc_number": "BE71 0961 2345 6769",
                "partner_id": self.company.partner_id.id,
                "company_id": self.company.id,
            }
        )
        self.authenticate("bench_mother", "bench_mother")
        response = self._time_page("wallet page", f"/en/my/wallets/{self.wallet_ada_general.id}")
        self.assertIn("o_school_wallet_qr", response.text)
        self.assertIn("data:image/svg+xml;base64,", response.text)
