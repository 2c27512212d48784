import random

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from odoo.addons.account.tools import is_valid_structured_reference_be, sanitize_structured_reference
from odoo.addons.optis_school_wallet.tools import (
    COMMUNICATION_BASE_OFFSET,
    build_structured_communication_be,
)


@tagged("post_install", "-at_install")
class TestStructuredCommunicationBuilder(TransactionCase):
    def test_known_values(self):
        # The example of Odoo's sanitize_structured_reference docstring.
        self.assertEqual(build_structured_communication_be(203430576), "+++020/3430/57642+++")
        # Remainder 0: the check digits are 97, never 00.
        self.assertEqual(build_structured_communication_be(0), "+++000/0000/00097+++")
        self.assertEqual(build_structured_communication_be(97), "+++000/0000/09797+++")
        self.assertEqual(build_structured_communication_be(1), "+++000/0000/00101+++")
        self.assertEqual(build_structured_communication_be(9_999_999_999), "+++999/9999/99948+++")
        self.assertEqual(build_structured_communication_be(COMMUNICATION_BASE_OFFSET + 1), "+++900/0000/00116+++")

    def test_out_of_range(self):
        for base in (-1, 10**10):
            with self.assertRaises(ValueError):
                build_structured_communication_be(base)

    def test_every_built_value_validates_and_every_typo_is_rejected(self):
        rng = random.Random(20240901)
        bases = [0, 1, 96, 97, 98, 10**10 - 1, *(rng.randrange(10**10) for _i in range(300))]
        for base in bases:
            communication = build_structured_communication_be(base)
            self.assertRegex(communication, r"^\+\+\+\d{3}/\d{4}/\d{5}\+\+\+$")
            self.assertTrue(is_valid_structured_reference_be(communication), communication)
            digits = sanitize_structured_reference(communication)
            self.assertEqual(int(digits[:10]), base)
            self.assertNotEqual(digits[10:], "00")
            for position in range(12):
                for digit in "0123456789":
                    if digit == digits[position]:
                        continue
                    typo = f"{digits[:position]}{digit}{digits[position + 1 :]}"
                    self.assertFalse(is_valid_structured_reference_be(typo), f"{typo} accepted for {digits}")


@tagged("post_install", "-at_install")
class TestWalletCommunication(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wallet_type = cls.env["school.wallet.type"].create({"name": "Communication test"})
        cls.students = cls.env["res.partner"].create(
            [{"name": f"Student {index}", "is_student": True} for index in range(5)]
        )
        cls.wallets = cls.env["school.wallet"].create(
            [{"student_id": student.id, "wallet_type_id": cls.wallet_type.id} for student in cls.students]
        )

    def test_wallet_gets_a_permanent_unique_communication(self):
        for wallet in self.wallets:
            self.assertEqual(
                wallet.communication, build_structured_communication_be(COMMUNICATION_BASE_OFFSET + wallet.id)
            )
            self.assertTrue(is_valid_structured_reference_be(wallet.communication))
        self.assertEqual(len(set(self.wallets.mapped("communication"))), len(self.wallets))
        wallet = self.wallets[0]
        with self.assertRaises(UserError):
            wallet.communication = "+++000/0000/00097+++"
        # Writing the same value (e.g. a form saving every field) is harmless.
        wallet.write({"communication": wallet.communication, "active": False})
        self.assertFalse(wallet.active)

    def test_search_by_communication(self):
        wallet = self.wallets[2]
        digits = sanitize_structured_reference(wallet.communication)
        wallet_model = self.env["school.wallet"]
        for query in (
            wallet.communication,
            digits,
            f" {digits[:3]} {digits[3:7]} {digits[7:]} ",
            f"***{wallet.communication[3:-3]}***",
        ):
            self.assertEqual(wallet_model.search([("communication_search", "=", query)]), wallet, query)
            self.assertEqual(wallet_model._find_by_communication(query), wallet, query)
        self.assertEqual(wallet_model.search([("communication_search", "ilike", digits[7:10])]) & wallet, wallet)
        self.assertEqual(wallet_model.name_search(wallet.communication), [(wallet.id, wallet.display_name)])
        # A typo is not a wallet, even if it happens to look like one.
        typo = digits[:-1] + str((int(digits[-1]) + 1) % 10)
        self.assertFalse(wallet_model._find_by_communication(typo))
        self.assertFalse(wallet_model._find_by_communication(""))
