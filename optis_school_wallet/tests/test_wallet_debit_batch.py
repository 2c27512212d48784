from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import WalletCommon


@tagged("post_install", "-at_install")
class TestWalletDebitBatch(WalletCommon):
    """Several debits at once (a month of meals): one lock, the total checked against the
    balance, every operation written, posted later with the other meals."""

    def setUp(self):
        super().setUp()
        self.wallet_bob_general._credit(20.0, "topup_cash")

    def test_batch_writes_every_debit(self):
        operations = self.wallet_bob_general._debit_batch(
            [{"amount": 4.0, "note": "Monday"}, {"amount": 6.0, "note": "Tuesday", "origin_ref": "T"}]
        )
        self.assertEqual(operations.mapped("amount"), [-4.0, -6.0])
        self.assertEqual(set(operations.mapped("operation_type")), {"meal"})
        self.assertEqual(operations.mapped("note"), ["Monday", "Tuesday"])
        self.assertFalse(operations.move_id, "posted later, with the meals of the day")
        self.assertEqual(self.wallet_bob_general.balance, 10.0)
        self.assert_ledger_matches_general_ledger(self.student_bob)

    def test_batch_beyond_the_balance_writes_nothing(self):
        with self.assertRaisesRegex(UserError, "Insufficient balance"):
            self.wallet_bob_general._debit_batch([{"amount": 15.0}, {"amount": 10.0}])
        with self.assertRaisesRegex(UserError, "positive"):
            self.wallet_bob_general._debit_batch([{"amount": 5.0}, {"amount": 0.0}])
        with self.assertRaisesRegex(UserError, "batch"):
            self.wallet_bob_general._debit_batch([{"amount": 5.0}], "refund")
        self.assertEqual(self.wallet_bob_general.balance, 20.0)
        self.assertEqual(len(self.wallet_bob_general.operation_ids), 1)
