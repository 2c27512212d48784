from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import WalletCommon


@tagged("post_install", "-at_install")
class TestWalletCorrection(WalletCommon):
    """The bursar's Correct Balance wizard: a correction operation through the engine."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wallet_ada_general._credit(12.5, "topup_cash")

    def _correct(self, user, direction, amount, reason):
        action = self.wallet_ada_general.with_user(user).action_open_correction()
        wizard_form = Form(self.env[action["res_model"]].with_user(user).with_context(**action["context"]))
        wizard_form.direction = direction
        wizard_form.amount = amount
        if reason is not None:
            wizard_form.reason = reason
        return wizard_form.save().action_confirm()

    def test_bursar_corrects_a_balance(self):
        self._correct(self.user_bursar, "add", 2.0, "Coin kept by the vending machine")
        self._correct(self.user_bursar, "remove", 0.5, "Canteen charged too little")
        corrections = self.wallet_ada_general.operation_ids.filtered(lambda op: op.operation_type == "correction")
        self.assertEqual(sorted(corrections.mapped("amount")), [-0.5, 2.0])
        self.assertEqual(
            set(corrections.mapped("reason")), {"Coin kept by the vending machine", "Canteen charged too little"}
        )
        self.assertEqual(corrections.user_id, self.user_bursar)
        self.assertEqual(set(corrections.move_id.mapped("state")), {"posted"})
        self.assertAlmostEqual(self.wallet_ada_general.balance, 14.0)
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_correction_needs_a_reason_and_a_positive_amount(self):
        with self.assertRaises(AssertionError):  # the form refuses to save without the required reason
            self._correct(self.user_bursar, "add", 2.0, None)
        with self.assertRaisesRegex(UserError, "reason"):
            self._correct(self.user_bursar, "add", 2.0, "   ")
        with self.assertRaisesRegex(UserError, "positive"):
            self._correct(self.user_bursar, "add", -2.0, "Negative")
        with self.assertRaisesRegex(UserError, "Insufficient balance"):
            self._correct(self.user_bursar, "remove", 100.0, "Too much")
        self.assertAlmostEqual(self.wallet_ada_general.balance, 12.5)

    def test_only_bursars_correct(self):
        for user in (self.user_teacher,):
            with self.assertRaises(AccessError):
                self._correct(user, "add", 100.0, "Free money")
        wizard = (
            self.env["school.wallet.correction"]
            .sudo()
            .create({"wallet_id": self.wallet_ada_general.id, "amount": 100.0, "reason": "Free money"})
        )
        with self.assertRaises(AccessError):
            wizard.with_user(self.user_teacher).action_confirm()
        self.assertAlmostEqual(self.wallet_ada_general.balance, 12.5)
