from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import WalletCommon


@tagged("post_install", "-at_install")
class TestWalletLedgerCheck(WalletCommon):
    """Check Ledger: stored balances against the operations and the general ledger,
    reported and never fixed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wallet_ada_general._credit(12.5, "topup_cash")
        cls.wallet_ada_meals._credit(10.0, "topup_cash")
        cls.wallet_ada_meals._debit(4.5, "meal")  # still to post: counted with the general ledger
        cls.wallet_bob_general._credit(3.0, "topup_cash")
        # Only a meal still to post, within the overdraft: nothing in the general ledger yet.
        cls.student_cid._school_wallet_get(cls.type_meals)._debit(3.0, "meal")
        cls.checks = cls.env["school.wallet.ledger.check"]

    def _check_as_bursar(self):
        # The menu Wallets > Check Ledger: a server action.
        server_action = self.env.ref("optis_school_wallet.school_wallet_ledger_check_action_run")
        action = server_action.with_user(self.user_bursar).with_company(self.company).run()
        return self.checks.browse(action["res_id"])

    def test_clean_database_reports_nothing(self):
        check = self._check_as_bursar()
        self.assertTrue(check.is_balanced)
        self.assertFalse(check.line_ids)
        self.assertEqual(check.wallet_count, 4)
        self.assertEqual(check.company_id, self.company)
        self.assertEqual(check.user_id, self.user_bursar)
        # The nightly check of every school, demo school included: nothing either.
        with mute_logger("odoo.addons.optis_school_wallet.models.school_wallet_ledger_check"):
            self.env.ref("optis_school_wallet.ir_cron_school_wallet_ledger_check").sudo().method_direct_trigger()
        nightly = self.checks.search([("user_id", "=", False)])
        self.assertIn(self.company, nightly.company_id)
        self.assertEqual(nightly.filtered(lambda check: not check.is_balanced), self.checks, nightly.line_ids.read())

    @mute_logger("odoo.addons.optis_school_wallet.models.school_wallet_ledger_check")
    def test_corrupted_balance_is_reported_not_fixed(self):
        self.env.flush_all()
        self.env.cr.execute("UPDATE school_wallet SET balance = 1012.5 WHERE id = %s", [self.wallet_ada_general.id])
        self.wallet_ada_general.invalidate_recordset(["balance"])
        check = self._check_as_bursar()
        self.assertFalse(check.is_balanced)
        self.assertRecordValues(
            check.line_ids,
            [
                {
                    "kind": "balance",
                    "wallet_id": self.wallet_ada_general.id,
                    "student_id": self.student_ada.id,
                    "amount_recorded": 1012.5,
                    "amount_expected": 12.5,
                    "difference": 1000.0,
                }
            ],
        )
        # Reported, not fixed.
        self.assertEqual(self.wallet_ada_general.balance, 1012.5)
        # The nightly check sees it too and leaves it for the bursars, in the school's list.
        self.env.ref("optis_school_wallet.ir_cron_school_wallet_ledger_check").sudo().method_direct_trigger()
        nightly = self.checks.with_user(self.user_bursar).search(
            [("user_id", "=", False), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(nightly.line_ids.wallet_id, self.wallet_ada_general)

    @mute_logger("odoo.addons.optis_school_wallet.models.school_wallet_ledger_check")
    def test_general_ledger_difference_is_reported(self):
        """An entry booked by hand on the wallet liability of a student, outside the wallets."""
        move = self.env["account.move"].create(
            {
                "journal_id": self.company_data["default_journal_misc"].id,
                "line_ids": [
                    (0, 0, {"account_id": self.wallet_account.id, "partner_id": self.student_bob.id, "credit": 7.0}),
                    (0, 0, {"account_id": self.income_account.id, "debit": 7.0}),
                ],
            }
        )
        move.action_post()
        check = self._check_as_bursar()
        self.assertRecordValues(
            check.line_ids,
            [
                {
                    "kind": "general_ledger",
                    "wallet_id": False,
                    "student_id": self.student_bob.id,
                    "amount_recorded": 10.0,
                    "amount_expected": 3.0,
                }
            ],
        )

    def test_only_bursars_check_and_nobody_edits_a_result(self):
        with self.assertRaises(AccessError):
            self.checks.with_user(self.user_teacher).action_check_ledger()
        check = self._check_as_bursar()
        with self.assertRaises(AccessError):
            check.with_user(self.user_bursar).write({"is_balanced": False})
        with self.assertRaisesRegex(UserError, "never change"):
            check.sudo().write({"is_balanced": False})
        with self.assertRaisesRegex(UserError, "wallet engine only"):
            self.checks.sudo().create({"company_id": self.company.id, "is_balanced": True})
