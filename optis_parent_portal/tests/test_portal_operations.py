import csv
import io
import re
from datetime import date, datetime, time, timedelta

from odoo import fields
from odoo.tests import BaseCase, HttpCase, tagged

from ..tools import period_bounds
from .rights_common import PortalRightsCommon

TIMEZONE = "Europe/Brussels"


class TestPeriods(BaseCase):
    def test_presets(self):
        today = date(2026, 3, 10)
        self.assertEqual(period_bounds("today", today), (today, today))
        self.assertEqual(period_bounds("yesterday", today), (date(2026, 3, 9), date(2026, 3, 9)))
        self.assertEqual(period_bounds("last_7_days", today), (date(2026, 3, 4), today))
        self.assertEqual(period_bounds("last_30_days", today), (date(2026, 2, 9), today))
        self.assertEqual(period_bounds("this_month", today), (date(2026, 3, 1), today))
        self.assertEqual(period_bounds("previous_month", today), (date(2026, 2, 1), date(2026, 2, 28)))
        self.assertEqual(period_bounds("previous_month", date(2026, 1, 31)), (date(2025, 12, 1), date(2025, 12, 31)))
        self.assertEqual(
            period_bounds("custom", today, "2025-09-01", "2025-09-30"), (date(2025, 9, 1), date(2025, 9, 30))
        )

    def test_refused(self):
        today = date(2026, 3, 10)
        for wrong in (
            ("2025-09-30", "2025-09-01"),
            ("2025-09-01", ""),
            ("x", "2025-09-01"),
            ("2025-02-30", "2025-03-01"),
            ("2000-01-01", "2026-01-01"),
        ):
            with self.assertRaises(ValueError, msg=wrong):
                period_bounds("custom", today, *wrong)
        with self.assertRaises(ValueError):
            period_bounds("forever", today)


@tagged("post_install", "-at_install")
class TestPortalOperations(PortalRightsCommon, HttpCase):
    """The operations page of a wallet: periods, filters, pager, CSV, 404 for others. Ada's
    grandfather (money rights on Ada) looks at her meals wallet."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_grandfather.tz = TIMEZONE
        cls.today = fields.Date.context_today(cls.env["res.partner"].with_context(tz=TIMEZONE))
        wallet = cls.wallet_ada_meals
        # Noon UTC is the same day in Brussels.
        cls.operations = {}
        for days, amount, operation_type, method in (
            (0, 10.0, "topup_cash", "cash"),
            (1, -2.0, "meal", None),
            (5, 20.0, "topup_transfer", "bank_transfer"),
            (20, 7.0, "topup_cash", "cash"),
            (40, 3.0, "topup_cash", "cash"),
        ):
            day = cls.today - timedelta(days=days)
            moment = datetime.combine(day, time(12, 0))
            if amount > 0:
                operation = wallet._credit(
                    amount, operation_type, date=moment, payment_method=method, origin_ref=f"R{days}"
                )
            else:
                operation = wallet._debit(-amount, operation_type, date=moment, origin_ref=f"R{days}")
            cls.operations[operation] = day

    def setUp(self):
        super().setUp()
        self.authenticate(self.user_grandfather.login, self.user_grandfather.login)
        self.url = f"/my/wallets/{self.wallet_ada_meals.id}/operations"
        since = self.today - timedelta(days=100)
        self.cash_since_100_days = f"period=custom&date_from={since}&date_to={self.today}&payment_method=cash"

    def _refs(self, response):
        self.assertEqual(response.status_code, 200)
        return re.findall(r"\((R\d+)\)", response.text)

    def test_default_is_last_30_days(self):
        response = self.url_open(self.url)
        self.assertEqual(self._refs(response), ["R0", "R1", "R5", "R20"], "newest first, not 40 days ago")
        self.assertRegex(response.text, r'<option value="last_30_days" selected="True">\s*Last 30 days')

    def test_wallets_of_the_child(self):
        response = self.url_open(f"{self.url}?period=today&payment_method=cash")
        general = f"/my/wallets/{self.wallet_ada_general.id}/operations?period=today&amp;payment_method=cash"
        self.assertIn(f'href="{general}"', response.text, "the same filters on the child's other wallet")
        self.assertNotIn(f"/my/wallets/{self.wallet_bob_general.id}/", response.text)
        response = self.url_open(general.replace("&amp;", "&"))
        self.assertEqual(response.status_code, 200)
        total = len(self._todays_cash(self.wallet_ada_general))
        self.assertIn(f'Operations: <strong class="o_school_operations_total">{total}</strong>', response.text)
        self.assertIn("o_school_operations_wallets", response.text)

    def _todays_cash(self, wallet):
        return self.env["school.wallet.operation"].search(
            [
                ("wallet_id", "=", wallet.id),
                ("payment_method", "=", "cash"),
                ("date", ">=", fields.Datetime.now() - timedelta(hours=1)),
            ]
        )

    def test_presets(self):
        for period in ("today", "yesterday", "last_7_days", "last_30_days", "this_month", "previous_month"):
            first_day, last_day = period_bounds(period, self.today)
            expected = [
                operation.origin_ref for operation, day in self.operations.items() if first_day <= day <= last_day
            ]
            self.assertEqual(self._refs(self.url_open(f"{self.url}?period={period}")), expected, period)
        self.assertEqual(self._refs(self.url_open(f"{self.url}?period=today")), ["R0"])
        self.assertEqual(self._refs(self.url_open(f"{self.url}?period=yesterday")), ["R1"])

    def test_custom_range_and_refused_dates(self):
        first, last = self.today - timedelta(days=45), self.today - timedelta(days=4)
        response = self.url_open(f"{self.url}?period=custom&date_from={first}&date_to={last}")
        self.assertEqual(self._refs(response), ["R5", "R20", "R40"])
        self.assertNotIn("Choose a first and a last day", response.text)
        for wrong in ((last, first), ("2025-02-30", last), ("<b>x</b>", last)):
            response = self.url_open(f"{self.url}?period=custom&date_from={wrong[0]}&date_to={wrong[1]}")
            self.assertEqual(self._refs(response), ["R0", "R1", "R5", "R20"], wrong)
            self.assertIn("Choose a first and a last day", response.text)
            self.assertNotIn("&lt;b&gt;x", response.text)

    def test_filters(self):
        response = self.url_open(f"{self.url}?{self.cash_since_100_days}")
        self.assertEqual(self._refs(response), ["R0", "R20", "R40"])
        response = self.url_open(f"{self.url}?operation_type=meal")
        self.assertEqual(self._refs(response), ["R1"])
        response = self.url_open(f"{self.url}?operation_type=topup_transfer&payment_method=bank_transfer")
        self.assertEqual(self._refs(response), ["R5"])
        response = self.url_open(f"{self.url}?operation_type=pirate&payment_method=pirate")
        self.assertEqual(self._refs(response), ["R0", "R1", "R5", "R20"], "unknown values filter nothing")
        self.assertNotIn("pirate", response.text)

    def test_pager(self):
        # After R0 (noon of the school's today), whatever the hour the test runs at.
        noon = datetime.combine(self.today, time(12, 0))
        for index in range(25):
            self.wallet_ada_meals._credit(
                1.0,
                "topup_cash",
                date=noon + timedelta(minutes=1 + index),
                payment_method="cash",
                origin_ref=f"R{100 + index}",
            )
        response = self.url_open(f"{self.url}?payment_method=cash")
        self.assertEqual(len(self._refs(response)), 20)
        self.assertIn(f'href="{self.url}/page/2?period=last_30_days&amp;payment_method=cash"', response.text)
        page_two = self._refs(self.url_open(f"{self.url}/page/2?period=last_30_days&payment_method=cash"))
        self.assertEqual(len(page_two), 7, "25 + today's R0 + R20 = 27")
        self.assertEqual(page_two[-2:], ["R0", "R20"])

    def test_csv(self):
        response = self.url_open(f"{self.url}/csv?period=last_7_days&operation_type=pirate")
        self.assertEqual(response.status_code, 200)
        self.assertIn("text/csv", response.headers["Content-Type"])
        self.assertIn("attachment", response.headers["Content-Disposition"])
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0], ["Date", "Type", "Payment Method", "Reference", "Amount", "Currency"])
        self.assertEqual(
            [row[1:] for row in rows[1:]],
            [
                ["Cash Top-up", "Cash", "R0", "10.00", self.wallet_ada_meals.currency_id.name],
                ["Meal", "", "R1", "-2.00", self.wallet_ada_meals.currency_id.name],
                ["Bank Transfer Top-up", "Bank Transfer", "R5", "20.00", self.wallet_ada_meals.currency_id.name],
            ],
        )
        self.assertTrue(rows[1][0].startswith(self.today.isoformat()))
        response = self.url_open(f"{self.url}/csv?{self.cash_since_100_days}")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual([row[3] for row in rows[1:]], ["R0", "R20", "R40"], "every page, the page's filters")

    def test_csv_never_holds_a_formula(self):
        self.wallet_ada_meals._credit(1.0, "topup_cash", payment_method="cash", origin_ref="=HYPERLINK(1)")
        response = self.url_open(f"{self.url}/csv?period=today&payment_method=cash")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertIn("'=HYPERLINK(1)", [row[3] for row in rows])

    def test_strangers_get_404(self):
        for url in (
            f"/my/wallets/{self.wallet_bob_general.id}/operations",
            f"/my/wallets/{self.wallet_bob_general.id}/operations/page/2",
            f"/my/wallets/{self.wallet_bob_general.id}/operations/csv",
        ):
            self.assertEqual(self.url_open(url).status_code, 404, url)
        self.authenticate(self.user_stepfather.login, self.user_stepfather.login)
        self.assertEqual(self.url_open(self.url).status_code, 404)
        self.assertEqual(self.url_open(f"{self.url}/csv").status_code, 404)

    def _query_count(self, url):
        self.url_open(url)
        before = self.cr.sql_log_count
        self.url_open(url)
        return self.cr.sql_log_count - before

    def test_query_count_does_not_grow_with_the_operations(self):
        url = f"{self.url}?period=today"
        self.assertEqual(len(self._refs(self.url_open(url))), 1)
        queries = self._query_count(url)
        self.assertGreater(queries, 0)
        for index in range(30):
            self.wallet_ada_meals._credit(1.0, "topup_cash", payment_method="cash", origin_ref=f"R{100 + index}")
        self.assertEqual(len(self._refs(self.url_open(url))), 20)
        self.url_open(url)
        with self.assertQueryCount(queries):
            self.url_open(url)

    def test_translated(self):
        self.env["res.lang"]._activate_lang("nl_BE")
        self.env["ir.module.module"]._load_module_terms(["optis_parent_portal"], ["nl_BE"], overwrite=True)
        self.user_grandfather.lang = "nl_BE"
        self.authenticate(self.user_grandfather.login, self.user_grandfather.login)
        response = self.url_open(self.url)
        self.assertIn("Laatste 30 dagen", response.text)
        self.assertIn("Verrichtingen:", response.text)
        self.assertIn("Bedrag", response.text)
        response = self.url_open(f"{self.url}/csv?period=today")
        header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(header[0], "Datum")
        self.assertEqual(header[4], "Bedrag")
        response = self.url_open(f"/my/wallets/{self.wallet_ada_general.id}?error=transfer_child")
        self.assertIn("Geld gaat enkel tussen de portefeuilles van eenzelfde kind.", response.text)
        self.assertIn("Online opladen", response.text)
