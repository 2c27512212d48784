from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import format_amount

from ..exceptions import SchoolMealDietWarning
from .common import MealCommon


@tagged("post_install", "-at_install")
class TestMealBooking(MealCommon):
    """Booking is paying: the wallet is debited with the reservation, refunded with its
    cancellation; the cut-off, the school's switch and its diet policy decide who may."""

    def setUp(self):
        super().setUp()
        # Well before the cut-off unless a test moves the clock.
        self.clock = freeze_time(self.cutoff - timedelta(days=3))
        self.clock.start()
        self.addCleanup(self.clock.stop)

    def _ledger_check(self):
        check = self.env["school.wallet.ledger.check"]._run(self.company)
        self.assertTrue(check.is_balanced, check.line_ids.mapped("display_name"))

    def test_booking_debits_the_wallet_at_once(self):
        reservation = self.book(self.user_mother, self.soup)
        self.assertEqual(reservation.state, "booked")
        self.assertEqual(reservation.amount, 1.0)
        self.assertEqual(reservation.wallet_id, self.wallet_bob_canteen)
        self.assertEqual(reservation.school_class_id, self.student_bob.school_class_id)
        operation = reservation.sudo().operation_id
        self.assertEqual(operation.operation_type, "meal")
        self.assertEqual(operation.amount, -1.0)
        self.assertEqual((operation.origin_model, operation.origin_id), (reservation._name, reservation.id))
        self.assertEqual(self.wallet_bob_canteen.balance, 19.0)
        self.assertEqual(reservation.booked_by_id, self.user_mother)
        self.assertFalse(reservation.late)
        # Ledger = balance = general ledger (+ the meals still to post), then posted.
        self._ledger_check()
        self.assert_ledger_matches_general_ledger(self.student_ada | self.student_bob)

    def test_several_meals_a_day_and_the_same_article_twice(self):
        self.book(self.user_mother, self.veggie)
        self.book(self.user_mother, self.soup)
        with self.assertRaisesRegex(UserError, "already booked"):
            self.book(self.user_mother, self.soup)
        self.company.school_meal_same_article_twice = True
        self.book(self.user_mother, self.soup)
        reservations = self.env["school.meal.reservation"].search([("student_id", "=", self.student_bob.id)])
        self.assertEqual(sorted(reservations.product_id.mapped("name")), ["Tomato soup", "Veggie curry"])
        self.assertEqual(len(reservations), 3)
        self.assertEqual(self.wallet_bob_canteen.balance, 14.0)

    def test_insufficient_balance_names_balance_and_price(self):
        self.student_ada.allergen_ids = False
        self.company.school_meal_same_article_twice = True
        self.book(self.user_mother, self.meal, self.student_ada)
        self.book(self.user_mother, self.veggie, self.student_ada)
        currency = self.wallet_ada_canteen.currency_id
        with self.assertRaises(UserError) as refusal:
            self.book(self.user_mother, self.meal, self.student_ada)
        message = str(refusal.exception)
        self.assertIn(format_amount(self.env, 4.0, currency), message)
        self.assertIn(format_amount(self.env, 2.0, currency), message)
        self.assertIn("Insufficient balance", message)
        self.assertEqual(self.wallet_ada_canteen.balance, 2.0)
        self.assertEqual(
            self.env["school.meal.reservation"].search_count([("student_id", "=", self.student_ada.id)]), 2
        )
        self._ledger_check()

    def test_same_form_submitted_twice_charges_once(self):
        first = self.book(self.user_mother, self.soup, request_token="form-1")
        again = self.book(self.user_mother, self.soup, request_token="form-1")
        self.assertEqual(first, again)
        self.company.school_meal_same_article_twice = True
        self.assertEqual(self.book(self.user_mother, self.soup, request_token="form-1"), first)
        self.assertEqual(self.wallet_bob_canteen.balance, 19.0)
        # A token of Bob's booking does not book (nor show) anything for Ada.
        with self.assertRaisesRegex(UserError, "already used"):
            self.book(self.user_mother, self.soup, self.student_ada, request_token="form-1")

    def test_cutoff_at_the_boundary_minute(self):
        with freeze_time(self.before(self.cutoff)):
            booked = self.book(self.user_mother, self.soup)
            self.assertFalse(booked.late)
        with freeze_time(self.cutoff):
            with self.assertRaisesRegex(UserError, "closed"):
                self.book(self.user_mother, self.veggie)
            with self.assertRaisesRegex(UserError, "no longer be cancelled"):
                booked.with_user(self.user_mother)._school_meal_cancel()
            # The bursar books and cancels past the cut-off; both are logged.
            late = self.book(self.user_meal_bursar, self.veggie)
            self.assertTrue(late.late)
            self.assertIn("Booked after the cut-off", str(late.message_ids.mapped("body")))
            booked.with_user(self.user_meal_bursar).action_cancel()
        self.assertEqual(booked.state, "cancelled")
        self.assertTrue(booked.late)
        self.assertEqual(booked.cancelled_by_id, self.user_meal_bursar)
        self.assertIn("Cancelled and refunded after the cut-off", str(booked.sudo().message_ids.mapped("body")))
        self.assertEqual(self.wallet_bob_canteen.balance, 16.0)

    def test_cutoff_is_the_day_before_in_the_school_timezone(self):
        # Sunday 10:00 in Brussels: 09:00 UTC in winter, 08:00 in summer.
        sunday = self.day - timedelta(days=1)
        self.assertEqual(self.cutoff.date(), sunday)
        self.assertIn(self.cutoff.hour, (8, 9))

    def test_cutoff_school_days_before(self):
        self.company.write(
            {
                "school_meal_cutoff_rule": "school_days_before",
                "school_meal_cutoff_days": 2,
                "school_meal_cutoff_time": 14.5,
            }
        )
        cutoff = self.company._school_meal_cutoff(self.day)
        thursday = self.day - timedelta(days=4)
        self.assertEqual(cutoff.date(), thursday)
        self.assertIn((cutoff.hour, cutoff.minute), ((12, 30), (13, 30)))
        # A closed Friday does not count: the booking closes a day earlier.
        self.env["school.meal.closure"].create(
            {
                "name": "Teachers' day",
                "company_id": self.company.id,
                "date_from": thursday + timedelta(days=1),
                "date_to": thursday + timedelta(days=1),
            }
        )
        self.assertEqual(self.company._school_meal_cutoff(self.day).date(), thursday - timedelta(days=1))
        with freeze_time(self.company._school_meal_cutoff(self.day)):
            with self.assertRaisesRegex(UserError, "closed"):
                self.book(self.user_mother, self.soup)

    def test_cancel_before_the_cutoff_refunds_at_once(self):
        reservation = self.book(self.user_mother, self.soup)
        with freeze_time(self.before(self.cutoff)):
            refund = reservation.with_user(self.user_mother)._school_meal_cancel()
        self.assertEqual(refund.operation_type, "refund")
        self.assertEqual(refund.amount, 1.0)
        self.assertEqual(reservation.state, "cancelled")
        self.assertEqual(reservation.refund_operation_id, refund)
        self.assertFalse(reservation.late)
        self.assertEqual(self.wallet_bob_canteen.balance, 20.0)
        with self.assertRaisesRegex(UserError, "already cancelled"):
            reservation.with_user(self.user_mother)._school_meal_cancel()
        self.assertEqual(self.wallet_bob_canteen.balance, 20.0)
        # Booked again after the cancellation: a new reservation.
        self.book(self.user_mother, self.soup)
        self.assertEqual(self.wallet_bob_canteen.balance, 19.0)
        self._ledger_check()
        self.assert_ledger_matches_general_ledger(self.student_bob)

    def test_switch_off_nothing_is_bookable(self):
        reservation = self.book(self.user_mother, self.soup)
        self.company.school_meal_booking = False
        for user in (self.user_mother, self.user_meal_bursar):
            with self.assertRaisesRegex(UserError, "does not take meal bookings"):
                self.book(user, self.veggie)
        self.assertEqual(self.wallet_bob_canteen.balance, 19.0)
        # What was booked can still be cancelled and refunded.
        reservation.with_user(self.user_mother)._school_meal_cancel()
        self.assertEqual(self.wallet_bob_canteen.balance, 20.0)

    def test_allergy_and_diet_warn_or_block(self):
        # Ada is allergic to gluten: the school warns, the parent confirms.
        with self.assertRaises(SchoolMealDietWarning) as warning:
            self.book(self.user_mother, self.meal, self.student_ada)
        self.assertIn(self.gluten.name, str(warning.exception))
        self.assertEqual(self.wallet_ada_canteen.balance, 10.0)
        reservation = self.book(self.user_mother, self.meal, self.student_ada, diet_confirmed=True)
        self.assertIn(self.gluten.name, reservation.diet_warning)
        # A vegetarian child and the lasagne (no diet listed): blocked when the school blocks.
        self.company.school_meal_diet_policy = "block"
        self.student_bob.diet_regime = "vegetarian"
        with self.assertRaisesRegex(UserError, "does not suit the diet"):
            self.book(self.user_mother, self.meal, diet_confirmed=True)
        with self.assertRaisesRegex(UserError, "allergic"):
            self.book(self.user_meal_bursar, self.meal, self.student_ada, diet_confirmed=True)
        self.book(self.user_mother, self.veggie)
        self.assertEqual(self.wallet_bob_canteen.balance, 16.0)

    def test_only_paying_guardians_and_bursars_book(self):
        # The stepfather has no money rights, the uncle no rights, Cid is nobody's here.
        for user, student in (
            (self.user_stepfather, self.student_ada),
            (self.user_uncle, self.student_bob),
            (self.user_mother, self.student_cid),
            (self.user_teacher, self.student_bob),
        ):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.book(user, self.soup, student)
        booked = self.book(self.user_grandfather, self.soup, self.student_ada)
        with self.assertRaises(AccessError):
            booked.with_user(self.user_stepfather)._school_meal_cancel()
        self.assertEqual(booked.state, "booked")

    def test_article_must_be_on_a_menu_of_a_service_day(self):
        other = self.env["product.product"].create({"name": "Cake", "list_price": 2.0, "school_meal_ok": True})
        with self.assertRaisesRegex(UserError, "not on the menu"):
            self.book(self.user_mother, other)
        saturday = self.day - timedelta(days=2)
        with self.assertRaisesRegex(UserError, "No meals are served"):
            self.book(self.user_mother, self.soup, day=saturday)
        with self.assertRaises(ValidationError):
            self.env["school.meal.menu"].create({"date": saturday, "company_id": self.company.id})
        # A trip of Bob's class: no meal for the class that day, the others still eat.
        self.env["school.meal.closure"].create(
            {
                "name": "Class trip",
                "company_id": self.company.id,
                "date_from": self.day,
                "date_to": self.day,
                "class_ids": [Command.set(self.student_bob.school_class_id.ids)],
            }
        )
        with self.assertRaisesRegex(UserError, "No meals are served"):
            self.book(self.user_mother, self.soup)
        self.student_cid.school_class_id = False
        self.student_cid._school_wallet_get(self.type_canteen)._credit(5.0, "topup_cash")
        self.assertTrue(self.book(self.user_meal_bursar, self.soup, self.student_cid))
        with self.assertRaisesRegex(UserError, "no menu"):
            self.book(self.user_meal_bursar, self.soup, self.student_cid, day=self.day + timedelta(days=1))

    def test_money_and_state_never_change_by_hand(self):
        reservation = self.book(self.user_mother, self.soup)
        as_bursar = reservation.with_user(self.user_meal_bursar)
        for values in (
            {"amount": 0.01},
            {"state": "cancelled"},
            {"wallet_id": self.wallet_ada_canteen.id},
            {"operation_id": False},
            {"date": self.day + timedelta(days=1)},
            {"product_id": self.meal.id},
        ):
            with self.subTest(values=values), self.assertRaises(UserError):
                as_bursar.write(values)
        with self.assertRaises(UserError):
            as_bursar.unlink()
        with self.assertRaises(UserError):
            self.env["school.meal.reservation"].create(
                {
                    "date": self.day,
                    "student_id": self.student_bob.id,
                    "company_id": self.company.id,
                    "product_id": self.soup.id,
                    "wallet_id": self.wallet_bob_canteen.id,
                    "amount": 1.0,
                }
            )
        # A forged engine flag over RPC is a plain value: refused the same.
        with self.assertRaises(UserError):
            as_bursar.with_context(school_wallet_engine=True).write({"state": "cancelled"})
        as_bursar.note = "Allergy checked with the kitchen"
        self.assertEqual(reservation.state, "booked")
        self.assertEqual(self.wallet_bob_canteen.balance, 19.0)

    def test_bursar_books_with_the_wizard(self):
        wizard = (
            self.env["school.meal.book"]
            .with_user(self.user_meal_bursar)
            .create({"student_id": self.student_bob.id, "date": self.day})
        )
        self.assertEqual(wizard.menu_product_ids, self.meal | self.soup | self.veggie)
        wizard.product_ids = self.soup | self.veggie
        wizard.action_book()
        self.assertEqual(self.wallet_bob_canteen.balance, 15.0)
        self.assertEqual(
            self.env["school.meal.reservation"].search_count([("student_id", "=", self.student_bob.id)]), 2
        )

    def test_menu_with_booked_meals_keeps_them(self):
        self.book(self.user_mother, self.soup)
        menu = self.menu.with_user(self.user_meal_bursar)
        with self.assertRaises(UserError):
            menu.unlink()
        with self.assertRaises(UserError):
            menu.product_ids = [Command.unlink(self.soup.id)]
        with self.assertRaises(UserError):
            menu.date = self.day + timedelta(days=1)
        # An article nobody booked may go.
        menu.product_ids = [Command.unlink(self.meal.id)]
        self.assertEqual(self.menu.product_ids, self.soup | self.veggie)

    def test_pattern_of_days_reports_the_days_refused(self):
        mondays = [self.day + timedelta(days=7 * week) for week in range(5)]
        for monday in mondays[1:]:
            self.env["school.meal.menu"].create(
                {"date": monday, "company_id": self.company.id, "product_ids": [Command.set(self.veggie.ids)]}
            )
        self.book(self.user_mother, self.soup)
        tuesday, saturday = self.day + timedelta(days=1), self.day + timedelta(days=5)
        reservations, refusals = (
            self.env["school.meal.reservation"]
            .with_user(self.user_mother)
            ._school_meal_book_days(self.student_bob, [*mondays, tuesday, saturday], self.veggie)
        )
        # 19.00 left: four curries of 4.00, the fifth Monday is refused.
        self.assertEqual(reservations.mapped("date"), mondays[:4])
        self.assertEqual(self.wallet_bob_canteen.balance, 3.0)
        reasons = dict(refusals)
        self.assertEqual(set(reasons), {mondays[4], tuesday, saturday})
        self.assertIn("Insufficient balance", reasons[mondays[4]])
        self.assertIn("no menu", reasons[tuesday])
        self.assertIn("No meals are served", reasons[saturday])
        self.assertEqual(len(reservations.sudo().operation_id), 4)
        # Again: the days booked are refused as already booked, nothing more is charged.
        again, refusals = (
            self.env["school.meal.reservation"]
            .with_user(self.user_mother)
            ._school_meal_book_days(self.student_bob, mondays[:4], self.veggie)
        )
        self.assertFalse(again)
        self.assertTrue(all("already booked" in reason for _day, reason in refusals))
        self.assertEqual(self.wallet_bob_canteen.balance, 3.0)
        self._ledger_check()

    def test_closure_cancels_and_refunds_the_meals(self):
        self.book(self.user_mother, self.soup)
        self.student_ada.allergen_ids = False
        self.book(self.user_mother, self.veggie, self.student_ada)
        self.student_cid.school_class_id = False
        self.student_cid._school_wallet_get(self.type_canteen)._credit(5.0, "topup_cash")
        cid_meal = self.book(self.user_meal_bursar, self.soup, self.student_cid)
        closure = self.env["school.meal.closure"].create(
            {
                "name": "Class trip",
                "company_id": self.company.id,
                "date_from": self.day,
                "date_to": self.day,
                "class_ids": [Command.set(self.student_bob.school_class_id.ids)],
            }
        )
        with self.assertRaises(AccessError):
            closure.with_user(self.user_teacher).action_cancel_meals()
        with freeze_time(self.cutoff + timedelta(hours=2)):
            closure.with_user(self.user_meal_bursar).action_cancel_meals()
        # Ada's and Bob's class is on a trip: refunded; Cid (no class) still eats.
        self.assertEqual(self.wallet_bob_canteen.balance, 20.0)
        self.assertEqual(self.wallet_ada_canteen.balance, 10.0)
        self.assertEqual(cid_meal.state, "booked")
        cancelled = self.env["school.meal.reservation"].search([("state", "=", "cancelled")])
        self.assertEqual(cancelled.student_id, self.student_ada | self.student_bob)
        self.assertTrue(all(cancelled.mapped("late")))
        self.assertIn("Class trip", cancelled[:1].refund_operation_id.note)
        self._ledger_check()

    def test_school_switch_in_the_settings(self):
        self._set_school_rule(
            school_meal_booking=False, school_meal_cutoff_rule="school_days_before", school_meal_cutoff_days=2
        )
        self.assertFalse(self.company.school_meal_booking)
        self.assertEqual(self.company.school_meal_cutoff_days, 2)
        with self.assertRaisesRegex(UserError, "does not take meal bookings"):
            self.book(self.user_mother, self.soup)
        self._set_school_rule(school_meal_booking=True, school_meal_diet_policy="block", school_meal_cutoff_days=1)
        with self.assertRaisesRegex(UserError, "allergic"):
            self.book(self.user_mother, self.meal, self.student_ada, diet_confirmed=True)
        self.assertTrue(self.book(self.user_mother, self.soup))
