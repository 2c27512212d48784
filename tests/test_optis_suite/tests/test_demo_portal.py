from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoPortal(TransactionCase):
    """What a visitor of the demo sees first (issue 11): each school's own logo, and parents who
    speak the school's languages."""

    def test_demo_schools_have_a_logo(self):
        default_logo = self.env["res.company"]._get_logo()
        for xmlid in ("base.main_company", "optis_school.demo_company_tilleuls"):
            with self.subTest(school=xmlid):
                school = self.env.ref(xmlid)
                self.assertTrue(school.logo)
                self.assertNotEqual(school.logo, default_logo, 'not Odoo\'s "Your logo"')

    def test_demo_parents_speak_french_or_dutch(self):
        parents = self.env["res.users"].search([("login", "=like", "parent%@example.com")])
        self.assertEqual(len(parents), 3)
        self.assertEqual(set(parents.mapped("lang")) - {"fr_BE", "nl_BE"}, set())
