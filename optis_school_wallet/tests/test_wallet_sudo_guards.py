from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import WalletCommon


@tagged("post_install", "-at_install")
class TestWalletSudoGuards(WalletCommon):
    """What the wallet writes in sudo is reached only by the roles it is meant for: a done
    payment transaction on a wallet is credited by the post-processing, so invoicing users
    (who write transactions over RPC) cannot link or complete one; the statement line
    buttons that credit wallets and pay invoices are the bursar's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.be")
        cls.company._school_wallet_setup_accounting()
        cls.provider = (
            cls.env["payment.provider"]
            .sudo()
            .create({"name": "Test Provider", "code": "none", "state": "test", "company_id": cls.company.id})
        )
        cls.payment_method = cls.env.ref("payment.payment_method_unknown")
        cls.guardian = cls.env["res.partner"].create({"name": "Paying Parent", "email": "payer@example.com"})
        cls.company.write({"school_wallet_topup_min": 5.0, "school_wallet_topup_max": 200.0})
        cls.user_invoicing = mail_new_test_user(
            cls.env,
            login="wallet_invoicing",
            groups="base.group_user,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.user_auditor = mail_new_test_user(
            cls.env,
            login="wallet_auditor",
            groups="base.group_user,account.group_account_readonly",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _tx_vals(self, **values):
        return {
            "provider_id": self.provider.id,
            "payment_method_id": self.payment_method.id,
            "amount": 10.0,
            "currency_id": self.company.currency_id.id,
            "partner_id": self.guardian.id,
            "reference": f"TEST-{self.guardian.id}-{len(values)}",
            **values,
        }

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_invoicing_user_cannot_forge_a_topup(self):
        # The portal's flow still starts a top-up (in sudo).
        tx = self.env["payment.transaction"]._school_wallet_create_topup(
            self.wallet_ada_general, self.provider, self.payment_method, 10, self.guardian
        )
        self.assertEqual(tx.school_wallet_id, self.wallet_ada_general)
        tx_as_invoicing = tx.with_user(self.user_invoicing)
        for vals in ({"state": "done"}, {"amount": 1000.0}, {"school_wallet_id": self.wallet_bob_general.id}):
            with self.subTest(vals=vals), self.assertRaisesRegex(AccessError, "payment provider only"):
                tx_as_invoicing.write(vals)
        self.assertEqual(tx.state, "draft")
        self.assertEqual(tx.amount, 10.0)
        # Another transaction cannot be turned into a top-up, nor created as one.
        transactions = self.env["payment.transaction"].with_user(self.user_invoicing)
        with self.assertRaisesRegex(AccessError, "from the portal only"):
            transactions.create(self._tx_vals(school_wallet_id=self.wallet_ada_general.id))
        other_tx = self.env["payment.transaction"].sudo().create(self._tx_vals()).with_user(self.user_invoicing)
        with self.assertRaisesRegex(AccessError, "payment provider only"):
            other_tx.write({"school_wallet_id": self.wallet_ada_general.id})
        # A transaction of no wallet stays the invoicing user's business.
        other_tx.write({"state_message": "Checked by hand"})
        self.assertEqual(other_tx.state_message, "Checked by hand")
        self.assertFalse(self.wallet_ada_general.operation_ids)

    def _partial_payment_line(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.guardian.id,
                "school_student_id": self.student_ada.id,
                "invoice_date": "2026-11-01",
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Trip", "price_unit": 100, "tax_ids": [], "account_id": self.income_account.id}
                    )
                ],
            }
        )
        invoice.action_post()
        line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.company_data["default_journal_bank"].id,
                "amount": 40,
                "payment_ref": invoice.payment_reference,
                "date": "2026-11-20",
            }
        )
        self.assertEqual(line.optis_wallet_match_state, "partial")
        return invoice, line

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_statement_line_buttons_need_more_than_read_access(self):
        invoice, line = self._partial_payment_line()
        for user in (self.user_auditor, self.user_invoicing):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(AccessError, "not allowed to modify"):
                    line.with_user(user).action_optis_pay_invoice_partially()
                with self.assertRaisesRegex(AccessError, "not allowed to modify"):
                    line.with_user(user).action_optis_wallet_match()
        self.assertEqual(invoice.payment_state, "not_paid")
        # The bursar (who reads invoices, as the demo's bursar does) books it.
        self.user_bursar.groups_id = [Command.link(self.env.ref("account.group_account_invoice").id)]
        line.with_user(self.user_bursar).action_optis_pay_invoice_partially()
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(invoice.amount_residual, 60)
