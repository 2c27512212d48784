from datetime import timedelta

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.optis_school.tests.concurrency import race
from odoo.addons.optis_school_wallet.tests.common import (
    commit_test_wallet,
    committed_liability_balance,
    delete_committed_test_wallet,
    post_wallet_operations,
)

PRICE = 4.0
COVERED = 10
BOOKINGS = 30
COMPANY_FIELDS = ("school_meal_booking", "school_meal_wallet_type_id", "school_meal_same_article_twice")


@tagged("post_install", "-at_install")
class TestMealConcurrency(TransactionCase):
    """Bookings in real, separate transactions (one cursor per thread), as parents in two
    tabs or two phones do. The school data is committed in its own cursor and removed in a
    cleanup that runs even when the test fails; the school's settings are put back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = {}
        cls.addClassCleanup(cls._delete_committed_data)
        cls.data.update(commit_test_wallet(cls.registry, "Meal race", PRICE * COVERED))
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            cls.data["company_values"] = company.read(list(COMPANY_FIELDS), load=None)[0]
            company.write(
                {
                    "school_meal_booking": True,
                    "school_meal_wallet_type_id": cls.data["wallet_type_id"],
                    "school_meal_same_article_twice": True,
                }
            )
            # A service day after the demo menus: the test's own menu.
            today = fields.Date.today()
            taken = env["school.meal.menu"].search([("company_id", "=", company.id)]).mapped("date")
            free_days = [
                day
                for day in company._school_meal_service_days(today + timedelta(days=35), today + timedelta(days=120))
                if day not in taken
            ]
            if not free_days:
                env["school.year"].create(
                    {
                        "name": "Meal race year",
                        "company_id": company.id,
                        "date_start": today + timedelta(days=400),
                        "date_end": today + timedelta(days=430),
                    }
                )
                cls.data["year"] = True
                free_days = company._school_meal_service_days(today + timedelta(days=400), today + timedelta(days=430))
            product = env["product.product"].create(
                {"name": "Race meal", "list_price": PRICE, "school_meal_ok": True, "school_meal_category": "hot_meal"}
            )
            cls.data["product_id"] = product.id
            menu = env["school.meal.menu"].create(
                {"date": free_days[0], "company_id": company.id, "product_ids": [Command.set(product.ids)]}
            )
            cls.data["menu_id"] = menu.id
            cls.data["day"] = menu.date

    @classmethod
    def _delete_committed_data(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            if student_id := cls.data.get("student_id"):
                cr.execute("DELETE FROM school_meal_reservation WHERE student_id = %s", [student_id])
            if menu_id := cls.data.get("menu_id"):
                env["school.meal.menu"].browse(menu_id).unlink()
            if product_id := cls.data.get("product_id"):
                env["product.product"].browse(product_id).product_tmpl_id.unlink()
            if cls.data.get("year"):
                env["school.year"].search([("name", "=", "Meal race year")]).unlink()
            if values := cls.data.get("company_values"):
                env.ref("base.main_company").write({name: values[name] for name in COMPANY_FIELDS})
        delete_committed_test_wallet(cls.registry, cls.data)

    def _book(self, env, token):
        env["school.meal.reservation"]._school_meal_book(
            env["res.partner"].browse(self.data["student_id"]),
            self.data["day"],
            env["product.product"].browse(self.data["product_id"]),
            request_token=token,
        )

    def _committed(self, check):
        with self.registry.cursor() as cr:
            check(api.Environment(cr, SUPERUSER_ID, {}))

    @mute_logger("odoo.sql_db")
    def test_30_bookings_on_a_wallet_covering_10(self):
        works = [lambda env, index=index: self._book(env, f"race-{index}") for index in range(BOOKINGS)]
        outcomes, _retries, _seconds = race(self.registry, works, workers=BOOKINGS)
        self.assertEqual(outcomes.count("done"), COVERED, outcomes)
        self.assertEqual(outcomes.count("refused"), BOOKINGS - COVERED, outcomes)

        def check(env):
            wallet = env["school.wallet"].browse(self.data["wallet_id"])
            reservations = env["school.meal.reservation"].search([("student_id", "=", self.data["student_id"])])
            self.assertEqual(len(reservations), COVERED)
            self.assertEqual(len(reservations.operation_id), COVERED)
            self.assertEqual(wallet.balance, 0.0)
            self.assertEqual(wallet._get_ledger_balances()[wallet.id], 0.0)
            post_wallet_operations(env, self.data["wallet_id"])
            self.assertAlmostEqual(committed_liability_balance(env, self.data), -wallet.balance)

        self._committed(check)

    @mute_logger("odoo.sql_db")
    def test_one_form_submitted_at_once_charges_once(self):
        self._committed(lambda env: env["school.wallet"].browse(self.data["wallet_id"])._credit(PRICE, "topup_cash"))
        outcomes, _retries, _seconds = race(
            self.registry, [lambda env: self._book(env, "double-submit")] * 8, workers=8
        )
        self.assertEqual(outcomes, ["done"] * 8)

        def check(env):
            reservations = env["school.meal.reservation"].search([("request_token", "=", "double-submit")])
            self.assertEqual(len(reservations), 1)
            operations = env["school.wallet.operation"].search(
                [("origin_model", "=", "school.meal.reservation"), ("origin_id", "=", reservations.id)]
            )
            self.assertEqual(operations.mapped("amount"), [-PRICE])

        self._committed(check)
