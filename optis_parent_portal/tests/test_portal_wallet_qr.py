import base64
from unittest.mock import patch

from lxml import html

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.optis_school.tests.qr_reader import decode_svg, read_format, svg_to_matrix
from odoo.addons.optis_school_wallet.models import school_wallet
from odoo.addons.optis_school_wallet.tests.common import WalletCommon

SVG_DATA_PREFIX = "data:image/svg+xml;base64,"


@tagged("post_install", "-at_install")
class TestPortalWalletQr(WalletCommon, HttpCase):
    """The EPC QR code of a wallet's page is drawn once, not on every view: Ada's mother
    opens her daughter's wallet twice."""

    country_code = "BE"
    chart_template = "generic_coa"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        mother = mail_new_test_user(
            cls.env,
            login="ada_mother",
            groups="base.group_portal",
            name="Ada's Mother",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.env["school.guardian.link"].create({"student_id": cls.student_ada.id, "guardian_id": mother.partner_id.id})
        cls.company.school_wallet_bank_account_id = cls._bank_account("BE71 0961 2345 6769")

    @classmethod
    def _bank_account(cls, number):
        return cls.env["res.partner.bank"].create(
            {"acc_number": number, "partner_id": cls.company.partner_id.id, "company_id": cls.company.id}
        )

    def _view_wallet(self):
        """The page's QR code and the payloads drawn meanwhile."""
        draw = school_wallet.qr_code_svg_data_uri
        drawn = []

        def counting_draw(payload, **kwargs):
            drawn.append(payload)
            return draw(payload, **kwargs)

        with patch.object(school_wallet, "qr_code_svg_data_uri", counting_draw):
            response = self.url_open(f"/my/wallets/{self.wallet_ada_general.id}")
        response.raise_for_status()
        (image,) = html.fromstring(response.content).xpath("//img[hasclass('o_school_wallet_qr')]/@src")
        return image, drawn

    def _assert_image_of(self, data_uri, payload):
        """``data_uri`` is an SVG image of a QR code that reads ``payload``, at the error
        correction level EPC069-12 requires of a transfer's code (M)."""
        self.assertTrue(data_uri.startswith(SVG_DATA_PREFIX))
        svg = base64.b64decode(data_uri.removeprefix(SVG_DATA_PREFIX))
        self.assertEqual(decode_svg(svg), payload)
        self.assertEqual(read_format(svg_to_matrix(svg))[0], "M")

    def test_qr_code_drawn_once(self):
        school_wallet._cached_qr_code.cache_clear()
        self.authenticate("ada_mother", "ada_mother")
        first, drawn = self._view_wallet()
        self.assertEqual(len(drawn), 1)
        payload = drawn[0].split("\n")
        self.assertEqual(payload[:3], ["BCD", "002", "1"])
        self.assertEqual(payload[6], "BE71096123456769")
        self.assertEqual(payload[9], self.wallet_ada_general.communication.replace("+", "").replace("/", ""))
        self._assert_image_of(first, drawn[0])

        second, drawn_again = self._view_wallet()
        self.assertEqual(drawn_again, [], "the second view draws no QR code")
        self.assertEqual(second, first)

        # another bank account for top-ups: a new code, with the new IBAN
        self.company.school_wallet_bank_account_id = self._bank_account("BE68 5390 0754 7034")
        third, drawn = self._view_wallet()
        self.assertEqual(len(drawn), 1)
        self.assertEqual(drawn[0].split("\n")[6], "BE68539007547034")
        self._assert_image_of(third, drawn[0])
