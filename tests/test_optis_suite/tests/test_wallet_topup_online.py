import psycopg2

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.optis_school.tests.concurrency import race
from odoo.addons.optis_school_wallet.tests.common import (
    WalletCommon,
    commit_test_wallet,
    delete_committed_test_wallet,
)


@tagged("post_install", "-at_install")
class TestWalletTopupOnline(WalletCommon):
    """Online top-ups: a payment.transaction of Odoo's payment module (the demo provider
    here, any provider in real life) credits the wallet once it is done, exactly once."""

    country_code = "BE"
    chart_template = "generic_coa"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        base_provider = cls.env["payment.provider"].sudo().search([("code", "=", "demo")], limit=1)
        cls.provider = cls.env["payment.provider"].sudo().search(
            [("code", "=", "demo"), ("company_id", "=", cls.company.id)], limit=1
        ) or base_provider.copy({"company_id": cls.company.id})
        cls.provider.write({"state": "test", "journal_id": cls.company_data["default_journal_bank"].id})
        cls.payment_method = cls.env.ref("payment.payment_method_unknown")
        cls.guardian = cls.env["res.partner"].create({"name": "Paying Parent", "email": "payer@example.com"})
        cls.company.write({"school_wallet_topup_min": 5.0, "school_wallet_topup_max": 200.0})

    def _start(self, amount, wallet=None):
        return self.env["payment.transaction"]._school_wallet_create_topup(
            wallet or self.wallet_ada_general, self.provider, self.payment_method, amount, self.guardian
        )

    def _notify(self, tx, state="done"):
        """What the demo provider's notification does, then the post-processing that the
        payment status page or the cron runs."""
        self.env["payment.transaction"].sudo()._handle_notification_data(
            "demo", {"reference": tx.reference, "payment_details": "4242", "simulated_state": state}
        )
        tx._post_process()

    def test_topup_end_to_end(self):
        tx = self._start(42.5)
        self.assertEqual(tx.school_wallet_id, self.wallet_ada_general)
        self.assertEqual(self.wallet_ada_general.balance, 0, "nothing before the payment is done")
        self._notify(tx)
        self.assertEqual(tx.state, "done")
        operation = tx.school_wallet_operation_id
        self.assertEqual(operation.amount, 42.5)
        self.assertEqual(operation.operation_type, "topup_online")
        self.assertEqual(operation.payment_method, "online")
        self.assertEqual(operation.partner_id, self.guardian)
        self.assertEqual(self.wallet_ada_general.balance, 42.5)
        # account_payment's payment is the only entry: it books the money on the wallet liability.
        self.assertEqual(operation.move_id, tx.payment_id.move_id)
        liability_line = tx.payment_id.move_id.line_ids.filtered(lambda line: line.account_id == self.wallet_account)
        self.assertEqual(liability_line.credit, 42.5)
        self.assertEqual(liability_line.partner_id, self.student_ada)
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_replayed_notification_credits_once(self):
        tx = self._start(20)
        self._notify(tx)
        self._notify(tx)
        tx._post_process()
        self.assertEqual(self.wallet_ada_general.balance, 20)
        self.assertEqual(
            self.env["school.wallet.operation"].search_count(
                [("origin_model", "=", tx._name), ("origin_id", "=", tx.id)]
            ),
            1,
        )
        self.assertEqual(len(self.env["account.payment"].search([("payment_transaction_id", "=", tx.id)])), 1)
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_database_refuses_a_second_credit(self):
        tx = self._start(20)
        self._notify(tx)
        with self.assertRaises(psycopg2.errors.UniqueViolation), self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
            self.wallet_ada_general.sudo()._credit(
                20, "topup_online", origin=tx, move=tx.payment_id.move_id, payment_method="online"
            )

    def test_failed_or_cancelled_payment_credits_nothing(self):
        for state in ("cancel", "error", "pending"):
            tx = self._start(15)
            self._notify(tx, state=state)
            self.assertFalse(tx.school_wallet_operation_id, state)
        self.assertEqual(self.wallet_ada_general.balance, 0)

    def test_amount_limits(self):
        with self.assertRaisesRegex(UserError, "between"):
            self._start(4.99)
        with self.assertRaisesRegex(UserError, "between"):
            self._start(200.01)
        self.assertTrue(self._start(200))
        self.company.school_wallet_topup_max = 0
        self.assertTrue(self._start(5000), "0: no maximum")

    def test_archived_wallet_refused(self):
        self.wallet_ada_general.active = False
        with self.assertRaisesRegex(UserError, "archived"):
            self._start(10)

    def test_provider_of_another_school_refused(self):
        other_company = self.setup_other_company(name="Other School")["company"]
        other_provider = self.provider.copy({"company_id": other_company.id})
        with self.assertRaisesRegex(UserError, "does not take payments"):
            self.env["payment.transaction"]._school_wallet_create_topup(
                self.wallet_ada_general, other_provider, self.payment_method, 10, self.guardian
            )


NOTIFICATIONS = 6


@tagged("post_install", "-at_install")
class TestWalletTopupOnlineConcurrency(TransactionCase):
    """The provider notifies the same payment several times at once (webhook retries, the
    customer's status page polling, the cron): each notification in its own transaction.
    The wallet is credited exactly once and account_payment's payment is created once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = {}
        cls.addClassCleanup(cls._delete_committed_data)
        cls.data.update(commit_test_wallet(cls.registry, "Online race", 0))
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            provider = env["payment.provider"].search([("code", "=", "demo"), ("company_id", "=", company.id)], limit=1)
            cls.data["provider"] = (provider.id, provider.state, provider.journal_id.id)
            journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
            provider.write({"state": "test", "journal_id": journal.id})
            guardian = env["res.partner"].create({"name": "Online race payer"})
            cls.data["guardian_id"] = guardian.id
            tx = env["payment.transaction"]._school_wallet_create_topup(
                env["school.wallet"].browse(cls.data["wallet_id"]),
                provider,
                env.ref("payment.payment_method_unknown"),
                25.0,
                guardian,
            )
            cls.data["tx_id"], cls.data["reference"] = tx.id, tx.reference

    @classmethod
    def _delete_committed_data(cls):
        with cls.registry.cursor() as cr:
            if tx_id := cls.data.get("tx_id"):
                cr.execute("SELECT id FROM account_payment WHERE payment_transaction_id = %s", [tx_id])
                payment_ids = [row[0] for row in cr.fetchall()]
                cr.execute(
                    "UPDATE payment_transaction SET payment_id = NULL, school_wallet_operation_id = NULL WHERE id = %s",
                    [tx_id],
                )
                if payment_ids:
                    cr.execute("SELECT move_id FROM account_payment WHERE id = ANY(%s)", [payment_ids])
                    cls.data["payment_move_ids"] = [row[0] for row in cr.fetchall() if row[0]]
                    cr.execute("DELETE FROM account_payment WHERE id = ANY(%s)", [payment_ids])
                cr.execute("DELETE FROM payment_transaction WHERE id = %s", [tx_id])
            if provider := cls.data.get("provider"):
                provider_id, state, journal_id = provider
                api.Environment(cr, SUPERUSER_ID, {})["payment.provider"].browse(provider_id).write(
                    {"state": state, "journal_id": journal_id}
                )
        delete_committed_test_wallet(cls.registry, cls.data)
        with cls.registry.cursor() as cr:
            if move_ids := cls.data.get("payment_move_ids"):
                cr.execute("DELETE FROM account_move_line WHERE move_id = ANY(%s)", [move_ids])
                cr.execute("DELETE FROM account_move WHERE id = ANY(%s)", [move_ids])
            if guardian_id := cls.data.get("guardian_id"):
                cr.execute("DELETE FROM res_partner WHERE id = %s", [guardian_id])

    @mute_logger("odoo.sql_db", "odoo.addons.payment.models.payment_transaction")
    def test_simultaneous_notifications_credit_once(self):
        def notify(env):
            env["payment.transaction"]._handle_notification_data(
                "demo", {"reference": self.data["reference"], "payment_details": "4242", "simulated_state": "done"}
            )
            env["payment.transaction"].browse(self.data["tx_id"])._post_process()

        outcomes, retries, _seconds = race(self.registry, [notify] * NOTIFICATIONS, workers=NOTIFICATIONS)

        self.assertEqual(outcomes, ["done"] * NOTIFICATIONS, "every notification is handled, some after a retry")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            wallet = env["school.wallet"].browse(self.data["wallet_id"])
            operations = env["school.wallet.operation"].search([("wallet_id", "=", wallet.id)])
            self.assertEqual(operations.mapped("amount"), [25.0], f"credited once ({retries} retries)")
            self.assertEqual(wallet.balance, 25.0)
            self.assertEqual(
                env["account.payment"].search_count([("payment_transaction_id", "=", self.data["tx_id"])]), 1
            )
