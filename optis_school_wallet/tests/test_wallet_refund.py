from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import WalletCommon


@tagged("post_install", "-at_install")
class TestWalletRefund(WalletCommon):
    """Refunds of a sale are refund operations whose origin is the sale, capped at what is
    left; the sale's state and refunded amount come from them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wallet_ada_general._credit(20.0, "topup_cash")
        cls.student_ada.student_number = "ADA-1"
        cls.device = cls.env["school.wallet.device"].create(
            {"name": "Shop", "kind": "shop", "company_id": cls.company.id, "wallet_type_id": cls.type_general.id}
        )
        cls.sale, _created = cls.env["school.wallet.sale"]._register_from_device(
            cls.device,
            {
                "reference": "S-1",
                "student_number": "ADA-1",
                "items": [{"article": "Notebook", "quantity": 2, "unit_price": 2.5}],
            },
        )

    def _refund_wizard(self, user, amount=None, reason=None):
        action = self.sale.with_user(user).action_refund()
        wizard_form = Form(self.env[action["res_model"]].with_user(user).with_context(**action["context"]))
        if amount is not None:
            wizard_form.amount = amount
        if reason:
            wizard_form.reason = reason
        return wizard_form

    def test_partial_then_full_refund_through_the_wizard(self):
        self.assertEqual(self.sale.state, "paid")
        wizard_form = self._refund_wizard(self.user_bursar)
        self.assertEqual(wizard_form.amount, 5.0)
        wizard_form.amount = 2.0
        wizard_form.reason = "One notebook was torn"
        wizard_form.save().action_confirm()
        self.assertEqual(self.sale.state, "partially_refunded")
        self.assertEqual(self.sale.amount_refunded, 2.0)
        refund = self.sale.refund_operation_ids
        self.assertRecordValues(
            refund,
            [
                {
                    "operation_type": "refund",
                    "amount": 2.0,
                    "origin_model": "school.wallet.sale",
                    "origin_id": self.sale.id,
                }
            ],
        )
        self.assertIn("One notebook was torn", refund.note)
        self.assertAlmostEqual(self.wallet_ada_general.balance, 17.0)

        # What is left is the default, and the cap.
        wizard_form = self._refund_wizard(self.user_bursar)
        self.assertEqual(wizard_form.amount, 3.0)
        with self.assertRaisesRegex(UserError, "at most"):
            self._refund_wizard(self.user_bursar, amount=3.01).save().action_confirm()
        with self.assertRaisesRegex(UserError, "positive"):
            self._refund_wizard(self.user_bursar, amount=0.0).save().action_confirm()
        wizard_form.save().action_confirm()
        self.assertEqual(self.sale.state, "refunded")
        self.assertEqual(self.sale.amount_refunded, 5.0)
        self.assertEqual(self.sale.line_ids.mapped("state"), ["refunded"])
        with self.assertRaisesRegex(UserError, "already refunded"):
            self._refund_wizard(self.user_bursar, amount=1.0).save().action_confirm()
        self.assertAlmostEqual(self.wallet_ada_general.balance, 20.0)
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_cap_reads_the_ledger_not_the_stored_amount(self):
        self.sale._refund(4.0)
        # Even with the stored refunded amount corrupted, what is left comes from the ledger.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE school_wallet_sale SET amount_refunded = 0, state = 'paid' WHERE id = %s", [self.sale.id]
        )
        self.sale.invalidate_recordset()
        self.assertEqual(self.sale._get_amount_left_to_refund(), 1.0)
        with self.assertRaisesRegex(UserError, "at most"):
            self.sale._refund(5.0)
        self.sale._refund()
        self.assertAlmostEqual(sum(self.sale.refund_operation_ids.mapped("amount")), 5.0)

    def test_only_bursars_refund(self):
        with self.assertRaises(AccessError):
            self._refund_wizard(self.user_teacher)
        wizard = self.env["school.wallet.sale.refund"].sudo().create({"sale_id": self.sale.id, "amount": 5.0})
        with self.assertRaises(AccessError):
            wizard.with_user(self.user_teacher).action_confirm()
        self.assertEqual(self.sale.state, "paid")
