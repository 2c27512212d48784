from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.optis_parent_portal.models.res_users import ExistingAccountError, RegistrationClosedError
from odoo.addons.optis_school.tests.common import SchoolCase

ATTEMPT_LOGGER = "odoo.addons.optis_school.models.school_activation_attempt"


@tagged("post_install", "-at_install")
class TestSignupWithCode(SchoolCase):
    """The model side of the registration page, in real transactions: the failures of a
    code are committed on their own cursor (see SchoolCase), the account is not."""

    def setUp(self):
        super().setUp()
        # The contact a refused signup made is rolled back, its failure is not: remove those too.
        with self.env.registry.cursor() as cr:
            cr.execute("SELECT COALESCE(MAX(id), 0) FROM school_activation_attempt")
            last_id = cr.fetchone()[0]
        self.addCleanup(self._delete_partner_attempts_after, last_id)

    def _delete_partner_attempts_after(self, last_id):
        with self.env.registry.cursor() as cr:
            cr.execute("DELETE FROM school_activation_attempt WHERE id > %s AND key LIKE 'partner:%%'", [last_id])

    def _values(self, login="anne@family-three.example", **values):
        return {"name": "Anne Peeters", "login": login, "password": "Lucas-2026-school", **values}

    def _signup(self, code_text, remote_addr=None, **values):
        if remote_addr:
            self._attempt_keys.add(f"ip:{remote_addr}")
        return self.env["res.users"]._signup_parent_with_code(self._values(**values), code_text, remote_addr)

    def _accounts(self, login):
        users = self.env["res.users"].with_context(active_test=False).search([("login", "=", login)])
        return users, self.env["res.partner"].with_context(active_test=False).search([("email", "=", login)])

    def test_new_parent_is_a_portal_user_of_the_child_school(self):
        code = self._new_code(self.student_zoe)
        user, student = self._signup(code.code_display, remote_addr=self._unique_ip())
        self.assertEqual(student, self.student_zoe)
        self.assertEqual(user.groups_id, self.env.ref("base.group_portal"))
        self.assertEqual(user.company_id, self.school_b)
        self.assertEqual(user.company_ids, self.school_b)
        self.assertIn(user.partner_id, self.student_zoe.guardian_ids)
        self.assertEqual(code.state, "used")

    @mute_logger(ATTEMPT_LOGGER)
    def test_wrong_code_leaves_no_account_but_its_failure(self):
        address = self._unique_ip()
        with self.assertRaisesRegex(UserError, "not valid"):
            self._signup("ABCD-EFGH-JKMN-PQRS", remote_addr=address)
        users, partners = self._accounts("anne@family-three.example")
        self.assertFalse(users)
        self.assertFalse(partners, "the contact made for the code is rolled back with it")
        self.assertEqual(self._count_attempts(f"ip:{address}"), 1, "the failure counts against the address")

    @mute_logger(ATTEMPT_LOGGER)
    def test_lockout_refuses_a_valid_code(self):
        address = self._unique_ip()
        max_attempts, _window = self.env["school.activation.attempt"]._get_limits()
        for _index in range(max_attempts):
            with self.assertRaises(UserError):
                self._signup("ABCD-EFGH-JKMN-PQRS", remote_addr=address)
        code = self._new_code(self.student_lucas)
        with self.assertRaisesRegex(UserError, "Too many wrong codes"):
            self._signup(code.code, remote_addr=address)
        self.assertEqual(code.state, "unused")
        self.assertFalse(self._accounts("anne@family-three.example")[0])

    def test_existing_address_is_told_only_with_a_valid_code(self):
        code = self._new_code(self.student_lucas)
        with self.assertRaises(ExistingAccountError):
            self._signup(code.code, login=self.user_parent_1.email.upper())
        self.assertEqual(code.state, "unused")
        self.assertNotIn(self.parent_1, self.student_lucas.guardian_ids)
        with mute_logger(ATTEMPT_LOGGER), self.assertRaisesRegex(UserError, "not valid") as refusal:
            self._signup("ABCD-EFGH-JKMN-PQRS", remote_addr=self._unique_ip(), login=self.user_parent_1.email)
        self.assertNotIsInstance(refusal.exception, ExistingAccountError)

    def test_registration_closed(self):
        self.school_a.school_parent_registration = False
        code = self._new_code(self.student_lucas)
        self.assertFalse(self.env["school.activation.code"]._is_parent_registration_open(code.code_display))
        self.assertTrue(self.env["school.activation.code"]._is_parent_registration_open(None), "school B is open")
        with self.assertRaises(RegistrationClosedError):
            self._signup(code.code)
        self.assertEqual(code.state, "unused")
        self.assertFalse(self._accounts("anne@family-three.example")[0])

    def test_language_of_the_page(self):
        self.env["res.lang"]._activate_lang("fr_BE")
        code = self._new_code(self.student_lucas)
        user, _student = self._signup(code.code, lang="fr_BE")
        self.assertEqual(user.lang, "fr_BE")
        code = self._new_code(self.student_lucas)
        user, _student = self._signup(code.code, login="other@family-three.example", lang="xx_XX")
        self.assertIn(user.lang, dict(self.env["res.lang"].get_installed()), "an unknown language is ignored")

    def test_registration_is_a_school_setting_open_by_default(self):
        school = self.env["res.company"].create({"name": "OPTIS Test School C"})
        self.assertTrue(school.school_parent_registration)
        settings = self.env["res.config.settings"].with_company(school).create({})
        self.assertTrue(settings.school_parent_registration)
        settings.school_parent_registration = False
        settings.execute()
        self.assertFalse(school.school_parent_registration)
        self.assertTrue(self.school_a.school_parent_registration, "other schools keep theirs")

    def test_form_values_checked(self):
        code = self._new_code(self.student_lucas)
        for values, message in (
            ({"name": " "}, "Enter your name"),
            ({"login": "not an address"}, "valid email address"),
            ({"password": ""}, "Choose a password"),
        ):
            with self.subTest(values=values), self.assertRaisesRegex(UserError, message):
                self._signup(code.code, **values)
        self.assertEqual(code.state, "unused")

    def test_added_child_opens_its_school(self):
        code = self._new_code(self.student_zoe)
        student = self.user_parent_1._add_child_with_code(code.code)
        self.assertEqual(student, self.student_zoe)
        self.assertIn(self.school_b, self.user_parent_1.company_ids)
        with self.assertRaisesRegex(UserError, "staff accounts"):
            self.user_school_admin._add_child_with_code(self._new_code(self.student_lucas).code)

    def test_code_links_a_child_to_the_callers_own_account_only(self):
        """The code is redeemed in sudo for the account it is called on: a parent cannot
        link a child (nor a school) to another parent's account."""
        code = self._new_code(self.student_zoe)
        with self.assertRaises(AccessError):
            self.user_parent_1.with_user(self.user_parent_2)._add_child_with_code(code.code)
        self.assertEqual(code.state, "unused")
        self.assertNotIn(self.school_b, self.user_parent_1.company_ids)
        self.assertEqual(self.user_parent_2._add_child_with_code(code.code), self.student_zoe)

    def test_code_format_for_the_form(self):
        codes = self.env["school.activation.code"]
        self.assertEqual(codes._format_typed_code(" k7qm-4xpd r2tz9hwn "), "K7QM-4XPD-R2TZ-9HWN")
        for text in (None, "", "K7QM-4XPD", "K7QM-4XPD-R2TZ-9HWO", "<b>K7QM4XPDR2TZ9HWN</b>", "K" * 100, 42):
            with self.subTest(text=text):
                self.assertEqual(codes._format_typed_code(text), "")
