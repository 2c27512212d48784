from datetime import datetime, time, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import format_date

from .common import MealCommon


@tagged("post_install", "-at_install")
class TestMealForecast(MealCommon):
    """The day a wallet no longer pays the child's usual meals: said in the low-balance mail
    and mailed by a cron some school days before, with the top-up link."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Bob ate a 4.00 meal on ten of the twenty school days of the last four weeks (the
        # two middle weeks): 2.00 a school day. Twenty days before, the menus were open.
        cls.monday = cls.day + timedelta(days=28)
        cls.eaten = cls.company._school_meal_service_days(
            cls.monday - timedelta(days=21), cls.monday - timedelta(days=8), cls.student_bob.school_class_id
        )
        cls.env["school.meal.menu"].create(
            [
                {"date": day, "company_id": cls.company.id, "product_ids": [Command.set(cls.veggie.ids)]}
                for day in cls.eaten
                if day != cls.day
            ]
        )
        cls.wallet_bob_canteen._credit(27.0, "topup_cash")
        with freeze_time(cls.day - timedelta(days=3)):
            reservations, refusals = (
                cls.env["school.meal.reservation"]
                .with_user(cls.user_meal_bursar)
                ._school_meal_book_days(cls.student_bob, cls.eaten, cls.veggie)
            )
        assert len(reservations) == 10 and not refusals, refusals
        # 20 + 27 - 40 = 7.00 left: Tuesday 5, Wednesday 3, Thursday 1, Friday -1.
        cls.friday = cls.monday + timedelta(days=4)

    def at(self, day, hour=8):
        return freeze_time(datetime.combine(day, time(hour)))

    def test_run_out_day_from_the_usual_daily_spend(self):
        self.assertEqual(self.wallet_bob_canteen.balance, 7.0)
        with self.at(self.monday):
            dates = (self.wallet_bob_canteen | self.wallet_ada_canteen)._school_meal_run_out_dates()
        self.assertEqual(dates[self.wallet_bob_canteen.id], self.friday)
        self.assertIsNone(dates[self.wallet_ada_canteen.id], "Ada eats no school meals")

    def test_booked_meals_are_paid_already_and_closures_skipped(self):
        tuesday = self.monday + timedelta(days=1)
        self.env["school.meal.menu"].create(
            {"date": tuesday, "company_id": self.company.id, "product_ids": [Command.set(self.soup.ids)]}
        )
        self.env["school.meal.closure"].create(
            {
                "name": "Teachers' day",
                "company_id": self.company.id,
                "date_from": self.friday,
                "date_to": self.friday,
            }
        )
        with self.at(self.monday - timedelta(days=3)):
            self.book(self.user_mother, self.soup, day=tuesday)
        # 6.00 left, Tuesday paid: Wednesday 4, Thursday 2, Friday closed, Monday 0, Tuesday -2.
        with self.at(self.monday):
            dates = self.wallet_bob_canteen._school_meal_run_out_dates()
        self.assertEqual(dates[self.wallet_bob_canteen.id], self.monday + timedelta(days=8))

    def test_low_balance_mail_says_the_run_out_day(self):
        self.wallet_bob_canteen.low_balance_threshold = 10.0
        mails_before = self.env["mail.mail"].search([])
        with self.at(self.monday):
            self.wallet_bob_canteen._send_low_balance_alert()
        mail = (self.env["mail.mail"].search([]) - mails_before).filtered(lambda m: self.mother in m.recipient_ids)
        self.assertIn("uses the balance up on", str(mail.body_html))
        self.assertIn(format_date(self.env, self.friday), str(mail.body_html))

    def test_cron_warns_the_paying_guardians_once_before_the_run_out(self):
        self.company.school_meal_run_out_days = 3
        cron = self.env["school.wallet"]._cron_school_meal_run_out_alerts
        mails_before = self.env["mail.mail"].search([])
        with self.at(self.monday):
            # Friday is four school days away: not yet.
            cron()
        self.assertFalse(self.env["mail.mail"].search([]) - mails_before)
        self.company.school_meal_run_out_days = 4
        with self.at(self.monday):
            cron()
            cron()
        mails = self.env["mail.mail"].search([]) - mails_before
        mother_mail = mails.filtered(lambda m: self.mother in m.recipient_ids)
        self.assertEqual(len(mother_mail), 1, "once per run-out day")
        self.assertFalse(mails.filtered(lambda m: self.stepfather in m.recipient_ids), "he pays for Ada only")
        body = str(mother_mail.body_html)
        self.assertIn(format_date(self.env, self.friday), body)
        self.assertIn(f"/my/wallets/{self.wallet_bob_canteen.id}/topup", body)
        self.assertIn(self.student_bob.name, mother_mail.subject)
        self.assertEqual(self.wallet_bob_canteen.school_meal_run_out_alert_date, self.friday)
