from werkzeug.urls import url_encode

from odoo.tests import HttpCase, tagged

from odoo.addons.optis_school.tests.common import SchoolCase


@tagged("post_install", "-at_install")
class TestPortalActivationTour(SchoolCase, HttpCase):
    """The activation letter's link in Chromium on a phone-sized screen."""

    browser_size = "390x844"

    def test_register_on_a_phone(self):
        code = self._new_code(self.student_lucas)
        self.start_tour(
            f"/my/school/activate?{url_encode({'code': code.code_display})}",
            "optis_parent_portal_school_activate",
            login=None,
        )
        user = self.env["res.users"].search([("login", "=", "anne.tour@family-three.example")])
        self.assertTrue(user._is_portal())
        self.assertIn(user.partner_id, self.student_lucas.guardian_ids)
        self.assertEqual(code.state, "used")
