import xmlrpc.client

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from .common import WalletCommon


@tagged("post_install", "-at_install")
class TestWalletEngineGuard(WalletCommon, HttpCase):
    """Money and its state are written by the wallet engine only: not by a bursar, not in
    sudo, not with a context flag an RPC caller can send."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.topup = cls.wallet_ada_general._credit(12.5, "topup_cash")
        cls.device = cls.env["school.wallet.device"].create(
            {"name": "Vending hall", "company_id": cls.company.id, "wallet_type_id": cls.type_general.id}
        )
        cls.student_ada.student_number = "ADA-1"
        cls.sale, _created = cls.env["school.wallet.sale"]._register_from_device(
            cls.device,
            {"reference": "R-1", "student_number": "ADA-1", "items": [{"article": "Water", "unit_price": 2.5}]},
        )

    def assert_wallet_is_its_ledger(self, wallet, balance):
        wallet.invalidate_recordset(["balance"])
        self.assertAlmostEqual(wallet.balance, balance)
        self.assertAlmostEqual(wallet._get_ledger_balances()[wallet.id], balance)

    def test_bursar_cannot_write_a_balance(self):
        """Scenario 1 of the issue: the bursar wrote 1,012.50 on a wallet whose ledger sums 12.50."""
        wallet = self.wallet_ada_general
        self.assert_wallet_is_its_ledger(wallet, 10.0)
        for env_wallet in (
            wallet.with_user(self.user_bursar),
            wallet.with_user(self.user_admin),
            wallet.sudo(),
            wallet.sudo().with_context(school_wallet_engine=True),
        ):
            with self.assertRaisesRegex(UserError, "Correct Balance"):
                env_wallet.write({"balance": 1012.5})
        with self.assertRaisesRegex(UserError, "Correct Balance"):
            self.env["school.wallet"].with_user(self.user_bursar).create(
                {"student_id": self.student_cid.id, "wallet_type_id": self.type_general.id, "balance": 500.0}
            )
        self.assert_wallet_is_its_ledger(wallet, 10.0)
        # The ORM's own recompute still keeps the stored balance.
        wallet._credit(1.0, "topup_cash")
        self.assert_wallet_is_its_ledger(wallet, 11.0)

    def test_wallet_with_history_keeps_student_type_and_school(self):
        wallet = self.wallet_ada_general.with_user(self.user_bursar)
        for vals in (
            {"student_id": self.student_bob.id},
            {"wallet_type_id": self.type_meals.id},
            {"company_id": self.company.id},
        ):
            with self.assertRaisesRegex(UserError, "never change"):
                wallet.write(vals)
            with self.assertRaisesRegex(UserError, "never change"):
                wallet.sudo().write(vals)
        # Without history the wallet is still configuration; settings stay free.
        empty = self.student_cid._school_wallet_get(self.type_general).with_user(self.user_bursar)
        empty.wallet_type_id = self.type_meals
        self.assertEqual(empty.wallet_type_id, self.type_meals)
        wallet.low_balance_threshold = 3.0
        self.assertEqual(wallet.low_balance_threshold, 3.0)

    def test_operations_are_written_by_the_engine_only(self):
        for operation in (self.topup.with_user(self.user_bursar), self.topup.sudo()):
            for vals in ({"amount": 1000.0}, {"student_id": self.student_bob.id}, {"refunded_sale_id": self.sale.id}):
                with self.assertRaisesRegex(UserError, "never change"):
                    operation.write(vals)
            with self.assertRaisesRegex(UserError, "cannot be deleted"):
                operation.sudo().unlink()
        with self.assertRaisesRegex(UserError, "wallet engine only"):
            self.env["school.wallet.operation"].sudo().create(
                {
                    "wallet_id": self.wallet_ada_general.id,
                    "amount": 1000.0,
                    "operation_type": "correction",
                    "reason": "free money",
                    "move_id": self.topup.move_id.id,
                }
            )
        with self.assertRaises(AccessError):
            self.env["school.wallet.operation"].with_user(self.user_bursar).create(
                {"wallet_id": self.wallet_ada_general.id, "amount": 1.0, "operation_type": "refund"}
            )
        self.topup.with_user(self.user_bursar).note = "Paid at the desk"
        self.assertEqual(self.topup.note, "Paid at the desk")
        self.assert_wallet_is_its_ledger(self.wallet_ada_general, 10.0)

    def test_bursar_cannot_rewrite_a_sale(self):
        """Scenario 2 of the issue: amount_total or state of a paid sale rewritten, then refunded."""
        sale = self.sale.with_user(self.user_bursar)
        for vals in (
            {"amount_total": 500.0},
            {"state": "paid"},
            {"state": "refunded"},
            {"amount_refunded": 0.0},
            {"wallet_id": self.wallet_bob_general.id},
            {"operation_id": self.topup.id},
            {"balance_after": 99.0},
            {"device_reference": "R-2"},
            {"line_ids": [Command.create({"article": "Gold", "price_unit": 100.0})]},
        ):
            for record in (sale, sale.sudo()):
                with self.assertRaisesRegex(UserError, "never change"):
                    record.write(vals)
        with self.assertRaises(AccessError):
            sale.line_ids.unlink()
        for line in (sale.line_ids, sale.line_ids.sudo()):
            with self.assertRaises(UserError):  # no write access for bursars; sudo: the guard
                line.write({"price_unit": 100.0})
        with self.assertRaisesRegex(UserError, "never change"):
            sale.line_ids.sudo().write({"price_unit": 100.0})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            sale.line_ids.sudo().unlink()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            sale.sudo().unlink()
        with self.assertRaisesRegex(UserError, "wallet engine only"):
            self.env["school.wallet.sale"].sudo().create(
                {"device_id": self.device.id, "device_reference": "R-9", "wallet_id": self.wallet_ada_general.id}
            )
        self.assertEqual(self.sale.amount_total, 2.5)
        self.assertEqual(self.sale.state, "paid")

    def test_refund_twice_is_capped(self):
        """Scenario 2, second half: a sale cannot be refunded for more than it cost, nor twice."""
        sale = self.sale.with_user(self.user_bursar)
        sale._refund()
        self.assertEqual(self.sale.state, "refunded")
        with self.assertRaisesRegex(UserError, "already refunded"):
            sale._refund()
        with self.assertRaisesRegex(UserError, "never change"):
            sale.write({"state": "paid"})
        with self.assertRaisesRegex(UserError, "already refunded"):
            sale._refund(1.0)
        self.assertAlmostEqual(sum(self.sale.refund_operation_ids.mapped("amount")), 2.5)
        self.assert_wallet_is_its_ledger(self.wallet_ada_general, 12.5)
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_bank_statement_line_and_transaction_wallet_links(self):
        journal = self.company_data["default_journal_bank"]
        st_line = self.env["account.bank.statement.line"].create(
            {"journal_id": journal.id, "amount": 5.0, "payment_ref": self.wallet_bob_general.communication}
        )
        self.assertTrue(st_line.optis_wallet_operation_id)
        for vals in (
            {"optis_wallet_operation_id": False},
            {"optis_wallet_match_state": "unmatched"},
            {"optis_invoice_id": False},
        ):
            with self.assertRaisesRegex(UserError, "never change"):
                st_line.sudo().write(vals)
        with self.assertRaisesRegex(UserError, "never change"):
            self.env["account.bank.statement.line"].create(
                {"journal_id": journal.id, "amount": 5.0, "payment_ref": "x", "optis_wallet_match_state": "matched"}
            )
        with self.assertRaisesRegex(UserError, "never change"):
            self.env["payment.transaction"].sudo().search([], limit=1).write(
                {"school_wallet_id": self.wallet_ada_general.id}
            )

    @mute_logger("odoo.http", "odoo.addons.base.controllers.rpc")
    def test_xmlrpc_bursar_forging_the_engine_flag(self):
        """Over XML-RPC, as the issue found it: the engine's flag cannot be sent in a context."""
        uid = self.user_bursar.id
        password = self.user_bursar.login  # mail_new_test_user's default password
        for context in ({}, {"school_wallet_engine": True}, {"school_wallet_engine": "object"}):
            for model, record_id, vals in (
                ("school.wallet", self.wallet_ada_general.id, {"balance": 1012.5}),
                ("school.wallet.sale", self.sale.id, {"amount_total": 500.0}),
                ("school.wallet.sale", self.sale.id, {"state": "paid"}),
            ):
                with self.assertRaisesRegex(xmlrpc.client.Fault, "never change"):
                    self.xmlrpc_object.execute_kw(
                        self.env.cr.dbname, uid, password, model, "write", [[record_id], vals], {"context": context}
                    )
        self.assert_wallet_is_its_ledger(self.wallet_ada_general, 10.0)
        self.assertEqual(self.sale.amount_total, 2.5)


@tagged("post_install", "-at_install")
class TestDemoBursarScenarios(TransactionCase):
    """The issue's scenarios 1 and 2 as they were found: the demo bursar on the demo
    school's wallets and sales."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The demo bursar reads French: the refusals are checked in English.
        cls.env = cls.env(context=dict(cls.env.context, lang="en_US"))
        cls.bursar = cls.env.ref("optis_school.demo_user_bursar")
        cls.wallet = cls.env.ref("optis_school_wallet.demo_wallet_emma_vermeulen_general")
        cls.sale = cls.env.ref("optis_school_wallet.demo_device_vending").sale_ids.filtered(
            lambda sale: sale.state == "paid"
        )[:1]

    def test_scenario_1_balance_written_over_the_api(self):
        ledger = self.wallet._get_ledger_balances()[self.wallet.id]
        self.assertAlmostEqual(self.wallet.balance, ledger)
        with self.assertRaisesRegex(UserError, "Correct Balance"):
            self.wallet.with_user(self.bursar).write({"balance": ledger + 1000.0})
        self.wallet.invalidate_recordset(["balance"])
        self.assertAlmostEqual(self.wallet.balance, ledger)
        check = self.env["school.wallet.ledger.check"].with_user(self.bursar).action_check_ledger()
        self.assertTrue(self.env["school.wallet.ledger.check"].browse(check["res_id"]).is_balanced)

    def test_scenario_2_sale_rewritten_then_refunded(self):
        sale = self.sale.with_user(self.bursar)
        total = sale.amount_total
        for vals in ({"amount_total": total + 100.0}, {"state": "refunded"}):
            with self.assertRaisesRegex(UserError, "never change"):
                sale.write(vals)
        self.env["school.wallet.sale.refund"].with_user(self.bursar).create({"sale_id": sale.id}).action_confirm()
        with self.assertRaisesRegex(UserError, "never change"):
            sale.write({"state": "paid"})
        with self.assertRaisesRegex(UserError, "already refunded"):
            self.env["school.wallet.sale.refund"].with_user(self.bursar).create(
                {"sale_id": sale.id, "amount": total}
            ).action_confirm()
        self.assertAlmostEqual(sum(self.sale.refund_operation_ids.mapped("amount")), total)
        self.assertEqual(self.sale.state, "refunded")
