from datetime import datetime, timedelta

from odoo import Command, fields

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.optis_parent_portal.tests.rights_common import PortalRightsCommon


def next_monday(after_days=14):
    """A Monday at least ``after_days`` from today: a school day of the test year."""
    day = fields.Date.today() + timedelta(days=after_days)
    return day + timedelta(days=(7 - day.weekday()) % 7)


class MealCommon(PortalRightsCommon):
    """The family of ``PortalRightsCommon`` in a school that takes meal bookings: cut-off at
    10:00 the day before (Brussels), a canteen wallet without overdraft paying the meals,
    three articles on the menu of a Monday (a hot meal with gluten, a soup, a vegetarian meal)
    and Ada's canteen wallet holding 10.00. Ada is allergic to gluten.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Europe/Brussels"
        cls.type_canteen = cls.env["school.wallet.type"].create({"name": "Canteen", "company_id": cls.company.id})
        cls.company._school_wallet_setup_accounting()
        cls.company.write(
            {
                "school_meal_booking": True,
                "school_meal_wallet_type_id": cls.type_canteen.id,
                "school_meal_cutoff_rule": "day_before",
                "school_meal_cutoff_time": 10.0,
            }
        )
        cls.user_meal_bursar = mail_new_test_user(
            cls.env,
            login="meal_bursar",
            groups="base.group_user,optis_school.group_school_bursar",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.gluten = cls.env.ref("optis_school.allergen_gluten")
        cls.vegetarian = cls.env.ref("optis_school_meals.diet_vegetarian")
        cls.meal, cls.soup, cls.veggie = (
            cls.env["product.product"].create(
                {
                    "name": name,
                    "type": "service",
                    "list_price": price,
                    "company_id": cls.company.id,
                    "school_meal_ok": True,
                    "school_meal_category": category,
                    "school_meal_allergen_ids": [Command.set(allergens)],
                    "school_meal_diet_ids": [Command.set(diets)],
                }
            )
            for name, price, category, allergens, diets in (
                ("Lasagne", 4.0, "hot_meal", cls.gluten.ids, []),
                ("Tomato soup", 1.0, "soup", [], cls.vegetarian.ids),
                ("Veggie curry", 4.0, "hot_meal", [], cls.vegetarian.ids),
            )
        )
        cls.day = next_monday()
        cls.menu = cls.env["school.meal.menu"].create(
            {
                "date": cls.day,
                "company_id": cls.company.id,
                "product_ids": [Command.set((cls.meal | cls.soup | cls.veggie).ids)],
            }
        )
        cls.wallet_ada_canteen = cls.student_ada._school_wallet_get(cls.type_canteen)
        cls.wallet_ada_canteen._credit(10.0, "topup_cash")
        cls.wallet_bob_canteen = cls.student_bob._school_wallet_get(cls.type_canteen)
        cls.wallet_bob_canteen._credit(20.0, "topup_cash")
        cls.student_ada.allergen_ids = cls.gluten
        # The cut-off of the Monday: Sunday 10:00 in Brussels, in UTC.
        cls.cutoff = cls.company._school_meal_cutoff(cls.day)

    def book(self, user, product, student=None, day=None, **kwargs):
        """Book as ``user``, as the portal and the wizard do."""
        return (
            self.env["school.meal.reservation"]
            .with_user(user)
            ._school_meal_book(student or self.student_bob, day or self.day, product, **kwargs)
        )

    @staticmethod
    def before(moment, minutes=1):
        return moment - timedelta(minutes=minutes)

    @staticmethod
    def local(day, hour, minute=0):
        return datetime.combine(day, datetime.min.time()).replace(hour=hour, minute=minute)
