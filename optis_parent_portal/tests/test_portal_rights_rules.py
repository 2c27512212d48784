from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .rights_common import PortalRightsCommon


@tagged("post_install", "-at_install")
class TestPortalRightsRules(PortalRightsCommon):
    """The portal record rules follow the rights of the guardian links, query by query."""

    def test_link_rights(self):
        expected = {
            self.link_ada_mother: (True, True, True),
            self.link_ada_stepfather: (True, False, True),
            self.link_ada_grandfather: (True, True, False),
            self.link_bob_grandfather: (True, False, False),
            self.link_ada_uncle: (False, False, False),
        }
        for link, rights in expected.items():
            self.assertEqual(
                (link.grants_portal_account, link.grants_money, link.grants_meetings), rights, link.guardian_id.name
            )

    def test_money_rules(self):
        wallets = {user: self._as(user, "school.wallet").search([]) for user in self._parents()}
        self.assertEqual(
            wallets[self.user_mother], self.wallet_ada_general | self.wallet_ada_meals | self.wallet_bob_general
        )
        self.assertEqual(wallets[self.user_grandfather], self.wallet_ada_general | self.wallet_ada_meals)
        self.assertFalse(wallets[self.user_stepfather])
        self.assertFalse(wallets[self.user_uncle])
        operations = self._as(self.user_grandfather, "school.wallet.operation").search([])
        self.assertEqual(operations.wallet_id, self.wallet_ada_general)
        for user in (self.user_stepfather, self.user_uncle):
            self.assertFalse(self._as(user, "school.wallet.operation").search([]))
            with self.assertRaises(AccessError):
                self.wallet_ada_general.with_user(user).read(["balance"])

    def test_meetings_rules(self):
        # The grandfather attends Bob's interview (a receptionist booked it for him) but has
        # no meetings rights: he does not see it, nor the evening.
        self.assertEqual(self.interview_bob.attendee_ids.partner_id, self.mother | self.grandfather)
        interviews = {user: self._as(user, "school.interview").search([]) for user in self._parents()}
        self.assertEqual(interviews[self.user_mother], self.interview_ada | self.interview_bob)
        self.assertFalse(interviews[self.user_grandfather])
        self.assertFalse(interviews[self.user_uncle])
        periods = {user: self._as(user, "school.interview.period").search([]) for user in self._parents()}
        self.assertIn(self.evening, periods[self.user_mother])
        self.assertIn(self.evening, periods[self.user_stepfather])
        self.assertNotIn(self.evening, periods[self.user_grandfather])
        self.assertNotIn(self.evening, periods[self.user_uncle])

    def test_rights_follow_the_links_at_once(self):
        wallets = self._as(self.user_grandfather, "school.wallet")
        self.assertTrue(wallets.search([]))
        # The bursar unticks "Pays": the same user's next query finds nothing.
        with Form(self.link_ada_grandfather.with_user(self.user_bursar)) as link_form:
            link_form.is_payer = False
        self.assertFalse(self.link_ada_grandfather.grants_money)
        self.assertFalse(wallets.search([]))

        # The mother's link to Ada is deleted: Bob's wallet is all she sees.
        mother_wallets = self._as(self.user_mother, "school.wallet")
        self.assertEqual(len(mother_wallets.search([])), 3)
        self.link_ada_mother.with_user(self.user_bursar).unlink()
        self.assertEqual(mother_wallets.search([]), self.wallet_bob_general)
        self.assertEqual(self._as(self.user_mother, "school.interview").search([]), self.interview_bob)

    def test_school_rule_change_recomputes_the_links(self):
        periods = self._as(self.user_stepfather, "school.interview.period")
        self.assertIn(self.evening, periods.search([]))
        self._set_school_rule(school_portal_ticked=False)
        self.assertFalse(self.company.school_portal_ticked)
        self.assertFalse(self.link_ada_stepfather.grants_portal_account)
        self.assertFalse(self.link_ada_stepfather.grants_meetings)
        self.assertNotIn(self.evening, periods.search([]))
        # Guardians in charge may have an account: the stepfather is back, still without money.
        self._set_school_rule(school_portal_in_charge=True)
        self.assertTrue(self.link_ada_stepfather.grants_meetings)
        self.assertFalse(self.link_ada_stepfather.grants_money)
        self.assertIn(self.evening, periods.search([]))
        self.assertFalse(self._as(self.user_stepfather, "school.wallet").search([]))

    def test_rights_are_not_written_directly(self):
        for field_name in ("grants_portal_account", "grants_money", "grants_meetings"):
            with self.assertRaises(UserError):
                self.link_ada_uncle.with_user(self.user_bursar).write({field_name: True})
        with self.assertRaises(UserError):
            self.env["school.guardian.link"].with_user(self.user_bursar).create(
                {"student_id": self.student_cid.id, "guardian_id": self.uncle.id, "grants_money": True}
            )
        self.assertFalse(self._as(self.user_uncle, "school.wallet").search([]))

    def _parents(self):
        return (self.user_mother, self.user_stepfather, self.user_grandfather, self.user_uncle)
