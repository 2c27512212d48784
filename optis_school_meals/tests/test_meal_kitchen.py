from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import MealCommon


@tagged("post_install", "-at_install")
class TestMealKitchen(MealCommon):
    """The kitchen's counts of a day: per article and class, the booked meals only, and the
    children with allergies or a diet; the same in the pivot and on the printed sheet."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(cls.cutoff - timedelta(days=1)):
            cls.student_cid.school_class_id = False
            cls.student_cid._school_wallet_get(cls.type_canteen)._credit(10.0, "topup_cash")
            cls.student_bob.diet_regime = "vegetarian"
            reservations = cls.env["school.meal.reservation"]
            for student, product in (
                (cls.student_ada, cls.veggie),
                (cls.student_ada, cls.soup),
                (cls.student_bob, cls.veggie),
                (cls.student_bob, cls.soup),
                (cls.student_cid, cls.soup),
                (cls.student_cid, cls.meal),
            ):
                reservations |= reservations._school_meal_book(student, cls.day, product, diet_confirmed=True)
            # Cid's lasagne is cancelled: the kitchen does not cook it.
            reservations[-1]._school_meal_cancel()
        cls.school_class = cls.student_ada.school_class_id

    def test_counts_per_article_and_class(self):
        kitchen = self.menu._get_kitchen_data()
        self.assertEqual(kitchen["articles"], self.soup | self.veggie)
        self.assertEqual(kitchen["classes"], self.school_class)
        self.assertTrue(kitchen["has_no_class"])
        self.assertEqual(
            kitchen["counts"],
            {
                (self.veggie.id, self.school_class.id): 2,
                (self.soup.id, self.school_class.id): 2,
                (self.soup.id, False): 1,
            },
        )
        self.assertEqual(dict(kitchen["totals"]), {self.veggie.id: 2, self.soup.id: 3})
        # The counts are the booked reservations of the day.
        booked = self.env["school.meal.reservation"].search(
            [("date", "=", self.day), ("company_id", "=", self.company.id), ("state", "=", "booked")]
        )
        self.assertEqual(sum(kitchen["totals"].values()), len(booked))
        self.assertEqual(self.menu.reservation_count, len(booked))
        # Ada (gluten) and Bob (vegetarian) are on the list, with their articles; Cid is not.
        children = {student: (school_class, products) for student, school_class, products in kitchen["children"]}
        self.assertEqual(set(children), {self.student_ada, self.student_bob})
        self.assertEqual(children[self.student_ada], (self.school_class, self.veggie | self.soup))

    def test_pivot_gives_the_same_counts(self):
        groups = (
            self.env["school.meal.reservation"]
            .with_user(self.user_meal_bursar)
            .read_group(
                [("date", "=", self.day), ("state", "=", "booked")],
                ["product_id"],
                ["product_id", "school_class_id"],
                lazy=False,
            )
        )
        counts = {
            (group["product_id"][0], group["school_class_id"] and group["school_class_id"][0]): group["__count"]
            for group in groups
        }
        self.assertEqual(counts, {key: value for key, value in self.menu._get_kitchen_data()["counts"].items()})

    def test_kitchen_sheet(self):
        html = (
            self.env["ir.actions.report"]
            .with_user(self.user_meal_bursar)
            ._render_qweb_html("optis_school_meals.report_school_meal_kitchen", self.menu.ids)[0]
            .decode()
        )
        self.assertIn("Kitchen sheet of", html)
        self.assertIn(self.school_class.name, html)
        self.assertIn("No class", html)
        self.assertIn(self.student_ada.name, html)
        self.assertIn(self.gluten.name, html)
        self.assertNotIn(self.student_cid.name, html)
        self.assertNotIn(self.meal.name, html, "the cancelled lasagne is not cooked")
