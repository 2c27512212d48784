from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MockEmail

from .common import SchoolCase

ATTEMPT_LOGGER = "odoo.addons.optis_school.models.school_activation_attempt"


class GuardianRightsCase(SchoolCase):
    """School A's families, plus Emma and Noah's uncle Oscar: linked as "Other", not legally
    responsible, receives no mail (he picks them up: in charge and paying by default)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.guardian_oscar = cls.env["res.partner"].create(
            {"first_name": "Oscar", "last_name": "Lejeune", "email": "oscar.lejeune@family-one.example"}
        )
        cls.link_emma_oscar, cls.link_noah_oscar = cls.env["school.guardian.link"].create(
            [
                {
                    "student_id": student.id,
                    "guardian_id": cls.guardian_oscar.id,
                    "relationship": "other",
                    "is_legally_responsible": False,
                    "receives_mail": False,
                }
                for student in (cls.student_emma, cls.student_noah)
            ]
        )

    def _set_school_rule(self, school, **values):
        """Change ``school``'s rule in Settings (the settings act on the current company)."""
        settings = self.env["res.config.settings"].with_company(school).create({})
        self.assertEqual(settings.company_id, school)
        settings.write(values)
        settings.execute()

    def _rights(self, link):
        return link.grants_portal_account, link.grants_money, link.grants_meetings


@tagged("post_install", "-at_install")
class TestGuardianRights(GuardianRightsCase):
    def test_default_rule_legally_responsible_only(self):
        self.assertFalse(self.school_a.school_portal_in_charge)
        self.assertFalse(self.school_a.school_portal_ticked)
        self.assertEqual(self._rights(self.link_emma_isabelle), (True, True, True))
        # Marc does not live with the children nor pay: legally responsible all the same.
        self.assertEqual(self._rights(self.link_emma_marc), (True, True, True))
        self.assertEqual(self._rights(self.link_emma_oscar), (False, False, False))

    def test_rights_follow_the_flags(self):
        form = Form(self.link_emma_isabelle.with_user(self.user_bursar))
        form.is_payer = False
        form.save()
        self.assertEqual(self._rights(self.link_emma_isabelle), (True, True, True), "legally responsible")
        form.is_legally_responsible = False
        form.save()
        self.assertEqual(self._rights(self.link_emma_isabelle), (False, False, False), "not allowed an account")

    def test_school_allows_guardians_in_charge(self):
        self._set_school_rule(self.school_a, school_portal_in_charge=True)
        # Recomputed for every link of the school, and of that school only.
        self.assertEqual(self._rights(self.link_emma_oscar), (True, True, True), "in charge and paying")
        self.link_noah_oscar.with_user(self.user_bursar).is_payer = False
        self.assertEqual(self._rights(self.link_noah_oscar), (True, False, True), "meetings only")
        self.link_noah_oscar.with_user(self.user_bursar).is_in_charge = False
        self.assertEqual(self._rights(self.link_noah_oscar), (False, False, False))
        zoe_link = self.env["school.guardian.link"].create(
            {"student_id": self.student_zoe.id, "guardian_id": self.guardian_oscar.id, "is_legally_responsible": False}
        )
        self.assertFalse(zoe_link.grants_portal_account, "school B keeps its own rule")
        self._set_school_rule(self.school_a, school_portal_in_charge=False)
        self.assertEqual(self._rights(self.link_emma_oscar), (False, False, False))

    def test_school_allows_guardians_ticked_by_hand(self):
        self.link_emma_oscar.with_user(self.user_bursar).allow_portal_account = True
        self.assertFalse(self.link_emma_oscar.grants_portal_account, "the school does not allow ticks")
        self._set_school_rule(self.school_a, school_portal_ticked=True)
        self.assertEqual(self._rights(self.link_emma_oscar), (True, True, True))
        self.assertFalse(self.link_noah_oscar.grants_portal_account, "not ticked for Noah")

    def test_rights_are_computed_only(self):
        with self.assertRaisesRegex(UserError, "follow the guardian's flags"):
            self.link_emma_oscar.with_user(self.user_bursar).write({"grants_money": True})
        with self.assertRaisesRegex(UserError, "follow the guardian's flags"):
            self.env["school.guardian.link"].with_user(self.user_bursar).create(
                {"student_id": self.student_lucas.id, "guardian_id": self.guardian_oscar.id, "grants_meetings": True}
            )
        self.assertFalse(self.link_emma_oscar.grants_money)

    def test_students_granting_a_right(self):
        links = self.env["school.guardian.link"]
        self._set_school_rule(self.school_a, school_portal_in_charge=True)
        self.link_noah_oscar.is_payer = False
        self.assertEqual(
            links._get_students_granting(self.guardian_oscar, "grants_meetings"), self.student_emma | self.student_noah
        )
        self.assertEqual(links._get_students_granting(self.guardian_oscar, "grants_money"), self.student_emma)
        with self.assertRaises(ValueError):
            links._get_students_granting(self.guardian_oscar, "is_payer")


@tagged("post_install", "-at_install")
class TestGuardianRightsAccess(GuardianRightsCase, MockEmail):
    """Reset Parent Access and activation codes follow the rights."""

    def _mails_to(self, partner):
        return [mail for mail in self._mails if any(partner.email in address for address in mail["email_to"])]

    def _reset(self, students, mode=None):
        form = Form(self.env["school.access.reset"].with_user(self.user_bursar))
        for student in students:
            form.student_ids.add(student)
        if mode:
            form.mode = mode
        return form.save()

    def test_reset_does_not_invite_the_other_guardian(self):
        """The issue's case: one account per guardian, an "Other" guardian of both children."""
        wizard = self._reset(self.student_emma | self.student_noah)
        self.assertEqual(wizard.mode, "guardian")
        self.assertEqual(wizard.guardian_ids, self.parent_1 | self.guardian_marc)
        with self.mock_mail_gateway():
            wizard.action_reset()
        self.assertFalse(self.guardian_oscar.with_context(active_test=False).user_ids)
        self.assertFalse(self._mails_to(self.guardian_oscar))
        self.assertTrue(self.guardian_marc.user_ids.has_group("base.group_portal"))

    def test_reset_sends_no_reset_to_a_guardian_without_rights(self):
        # Oscar got an account by hand once; the school's rule leaves him out.
        self.env["portal.wizard"].create({"partner_ids": [(6, 0, self.guardian_oscar.ids)]}).user_ids.with_context(
            no_reset_password=True
        ).action_grant_access()
        self.assertTrue(self.guardian_oscar.user_ids)
        wizard = self._reset(self.student_emma)
        with self.mock_mail_gateway():
            action = wizard.action_reset()
        self.assertIn("1 password reset mails and 1 invitations", action["params"]["message"])
        self.assertFalse(self._mails_to(self.guardian_oscar))

    def test_reset_invites_guardians_in_charge_when_allowed(self):
        self._set_school_rule(self.school_a, school_portal_in_charge=True)
        wizard = self._reset(self.student_emma)
        self.assertEqual(wizard.guardian_ids, self.parent_1 | self.guardian_marc | self.guardian_oscar)

    def test_reset_family_mode_skips_guardian_without_rights(self):
        # Lina now lives with her stepmother, who is not legally responsible: her father is invited.
        stepmother = self.env["res.partner"].create({"name": "Step Mother", "email": "step@family-two.example"})
        self.env["school.guardian.link"].create(
            {"student_id": self.student_lina.id, "guardian_id": stepmother.id, "is_legally_responsible": False}
        )
        self.link_lina_karim.is_in_charge = False
        wizard = self._reset(self.student_lina, mode="family")
        self.assertEqual(wizard.guardian_ids, self.parent_2)

    def test_reset_without_eligible_guardian(self):
        self.env["school.guardian.link"].create(
            {
                "student_id": self.student_lucas.id,
                "guardian_id": self.guardian_oscar.id,
                "is_legally_responsible": False,
            }
        )
        wizard = self._reset(self.student_lucas)
        self.assertFalse(wizard.guardian_ids)
        with self.assertRaisesRegex(UserError, "no guardian who may have a parent account"):
            wizard.action_reset()
        self.assertFalse(self.guardian_oscar.with_context(active_test=False).user_ids)

    def test_letters_go_to_guardians_with_rights(self):
        self.link_emma_oscar.receives_mail = True
        codes = self.env["school.activation.code"]._create_for_students(self.student_emma | self.student_noah)
        self.assertEqual(codes.guardian_id, self.parent_1, "Oscar receives mail but may not have an account")
        self._set_school_rule(self.school_a, school_portal_ticked=True)
        self.link_emma_oscar.allow_portal_account = True
        codes = self.env["school.activation.code"]._create_for_students(self.student_emma)
        self.assertEqual(codes.guardian_id, self.parent_1 | self.guardian_oscar)

    def test_no_letter_for_a_student_without_eligible_guardian(self):
        self.env["school.guardian.link"].create(
            {
                "student_id": self.student_lucas.id,
                "guardian_id": self.guardian_oscar.id,
                "is_legally_responsible": False,
            }
        )
        form = Form(self.env["school.activation.code.generate"].with_user(self.user_bursar))
        form.student_ids.add(self.student_lucas)
        form.print_letters = False
        wizard = form.save()
        with self.assertRaisesRegex(UserError, "None of these students"):
            wizard.action_generate()
        self.assertFalse(self.student_lucas.sudo().activation_code_ids)

    def test_redeemed_code_gives_the_rights_of_its_guardian(self):
        code = self._new_code(self.student_emma, guardian_id=self.guardian_marc.id)
        marc_account = self._new_parent("Marc (new account)")
        self._redeem(code.code, marc_account)
        link = self.student_emma.student_guardian_link_ids.filtered(lambda link: link.guardian_id == marc_account)
        self.assertEqual(
            (link.relationship, link.is_legally_responsible, link.is_in_charge, link.receives_mail, link.is_payer),
            ("father", True, False, False, True),
        )
        self.assertEqual(self._rights(link), (True, True, True))

    def test_ticked_guardian_code_keeps_the_tick(self):
        self._set_school_rule(self.school_a, school_portal_ticked=True)
        self.link_noah_oscar.write({"allow_portal_account": True, "is_payer": False, "is_in_charge": False})
        code = self._new_code(self.student_noah, guardian_id=self.guardian_oscar.id)
        account = self._new_parent("Oscar (new account)")
        self._redeem(code.code, account)
        link = self.student_noah.student_guardian_link_ids.filtered(lambda link: link.guardian_id == account)
        self.assertTrue(link.allow_portal_account)
        self.assertEqual(self._rights(link), (True, False, False))

    @mute_logger(ATTEMPT_LOGGER)
    def test_code_of_a_guardian_without_rights_is_refused(self):
        code = self._new_code(self.student_lina, guardian_id=self.guardian_rose.id)
        self.link_lina_rose.is_legally_responsible = False
        parent = self._new_parent("Rose (new account)")
        with self.assertRaisesRegex(UserError, "no longer gives access"):
            self._redeem(code.code, parent)
        self.assertEqual(code.state, "unused")
        self.assertNotIn(parent, self.student_lina.guardian_ids)
        # The same when the guardian has been unlinked from the child.
        self.link_lina_rose.is_legally_responsible = True
        self.link_lina_rose.unlink()
        with self.assertRaisesRegex(UserError, "no longer gives access"):
            self._redeem(code.code, parent)
        self.assertNotIn(parent, self.student_lina.guardian_ids)

    def test_unaddressed_code_makes_a_legally_responsible_guardian(self):
        code = self._new_code(self.student_lucas)
        parent = self._new_parent("Lucas's Mother")
        self._redeem(code.code, parent)
        link = self.student_lucas.student_guardian_link_ids
        self.assertEqual(link.guardian_id, parent)
        self.assertEqual(self._rights(link), (True, True, True))
