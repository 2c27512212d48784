from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import MealCommon


@tagged("post_install", "-at_install")
class TestMealAbsence(MealCommon):
    """A bursar records a child's absence: the meals booked on its days are cancelled and
    refunded through the reservation's cancellation, before the cut-off only or always, by
    the school's policy."""

    def setUp(self):
        super().setUp()
        self.clock = freeze_time(self.cutoff - timedelta(days=3))
        self.clock.start()
        self.addCleanup(self.clock.stop)
        self.tuesday = self.day + timedelta(days=1)
        self.env["school.meal.menu"].create(
            {"date": self.tuesday, "company_id": self.company.id, "product_ids": [Command.set(self.soup.ids)]}
        )

    def _ledger_check(self):
        check = self.env["school.wallet.ledger.check"]._run(self.company)
        self.assertTrue(check.is_balanced, check.line_ids.mapped("display_name"))

    def _record_absence(self, user, student, date_from, date_to, reason="Ill"):
        """Record an absence as ``user`` does in the backend form."""
        with Form(self.env["school.meal.absence"].with_user(user)) as form:
            form.student_id = student
            form.date_from = date_from
            form.date_to = date_to
            form.reason = reason
        return form.record

    def test_absence_refunds_the_meals_of_its_days(self):
        monday_meal = self.book(self.user_mother, self.veggie)
        tuesday_meal = self.book(self.user_mother, self.soup, day=self.tuesday)
        later = self.day + timedelta(days=7)
        self.env["school.meal.menu"].create(
            {"date": later, "company_id": self.company.id, "product_ids": [Command.set(self.soup.ids)]}
        )
        later_meal = self.book(self.user_mother, self.soup, day=later)
        self.assertEqual(self.wallet_bob_canteen.balance, 14.0)
        absence = self._record_absence(self.user_meal_bursar, self.student_bob, self.day, self.tuesday)
        self.assertEqual(
            (monday_meal.state, tuesday_meal.state, later_meal.state), ("cancelled", "cancelled", "booked")
        )
        self.assertEqual(absence.sudo().reservation_ids, monday_meal | tuesday_meal)
        self.assertEqual(self.wallet_bob_canteen.balance, 19.0)
        self.assertIn("absence (Ill)", monday_meal.sudo().refund_operation_id.note)
        self.assertEqual(monday_meal.cancelled_by_id, self.user_meal_bursar)
        self._ledger_check()
        self.assert_ledger_matches_general_ledger(self.student_ada | self.student_bob)

    def test_before_cutoff_policy_keeps_the_meals_past_their_cutoff(self):
        monday_meal = self.book(self.user_mother, self.veggie)
        tuesday_meal = self.book(self.user_mother, self.soup, day=self.tuesday)
        self.assertEqual(self.company.school_meal_absence_refund, "before_cutoff")
        # Monday's booking closed on Sunday 10:00, Tuesday's closes on Monday 10:00.
        with freeze_time(self.cutoff + timedelta(hours=2)):
            absence = self._record_absence(self.user_meal_bursar, self.student_bob, self.day, self.tuesday)
        self.assertEqual(monday_meal.state, "booked", "past its cut-off: served and paid")
        self.assertEqual(tuesday_meal.state, "cancelled")
        self.assertEqual(absence.reservation_count, 1)
        self.assertEqual(self.wallet_bob_canteen.balance, 16.0)
        self._ledger_check()

    def test_always_policy_refunds_past_the_cutoff_too(self):
        monday_meal = self.book(self.user_mother, self.veggie)
        self.company.school_meal_absence_refund = "always"
        with freeze_time(self.cutoff + timedelta(hours=2)):
            self._record_absence(self.user_meal_bursar, self.student_bob, self.day, self.day)
        self.assertEqual(monday_meal.state, "cancelled")
        self.assertTrue(monday_meal.late)
        self.assertEqual(self.wallet_bob_canteen.balance, 20.0)
        self._ledger_check()

    def test_other_children_and_cancelled_meals_are_left(self):
        self.student_ada.allergen_ids = False
        ada_meal = self.book(self.user_mother, self.veggie, self.student_ada)
        bob_meal = self.book(self.user_mother, self.soup)
        bob_meal.with_user(self.user_mother)._school_meal_cancel()
        absence = self._record_absence(self.user_meal_bursar, self.student_bob, self.day, self.day)
        self.assertFalse(absence.reservation_ids)
        self.assertEqual(ada_meal.state, "booked")
        self.assertEqual(self.wallet_ada_canteen.balance, 6.0)
        self.assertEqual(self.wallet_bob_canteen.balance, 20.0, "refunded once")
        self._ledger_check()

    def test_only_bursars_record_absences_and_the_days_do_not_move(self):
        self.book(self.user_mother, self.soup)
        with self.assertRaises(AccessError):
            self._record_absence(self.user_teacher, self.student_bob, self.day, self.day)
        absence = self._record_absence(self.user_meal_bursar, self.student_bob, self.day, self.day)
        with self.assertRaises(UserError):
            absence.with_user(self.user_meal_bursar).date_to = self.tuesday
        with self.assertRaises(UserError):
            absence.with_user(self.user_meal_bursar).student_id = self.student_ada
        with self.assertRaises(UserError):
            absence.with_user(self.user_meal_bursar).reservation_ids = [Command.clear()]
        absence.with_user(self.user_meal_bursar).reason = "Flu"
        self.assertEqual(absence.reason, "Flu")
        with self.assertRaises(AccessError):
            absence.with_user(self.user_meal_bursar).unlink()
