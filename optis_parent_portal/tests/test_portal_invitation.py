import re
from datetime import timedelta

from freezegun import freeze_time
from werkzeug.urls import url_parse

from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.optis_school.tests.common import SchoolCase
from odoo.addons.optis_school.tests.test_parent_invitation import invitation_link

CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
TOKEN_FIELD = re.compile(r'name="token"\s+value="([^"]+)"')
PASSWORD = "Bob-2026-school"
NEUTRAL = "If this account may receive an invitation, a new one was sent to its address."


@tagged("post_install", "-at_install")
class TestPortalInvitation(SchoolCase, MockEmail, HttpCase):
    """The invitation mail's link, as a parent's browser follows it. Uncle Bob is the only
    guardian of Lucas and has no account: the bursar invites him from his form."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.uncle = cls.env["res.partner"].create({"name": "Uncle Bob", "email": "uncle.bob@family-three.example"})
        cls.env["school.guardian.link"].create({"student_id": cls.student_lucas.id, "guardian_id": cls.uncle.id})

    def setUp(self):
        super().setUp()
        # Requests come from 127.0.0.1: its throttling key is removed after each test.
        self._attempt_keys.add("invitation-ip:127.0.0.1")

    def _mails_to(self, partner):
        return [mail for mail in self._mails if any(partner.email in address for address in mail["email_to"])]

    def _invite(self):
        with self.mock_mail_gateway():
            self.uncle.with_user(self.user_bursar).action_school_invite()
        mails = self._mails_to(self.uncle)
        self.assertEqual(len(mails), 1)
        return mails[0]

    def _open(self, link):
        """Open a mail's link on this server (the path and query of the link)."""
        parsed = url_parse(link)
        return self.url_open(f"{parsed.path}?{parsed.query}")

    def _set_password(self, link):
        """Open the link, then post the form it shows (as the browser does)."""
        page = self._open(link)
        self.assertEqual(page.status_code, 200)
        self.assertIn('name="confirm_password"', page.text)
        query = url_parse(link).decode_query()
        return self.url_open(
            url_parse(link).path,
            data={
                "csrf_token": CSRF.search(page.text).group(1),
                "token": query["token"],
                "redirect": query["redirect"],
                "login": self.uncle.email,
                "name": self.uncle.name,
                "password": PASSWORD,
                "confirm_password": PASSWORD,
            },
        )

    def _resend(self, page=None, **data):
        """Post the form of ``page`` (its CSRF token and hidden token), or ``data`` with a
        CSRF token of the request page."""
        if page is None:
            page = self.url_open("/my/school/invitation/resend")
            self.assertEqual(page.status_code, 200)
        values = {"csrf_token": CSRF.search(page.text).group(1), **data}
        token = TOKEN_FIELD.search(page.text)
        if token and "token" not in data:
            values["token"] = token.group(1)
        with self.mock_mail_gateway():
            response = self.url_open("/my/school/invitation/resend", data=values)
        self.assertEqual(response.status_code, 200)
        self.assertIn(NEUTRAL, response.text)
        return response

    def test_invitation_link_sets_password_and_logs_in(self):
        mail = self._invite()
        user = self.uncle.user_ids
        self.assertIn(user.login, mail["body"], "the mail gives the username")
        response = self._set_password(invitation_link(mail))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(url_parse(response.url).path, f"/my/school/child/{self.student_lucas.id}")
        self.assertIn("Lucas", response.text)
        # The parent is logged in with the password chosen.
        self.assertTrue(user.login_date)
        self.opener.cookies.clear()
        self.authenticate(user.login, PASSWORD)
        self.assertEqual(self.url_open("/my/school").status_code, 200)

    def test_used_link_explains_and_offers_a_new_one(self):
        mail = self._invite()
        link = invitation_link(mail)
        self._set_password(link)
        self.opener.cookies.clear()

        page = self._open(link)
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_school_invitation_used", page.text)
        self.assertIn("already used", page.text)
        self.assertNotIn('name="confirm_password"', page.text, "no password form for a used link")
        self.assertIn('action="/my/school/invitation/resend"', page.text)

        invitation = self.env["school.parent.invitation"].search([("partner_id", "=", self.uncle.id)], limit=1)
        # One new invitation per account every 10 minutes: the last one is older.
        invitation.sudo().sent_date -= timedelta(minutes=11)
        self._resend(page)
        mails = self._mails_to(self.uncle)
        self.assertEqual(len(mails), 1, "a new invitation, to the account's address")
        new_link = invitation_link(mails[0])
        self.assertEqual(url_parse(new_link).path, "/web/reset_password", "the account exists: a new password")
        self.assertNotEqual(new_link, link)
        self.assertIn('name="confirm_password"', self._open(new_link).text)

        # At once again: throttled, the same answer, no mail.
        self._resend(self._open(link))
        self.assertFalse(self._mails_to(self.uncle))

    def test_expired_link_explains_and_sends_a_new_one(self):
        mail = self._invite()
        link = invitation_link(mail)
        invitation = self.env["school.parent.invitation"].search([("partner_id", "=", self.uncle.id)], limit=1)
        with freeze_time(invitation.expiration_date + timedelta(minutes=1)):
            page = self._open(link)
            self.assertEqual(page.status_code, 200)
            self.assertIn("o_school_invitation_expired", page.text)
            self.assertNotIn('name="confirm_password"', page.text)
            self._resend(page)
            mails = self._mails_to(self.uncle)
            self.assertEqual(len(mails), 1)
            response = self._set_password(invitation_link(mails[0]))
            self.assertEqual(url_parse(response.url).path, f"/my/school/child/{self.student_lucas.id}")

    def test_replaced_link_explains(self):
        first = invitation_link(self._invite())
        self._invite()
        page = self._open(first)
        self.assertIn("o_school_invitation_replaced", page.text)
        self.assertNotIn('name="confirm_password"', page.text)

    def test_resend_says_nothing_and_sends_nothing_to_strangers(self):
        self._invite()
        self._mails = []
        # Anonymous: an unknown login, a staff login, a forged token.
        page = self.url_open("/my/school/invitation/resend")
        self.assertIn('name="login"', page.text)
        self._resend(login="nobody@example.com")
        self._resend(login=self.user_bursar.login)
        self._resend(token="forged-token")
        # A stranger logged in (another family's parent) asking with an unknown login.
        self.authenticate(self.user_parent_2.login, self.user_parent_2.login)
        self._resend(login="someone.else@example.com")
        self.assertFalse(self._mails, "no mail for unknown logins, staff or forged tokens")
        self.assertFalse(
            self.env["school.parent.invitation"].search([("partner_id", "=", self.user_bursar.partner_id.id)])
        )

    def test_resend_by_login_reaches_the_accounts_address(self):
        self._invite()
        invitation = self.env["school.parent.invitation"].search([("partner_id", "=", self.uncle.id)], limit=1)
        invitation.sudo().sent_date -= timedelta(minutes=11)
        self._resend(login=self.uncle.user_ids.login.upper())
        self.assertEqual(len(self._mails_to(self.uncle)), 1)
        self.assertEqual(len(self._mails), 1, "to the account's address only")

    def test_resend_throttled_per_address(self):
        self.env["ir.config_parameter"].sudo().set_param("optis_school.activation_max_attempts", 2)
        self._invite()
        invitation = self.env["school.parent.invitation"].search([("partner_id", "=", self.uncle.id)], limit=1)
        invitation.sudo().sent_date -= timedelta(minutes=11)
        self._resend(login="nobody@example.com")
        self._resend(login="nobody.else@example.com")
        # The third request of this address within the window: the same answer, nothing sent.
        self._resend(login=self.uncle.user_ids.login)
        self.assertFalse(self._mails_to(self.uncle))
