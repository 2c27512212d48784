from odoo.tests import TransactionCase, tagged

from odoo.addons.optis_parent_portal.tools import parse_amount


@tagged("post_install", "-at_install")
class TestParseAmount(TransactionCase):
    """Amounts typed in the portal's forms: what float() would take but a form must not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.euro = cls.env.ref("base.EUR")

    def test_plain_amounts(self):
        for text, amount in (
            ("0", 0.0),
            ("12", 12.0),
            ("12,50", 12.5),
            ("12.5", 12.5),
            (" 7.05 ", 7.05),
            ("10000", 1e4),
        ):
            self.assertEqual(parse_amount(text, self.euro), amount, text)
        self.assertEqual(parse_amount("12.500", self.euro), 12.5, "trailing zeros are no extra decimals")

    def test_refused(self):
        refused = (
            "nan",
            "NaN",
            "inf",
            "-inf",
            "Infinity",
            "-1",
            "-0.01",
            "+5",
            "1e3",
            "1E308",
            "0x10",
            "10001",
            "99999999999",
            "9" * 400,
            "1" + "0" * 400 + ".5",
            "",
            "  ",
            None,
            "ten",
            "12.345",
            "1 000",
            "12,5,0",
            "١٢",  # Arabic-Indic digits: float() takes them
        )
        for text in refused:
            with self.assertRaises(ValueError, msg=repr(text)):
                parse_amount(text, self.euro)

    def test_maximum(self):
        self.assertEqual(parse_amount("250", self.euro, maximum=250), 250.0)
        with self.assertRaises(ValueError):
            parse_amount("250.01", self.euro, maximum=250)
