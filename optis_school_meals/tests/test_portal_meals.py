from datetime import date, timedelta
from unittest.mock import patch

from werkzeug.urls import url_parse

from odoo import Command, http
from odoo.tests import HttpCase, tagged

from .common import MealCommon

# Queries of a warm month calendar for the mother, whatever the meals booked.
CALENDAR_QUERIES = 30


@tagged("post_install", "-at_install")
class TestPortalMeals(MealCommon, HttpCase):
    """The meal pages of the parent portal, request by request: the month, a day's menu,
    booking and cancelling (the wallet debited and refunded at once); strangers, guardians
    without money rights and anonymous visitors get nothing."""

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _post(self, url, **data):
        return self.url_open(url, data={**data, "csrf_token": http.Request.csrf_token(self)}, allow_redirects=False)

    def _meals(self, student, **params):
        query = "&".join(f"{name}={value}" for name, value in params.items())
        return self.url_open(f"/my/school/child/{student.id}/meals?{query}")

    def _day(self, student, day, **params):
        query = "&".join(f"{name}={value}" for name, value in params.items())
        return self.url_open(f"/my/school/child/{student.id}/meals/day?day={day.isoformat()}&{query}")

    def test_calendar_of_the_month(self):
        self._login(self.user_mother)
        home = self.url_open(f"/my/school/child/{self.student_bob.id}").text
        self.assertIn(f'href="/my/school/child/{self.student_bob.id}/meals"', home)
        self.book(self.user_mother, self.soup)
        page = self._meals(self.student_bob, month=self.day.isoformat())
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_school_meal_calendar", page.text)
        # The Monday is booked (blue) with its soup; its Tuesday has no menu; weekends are grey.
        self.assertIn("o_school_meal_booked", page.text)
        self.assertIn("Tomato soup", page.text)
        self.assertIn("o_school_meal_closed", page.text)
        self.assertIn(f"/meals/day?day={self.day.isoformat()}", page.text)
        self.assertIn("19.00", page.text, "the balance after the soup")
        # Another Monday with a menu is bookable (green); today is orange.
        self.env["school.meal.menu"].create(
            {
                "date": self.day + timedelta(days=7),
                "company_id": self.company.id,
                "product_ids": [Command.set(self.soup.ids)],
            }
        )
        page = self._meals(self.student_bob, month=(self.day + timedelta(days=7)).isoformat())
        self.assertIn("o_school_meal_bookable", page.text)
        self.assertIn("o_school_meal_today", self._meals(self.student_bob).text)

    def test_home_lists_this_weeks_meals(self):
        """The child's home lists the meals booked this week (the school's today), not next week's."""
        self.env["school.meal.menu"].create(
            {
                "date": self.day + timedelta(days=7),
                "company_id": self.company.id,
                "product_ids": [Command.set(self.meal.ids)],
            }
        )
        self.book(self.user_mother, self.soup)
        self.book(self.user_mother, self.meal, day=self.day + timedelta(days=7))
        monday = self.day
        self.patch(type(self.env["res.company"]), "_school_meal_today", lambda company: monday)
        self._login(self.user_mother)
        home = self.url_open(f"/my/school/child/{self.student_bob.id}").text
        self.assertIn("o_school_home_meal", home)
        self.assertIn("Tomato soup", home)
        self.assertNotIn(self.meal.name, home, "next week's meal")
        self._login(self.user_stepfather)
        self.assertNotIn("o_school_home_meals", self.url_open(f"/my/school/child/{self.student_ada.id}").text)

    def test_book_and_cancel_from_the_day(self):
        self._login(self.user_mother)
        page = self._day(self.student_bob, self.day)
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.text.count("o_school_meal_book"), 3)
        self.assertIn("20.00", page.text)
        token = "page-token-1"
        response = self._post(
            f"/my/school/child/{self.student_bob.id}/meals/book",
            day=self.day.isoformat(),
            product_id=self.veggie.id,
            request_token=token,
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("success=booked", response.headers["Location"])
        self.assertEqual(self.wallet_bob_canteen.balance, 16.0)
        # The same form again (a double click): nothing more is charged.
        self._post(
            f"/my/school/child/{self.student_bob.id}/meals/book",
            day=self.day.isoformat(),
            product_id=self.veggie.id,
            request_token=token,
        )
        self.assertEqual(self.wallet_bob_canteen.balance, 16.0)
        page = self._day(self.student_bob, self.day, success="booked")
        self.assertIn("The meal is booked and paid.", page.text)
        self.assertIn("o_school_meal_booked_item", page.text)
        self.assertIn("16.00", page.text)
        reservation = self.env["school.meal.reservation"].search([("student_id", "=", self.student_bob.id)])
        response = self._post(f"/my/school/child/{self.student_bob.id}/meals/cancel", reservation_id=reservation.id)
        self.assertEqual(response.status_code, 303)
        self.assertIn("success=cancelled", response.headers["Location"])
        self.assertEqual(reservation.state, "cancelled")
        self.assertEqual(self.wallet_bob_canteen.balance, 20.0)

    def test_refusals_show_the_model_messages(self):
        self._login(self.user_mother)
        url = f"/my/school/child/{self.student_ada.id}/meals/book"
        # Ada is allergic to gluten: a warning, then "Book anyway".
        page = self._post(url, day=self.day.isoformat(), product_id=self.meal.id, request_token="t1")
        self.assertEqual(page.status_code, 200)
        self.assertIn("allergic", page.text)
        self.assertIn("o_school_meal_confirm", page.text)
        self.assertEqual(self.wallet_ada_canteen.balance, 10.0)
        response = self._post(
            url, day=self.day.isoformat(), product_id=self.meal.id, request_token="t2", diet_confirmed="1"
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.wallet_ada_canteen.balance, 6.0)
        # 6.00 left: a second lasagne (allowed twice) and then a curry is one too many.
        self.company.school_meal_same_article_twice = True
        self._post(url, day=self.day.isoformat(), product_id=self.veggie.id, request_token="t3")
        page = self._post(url, day=self.day.isoformat(), product_id=self.veggie.id, request_token="t4")
        self.assertIn("Insufficient balance", page.text)
        self.assertIn("2.00", page.text)
        self.assertEqual(self.wallet_ada_canteen.balance, 2.0)
        # A day past its cut-off: no menu to book, no cancel button, a refusal if forced.
        past = self.day - timedelta(days=21)
        self.env["school.meal.menu"].create(
            {"date": past, "company_id": self.company.id, "product_ids": [Command.set(self.soup.ids)]}
        )
        page = self._day(self.student_ada, past)
        self.assertIn("o_school_meal_closed_day", page.text)
        self.assertNotIn("o_school_meal_book", page.text)
        page = self._post(url, day=past.isoformat(), product_id=self.soup.id, request_token="t5")
        self.assertIn("closed on", page.text)
        self.assertEqual(self.wallet_ada_canteen.balance, 2.0)

    def test_pattern_of_weekdays(self):
        self._login(self.user_mother)
        next_monday = self.day + timedelta(days=7)
        self.env["school.meal.menu"].create(
            {"date": next_monday, "company_id": self.company.id, "product_ids": [Command.set(self.veggie.ids)]}
        )
        page = self._meals(self.student_bob, month=self.day.isoformat())
        self.assertIn("o_school_meal_pattern", page.text)
        response = self._post(
            f"/my/school/child/{self.student_bob.id}/meals/pattern",
            month=self.day.isoformat(),
            product_id=self.veggie.id,
            weekday_0="1",
        )
        self.assertEqual(response.status_code, 200)
        booked = self.env["school.meal.reservation"].search([("student_id", "=", self.student_bob.id)])
        with_menu = [day for day in (self.day, next_monday) if day.month == self.day.month]
        self.assertEqual(sorted(booked.mapped("date")), with_menu)
        self.assertEqual(self.wallet_bob_canteen.balance, 20.0 - 4.0 * len(with_menu))
        self.assertIn(f"{len(with_menu)} meals booked and paid.", response.text)
        # The other Mondays of the month (no menu, or before today) are listed with the reason.
        first = self.day.replace(day=1)
        mondays = [
            first + timedelta(days=offset)
            for offset in range(31)
            if (first + timedelta(days=offset)).month == first.month
        ]
        refused = [day for day in mondays if day.weekday() == 0 and day not in with_menu and day >= date.today()]
        self.assertEqual(response.text.count("o_school_meal_refusal"), len(refused))
        # Ada's allergy: a warning, then "Book anyway".
        response = self._post(
            f"/my/school/child/{self.student_ada.id}/meals/pattern",
            month=self.day.isoformat(),
            product_id=self.meal.id,
            weekday_0="1",
        )
        self.assertIn("allergic", response.text)
        self.assertIn("Book anyway", response.text)
        self.assertEqual(self.wallet_ada_canteen.balance, 10.0)
        # A stranger's child: not found.
        response = self._post(
            f"/my/school/child/{self.student_cid.id}/meals/pattern",
            month=self.day.isoformat(),
            product_id=self.soup.id,
            weekday_0="1",
        )
        self.assertEqual(response.status_code, 404)

    def test_strangers_and_anonymous_get_nothing(self):
        reservation = self.book(self.user_meal_bursar, self.soup)
        cid_wallet = self.student_cid._school_wallet_get(self.type_canteen)
        cid_wallet._credit(5.0, "topup_cash")
        cid_meal = self.book(self.user_meal_bursar, self.soup, self.student_cid)
        day = self.day.isoformat()
        self._login(self.user_mother)
        for path in (
            f"/my/school/child/{self.student_cid.id}/meals",
            f"/my/school/child/{self.student_cid.id}/meals/day?day={day}",
        ):
            self.assertEqual(self.url_open(path).status_code, 404, path)
        for path, data in (
            (f"/my/school/child/{self.student_cid.id}/meals/book", {"day": day, "product_id": self.soup.id}),
            (f"/my/school/child/{self.student_cid.id}/meals/cancel", {"reservation_id": cid_meal.id}),
            # Bob's page with Cid's meal: not Bob's, not found.
            (f"/my/school/child/{self.student_bob.id}/meals/cancel", {"reservation_id": cid_meal.id}),
        ):
            self.assertEqual(self._post(path, **data).status_code, 404, path)
        self.assertEqual(cid_meal.state, "booked")
        self.assertEqual(cid_wallet.balance, 4.0)
        # Ada's stepfather has no money rights: no meal page, no meal link on her home.
        self._login(self.user_stepfather)
        self.assertEqual(self._meals(self.student_ada).status_code, 404)
        self.assertNotIn("/meals", self.url_open(f"/my/school/child/{self.student_ada.id}").text)
        self.assertEqual(
            self._post(
                f"/my/school/child/{self.student_ada.id}/meals/book", day=day, product_id=self.soup.id
            ).status_code,
            404,
        )
        # Anonymous: the login page, nothing booked or cancelled.
        self.authenticate(None, None)
        response = self.url_open(f"/my/school/child/{self.student_bob.id}/meals", allow_redirects=False)
        self.assertEqual(url_parse(response.headers["Location"]).path, "/web/login")
        response = self.url_open(
            f"/my/school/child/{self.student_bob.id}/meals/cancel",
            data={"reservation_id": reservation.id},
            allow_redirects=False,
        )
        self.assertIn(response.status_code, (303, 400, 403))
        self.assertEqual(reservation.state, "booked")

    def test_switch_off_hides_the_meals(self):
        self.company.school_meal_booking = False
        self._login(self.user_mother)
        self.assertEqual(self._meals(self.student_bob).status_code, 404)
        self.assertEqual(self._day(self.student_bob, self.day).status_code, 404)
        self.assertNotIn("/meals", self.url_open(f"/my/school/child/{self.student_bob.id}").text)

    def test_calendar_queries_do_not_grow_with_the_meals(self):
        self._login(self.user_mother)
        counts = []
        self.book(self.user_mother, self.soup)
        for days in (0, 3):
            for offset in range(days):
                day = self.day + timedelta(days=offset + 1)
                self.env["school.meal.menu"].create(
                    {"date": day, "company_id": self.company.id, "product_ids": [Command.set(self.soup.ids)]}
                )
                self.book(self.user_mother, self.soup, day=day)
            self._meals(self.student_bob, month=self.day.isoformat())
            self.env.flush_all()
            with patch("random.random", lambda: 1), self.assertQueryCount(CALENDAR_QUERIES):
                before = self.cr.sql_log_count
                page = self._meals(self.student_bob, month=self.day.isoformat())
                counts.append(self.cr.sql_log_count - before)
            self.assertEqual(page.status_code, 200)
        self.assertEqual(counts[0], counts[1], counts)
