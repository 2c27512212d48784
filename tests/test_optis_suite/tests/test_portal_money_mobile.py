from odoo.tests import HttpCase, tagged

from odoo.addons.optis_parent_portal.tests.phone import PhoneCase
from odoo.addons.optis_parent_portal.tests.rights_common import PortalRightsCommon


@tagged("post_install", "-at_install")
class TestPortalMoneyMobile(PhoneCase, PortalRightsCommon, HttpCase):
    """The money pages of the parents' portal on a 390 px wide phone: no horizontal scrolling."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        base_provider = cls.env["payment.provider"].sudo().search([("code", "=", "demo")], limit=1)
        provider = cls.env["payment.provider"].sudo().search(
            [("code", "=", "demo"), ("company_id", "=", cls.company.id)], limit=1
        ) or base_provider.copy({"company_id": cls.company.id})
        provider.write({"state": "test", "journal_id": cls.company_data["default_journal_bank"].id})
        cls.company.write({"school_wallet_topup_min": 5.0, "school_wallet_topup_max": 200.0})
        cls.init_invoice("out_invoice", partner=cls.mother, amounts=[100.0], post=True)

    def test_money_pages_fit_a_phone(self):
        wallet = self.wallet_ada_general
        for url in (
            f"/my/wallets/{wallet.id}?error=topup_amount",
            f"/my/wallets/{wallet.id}/topup?amount=20",
            f"/my/wallets/{wallet.id}/operations?period=custom&date_from=2020-01-01&date_to=2026-12-31",
            "/my/invoices",
        ):
            with self.subTest(url=url):
                self.assert_fits_phone(url, self.user_mother.login)
