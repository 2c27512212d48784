from odoo.tests import HttpCase, tagged

from .common import MealCommon

# Fails the page when it is wider than the phone's screen (horizontal scrolling).
NO_HORIZONTAL_SCROLL = """
    const width = document.documentElement.scrollWidth;
    if (width > window.innerWidth) {
        console.error(`${location.pathname} is ${width}px wide on a ${window.innerWidth}px screen`);
    } else {
        console.log("test successful");
    }
"""


@tagged("post_install", "-at_install")
class TestPortalMealsMobile(MealCommon, HttpCase):
    """The meal pages of the parents' portal on a 390 px wide phone: no horizontal scrolling."""

    browser_size = "390x844"
    touch_enabled = True

    def test_meal_pages_fit_a_phone(self):
        self.book(self.user_mother, self.soup)
        self.book(self.user_mother, self.veggie)
        child = self.student_bob.id
        for url in (
            f"/my/school/child/{child}/meals?month={self.day.isoformat()}",
            f"/my/school/child/{child}/meals/day?day={self.day.isoformat()}&success=booked",
        ):
            with self.subTest(url=url):
                self.browser_js(url, NO_HORIZONTAL_SCROLL, login=self.user_mother.login)
