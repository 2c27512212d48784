from werkzeug.urls import url_encode

from odoo.tests import HttpCase, tagged

from odoo.addons.optis_parent_portal.tests.rights_common import PortalRightsCommon


@tagged("post_install", "-at_install")
class TestParentJourneyTour(PortalRightsCommon, HttpCase):
    """A new parent's journey in Chromium on a phone (390 x 844), issue 11's "Done when": the
    activation letter's link, registration, the child's home, an online top-up with the demo
    provider, back on the wallet, an interview booked, moved and cancelled, the invoices, the
    operations. Every page is checked for horizontal scrolling inside the tour; what the parent
    did is checked here afterwards, so that the tour cannot pass without doing it.

    Cid, a child of the school's Rights class (Tina Teacher is its teacher, a parents' evening
    is published), has no guardian yet; the school's parent registration is open.
    """

    browser_size = "390x844"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {"school_parent_registration": True, "school_wallet_topup_min": 5.0, "school_wallet_topup_max": 200.0}
        )
        cls.student_cid.school_class_id = cls.student_ada.school_class_id
        cls.wallet_cid = cls.student_cid._school_wallet_get(cls.type_general)
        base_provider = cls.env["payment.provider"].sudo().search([("code", "=", "demo")], limit=1)
        provider = cls.env["payment.provider"].sudo().search(
            [("code", "=", "demo"), ("company_id", "=", cls.company.id)], limit=1
        ) or base_provider.copy({"company_id": cls.company.id})
        provider.write({"state": "test", "journal_id": cls.company_data["default_journal_bank"].id})
        cls.code = cls.env["school.activation.code"].create({"student_id": cls.student_cid.id})

    def test_letter_to_interview_and_top_up_on_a_phone(self):
        self.start_tour(
            f"/my/school/activate?{url_encode({'code': self.code.code_display})}",
            "optis_parent_journey_tour",
            login=None,
            timeout=180,
        )
        # Registered: a portal user, Cid's guardian through the letter's code.
        user = self.env["res.users"].search([("login", "=", "nora.journey@family.example")])
        self.assertEqual(user.name, "Nora Journey")
        self.assertTrue(user._is_portal())
        self.assertEqual(self.code.state, "used")
        self.assertEqual(self.code.used_by_id, user.partner_id)
        self.assertIn(user.partner_id, self.student_cid.guardian_ids)
        # Topped up once, online, by the new parent.
        operations = self.wallet_cid.operation_ids
        self.assertEqual(operations.mapped("operation_type"), ["topup_online"])
        self.assertEqual(operations.amount, 20.0)
        self.assertEqual(self.wallet_cid.balance, 20.0)
        transaction = self.env["payment.transaction"].search([("school_wallet_id", "=", self.wallet_cid.id)])
        self.assertEqual((transaction.state, transaction.partner_id), ("done", user.partner_id))
        # Booked at the first free time (Ada's and Bob's are taken), moved to the last, cancelled.
        interview = self.env["school.interview"].search([("student_id", "=", self.student_cid.id)])
        self.assertEqual(len(interview), 1)
        self.assertEqual(interview.participation_id, self.tina)
        self.assertEqual(interview.start, self.slots[-1], "moved to the evening's last time")
        self.assertEqual(interview.state, "cancelled")
        self.assertEqual(interview.guardian_id, user.partner_id)
