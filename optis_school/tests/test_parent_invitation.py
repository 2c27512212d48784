import html
import re
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from werkzeug.urls import url_parse

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from odoo.addons.base.models.ir_mail_server import IrMailServer
from odoo.addons.mail.tests.common import MockEmail

from .common import SchoolCase

LINK = re.compile(r'href="([^"]*/web/(?:signup|reset_password)\?[^"]*)"')


def invitation_link(mail):
    """The link of an invitation mail (as sent)."""
    match = LINK.search(mail["body"])
    return html.unescape(match.group(1)) if match else None


@tagged("post_install", "-at_install")
class TestParentInvitation(SchoolCase, MockEmail):
    """Invitations from the backend: the guardian's Invite button, the students' Invite Parents
    action; the link's validity and single use; what staff see of the mail."""

    def _mails_to(self, partner):
        return [mail for mail in self._mails if any(partner.email in address for address in mail["email_to"])]

    def _invite_as_bursar(self, guardian, user=None):
        with self.mock_mail_gateway():
            guardian.with_user(user or self.user_bursar).action_school_invite()
        return self.env["school.parent.invitation"].search([("partner_id", "=", guardian.id)], limit=1)

    def _token(self, mail):
        return url_parse(invitation_link(mail)).decode_query()["token"]

    def test_invite_guardian_without_account(self):
        now = fields.Datetime.now()
        invitation = self._invite_as_bursar(self.guardian_marc)
        user = self.guardian_marc.user_ids
        self.assertEqual(len(user), 1)
        self.assertTrue(user._is_portal())
        self.assertFalse(user._is_internal())
        self.assertEqual(invitation.user_id, user)
        self.assertEqual(invitation.company_id, self.school_a)
        self.assertEqual(invitation.state, "valid")
        # The school's validity (default 14 days), not auth_signup's 144 hours.
        self.assertEqual(self.school_a.school_invitation_validity_days, 14)
        self.assertAlmostEqual(invitation.expiration_date, now + timedelta(days=14), delta=timedelta(minutes=1))

        mails = self._mails_to(self.guardian_marc)
        self.assertEqual(len(mails), 1, "one mail: the school's invitation, not the portal's welcome too")
        self.assertIn(user.login, mails[0]["body"], "the mail gives the username")
        self.assertIn("14", mails[0]["body"])
        link = url_parse(invitation_link(mails[0]))
        self.assertEqual(link.path, "/web/signup")
        self.assertEqual(link.decode_query()["redirect"], "/my/school")
        token = link.decode_query()["token"]
        self.assertEqual(self.env["res.partner"]._get_partner_from_token(token), self.guardian_marc)
        self.assertNotIn(token, str(invitation.sudo().read()), "the token itself is not stored")

    def test_invite_guardian_with_account_sends_reset_link(self):
        self._invite_as_bursar(self.parent_1)
        self.assertEqual(self.parent_1.user_ids, self.user_parent_1)
        mails = self._mails_to(self.parent_1)
        self.assertEqual(len(mails), 1)
        self.assertIn(self.user_parent_1.login, mails[0]["body"])
        self.assertEqual(url_parse(invitation_link(mails[0])).path, "/web/reset_password")
        self.assertEqual(self.parent_1.sudo().signup_type, "reset")

    def test_validity_is_the_schools_setting(self):
        settings = Form(self.env["res.config.settings"].with_company(self.school_a))
        settings.school_invitation_validity_days = 3
        settings.save().execute()
        self.assertEqual(self.school_a.school_invitation_validity_days, 3)
        invitation = self._invite_as_bursar(self.guardian_marc)
        token = self._token(self._mails_to(self.guardian_marc)[0])
        with freeze_time(invitation.expiration_date - timedelta(minutes=1)):
            self.assertEqual(self.env["res.partner"]._get_partner_from_token(token), self.guardian_marc)
        with freeze_time(invitation.expiration_date + timedelta(minutes=1)):
            self.assertFalse(self.env["res.partner"]._get_partner_from_token(token))

    def test_link_valid_14_days_then_expired(self):
        invitation = self._invite_as_bursar(self.guardian_marc)
        token = self._token(self._mails_to(self.guardian_marc)[0])
        Partner = self.env["res.partner"]
        Invitation = self.env["school.parent.invitation"]
        # Beyond auth_signup's 144 hours, within the school's 14 days.
        with freeze_time(fields.Datetime.now() + timedelta(days=13)):
            self.assertEqual(Partner._get_partner_from_token(token), self.guardian_marc)
            self.assertIsNone(Invitation._get_token_refusal(token))
        with freeze_time(invitation.expiration_date + timedelta(minutes=1)):
            self.assertFalse(Partner._get_partner_from_token(token))
            invitation.invalidate_recordset(["state"])
            self.assertEqual(invitation.state, "expired")
            self.assertEqual(Invitation._get_token_refusal(token), "expired")
            with self.assertRaises(UserError):
                self.env["res.users"].sudo().signup({"password": "Marc-2026-school"}, token)

    def test_link_works_once(self):
        invitation = self._invite_as_bursar(self.guardian_marc)
        token = self._token(self._mails_to(self.guardian_marc)[0])
        login, _password = self.env["res.users"].sudo().signup({"password": "Marc-2026-school"}, token)
        self.assertEqual(login, self.guardian_marc.user_ids.login)
        self.assertTrue(invitation.used_date)
        self.assertEqual(invitation.state, "used")
        self.assertFalse(self.env["res.partner"]._get_partner_from_token(token))
        self.assertEqual(self.env["school.parent.invitation"]._get_token_refusal(token), "used")
        # Even if auth_signup's own stamp were set again (a later invitation), this link stays used.
        self.guardian_marc.sudo().signup_prepare(signup_type="signup")
        self.assertFalse(self.env["res.partner"]._get_partner_from_token(token))

    def test_new_invitation_replaces_the_last(self):
        first = self._invite_as_bursar(self.guardian_marc)
        first_token = self._token(self._mails_to(self.guardian_marc)[0])
        second = self._invite_as_bursar(self.guardian_marc)
        second_token = self._token(self._mails_to(self.guardian_marc)[-1])
        self.assertNotEqual(first, second)
        self.assertEqual(first.state, "replaced")
        self.assertEqual(second.state, "valid")
        self.assertEqual(self.guardian_marc.user_ids.ids, second.user_id.ids, "one account")
        self.assertFalse(self.env["res.partner"]._get_partner_from_token(first_token))
        self.assertEqual(self.env["school.parent.invitation"]._get_token_refusal(first_token), "replaced")
        self.assertEqual(self.env["res.partner"]._get_partner_from_token(second_token), self.guardian_marc)

    def test_guardian_shows_the_mail_state(self):
        self._invite_as_bursar(self.guardian_marc)
        guardian = self.guardian_marc.with_user(self.user_bursar)
        self.assertTrue(guardian.school_invitation_date)
        self.assertEqual(guardian.school_invitation_state, "valid")
        self.assertIn(guardian.school_invitation_mail_state, ("sent", "queued"))
        tracking = self.env["mail.tracking.email"].search(
            [("school_invitation_id", "=", guardian.school_invitation_id.id)]
        )
        self.assertEqual(len(tracking), 1, "mail_tracking followed the invitation mail")
        tracking.event_create("hard_bounce", {"bounce_type": "hard_bounce", "bounce_description": "No such user"})
        self.assertEqual(tracking.state, "bounced")
        guardian.invalidate_recordset()
        self.assertEqual(guardian.school_invitation_mail_state, "bounced")
        # The state is on the guardian's form, School tab, for bursars.
        arch = guardian.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="school_invitation_mail_state"', arch)
        self.assertIn('name="action_school_invite"', arch)
        # Opened later (a new tracking event): the guardian follows.
        tracking.event_create("open", {})
        guardian.invalidate_recordset()
        self.assertEqual(guardian.school_invitation_mail_state, "opened")

    def test_guardian_shows_a_mail_that_could_not_be_sent(self):
        with patch.object(IrMailServer, "connect", side_effect=ConnectionRefusedError("no mail server")):
            invitation = self._invite_as_bursar(self.guardian_marc)
        self.assertFalse(self._mails_to(self.guardian_marc))
        guardian = self.guardian_marc.with_user(self.user_bursar)
        self.assertEqual(guardian.school_invitation_id, invitation)
        self.assertEqual(guardian.school_invitation_mail_state, "error")

    def test_students_action_invites_their_guardians(self):
        uncle = self.env["res.partner"].create({"name": "Uncle Bob", "email": "uncle.bob@family-three.example"})
        self.env["school.guardian.link"].create({"student_id": self.student_lucas.id, "guardian_id": uncle.id})
        action = self.env.ref("optis_school.school_access_reset_action_invite")
        self.assertEqual(action.binding_model_id.model, "res.partner")
        self.assertEqual(action.binding_view_types, "list")
        bindings = self.env["ir.actions.actions"].with_user(self.user_bursar).get_bindings("res.partner")["action"]
        self.assertIn(action.id, [binding["id"] for binding in bindings])
        teacher_bindings = self.env["ir.actions.actions"].with_user(self.user_teacher).get_bindings("res.partner")
        self.assertNotIn(action.id, [binding["id"] for binding in teacher_bindings["action"]])

        wizard = Form(
            self.env["school.access.reset"]
            .with_user(self.user_bursar)
            .with_context(active_ids=[self.student_lucas.id], default_student_ids=[self.student_lucas.id])
        ).save()
        with self.mock_mail_gateway():
            wizard.action_reset()
        invitation = self.env["school.parent.invitation"].search([("partner_id", "=", uncle.id)])
        self.assertEqual(invitation.state, "valid")
        self.assertEqual(len(self._mails_to(uncle)), 1)
        self.assertEqual(url_parse(invitation_link(self._mails_to(uncle)[0])).path, "/web/signup")

    def test_bursar_cannot_reach_a_staff_user(self):
        """A bursar links the school administrator as a guardian: neither the Invite button nor
        the wizard touches the staff account (sudo writes reach portal accounts only)."""
        staff_partner = self.user_school_admin.partner_id
        self.env["school.guardian.link"].create({"student_id": self.student_lucas.id, "guardian_id": staff_partner.id})
        with self.assertRaisesRegex(UserError, "staff account"), self.mock_mail_gateway():
            staff_partner.with_user(self.user_bursar).action_school_invite()
        self.assertFalse(self._mails_to(staff_partner))
        self.assertFalse(staff_partner.sudo().signup_type)
        self.assertFalse(self.env["school.parent.invitation"].search([("partner_id", "=", staff_partner.id)]))
        self.assertFalse(self.user_school_admin.share)

        wizard = Form(
            self.env["school.access.reset"]
            .with_user(self.user_bursar)
            .with_context(default_student_ids=[self.student_lucas.id])
        ).save()
        with self.mock_mail_gateway():
            action = wizard.action_reset()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertFalse(self._mails_to(staff_partner))
        self.assertFalse(staff_partner.sudo().signup_type)

        # The sending method itself is not for callers outside sudo.
        with self.assertRaises(AccessError):
            self.env["school.parent.invitation"].with_user(self.user_bursar)._invite(self.guardian_marc)

    def test_who_may_invite_whom(self):
        # A teacher is no bursar.
        with self.assertRaises(AccessError):
            self.guardian_marc.with_user(self.user_teacher).action_school_invite()
        # School B's bursar does not reach school A's guardians.
        with self.assertRaisesRegex(UserError, "no child in your schools"):
            self.guardian_marc.with_user(self.user_bursar_b).action_school_invite()
        # A guardian whose links allow no parent account is not invited.
        neighbour = self.env["res.partner"].create({"name": "Neighbour", "email": "neighbour@example.com"})
        self.env["school.guardian.link"].create(
            {
                "student_id": self.student_lucas.id,
                "guardian_id": neighbour.id,
                "is_legally_responsible": False,
                "is_in_charge": False,
            }
        )
        with self.assertRaises(UserError), self.mock_mail_gateway():
            neighbour.with_user(self.user_bursar).action_school_invite()
        self.assertFalse(neighbour.user_ids)
        self.assertFalse(self._mails_to(neighbour))
        # Nobody writes invitations, bursars read them.
        invitation = self._invite_as_bursar(self.guardian_marc)
        with self.assertRaises(AccessError):
            invitation.with_user(self.user_bursar).write({"used_date": False, "expiration_date": "2099-01-01"})
        self.assertEqual(invitation.with_user(self.user_bursar).state, "valid")

    def test_mail_in_the_guardians_language(self):
        if not self.env["res.lang"]._lang_get("fr_BE"):
            self.env["res.lang"]._activate_lang("fr_BE")
        self.guardian_marc.lang = "fr_BE"
        self._invite_as_bursar(self.guardian_marc)
        mail = self._mails_to(self.guardian_marc)[0]
        self.assertIn("Votre compte parent", mail["subject"])
        self.assertIn("Choisir votre mot de passe", mail["body"])
        self.assertIn(self.guardian_marc.user_ids.login, mail["body"])
        self.assertTrue(invitation_link(mail))
