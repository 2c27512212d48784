from odoo.tests import HttpCase, tagged

from odoo.addons.optis_parent_portal.tests.phone import PhoneCase

from .common import MealCommon


@tagged("post_install", "-at_install")
class TestPortalMealsMobile(PhoneCase, MealCommon, HttpCase):
    """The meal pages of the parents' portal on a 390 px wide phone: no horizontal scrolling."""

    def test_meal_pages_fit_a_phone(self):
        self.book(self.user_mother, self.soup)
        self.book(self.user_mother, self.veggie)
        child = self.student_bob.id
        for url in (
            f"/my/school/child/{child}/meals?month={self.day.isoformat()}",
            f"/my/school/child/{child}/meals/day?day={self.day.isoformat()}&success=booked",
        ):
            with self.subTest(url=url):
                self.assert_fits_phone(url, self.user_mother.login)
