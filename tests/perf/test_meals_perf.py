"""Benchmark: a month of school meals booked through the wallet engine, against the
Odoo-native way of charging a meal.

1. ``OPTIS_BENCH_MEAL_STUDENTS`` students (default 1,000) in 10 classes each book a hot
   meal on every service day of a month (``OPTIS_BENCH_MEAL_DAYS`` days with a menu,
   default 20: about 20,000 meals), one booking of the month per student (a pattern) through
   ``school.meal.reservation._school_meal_book_days``: every check per day (rights, menu,
   service day, cut-off, diet, duplicate), the wallet locked once, the balance read from
   the ledger, the reservations and their wallet debits (``school.wallet._debit_batch``).
   Then ``OPTIS_BENCH_MEAL_SINGLE`` soups (default 1,000) are booked one by one, as the
   day page of the portal does (``_school_meal_book``: one lock, one debit per meal). The
   meals are then posted (one journal entry per day, as the scheduled action does).
   Milliseconds per meal are printed for both.
2. The native way, on ``OPTIS_BENCH_NATIVE_MEALS`` meals (default 200): a ``sale.order``
   confirmed, invoiced and posted per meal when the ``sale`` module is installed;
   otherwise (the OPTIS addons do not depend on it) a customer invoice created and posted
   per meal, which is a part of the sale order's way: the ratio is then a lower bound.
   Milliseconds per meal and the ratio are printed (goal: the engine >= 50x faster).
3. The kitchen of one day: the counts (``_get_kitchen_data``) and the Kitchen Sheet
   rendered in HTML, then in PDF (wkhtmltopdf). Goal: <= 1 s.

Figures are printed, never asserted; the test asserts the results (every meal booked and
debited once, ledger = balances = general ledger after the posting, kitchen counts =
reservations). Everything is rolled back. How to run it: docs/PERFORMANCE.md.
"""

import os
import time
from datetime import timedelta

import pytest
from perf_output import PerfOutput

from odoo import Command, fields
from odoo.tests import TransactionCase

STUDENTS = int(os.environ.get("OPTIS_BENCH_MEAL_STUDENTS", "1000"))
DAYS = int(os.environ.get("OPTIS_BENCH_MEAL_DAYS", "20"))
NATIVE_MEALS = int(os.environ.get("OPTIS_BENCH_NATIVE_MEALS", "200"))
SINGLE_MEALS = int(os.environ.get("OPTIS_BENCH_MEAL_SINGLE", "1000"))
CLASSES = 10
PRICE = 4.0
GOAL_RATIO = 50
GOAL_KITCHEN_SECONDS = 1.0
IMPORT_CONTEXT = {"tracking_disable": True, "mail_create_nolog": True, "mail_create_nosubscribe": True}


@pytest.mark.perf
class TestMealsBenchmark(PerfOutput, TransactionCase):
    test_tags = {"perf"}

    def _create_school(self):
        """The first school, its meal switch on, a benchmark wallet type that may go deep
        into overdraft (no top-up needed: the balance is still read and checked for each
        meal), the students in classes of a school year covering the month, a hot meal on
        the menu of every service day of the month."""
        env = self.env(context=dict(self.env.context, **IMPORT_CONTEXT))
        company = env.ref("base.main_company")
        company._school_wallet_setup_accounting()
        wallet_type = env["school.wallet.type"].create(
            {"name": "Meal benchmark", "company_id": company.id, "overdraft_limit": PRICE * DAYS * 2}
        )
        company._school_wallet_setup_accounting()
        company.write(
            {
                "school_meal_booking": True,
                "school_meal_wallet_type_id": wallet_type.id,
                "school_meal_diet_policy": "warn",
            }
        )
        first = fields.Date.today() + timedelta(days=60)
        year = env["school.year"].search(
            [
                ("company_id", "=", company.id),
                ("date_start", "<=", first),
                ("date_end", ">=", first + timedelta(days=60)),
            ],
            limit=1,
        ) or env["school.year"].create(
            {
                "name": "Meal benchmark year",
                "company_id": company.id,
                "date_start": first - timedelta(days=1),
                "date_end": first + timedelta(days=90),
            }
        )
        classes = env["school.class"].create(
            [
                {"name": f"Meal benchmark {index}", "school_year_id": year.id, "company_id": company.id}
                for index in range(CLASSES)
            ]
        )
        students = env["res.partner"].create(
            [
                {
                    "name": f"Meal benchmark student {index}",
                    "is_student": True,
                    "company_id": company.id,
                    "school_class_id": classes[index % CLASSES].id,
                }
                for index in range(STUDENTS)
            ]
        )
        product = env["product.product"].create(
            {
                "name": "Benchmark meal",
                "type": "service",
                "list_price": PRICE,
                "school_meal_ok": True,
                "school_meal_category": "hot_meal",
                "school_meal_wallet_type_id": wallet_type.id,
            }
        )
        soup = env["product.product"].create(
            {
                "name": "Benchmark soup",
                "type": "service",
                "list_price": 1.0,
                "school_meal_ok": True,
                "school_meal_category": "soup",
                "school_meal_wallet_type_id": wallet_type.id,
            }
        )
        product |= soup
        days = company._school_meal_service_days(first, first + timedelta(days=60))[:DAYS]
        menus = env["school.meal.menu"].search([("company_id", "=", company.id), ("date", "in", days)])
        menus.write({"product_ids": [Command.link(meal.id) for meal in product]})
        env["school.meal.menu"].create(
            [
                {"date": day, "company_id": company.id, "product_ids": [Command.set(product.ids)]}
                for day in days
                if day not in menus.mapped("date")
            ]
        )
        # The wallets exist before the month starts, as in a running school.
        for student in students:
            student._school_wallet_get(wallet_type)
        env.flush_all()
        return company, students, product, days

    def _book_month(self, students, product, days):
        """Each student books the month in one action (a pattern of days)."""
        reservations = self.env["school.meal.reservation"]
        count = 0
        start = time.perf_counter()
        for index, student in enumerate(students):
            booked, refusals = reservations._school_meal_book_days(student, days, product)
            self.assertFalse(refusals)
            count += len(booked)
            if index % 50 == 49:
                # Many requests, not one: no cache grows over the whole month.
                self.env.flush_all()
                self.env.invalidate_all()
        self.env.flush_all()
        return count, time.perf_counter() - start

    def _book_single(self, students, product, days):
        """Meals booked one by one, as from the day page of the portal."""
        reservations = self.env["school.meal.reservation"]
        pairs = [(student, day) for day in days for student in students][:SINGLE_MEALS]
        start = time.perf_counter()
        for index, (student, day) in enumerate(pairs):
            reservations._school_meal_book(student, day, product)
            if index % 50 == 49:
                self.env.flush_all()
                self.env.invalidate_all()
        self.env.flush_all()
        return len(pairs), time.perf_counter() - start

    def _native_meals(self, students, product):
        """Charge meals the Odoo-native way.

        :return: (what was measured, seconds)
        """
        env = self.env
        has_sale = "sale.order" in env
        start = time.perf_counter()
        for index in range(NATIVE_MEALS):
            student = students[index % len(students)]
            if has_sale:
                order = env["sale.order"].create(
                    {"partner_id": student.id, "order_line": [Command.create({"product_id": product.id})]}
                )
                order.action_confirm()
                invoice = order._create_invoices()
            else:
                invoice = env["account.move"].create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": student.id,
                        "invoice_line_ids": [Command.create({"product_id": product.id, "price_unit": PRICE})],
                    }
                )
            invoice.action_post()
            env.flush_all()
        seconds = time.perf_counter() - start
        label = "sale.order + confirm + invoice + post" if has_sale else "customer invoice + post (no sale module)"
        return label, seconds

    def test_month_of_meals(self):
        company, students, products, days = self._create_school()
        product, soup = products
        self._say(f"meals: {len(students)} students x {len(days)} service days, one hot meal each")

        count, seconds = self._book_month(students, product, days)
        engine_ms = 1000 * seconds / count
        self._say(
            f"meals through the engine, a month per booking: {count} booked in {seconds:.1f} s: "
            f"{engine_ms:.2f} ms per meal"
        )
        single_count, single_seconds = self._book_single(students, soup, days)
        single_ms = 1000 * single_seconds / max(single_count, 1)
        self._say(
            f"meals through the engine, one per booking: {single_count} booked in {single_seconds:.1f} s: "
            f"{single_ms:.2f} ms per meal"
        )
        operations = self.env["school.wallet.operation"].search(
            [("origin_model", "=", "school.meal.reservation"), ("student_id", "in", students.ids)]
        )
        self.assertEqual(len(operations), len(students) * len(days) + single_count)
        start = time.perf_counter()
        operations._post_pending()
        self.env.flush_all()
        self._say(
            f"posting the {len(operations)} meals: {len(operations.move_id)} journal entries in "
            f"{time.perf_counter() - start:.1f} s"
        )
        check = self.env["school.wallet.ledger.check"]._run(company)
        self.assertTrue(check.is_balanced, check.line_ids.mapped("description")[:5])

        label, native_seconds = self._native_meals(students, product)
        native_ms = 1000 * native_seconds / NATIVE_MEALS
        self._say(f"native meals ({label}): {NATIVE_MEALS} in {native_seconds:.1f} s: {native_ms:.1f} ms per meal")
        self._say(
            f"meals: the engine is {native_ms / engine_ms:.0f}x faster per meal than the native way booking a month, "
            f"{native_ms / single_ms:.0f}x booking one meal at a time (goal >= {GOAL_RATIO}x)"
        )

        menu = self.env["school.meal.menu"].search([("company_id", "=", company.id), ("date", "=", days[0])])
        self.env.invalidate_all()
        start = time.perf_counter()
        kitchen = menu._get_kitchen_data()
        data_seconds = time.perf_counter() - start
        self.assertGreaterEqual(sum(kitchen["totals"].values()), len(students))
        report = self.env["ir.actions.report"]
        self.env.invalidate_all()
        start = time.perf_counter()
        html = report._render_qweb_html("optis_school_meals.report_school_meal_kitchen", menu.ids)[0]
        html_seconds = time.perf_counter() - start
        self.assertIn(b"Benchmark meal", html)
        self.env.invalidate_all()
        start = time.perf_counter()
        pdf = report.with_context(force_report_rendering=True)._render_qweb_pdf(
            "optis_school_meals.report_school_meal_kitchen", menu.ids
        )[0]
        pdf_seconds = time.perf_counter() - start
        self.assertTrue(pdf.startswith(b"%PDF"))
        self._say(
            f"kitchen of one day ({sum(kitchen['totals'].values())} meals, {len(kitchen['classes'])} classes): "
            f"counts {1000 * data_seconds:.0f} ms, sheet in HTML {1000 * html_seconds:.0f} ms, "
            f"in PDF {pdf_seconds:.2f} s (goal <= {GOAL_KITCHEN_SECONDS:.0f} s)"
        )
