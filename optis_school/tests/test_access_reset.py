from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import SchoolCase


@tagged("post_install", "-at_install")
class TestAccessReset(SchoolCase, MockEmail):
    def _reset_form(self, students, mode=None):
        form = Form(self.env["school.access.reset"].with_user(self.user_bursar))
        for student in students:
            form.student_ids.add(student)
        if mode:
            form.mode = mode
        return form

    def _mails_to(self, partner):
        """Emails that went out to ``partner`` (the reset mail's record is rolled back once sent)."""
        return [mail for mail in self._mails if any(partner.email in address for address in mail["email_to"])]

    def test_guardian_mode(self):
        self.assertEqual(self.school_a.school_parent_account_mode, "guardian")
        form = self._reset_form(self.student_emma)
        self.assertEqual(form.mode, "guardian")
        wizard = form.save()
        self.assertEqual(wizard.guardian_ids, self.parent_1 | self.guardian_marc)
        self.assertFalse(self.guardian_marc.user_ids)
        with self.mock_mail_gateway():
            action = wizard.action_reset()
        self.assertEqual(action["params"]["type"], "success")

        # Isabelle has an account: a password reset.
        self.assertEqual(self.parent_1.user_ids, self.user_parent_1)
        self.assertEqual(self.parent_1.sudo().signup_type, "reset")
        self.assertEqual(len(self._mails_to(self.parent_1)), 1)

        # Marc had none: a new portal account and its invitation.
        user = self.guardian_marc.with_context(active_test=False).user_ids
        self.assertEqual(len(user), 1)
        self.assertTrue(user.active)
        self.assertTrue(user.share)
        self.assertTrue(user.has_group("base.group_portal"))
        self.assertFalse(user._is_internal())
        self.assertEqual(user.login, "marc.lejeune@family-one.example")
        self.assertEqual(self.guardian_marc.sudo().signup_type, "signup")
        self.assertEqual(len(self._mails_to(self.guardian_marc)), 1)

    def test_family_mode(self):
        # Lina lives with Karim (in charge); Rose is not in charge.
        wizard = self._reset_form(self.student_lina | self.student_emma, mode="family").save()
        self.assertEqual(wizard.guardian_ids, self.parent_2 | self.parent_1)
        with self.mock_mail_gateway():
            wizard.action_reset()
        self.assertFalse(self.guardian_rose.with_context(active_test=False).user_ids)
        self.assertFalse(self.guardian_marc.with_context(active_test=False).user_ids)
        self.assertFalse(self._mails_to(self.guardian_rose))
        self.assertFalse(self._mails_to(self.guardian_marc))
        self.assertEqual(len(self._mails_to(self.parent_2)), 1)
        self.assertEqual(len(self._mails_to(self.parent_1)), 1)

    def test_family_mode_invites_guardian_in_charge(self):
        # Lina moves in with her grandmother: only Rose, now in charge, is invited.
        self.link_lina_karim.is_in_charge = False
        self.link_lina_rose.is_in_charge = True
        wizard = self._reset_form(self.student_lina, mode="family").save()
        self.assertEqual(wizard.guardian_ids, self.guardian_rose)
        with self.mock_mail_gateway():
            wizard.action_reset()
        self.assertTrue(self.guardian_rose.user_ids.has_group("base.group_portal"))
        self.assertTrue(self.guardian_rose.user_ids.share)
        self.assertEqual(len(self._mails_to(self.guardian_rose)), 1)
        self.assertFalse(self._mails_to(self.parent_2))
        self.assertFalse(self.parent_2.sudo().signup_type)

    def test_guardian_mode_only_new_accounts(self):
        # None of Lucas's guardians has an account yet: invitations only, no reset.
        uncle = self.env["res.partner"].create({"name": "Uncle Bob", "email": "uncle.bob@family-three.example"})
        self.env["school.guardian.link"].create({"student_id": self.student_lucas.id, "guardian_id": uncle.id})
        wizard = self._reset_form(self.student_lucas).save()
        with self.mock_mail_gateway():
            action = wizard.action_reset()
        self.assertEqual(action["params"]["type"], "success")
        self.assertTrue(uncle.user_ids.share)
        self.assertTrue(uncle.user_ids.has_group("base.group_portal"))
        self.assertEqual(len(self._mails_to(uncle)), 1)

    def test_company_mode_is_default(self):
        self.school_a.school_parent_account_mode = "family"
        self.assertEqual(self._reset_form(self.student_lina).mode, "family")

    def test_guardian_without_email(self):
        self.guardian_marc.email = False
        wizard = self._reset_form(self.student_noah).save()
        with self.assertRaisesRegex(UserError, "Marc Lejeune"):
            wizard.action_reset()
        self.assertFalse(self.guardian_marc.with_context(active_test=False).user_ids)

    def test_student_without_guardian(self):
        wizard = self._reset_form(self.student_lucas).save()
        with self.assertRaisesRegex(UserError, "no guardian"):
            wizard.action_reset()

    def test_staff_guardian_left_out(self):
        """A guardian who is also staff (here the school administrator, a parent of
        Lucas) keeps their account: the bursar's reset, in sudo, reaches portal users only."""
        staff_partner = self.user_school_admin.partner_id
        self.env["school.guardian.link"].create({"student_id": self.student_lucas.id, "guardian_id": staff_partner.id})
        uncle = self.env["res.partner"].create({"name": "Uncle Bob", "email": "uncle.bob@family-three.example"})
        self.env["school.guardian.link"].create({"student_id": self.student_lucas.id, "guardian_id": uncle.id})
        wizard = self._reset_form(self.student_lucas).save()
        self.assertIn(staff_partner, wizard.guardian_ids)
        with self.mock_mail_gateway():
            action = wizard.action_reset()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn(staff_partner.name, action["params"]["message"])
        self.assertFalse(staff_partner.sudo().signup_type)
        self.assertFalse(self._mails_to(staff_partner))
        self.assertFalse(self.user_school_admin.share)
        # The real guardian is still invited.
        self.assertTrue(uncle.user_ids.share)
        self.assertEqual(len(self._mails_to(uncle)), 1)

    def test_archived_staff_guardian_not_turned_into_portal(self):
        """A former employee's archived account is neither reactivated nor made portal."""
        former = self._new_user("former_staff", "optis_school.group_school_teacher", self.school_a)
        former.active = False
        self.env["school.guardian.link"].create(
            {"student_id": self.student_lucas.id, "guardian_id": former.partner_id.id}
        )
        wizard = self._reset_form(self.student_lucas).save()
        with self.mock_mail_gateway():
            action = wizard.action_reset()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertFalse(former.active)
        self.assertFalse(former.share)
        self.assertFalse(former.has_group("base.group_portal"))
        self.assertEqual(former.partner_id.with_context(active_test=False).user_ids, former)
        self.assertFalse(self._mails_to(former.partner_id))
