import math
import re
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.optis_school.models.school_activation_code import CODE_ALPHABET, CODE_LENGTH

from .common import SchoolCase

ATTEMPT_LOGGER = "odoo.addons.optis_school.models.school_activation_attempt"


@tagged("post_install", "-at_install")
class TestActivationCodeFormat(SchoolCase):
    def test_alphabet_and_entropy(self):
        self.assertEqual(CODE_LENGTH, 16)
        self.assertEqual(len(set(CODE_ALPHABET)), len(CODE_ALPHABET), "duplicate symbols lower the entropy")
        # Symbols that are read one for another on paper are left out.
        self.assertFalse(set("01OILUV") & set(CODE_ALPHABET))
        self.assertTrue(set(CODE_ALPHABET) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
        entropy_bits = CODE_LENGTH * math.log2(len(CODE_ALPHABET))
        self.assertGreaterEqual(entropy_bits, 64)

    def test_code_format(self):
        code = self._new_code(self.student_emma)
        self.assertEqual(len(code.code), CODE_LENGTH)
        self.assertTrue(set(code.code) <= set(CODE_ALPHABET), code.code)
        symbol = f"[{re.escape(CODE_ALPHABET)}]"
        self.assertRegex(code.code_display, rf"^{symbol}{{4}}-{symbol}{{4}}-{symbol}{{4}}-{symbol}{{4}}$")
        self.assertEqual(code.code_display.replace("-", ""), code.code)
        self.assertEqual(code.display_name, code.code_display)
        self.assertEqual(code.state, "unused")
        self.assertEqual(code.company_id, self.school_a)

    def test_typed_code_is_normalized(self):
        code = self._new_code(self.student_emma, code="k7qm-4xpd r2tz 9hwn")
        self.assertEqual(code.code, "K7QM4XPDR2TZ9HWN")
        self.assertEqual(code.code_display, "K7QM-4XPD-R2TZ-9HWN")

    def test_generated_codes_unique(self):
        values = [self.env["school.activation.code"]._generate_code_value() for _index in range(5000)]
        self.assertEqual(len(set(values)), len(values))
        self.assertTrue(all(len(value) == CODE_LENGTH and set(value) <= set(CODE_ALPHABET) for value in values))
        # Every symbol is used: the codes draw from the whole alphabet.
        self.assertEqual(set("".join(values)), set(CODE_ALPHABET))
        codes = self.env["school.activation.code"].create([{"student_id": self.student_noah.id}] * 200)
        self.assertEqual(len(set(codes.mapped("code"))), 200)

    def test_registration_url(self):
        code = self._new_code(self.student_emma)
        base_url = code.get_base_url()
        self.assertEqual(code.registration_url, f"{base_url}/my/school/activate?code={code.code_display}")

    def test_validity_follows_student_school(self):
        now = fields.Datetime.now()
        with freeze_time(now):
            # The current company is neither school: each code follows its student's school.
            code_a, code_b = self.env["school.activation.code"].create(
                [{"student_id": self.student_emma.id}, {"student_id": self.student_zoe.id}]
            )
            self.assertEqual(code_a.expiration_date, now + timedelta(days=30))
            self.assertEqual(code_b.expiration_date, now + timedelta(days=7))
            code_b_in_a = (
                self.env["school.activation.code"]
                .with_company(self.school_a)
                .create({"student_id": self.student_zoe.id})
            )
            self.assertEqual(code_b_in_a.expiration_date, now + timedelta(days=7))
            self.school_b.school_activation_validity_days = 12
            self.assertEqual(self._new_code(self.student_zoe).expiration_date, now + timedelta(days=12))
            explicit = self._new_code(self.student_zoe, expiration_date=now + timedelta(days=2))
            self.assertEqual(explicit.expiration_date, now + timedelta(days=2))

    def test_used_code_kept(self):
        code = self._new_code(self.student_noah)
        self._redeem(code.code, self._new_parent())
        with self.assertRaises(UserError):
            code.unlink()
        unused = self._new_code(self.student_noah)
        unused.unlink()
        self.assertFalse(unused.exists())


@tagged("post_install", "-at_install")
class TestActivationCodeRedeem(SchoolCase):
    def test_redeem_ignores_case_and_separators(self):
        code = self._new_code(self.student_lucas)
        parent = self._new_parent("Anna Peeters")
        typed = "  " + code.code_display.lower().replace("-", " - ") + " "
        self.assertNotEqual(typed, code.code)
        student = self._redeem(typed, parent)
        self.assertEqual(student, self.student_lucas)
        self.assertEqual(code.state, "used")
        self.assertEqual(code.used_by_id, parent)
        self.assertTrue(code.used_date)
        self.assertIn(parent, self.student_lucas.guardian_ids)
        self.assertEqual(self._count_attempts(f"partner:{parent.id}"), 0, "a success is not a failure")
        message = self.student_lucas.message_ids[:1]
        self.assertIn(code.code_display, message.body)
        self.assertIn("Anna Peeters", message.body)

    def test_redeem_lowercase_without_separators(self):
        code = self._new_code(self.student_lucas)
        parent = self._new_parent()
        self._redeem(code.code.lower(), parent)
        self.assertEqual(code.state, "used")

    @mute_logger(ATTEMPT_LOGGER)
    def test_single_use(self):
        code = self._new_code(self.student_lucas)
        first, second = self._new_parent("First"), self._new_parent("Second")
        self._redeem(code.code_display, first)
        with self.assertRaisesRegex(UserError, "already been used"):
            self._redeem(code.code_display, second)
        with self.assertRaisesRegex(UserError, "already been used"):
            self._redeem(code.code_display, first)
        self.assertEqual(code.used_by_id, first)
        self.assertNotIn(second, self.student_lucas.guardian_ids)
        self.assertEqual(self._count_attempts(f"partner:{second.id}"), 1)

    @mute_logger(ATTEMPT_LOGGER)
    def test_expired_code(self):
        code = self._new_code(self.student_lucas)
        other = self._new_code(self.student_lucas)
        other.expiration_date = code.expiration_date + timedelta(days=10)
        parent = self._new_parent()
        with freeze_time(code.expiration_date + timedelta(minutes=1)):
            with self.assertRaisesRegex(UserError, "expired"):
                self._redeem(code.code, parent)
            self.assertEqual(code.state, "unused")
            self.env["school.activation.code"]._cron_expire_codes()
            self.assertEqual(code.state, "expired")
            self.assertEqual(other.state, "unused")
            with self.assertRaisesRegex(UserError, "expired"):
                self._redeem(code.code, parent)
        self.assertNotIn(parent, self.student_lucas.guardian_ids)

    def test_valid_until_expiration(self):
        code = self._new_code(self.student_lucas)
        with freeze_time(code.expiration_date - timedelta(minutes=1)):
            self.env["school.activation.code"]._cron_expire_codes()
            self.assertEqual(code.state, "unused")
            self._redeem(code.code, self._new_parent())
        self.assertEqual(code.state, "used")

    @mute_logger(ATTEMPT_LOGGER)
    def test_revoked_code(self):
        code = self._new_code(self.student_lucas)
        code.action_revoke()
        self.assertEqual(code.state, "revoked")
        parent = self._new_parent()
        with self.assertRaisesRegex(UserError, "revoked"):
            self._redeem(code.code, parent)
        self.assertNotIn(parent, self.student_lucas.guardian_ids)

    def test_revoke_leaves_used_codes(self):
        code = self._new_code(self.student_lucas)
        self._redeem(code.code, self._new_parent())
        code.action_revoke()
        self.assertEqual(code.state, "used")

    @mute_logger(ATTEMPT_LOGGER)
    def test_wrong_code(self):
        code = self._new_code(self.student_lucas)
        parent = self._new_parent()
        wrong = "".join(CODE_ALPHABET[(CODE_ALPHABET.index(char) + 1) % len(CODE_ALPHABET)] for char in code.code)
        for typed in (wrong, code.code[:-1], "", "not a code at all"):
            with self.subTest(typed=typed), self.assertRaisesRegex(UserError, "not valid"):
                self._redeem(typed, parent)
        self.assertEqual(code.state, "unused")
        self.assertNotIn(parent, self.student_lucas.guardian_ids)

    def test_links_the_right_child_only(self):
        code_emma = self._new_code(self.student_emma)
        stranger = self._new_parent("Aunt Claire")
        self.assertEqual(self._redeem(code_emma.code, stranger), self.student_emma)
        self.assertIn(stranger, self.student_emma.guardian_ids)
        self.assertNotIn(stranger, self.student_noah.guardian_ids)
        self.assertEqual(stranger.school_student_ids, self.student_emma)
        self.assertTrue(stranger.is_guardian)
        link = self.student_emma.student_guardian_link_ids.filtered(lambda link: link.guardian_id == stranger)
        self.assertEqual(link.relationship, "other", "no intended guardian on the code")

    def test_parent_redeems_two_children(self):
        code_emma = self._new_code(self.student_emma)
        code_lucas = self._new_code(self.student_lucas)
        # The portal parent redeems with their own (portal) rights.
        self._redeem(code_emma.code_display, self.parent_2, user=self.user_parent_2)
        self._redeem(code_lucas.code_display, self.parent_2, user=self.user_parent_2)
        self.assertEqual(self.parent_2.school_student_ids, self.student_lina | self.student_emma | self.student_lucas)
        self.assertEqual((code_emma | code_lucas).mapped("state"), ["used", "used"])
        self.assertEqual((code_emma | code_lucas).used_by_id, self.parent_2)

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_parent_redeems_for_own_contact_only(self):
        code = self._new_code(self.student_lucas)
        with self.assertRaises(AccessError):
            self._redeem(code.code, self.parent_2, user=self.user_parent_1)
        self.assertEqual(code.state, "unused")
        self.assertNotIn(self.student_lucas, self.parent_2.school_student_ids)
        self._redeem(code.code, self.parent_1, user=self.user_parent_1)
        self.assertIn(self.student_lucas, self.parent_1.school_student_ids)

    def test_already_linked_parent(self):
        code = self._new_code(self.student_emma, guardian_id=self.guardian_marc.id)
        links_before = self.student_emma.student_guardian_link_ids
        self._redeem(code.code, self.parent_1, user=self.user_parent_1)
        self.assertEqual(code.state, "used")
        self.assertEqual(code.used_by_id, self.parent_1)
        self.assertEqual(self.student_emma.student_guardian_link_ids, links_before)
        self.assertEqual(self.link_emma_isabelle.relationship, "mother", "the existing link is left alone")

    def test_relationship_from_intended_guardian(self):
        code = self._new_code(self.student_lina, guardian_id=self.guardian_rose.id)
        new_partner = self._new_parent("Rose (new account)")
        self._redeem(code.code, new_partner)
        link = self.student_lina.student_guardian_link_ids.filtered(lambda link: link.guardian_id == new_partner)
        self.assertEqual(link.relationship, "legal_guardian")
        code_father = self._new_code(self.student_emma, guardian_id=self.guardian_marc.id)
        marc_account = self._new_parent("Marc (new account)")
        self._redeem(code_father.code, marc_account)
        link = self.student_emma.student_guardian_link_ids.filtered(lambda link: link.guardian_id == marc_account)
        self.assertEqual(link.relationship, "father")


@tagged("post_install", "-at_install")
class TestActivationThrottling(SchoolCase):
    """Failures are kept on a cursor of their own (committed): see SchoolCase."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"]
        params.set_param("optis_school.activation_max_attempts", 3)
        params.set_param("optis_school.activation_lockout_minutes", 15)

    def _fail(self, partner, remote_addr=None, times=1):
        for _index in range(times):
            with self.assertRaisesRegex(UserError, "not valid"):
                self._redeem("WRONG-CODE-0000-0000", partner, remote_addr=remote_addr)

    @mute_logger(ATTEMPT_LOGGER)
    def test_below_limit(self):
        parent = self._new_parent()
        code = self._new_code(self.student_lucas)
        self._fail(parent, remote_addr=self._unique_ip(), times=2)
        self.assertEqual(self._count_attempts(f"partner:{parent.id}"), 2)
        self._redeem(code.code, parent, remote_addr=self._unique_ip())
        self.assertEqual(code.state, "used")

    @mute_logger(ATTEMPT_LOGGER)
    def test_lockout_per_partner(self):
        start = fields.Datetime.now()
        parent = self._new_parent()
        code = self._new_code(self.student_lucas)
        with freeze_time(start):
            self._fail(parent, remote_addr=self._unique_ip(), times=3)
            # Even a valid code, from another address, is refused.
            with self.assertRaisesRegex(UserError, "Too many wrong codes"):
                self._redeem(code.code, parent, remote_addr=self._unique_ip())
            self.assertEqual(code.state, "unused")
            self.assertNotIn(parent, self.student_lucas.guardian_ids)
            # Another parent is not locked out.
            self._redeem(self._new_code(self.student_lucas).code, self._new_parent(), remote_addr=self._unique_ip())
        with freeze_time(start + timedelta(minutes=14)), self.assertRaisesRegex(UserError, "Too many wrong codes"):
            self._redeem(code.code, parent)
        # 15 minutes after the failures, only the refusal at +14 minutes is in the window.
        with freeze_time(start + timedelta(minutes=16)):
            self.assertEqual(self._redeem(code.code, parent), self.student_lucas)
        self.assertEqual(code.state, "used")

    @mute_logger(ATTEMPT_LOGGER)
    def test_lockout_per_address(self):
        start = fields.Datetime.now()
        address = self._unique_ip()
        guesser = self._new_parent("Guesser")
        code = self._new_code(self.student_lucas)
        other_parent = self._new_parent("Same network")
        with freeze_time(start):
            self._fail(guesser, remote_addr=address, times=3)
            with self.assertRaisesRegex(UserError, "Too many wrong codes"):
                self._redeem(code.code, other_parent, remote_addr=address)
            self.assertEqual(code.state, "unused")
        with freeze_time(start + timedelta(minutes=16)):
            self.assertEqual(self._redeem(code.code, other_parent, remote_addr=address), self.student_lucas)
        self.assertEqual(code.state, "used")
        self.assertIn(other_parent, self.student_lucas.guardian_ids)

    @mute_logger(ATTEMPT_LOGGER)
    def test_address_lockout_spares_other_addresses(self):
        address = self._unique_ip()
        self._fail(self._new_parent(), remote_addr=address, times=3)
        code = self._new_code(self.student_lucas)
        self._redeem(code.code, self._new_parent(), remote_addr=self._unique_ip())
        self.assertEqual(code.state, "used")

    @mute_logger(ATTEMPT_LOGGER)
    def test_failures_survive_rollback(self):
        parent = self._new_parent()
        self._fail(parent, times=1)
        # assertRaises rolled the test transaction back to its savepoint: the failure stayed.
        self.assertEqual(self._count_attempts(f"partner:{parent.id}"), 1)
