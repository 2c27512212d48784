from datetime import timedelta

from freezegun import freeze_time
from werkzeug.urls import url_parse

from odoo import Command, http
from odoo.tests import HttpCase, tagged

from .common import MealCommon


@tagged("post_install", "-at_install")
class TestPortalMealAbsence(MealCommon, HttpCase):
    """A paying guardian declares an absence from the month page: the meals of those days
    still open are refunded; strangers, guardians without money rights and anonymous
    visitors declare nothing."""

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _declare(self, student, date_from, date_to):
        return self.url_open(
            f"/my/school/child/{student.id}/meals/absence",
            data={
                "month": self.day.isoformat(),
                "date_from": date_from.isoformat(),
                "date_to": date_to.isoformat(),
                "csrf_token": http.Request.csrf_token(self),
            },
            allow_redirects=False,
        )

    def test_guardian_declares_an_absence_and_the_open_meals_are_refunded(self):
        self.company.school_meal_absence_refund = "always"
        meal = self.book(self.user_mother, self.soup)
        self._login(self.user_mother)
        page = self.url_open(f"/my/school/child/{self.student_bob.id}/meals?month={self.day.isoformat()}").text
        self.assertIn(f'action="/my/school/child/{self.student_bob.id}/meals/absence"', page)
        response = self._declare(self.student_bob, self.day, self.day + timedelta(days=1))
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_school_meal_absence_result", response.text)
        self.assertEqual(meal.state, "cancelled")
        self.assertEqual(self.wallet_bob_canteen.balance, 20.0)
        absence = self.env["school.meal.absence"].search([("student_id", "=", self.student_bob.id)])
        self.assertEqual(absence.reservation_ids, meal)
        self.assertIn(self.mother.name, absence.reason)
        check = self.env["school.wallet.ledger.check"]._run(self.company)
        self.assertTrue(check.is_balanced)

    def test_past_days_and_long_absences_are_refused(self):
        self._login(self.user_mother)
        today = self.company._school_meal_today()
        response = self._declare(self.student_bob, today - timedelta(days=1), today)
        self.assertIn("o_school_meal_error", response.text)
        response = self._declare(self.student_bob, self.day, self.day + timedelta(days=40))
        self.assertIn("o_school_meal_error", response.text)
        self.assertFalse(self.env["school.meal.absence"].search([("student_id", "=", self.student_bob.id)]))

    def test_strangers_and_anonymous_declare_nothing(self):
        self.student_cid._school_wallet_get(self.type_canteen)._credit(5.0, "topup_cash")
        cid_meal = self.book(self.user_meal_bursar, self.soup, self.student_cid)
        self._login(self.user_mother)
        self.assertEqual(self._declare(self.student_cid, self.day, self.day).status_code, 404)
        self.assertEqual(cid_meal.state, "booked")
        # Ada's stepfather has no money rights.
        self._login(self.user_stepfather)
        self.assertEqual(self._declare(self.student_ada, self.day, self.day).status_code, 404)
        self.authenticate(None, None)
        response = self.url_open(
            f"/my/school/child/{self.student_bob.id}/meals/absence",
            data={"date_from": self.day.isoformat(), "date_to": self.day.isoformat()},
            allow_redirects=False,
        )
        self.assertIn(response.status_code, (303, 400, 403))
        if response.status_code == 303:
            self.assertEqual(url_parse(response.headers["Location"]).path, "/web/login")
        self.assertFalse(self.env["school.meal.absence"].search([]))

    def test_a_guardian_refunds_before_the_cutoff_only_even_when_the_school_refunds_always(self):
        self.company.school_meal_absence_refund = "always"
        tuesday = self.day + timedelta(days=1)
        self.env["school.meal.menu"].create(
            {"date": tuesday, "company_id": self.company.id, "product_ids": [Command.set(self.soup.ids)]}
        )
        monday_meal = self.book(self.user_mother, self.soup)
        tuesday_meal = self.book(self.user_mother, self.soup, day=tuesday)
        absence_model = self.env["school.meal.absence"].with_user(self.user_mother)
        with freeze_time(self.cutoff + timedelta(hours=1)):
            absence_model._school_meal_declare(self.student_bob, self.day, tuesday)
        self.assertEqual((monday_meal.state, tuesday_meal.state), ("booked", "cancelled"))
