from unittest.mock import patch

from werkzeug.urls import url_parse

from odoo import http
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged

from .rights_common import PortalRightsCommon


@tagged("post_install", "-at_install")
class TestPortalChild(PortalRightsCommon, HttpCase):
    """Each child's home, the chooser, the switcher and the profile, request by request.

    The mother has Ada and Bob (money and meetings), the stepfather Ada (meetings only), the
    grandfather Ada (money only) and Bob (an account, no rights); Cid is nobody's child here.
    """

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _post(self, url, **data):
        return self.url_open(url, data={**data, "csrf_token": http.Request.csrf_token(self)}, allow_redirects=False)

    def _home(self, student):
        response = self.url_open(f"/my/school/child/{student.id}")
        self.assertEqual(response.status_code, 200)
        return response.text

    def test_one_child_goes_to_its_home(self):
        self._login(self.user_stepfather)
        for path in ("/my/school", "/my/children"):
            response = self.url_open(path, allow_redirects=False)
            self.assertEqual(response.status_code, 303)
            self.assertEqual(url_parse(response.headers["Location"]).path, f"/my/school/child/{self.student_ada.id}")

    def test_two_children_get_the_chooser_and_the_switcher(self):
        self._login(self.user_mother)
        self.assertIn('href="/my/school"', self.url_open("/my").text, "the tile on My Account")
        chooser = self.url_open("/my/school")
        self.assertEqual(url_parse(chooser.url).path, "/my/school")
        self.assertEqual(chooser.text.count("o_school_child_choice"), 2)
        self.assertIn(self.student_ada.name, chooser.text)
        self.assertIn(self.student_bob.name, chooser.text)

        # The switcher is on every OPTIS page, the child chosen last marked.
        home = self._home(self.student_bob)
        self.assertEqual(home.count('o_school_child_switch"'), 2)
        self.assertIn(f'href="/my/school/child/{self.student_ada.id}"', home)
        for path in ("/my/wallets", "/my/interviews", f"/my/interviews/period/{self.evening.id}"):
            page = self.url_open(path)
            self.assertEqual(page.status_code, 200)
            self.assertEqual(page.text.count('o_school_child_switch"'), 2, path)
            self.assertIn('aria-current="page"', page.text)
        # The choice is remembered: the profile opens on Bob's.
        response = self.url_open("/my/school/profile", allow_redirects=False)
        self.assertEqual(
            url_parse(response.headers["Location"]).path, f"/my/school/child/{self.student_bob.id}/profile"
        )
        # Odoo's own pages have no switcher.
        self.assertNotIn("o_school_child_switch", self.url_open("/my/account").text)

    def test_stranger_child_is_not_found(self):
        self._login(self.user_mother)
        for path in (
            f"/my/school/child/{self.student_cid.id}",
            f"/my/school/child/{self.student_cid.id}/profile",
            f"/my/school/child/{self.user_mother.partner_id.id}",
        ):
            self.assertEqual(self.url_open(path).status_code, 404, path)
        response = self._post(f"/my/school/child/{self.student_cid.id}/profile/health", diet_regime="vegan")
        self.assertEqual(response.status_code, 404)
        # The uncle's links grant no account: Ada is not his child here.
        self._login(self.user_uncle)
        self.assertEqual(self.url_open(f"/my/school/child/{self.student_ada.id}").status_code, 404)
        response = self.url_open("/my/school", allow_redirects=False)
        self.assertEqual(url_parse(response.headers["Location"]).path, "/my")
        self.assertNotIn('href="/my/school"', self.url_open("/my").text, "no tile for a user without children")

    def test_home_with_money_and_meetings(self):
        self._login(self.user_mother)
        home = self._home(self.student_ada)
        for block in ("o_school_home_wallets", "o_school_home_operations", "o_school_home_interviews"):
            self.assertIn(block, home)
        self.assertIn(f'href="/my/wallets/{self.wallet_ada_general.id}"', home)
        self.assertNotIn(f'href="/my/wallets/{self.wallet_bob_general.id}"', home, "only this child's wallets")
        self.assertEqual(home.count('o_school_home_interview"'), 1, "Ada's interview, not Bob's")
        self.assertIn(f'href="/my/interviews/period/{self.evening.id}"', home, "the booking window links to its page")
        self.assertEqual(home.count('o_school_home_operation"'), 1)

    def test_meetings_only_guardian_sees_no_money(self):
        self._login(self.user_stepfather)
        home = self._home(self.student_ada)
        self.assertNotIn("o_school_home_wallets", home)
        self.assertNotIn("o_school_home_operations", home)
        self.assertNotIn("/my/wallets", home)
        self.assertIn("o_school_home_interviews", home)
        self.assertIn("o_school_home_events", home)

    def test_money_only_guardian_sees_no_interviews(self):
        self._login(self.user_grandfather)
        home = self._home(self.student_ada)
        self.assertIn(f'href="/my/wallets/{self.wallet_ada_general.id}"', home)
        self.assertNotIn("o_school_home_interviews", home)
        self.assertNotIn("o_school_home_events", home)
        self.assertNotIn("/my/interviews", home)
        # Bob: an account, no money and no meetings rights.
        home = self._home(self.student_bob)
        self.assertNotIn("o_school_home_wallets", home)
        self.assertNotIn("o_school_home_interviews", home)

    def _count_home_queries(self):
        """Queries of one request to Ada's home, once warm (at most ``HOME_QUERIES``)."""
        self._home(self.student_ada)
        self.env.flush_all()
        with patch("random.random", lambda: 1), self.assertQueryCount(HOME_QUERIES):
            before = self.cr.sql_log_count
            text = self._home(self.student_ada)
            count = self.cr.sql_log_count - before
        return count, text

    def _add_history(self, count):
        """``count`` canteen sales on Ada's wallet, as the engine writes them."""
        wallet = self.wallet_ada_general
        account = wallet._get_default_counterpart_account("sale")
        self.env["school.wallet.operation"].sudo()._engine().create(
            [
                {
                    "wallet_id": wallet.id,
                    "amount": -0.01,
                    "operation_type": "sale",
                    "user_id": self.env.user.id,
                    "counterpart_account_id": account.id,
                }
                for _index in range(count)
            ]
        )
        self.env.flush_all()

    def test_home_query_count_does_not_grow_with_history(self):
        self._login(self.user_mother)
        self._add_history(9)
        self.assertEqual(
            self.env["school.wallet.operation"].search_count([("wallet_id", "=", self.wallet_ada_general.id)]), 10
        )
        small, text = self._count_home_queries()
        self.assertEqual(text.count('o_school_home_operation"'), 5)

        self._add_history(990)
        self.assertEqual(
            self.env["school.wallet.operation"].search_count([("wallet_id", "=", self.wallet_ada_general.id)]), 1000
        )
        large, text = self._count_home_queries()
        self.assertEqual(text.count('o_school_home_operation"'), 5)
        self.assertEqual(small, large)

    def _set_health_editable(self, editable):
        self._set_school_rule(school_parent_edit_health=editable)

    def test_profile_edit_allowed_by_the_school(self):
        peanuts = self.env["school.allergen"].create({"name": "Test peanuts"})
        self._set_health_editable(True)
        self._login(self.user_mother)
        profile = self.url_open(f"/my/school/child/{self.student_ada.id}/profile")
        self.assertEqual(profile.status_code, 200)
        self.assertIn('href="/my/account"', profile.text)
        self.assertIn("o_school_profile_form", profile.text)

        messages_before = self.student_ada.message_ids
        response = self._post(
            f"/my/school/child/{self.student_ada.id}/profile/health",
            diet_regime="vegan",
            medical_notes="Asthma: inhaler in the bag.",
            **{f"allergen_{peanuts.id}": "1"},
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(url_parse(response.headers["Location"]).decode_query().get("success"), "saved")
        self.assertEqual(self.student_ada.diet_regime, "vegan")
        self.assertEqual(self.student_ada.allergen_ids, peanuts)
        self.assertEqual(self.student_ada.sudo().medical_notes, "Asthma: inhaler in the bag.")
        message = self.student_ada.message_ids - messages_before
        self.assertEqual(len(message), 1, "the change is logged on the chatter")
        self.assertEqual(message.author_id, self.mother)
        self.assertIn("Vegan", message.body)
        self.assertIn("Test peanuts", message.body)
        self.assertNotIn("inhaler", message.body, "the notes themselves stay off the chatter")

        # Invalid input changes nothing.
        for data in (
            {"diet_regime": "carnivore"},
            {"diet_regime": "vegan", "medical_notes": "x" * 2001},
            {"diet_regime": "vegan", "allergen_999999999": "1"},
        ):
            response = self._post(f"/my/school/child/{self.student_ada.id}/profile/health", **data)
            self.assertEqual(url_parse(response.headers["Location"]).decode_query().get("error"), "invalid", data)
        self.assertEqual(self.student_ada.diet_regime, "vegan")
        self.assertEqual(self.student_ada.allergen_ids, peanuts)
        self.assertEqual(len(self.student_ada.message_ids - messages_before), 1)

        # A POST without the CSRF token is refused.
        response = self.url_open(
            f"/my/school/child/{self.student_ada.id}/profile/health",
            data={"diet_regime": "halal"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.student_ada.diet_regime, "vegan")

    def test_profile_edit_refused_by_default(self):
        self.assertFalse(self.company.school_parent_edit_health, "off by default")
        self._login(self.user_mother)
        profile = self.url_open(f"/my/school/child/{self.student_ada.id}/profile")
        self.assertNotIn("o_school_profile_form", profile.text)
        self.assertIn("o_school_profile_readonly", profile.text)
        response = self._post(f"/my/school/child/{self.student_ada.id}/profile/health", diet_regime="vegan")
        self.assertEqual(url_parse(response.headers["Location"]).decode_query().get("error"), "refused")
        self.assertEqual(self.student_ada.diet_regime, "standard")

    def test_profile_edit_needs_meetings_rights(self):
        self._set_health_editable(True)
        # The grandfather pays for Ada but does not care for her: no health data.
        self._login(self.user_grandfather)
        profile = self.url_open(f"/my/school/child/{self.student_ada.id}/profile")
        self.assertEqual(profile.status_code, 200)
        self.assertNotIn("o_school_profile_health", profile.text)
        response = self._post(f"/my/school/child/{self.student_ada.id}/profile/health", diet_regime="vegan")
        self.assertEqual(url_parse(response.headers["Location"]).decode_query().get("error"), "refused")
        self.assertEqual(self.student_ada.diet_regime, "standard")
        # The stepfather lives with her: he may.
        self._login(self.user_stepfather)
        response = self._post(f"/my/school/child/{self.student_ada.id}/profile/health", diet_regime="halal")
        self.assertEqual(url_parse(response.headers["Location"]).decode_query().get("success"), "saved")
        self.assertEqual(self.student_ada.diet_regime, "halal")

    def test_contact_preferences(self):
        self.assertTrue(self.mother.contact_by_email)
        self._login(self.user_mother)
        profile = self.url_open(f"/my/school/child/{self.student_bob.id}/profile")
        self.assertIn("o_school_profile_contact", profile.text)
        response = self._post(
            f"/my/school/child/{self.student_bob.id}/profile/contact", contact_by_sms="1", contact_by_paper="1"
        )
        self.assertEqual(url_parse(response.headers["Location"]).decode_query().get("success"), "contact")
        self.assertEqual(
            (self.mother.contact_by_email, self.mother.contact_by_sms, self.mother.contact_by_paper),
            (False, True, True),
        )
        # Another family's child: nothing changes.
        response = self._post(f"/my/school/child/{self.student_cid.id}/profile/contact", contact_by_email="1")
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.mother.contact_by_email)
        # Only the caller's own contact, only these fields.
        with self.assertRaises(AccessError):
            self.stepfather.with_user(self.user_mother)._school_parent_set_contact_preferences({"contact_by_sms": True})
        with self.assertRaises(ValidationError):
            self.mother.with_user(self.user_mother)._school_parent_set_contact_preferences({"is_guardian": False})


# Queries of a warm child's home for the mother (money and meetings): the same with 10 and
# with 1,000 operations on the wallet. 26 since the next desk appointments block (one search),
# 28 since the unread documents (the children with meetings rights, one count).
HOME_QUERIES = 28
