import re

from werkzeug.urls import url_parse

from odoo.tests import HttpCase, tagged

from odoo.addons.optis_school.tests.common import SchoolCase

CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
NEUTRAL = "If an account exists for this address"


@tagged("post_install", "-at_install")
class TestPortalResetPassword(SchoolCase, HttpCase):
    """The reset password page answers the same for known and unknown addresses."""

    def _ask_reset(self, login):
        page = self.url_open("/web/reset_password")
        self.assertEqual(page.status_code, 200)
        csrf_token = CSRF.search(page.text).group(1)
        return self.url_open("/web/reset_password", data={"csrf_token": csrf_token, "login": login})

    def _message(self, response):
        return re.search(r'<p class="alert[^"]*"[^>]*>(.*?)</p>', response.text, re.S).group(1).strip()

    def test_same_answer_for_known_and_unknown_addresses(self):
        self.parent_1.signup_type = False
        known = self._ask_reset(self.user_parent_1.email)
        self.assertEqual(self.parent_1.signup_type, "reset", "the known parent was sent a reset link")

        unknown = self._ask_reset("nobody@nowhere.example")

        for response in (known, unknown):
            self.assertEqual(response.status_code, 200)
            self.assertIn(NEUTRAL, response.text)
            self.assertNotIn("No account found", response.text)
            self.assertNotIn("alert-danger", response.text)
        self.assertEqual(self._message(known), self._message(unknown))

    def test_same_answer_for_ambiguous_address(self):
        # Two accounts with one email address: Odoo says "Multiple accounts found".
        self._new_user("twin_one", "optis_school.group_school_user", self.school_a).email = "twins@staff.example"
        self._new_user("twin_two", "optis_school.group_school_user", self.school_a).email = "twins@staff.example"
        response = self._ask_reset("twins@staff.example")
        self.assertIn(NEUTRAL, response.text)
        self.assertNotIn("Multiple accounts", response.text)

    def test_link_with_a_known_address_does_not_tell(self):
        # Odoo sends a known address that has logged in before to its login page.
        self.env["res.users.log"].with_user(self.user_parent_1).sudo().create({})
        self.assertEqual(self.user_parent_1.state, "active")
        response = self.url_open(f"/web/reset_password?signup_email={self.user_parent_1.email}", allow_redirects=False)
        self.assertEqual(response.status_code, 200, "no redirection to the login page of that account")
        self.assertNotIn(self.user_parent_1.login, response.text)


@tagged("post_install", "-at_install")
class TestPortalLogout(SchoolCase, HttpCase):
    """A parent who logs out lands on the website of their first child's school."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.school_a.website = "https://www.school-a.example"

    def _logout(self):
        return self.url_open("/web/session/logout?redirect=/", allow_redirects=False)

    def test_parent_goes_to_school_website(self):
        self.authenticate(self.user_parent_1.login, self.user_parent_1.login)
        response = self._logout()
        self.assertEqual(response.status_code, 303)
        self.assertEqual(response.headers["Location"], "https://www.school-a.example")
        # Logged out: the portal asks for a login again.
        self.assertIn("/web/login", self.url_open("/my").url)

    def test_parent_of_a_school_without_website(self):
        self.school_a.website = False
        self.authenticate(self.user_parent_1.login, self.user_parent_1.login)
        response = self._logout()
        self.assertEqual(response.status_code, 303)
        self.assertEqual(url_parse(response.headers["Location"]).path, "/")

    def test_staff_keep_odoo_default(self):
        self.authenticate(self.user_school_admin.login, self.user_school_admin.login)
        response = self._logout()
        self.assertEqual(response.status_code, 303)
        self.assertEqual(url_parse(response.headers["Location"]).path, "/")
        self.assertIn("/web/login", self.url_open("/odoo").url)
