import re
from datetime import timedelta

from werkzeug.urls import url_encode, url_parse

from odoo import fields, http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.optis_school.tests.common import SchoolCase

ATTEMPT_LOGGER = "odoo.addons.optis_school.models.school_activation_attempt"
CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
PASSWORD = "Lucas-2026-school"


@tagged("post_install", "-at_install")
class TestPortalActivation(SchoolCase, HttpCase):
    """The activation letter's link, as a browser uses it: the form is read, its CSRF token
    taken, then posted. Lucas has no guardian yet; Isabelle (Emma and Noah) and Karim (Lina)
    already have portal accounts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.school_a.website = "https://www.school-a.example"

    def _form(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        match = CSRF.search(response.text)
        self.assertTrue(match, "the page has a form with a CSRF token")
        return response, match.group(1)

    def _register(self, code, login, name="Anne Peeters", password=PASSWORD, confirm=None, url=None):
        """Open the letter's link (or ``url``), then post the registration form."""
        _page, csrf_token = self._form(url or f"/my/school/activate?{url_encode({'code': code})}")
        return self.url_open(
            "/my/school/activate",
            data={
                "csrf_token": csrf_token,
                "name": name,
                "login": login,
                "password": password,
                "confirm_password": password if confirm is None else confirm,
                "code": code,
            },
            allow_redirects=False,
        )

    def _add_child(self, code):
        _page, csrf_token = self._form(f"/my/school/activate?{url_encode({'code': code})}")
        return self.url_open(
            "/my/school/activate", data={"csrf_token": csrf_token, "code": code}, allow_redirects=False
        )

    def _users(self, login):
        return self.env["res.users"].with_context(active_test=False).search([("login", "=", login)])

    def test_new_parent_registers(self):
        code = self._new_code(self.student_lucas)
        page = self.url_open(code.registration_url.replace(code.get_base_url(), ""))
        self.assertIn(f'value="{code.code_display}"', page.text, "the code of the link is prefilled")
        self.assertIn('name="confirm_password"', page.text)

        response = self._register(code.code_display, "Anne.Peeters@Family-Three.example")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(url_parse(response.headers["Location"]).path, f"/my/school/child/{self.student_lucas.id}")

        user = self._users("anne.peeters@family-three.example")
        self.assertTrue(user, "the login is the email address, normalized")
        self.assertTrue(user._is_portal())
        self.assertFalse(user._is_internal())
        self.assertTrue(user.share)
        self.assertEqual(user.company_id, self.school_a)
        self.assertIn(user.partner_id, self.student_lucas.guardian_ids)
        self.assertEqual(code.state, "used")
        self.assertEqual(code.used_by_id, user.partner_id)
        self.assertFalse(user.partner_id.company_id, "guardians are shared between schools")

        # The parent is logged in: the portal opens without asking for a password, on the child's home.
        home = self.url_open(response.headers["Location"])
        self.assertEqual(url_parse(home.url).path, f"/my/school/child/{self.student_lucas.id}")
        self.assertIn(self.student_lucas.name, home.text)
        self.assertIn("o_school_home_wallets", home.text)
        home = self.url_open("/my")
        self.assertEqual(url_parse(home.url).path, "/my")
        self.assertIn("Anne Peeters", home.text)

    def test_code_typed_without_separators(self):
        code = self._new_code(self.student_lucas)
        response = self._register(code.code.lower(), "anne@family-three.example", url="/my/school/activate")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(code.state, "used")

    @mute_logger(ATTEMPT_LOGGER)
    def test_refused_codes_create_no_user(self):
        expired = self._new_code(self.student_lucas)
        expired.expiration_date = fields.Datetime.now() - timedelta(days=1)
        used = self._new_code(self.student_lucas)
        self._redeem(used.code, self._new_parent())
        revoked = self._new_code(self.student_lucas)
        revoked.action_revoke()
        cases = [
            ("ABCD-EFGH-JKMN-PQRS", "not valid"),
            (expired.code_display, "has expired"),
            (used.code_display, "already been used"),
            (revoked.code_display, "revoked"),
        ]
        for index, (code_text, message) in enumerate(cases):
            login = f"refused{index}@family-three.example"
            with self.subTest(code=code_text):
                response = self._register(code_text, login)
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, response.text)
                self.assertIn("o_school_activate_error", response.text)
                self.assertFalse(self._users(login))
                self.assertFalse(self.env["res.partner"].search([("email", "=", login)]))
        self.assertEqual(self.student_lucas.guardian_ids, used.used_by_id, "only the parent who used the code")

    def test_password_mismatch(self):
        code = self._new_code(self.student_lucas)
        response = self._register(code.code_display, "anne@family-three.example", confirm="something else")
        self.assertEqual(response.status_code, 200)
        self.assertIn("The two passwords are not the same", response.text)
        self.assertFalse(self._users("anne@family-three.example"))
        self.assertEqual(code.state, "unused")

    def test_existing_email_logs_in_then_code_applies(self):
        code = self._new_code(self.student_lucas)
        users_before = self.env["res.users"].with_context(active_test=False).search_count([])
        response = self._register(code.code_display, self.user_parent_1.email.upper(), name="Isabelle")
        self.assertEqual(response.status_code, 200)
        self.assertIn("already has an account", response.text)
        self.assertEqual(self.env["res.users"].with_context(active_test=False).search_count([]), users_before)
        self.assertEqual(code.state, "unused", "the code waits for the parent to log in")
        self.assertNotIn(self.parent_1, self.student_lucas.guardian_ids)

        # The login link comes back to this page with the code.
        login_url = re.search(r'href="(/web/login\?[^"]+)"', response.text).group(1).replace("&amp;", "&")
        redirect = url_parse(login_url).decode_query()["redirect"]
        self.assertEqual(redirect, f"/my/school/activate?{url_encode({'code': code.code_display})}")
        _page, csrf_token = self._form(login_url)
        logged_in = self.url_open(
            "/web/login",
            data={
                "csrf_token": csrf_token,
                "login": self.user_parent_1.login,
                "password": self.user_parent_1.login,
                "redirect": redirect,
            },
            allow_redirects=False,
        )
        self.assertEqual(logged_in.status_code, 303)
        location = url_parse(logged_in.headers["Location"])
        self.assertEqual(f"{location.path}?{location.query}", redirect)

        # Logged in, the page asks for the code only, prefilled.
        page = self.url_open(redirect)
        self.assertIn(f'value="{code.code_display}"', page.text)
        self.assertNotIn('name="password"', page.text)
        self.assertIn("Add this child", page.text)
        response = self._add_child(code.code_display)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(url_parse(response.headers["Location"]).path, f"/my/school/child/{self.student_lucas.id}")
        self.assertIn(self.parent_1, self.student_lucas.guardian_ids)
        self.assertEqual(code.state, "used")

    def test_logged_in_parent_adds_child_of_another_school(self):
        code = self._new_code(self.student_zoe)
        self.assertNotIn(self.school_b, self.user_parent_2.company_ids)
        self.authenticate(self.user_parent_2.login, self.user_parent_2.login)
        self.assertIn('href="/my/school/activate"', self.url_open("/my").text, "My Account links to the page")
        response = self._add_child(code.code_display)
        self.assertEqual(response.status_code, 303)
        self.assertIn(self.parent_2, self.student_zoe.guardian_ids)
        self.assertIn(self.school_b, self.user_parent_2.company_ids, "the parent sees the records of Zoé's school")
        self.assertIn(self.parent_2, self.student_lina.guardian_ids, "the first child stays")
        self.assertEqual(url_parse(response.headers["Location"]).path, f"/my/school/child/{self.student_zoe.id}")
        # Two children in two schools: the chooser names both, with their schools.
        chooser = self.url_open("/my/school")
        self.assertEqual(url_parse(chooser.url).path, "/my/school")
        self.assertEqual(chooser.text.count("o_school_child_choice"), 2)
        self.assertIn(self.school_b.name, chooser.text)

    @mute_logger(ATTEMPT_LOGGER)
    def test_logged_in_parent_wrong_code(self):
        self.authenticate(self.user_parent_2.login, self.user_parent_2.login)
        response = self._add_child("ABCD-EFGH-JKMN-PQRS")
        self.assertEqual(response.status_code, 200)
        self.assertIn("not valid", response.text)

    @mute_logger(ATTEMPT_LOGGER)
    def test_locked_out_address_sees_the_wait(self):
        max_attempts, _window = self.env["school.activation.attempt"]._get_limits()
        self.env["school.activation.attempt"].create(
            [{"key": "ip:127.0.0.1", "reason": "test"} for _index in range(max_attempts)]
        )
        code = self._new_code(self.student_lucas)
        response = self._register(code.code_display, "anne@family-three.example")
        self.assertIn(response.status_code, (200, 429))
        self.assertIn("Too many wrong codes", response.text)
        self.assertFalse(self._users("anne@family-three.example"))
        self.assertEqual(code.state, "unused")
        # A logged-in parent on the same address waits too.
        self.authenticate(self.user_parent_2.login, self.user_parent_2.login)
        response = self._add_child(code.code_display)
        self.assertIn(response.status_code, (200, 429))
        self.assertIn("Too many wrong codes", response.text)
        self.assertEqual(code.state, "unused")

    def test_registration_closed(self):
        code = self._new_code(self.student_lucas)
        self.school_a.school_parent_registration = False
        page = self.url_open(f"/my/school/activate?{url_encode({'code': code.code_display})}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Parent registration is closed", page.text)
        self.assertIn("contact the school", page.text)
        self.assertNotIn('name="password"', page.text)

        # A form posted anyway (its token taken from another page) opens nothing.
        _page, csrf_token = self._form("/web/login")
        response = self.url_open(
            "/my/school/activate",
            data={
                "csrf_token": csrf_token,
                "name": "Anne",
                "login": "anne@family-three.example",
                "password": PASSWORD,
                "confirm_password": PASSWORD,
                "code": code.code_display,
            },
            allow_redirects=False,
        )
        self.assertIn("Parent registration is closed", response.text)
        self.assertFalse(self._users("anne@family-three.example"))
        self.assertEqual(code.state, "unused")

        # School B still takes parents: its codes, and the bare link, open the form.
        self.assertIn('name="password"', self.url_open("/my/school/activate").text)
        code_b = self._new_code(self.student_zoe)
        self.assertIn('name="password"', self.url_open(f"/my/school/activate?code={code_b.code}").text)
        self.env["res.company"].search([]).school_parent_registration = False
        self.assertIn("Parent registration is closed", self.url_open("/my/school/activate").text)

    def test_code_from_url_is_never_rendered_raw(self):
        for text in ('<script>alert("x")</script>', 'ABCD"><img src=x onerror=alert(1)>', "A" * 5000):
            with self.subTest(code=text[:30]):
                page = self.url_open(f"/my/school/activate?{url_encode({'code': text})}")
                self.assertEqual(page.status_code, 200)
                self.assertNotIn("<script>alert", page.text)
                self.assertNotIn("onerror=alert", page.text)
                self.assertNotIn("AAAAAAAAAAAAAAAAAAAAAAAA", page.text)
                self.assertIn("The code in the link is not complete", page.text)
                self.assertIn('id="school_activate_code"', page.text)
        # A well-formed code is shown in its printed form, whatever the case and separators.
        page = self.url_open("/my/school/activate?code=k7qm 4xpd r2tz 9hwn")
        self.assertIn('value="K7QM-4XPD-R2TZ-9HWN"', page.text)

    def test_staff_cannot_redeem(self):
        code = self._new_code(self.student_lucas)
        self.authenticate(self.user_school_admin.login, self.user_school_admin.login)
        page = self.url_open(f"/my/school/activate?code={code.code}")
        self.assertIn("staff accounts cannot use activation codes", page.text)
        self.assertNotIn('href="/my/school/activate"', self.url_open("/my").text)
        response = self.url_open(
            "/my/school/activate",
            data={"csrf_token": http.Request.csrf_token(self), "code": code.code},
            allow_redirects=False,
        )
        self.assertEqual(code.state, "unused")
        self.assertEqual(response.status_code, 200)
        self.assertIn("staff accounts cannot use activation codes", response.text)
