import base64

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import WalletCommon


@tagged("post_install", "-at_install")
class TestWalletSettlement(WalletCommon):
    """A student leaves the school: the bursar's Settle wizard (or the leaving date) refunds
    what is left on the wallets to a guardian through a SEPA payment order, moves it to a
    sibling's wallets or donates it to the school, and the wallets close."""

    # A Belgian school: euros, SEPA.
    country_code = "BE"
    chart_template = "generic_coa"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.bank_journal.bank_account_id = (
            cls.env["res.partner.bank"]
            .sudo()
            .create({"acc_number": "BE68 5390 0754 7034", "partner_id": cls.company.partner_id.id})
        )
        sepa_method = cls.env.ref("account_banking_sepa_credit_transfer.sepa_credit_transfer")
        if sepa_method not in cls.bank_journal.outbound_payment_method_line_ids.payment_method_id:
            cls.bank_journal.outbound_payment_method_line_ids = [Command.create({"payment_method_id": sepa_method.id})]
        # The setup gives the school its SEPA refund payment mode and donation account.
        cls.company._school_wallet_setup_accounting()
        cls.payment_mode = cls.company.school_wallet_refund_payment_mode_id
        cls.user_payments = mail_new_test_user(
            cls.env,
            login="wallet_payments",
            groups="account.group_account_manager,account_payment_order.group_account_payment",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.donation_account = cls.env["account.account"].create(
            {"name": "Donations", "code": "740100", "account_type": "income_other"}
        )
        cls.company.school_wallet_donation_account_id = cls.donation_account

        # Ada and Bob are siblings (one mother); Cid is of another family.
        cls.mother, cls.father, cls.other_parent = cls.env["res.partner"].create(
            [
                {"name": "Mother Student", "is_guardian": True, "company_id": cls.company.id},
                {"name": "Father Student", "is_guardian": True, "company_id": cls.company.id},
                {"name": "Other Parent", "is_guardian": True, "company_id": cls.company.id},
            ]
        )
        cls.env["school.guardian.link"].create(
            [
                {"student_id": cls.student_ada.id, "guardian_id": cls.mother.id, "is_payer": True},
                {"student_id": cls.student_ada.id, "guardian_id": cls.father.id, "is_payer": False},
                {"student_id": cls.student_bob.id, "guardian_id": cls.mother.id, "is_payer": True},
                {"student_id": cls.student_cid.id, "guardian_id": cls.other_parent.id, "is_payer": True},
            ]
        )
        # The bursar records the guardians' IBANs.
        cls.mother_iban, cls.other_iban = (
            cls.env["res.partner.bank"]
            .with_user(cls.user_bursar)
            .create(
                [
                    {"acc_number": "BE71 0961 2345 6769", "partner_id": cls.mother.id},
                    {"acc_number": "NL91 ABNA 0417 1643 00", "partner_id": cls.other_parent.id},
                ]
            )
        )
        cls.wallet_cid_general = cls.student_cid._school_wallet_get(cls.type_general)
        cls.wallet_ada_general._credit(30.0, "topup_cash")
        cls.wallet_ada_meals._credit(12.5, "topup_cash")
        cls.wallet_ada_meals._debit(4.5, "meal")
        cls.wallet_cid_general._credit(20.0, "topup_cash")

    def _settle_form(self, student, user=None):
        user = user or self.user_bursar
        action = student.with_user(user).action_open_school_wallet_settle()
        return Form(self.env[action["res_model"]].with_user(user).with_context(**action["context"]))

    def _settle(self, student, method, **values):
        with self._settle_form(student) as wizard_form:
            wizard_form.method = method
            for name, value in values.items():
                setattr(wizard_form, name, value)
        return wizard_form.record.action_settle()

    def _payable_balance(self, guardian):
        lines = self.env["account.move.line"].search(
            [
                ("partner_id", "=", guardian.id),
                ("account_id.account_type", "=", "liability_payable"),
                ("parent_state", "=", "posted"),
            ]
        )
        return sum(lines.mapped("balance"))

    def assert_closed(self, wallets, method):
        self.assertEqual(set(wallets.mapped("state")), {"closed"})
        self.assertEqual(set(wallets.mapped("settlement_method")), {method})
        for wallet in wallets:
            self.assertEqual(wallet.balance, 0.0)
            self.assertEqual(wallet._get_ledger_balances()[wallet.id], 0.0)

    def test_refund_goes_into_one_sepa_file_for_all_leavers(self):
        ada_wallets = self.wallet_ada_general | self.wallet_ada_meals
        with self._settle_form(self.student_ada) as wizard_form:
            self.assertEqual(wizard_form.method, "refund")
            self.assertEqual(wizard_form.guardian_id, self.mother)
            self.assertEqual(wizard_form.bank_account_id, self.mother_iban)
            self.assertEqual(wizard_form.balance, 38.0)
        wizard_form.record.action_settle()

        self.assert_closed(ada_wallets, "refund")
        refunds = ada_wallets.operation_ids.filtered(lambda operation: operation.operation_type == "leaver_refund")
        self.assertEqual(sorted(refunds.mapped("amount")), [-30.0, -8.0])
        self.assertEqual(self._payable_balance(self.mother), -38.0)
        self.assert_ledger_matches_general_ledger(self.student_ada)

        # Cid leaves too: the same draft order takes his refund.
        self._settle(self.student_cid, "refund")
        self.assert_closed(self.wallet_cid_general, "refund")
        order = self.env["account.payment.order"].search([("payment_mode_id", "=", self.payment_mode.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.payment_type, "outbound")
        self.assertEqual(
            sorted((line.partner_id, line.partner_bank_id, line.amount_currency) for line in order.payment_line_ids),
            sorted(
                [
                    (self.mother, self.mother_iban, 30.0),
                    (self.mother, self.mother_iban, 8.0),
                    (self.other_parent, self.other_iban, 20.0),
                ]
            ),
        )
        self.assertTrue(
            all(line.move_line_id.account_id.account_type == "liability_payable" for line in order.payment_line_ids)
        )

        # The school's accountant confirms the order and generates ONE file for both leavers.
        order = order.with_user(self.user_payments)
        order.draft2open()
        action = order.open2generated()
        attachment = self.env["ir.attachment"].browse(action["res_id"])
        root = etree.fromstring(base64.b64decode(attachment.datas))
        namespaces = {"p": root.nsmap[None]}
        transfers = {
            transaction.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=namespaces): transaction.findtext(
                "p:Amt/p:InstdAmt", namespaces=namespaces
            )
            for transaction in root.iterfind(".//p:CdtTrfTxInf", namespaces=namespaces)
        }
        self.assertEqual(transfers, {"BE71096123456769": "38.00", "NL91ABNA0417164300": "20.00"})
        self.assertEqual(root.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=namespaces), "BE68539007547034")

        # Uploaded: the payments settle the guardians' payables.
        order.generated2uploaded()
        self.assertEqual(self._payable_balance(self.mother), 0.0)
        self.assertEqual(self._payable_balance(self.other_parent), 0.0)
        self.assert_ledger_matches_general_ledger(self.student_ada | self.student_cid)

    def test_setup_creates_the_refund_payment_mode(self):
        self.assertEqual(self.payment_mode.payment_method_id.code, "sepa_credit_transfer")
        self.assertEqual(self.payment_mode.fixed_journal_id, self.bank_journal)
        # A school whose bank journal has no account: its top-up account becomes the journal's.
        topup_account = self.bank_journal.bank_account_id
        self.bank_journal.bank_account_id = False
        self.company.write(
            {"school_wallet_refund_payment_mode_id": False, "school_wallet_bank_account_id": topup_account.id}
        )
        self.company._school_wallet_setup_accounting()
        payment_mode = self.company.school_wallet_refund_payment_mode_id
        self.assertNotEqual(payment_mode, self.payment_mode)
        self.assertEqual(payment_mode.fixed_journal_id, self.bank_journal)
        self.assertEqual(self.bank_journal.bank_account_id, topup_account)
        # Run again, nothing changes.
        self.company._school_wallet_setup_accounting()
        self.assertEqual(self.company.school_wallet_refund_payment_mode_id, payment_mode)

    def test_settle_as_an_rpc_client(self):
        # What a client calling create() then action_settle() gets: the defaults of the form.
        wizard = (
            self.env["school.wallet.settle"].with_user(self.user_bursar).create({"student_id": self.student_ada.id})
        )
        self.assertRecordValues(
            wizard, [{"method": "refund", "guardian_id": self.mother.id, "bank_account_id": self.mother_iban.id}]
        )
        self.assertEqual(wizard.wallet_ids, self.wallet_ada_general | self.wallet_ada_meals)
        wizard.action_settle()
        self.assert_closed(self.wallet_ada_general | self.wallet_ada_meals, "refund")
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_refund_needs_a_bank_account(self):
        self.mother_iban.with_user(self.user_bursar).unlink()
        with self._settle_form(self.student_ada) as wizard_form:
            self.assertFalse(wizard_form.bank_account_id)
            wizard_form.method = "donation"
        wizard = wizard_form.record
        wizard.method = "refund"
        with self.assertRaisesRegex(UserError, "Mother Student has no bank account"):
            wizard.action_settle()
        self.assertEqual(set((self.wallet_ada_general | self.wallet_ada_meals).mapped("state")), {"open"})

    def test_refund_to_a_paying_guardian_only(self):
        father_iban = (
            self.env["res.partner.bank"]
            .with_user(self.user_bursar)
            .create({"acc_number": "BE62 5100 0754 7061", "partner_id": self.father.id})
        )
        with self.assertRaisesRegex(UserError, "paying guardian"):
            self.wallet_ada_general.with_user(self.user_bursar)._settle(
                "refund", guardian=self.father, bank_account=father_iban
            )
        with self.assertRaisesRegex(UserError, "no bank account"):
            self.wallet_ada_general.with_user(self.user_bursar)._settle(
                "refund", guardian=self.mother, bank_account=father_iban
            )
        self.assertEqual(self.wallet_ada_general.state, "open")

    def test_sibling_receives_the_wallets(self):
        self.assertFalse(
            self.env["school.wallet"].search(
                [("student_id", "=", self.student_bob.id), ("wallet_type_id", "=", self.type_meals.id)]
            )
        )
        with self._settle_form(self.student_ada) as wizard_form:
            wizard_form.method = "sibling"
            self.assertEqual(wizard_form.sibling_id, self.student_bob)
        wizard_form.record.action_settle()

        self.assert_closed(self.wallet_ada_general | self.wallet_ada_meals, "sibling")
        bob_meals = self.student_bob._school_wallet_get(self.type_meals)
        self.assertEqual(self.wallet_bob_general.balance, 30.0)
        self.assertEqual(bob_meals.balance, 8.0)
        # One entry per wallet moves the liability from Ada to Bob.
        credit = self.wallet_bob_general.operation_ids
        self.assertEqual(credit.operation_type, "sibling_transfer")
        self.assertEqual(
            sorted((line.partner_id, line.balance) for line in credit.move_id.line_ids),
            sorted([(self.student_ada, 30.0), (self.student_bob, -30.0)]),
        )
        self.assertEqual(credit.move_id.line_ids.account_id, self.wallet_account)
        self.assert_ledger_matches_general_ledger(self.student_ada | self.student_bob)

    def test_sibling_of_another_family_refused(self):
        with self._settle_form(self.student_ada) as wizard_form:
            wizard_form.method = "sibling"
            self.assertNotIn(self.student_cid, wizard_form.sibling_ids)
        wizard = wizard_form.record
        wizard.sibling_id = self.student_cid
        with self.assertRaisesRegex(UserError, "share no guardian"):
            wizard.action_settle()
        self.assertEqual(self.wallet_ada_general.state, "open")
        self.assertFalse(
            self.wallet_cid_general.operation_ids.filtered(lambda op: op.operation_type == "sibling_transfer")
        )
        with self.assertRaises(ValidationError):
            self.student_ada.with_user(self.user_bursar).school_wallet_sibling_id = self.student_cid

    def test_donation_to_the_school(self):
        self._settle(self.student_ada, "donation")
        self.assert_closed(self.wallet_ada_general | self.wallet_ada_meals, "donation")
        donation_lines = self.env["account.move.line"].search([("account_id", "=", self.donation_account.id)])
        self.assertEqual(sum(donation_lines.mapped("balance")), -38.0)
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_settle_one_wallet_from_its_form(self):
        action = self.wallet_ada_general.with_user(self.user_bursar).action_open_settle()
        with Form(self.env[action["res_model"]].with_user(self.user_bursar).with_context(**action["context"])) as form:
            self.assertEqual(form.balance, 30.0)
            form.method = "donation"
        form.record.action_settle()
        self.assert_closed(self.wallet_ada_general, "donation")
        self.assertEqual(self.wallet_ada_meals.state, "open")
        self.assertEqual(self.wallet_ada_meals.balance, 8.0)
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_zero_balance_just_closes(self):
        entries = self.env["account.move"].search_count([])
        self._settle(self.student_bob, "refund")
        self.assert_closed(self.wallet_bob_general, "refund")
        self.assertFalse(self.wallet_bob_general.operation_ids)
        self.assertEqual(self.env["account.move"].search_count([]), entries)

    def test_overdraft_cannot_be_refunded_nor_donated(self):
        self.wallet_ada_meals._debit(10.0, "meal")  # -2.00, within the overdraft limit
        for method in ("refund", "donation", "sibling"):
            with self.subTest(method=method), self.assertRaisesRegex(UserError, "overdrawn"):
                self._settle(self.student_ada, method)
        self.assertEqual(set((self.wallet_ada_general | self.wallet_ada_meals).mapped("state")), {"open"})
        self.assertEqual(self.wallet_ada_general.balance, 30.0)

    def test_closed_wallet_refuses_operations(self):
        self._settle(self.student_ada, "donation")
        for operation in (
            lambda: self.wallet_ada_general._debit(1.0, "sale"),
            lambda: self.wallet_ada_general._credit(1.0, "topup_cash"),
            lambda: self.wallet_ada_meals._transfer_to(self.wallet_ada_general, 1.0),
        ):
            with self.assertRaisesRegex(UserError, "closed"):
                operation()
        with self.assertRaisesRegex(UserError, "no open wallet"):
            self._settle(self.student_ada, "refund")
        self.assertEqual(self.wallet_ada_general.balance, 0.0)

    def test_transfer_to_a_closed_wallet_waits_in_the_queue(self):
        self._settle(self.student_ada, "donation")
        st_line = self.env["account.bank.statement.line"].create(
            {"journal_id": self.bank_journal.id, "payment_ref": self.wallet_ada_general.communication, "amount": 15.0}
        )
        self.assertEqual(st_line.optis_wallet_match_state, "refused")
        self.assertIn("closed", st_line.optis_wallet_match_reason)
        self.assertFalse(st_line.optis_wallet_operation_id)
        self.assertFalse(st_line.is_reconciled)
        self.assertEqual(self.wallet_ada_general.balance, 0.0)
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_only_bursars_settle(self):
        with self.assertRaises(AccessError):
            self._settle_form(self.student_ada, user=self.user_teacher)
        with self.assertRaises(AccessError):
            self.wallet_ada_general.with_user(self.user_teacher)._settle("donation")
        self.assertEqual(self.wallet_ada_general.state, "open")

    def test_closing_is_not_writable(self):
        for wallet in (self.wallet_ada_general.with_user(self.user_bursar), self.wallet_ada_general.sudo()):
            for values in (
                {"state": "closed"},
                {"closing_date": fields.Datetime.now()},
                {"settlement_method": "refund"},
            ):
                with self.subTest(values=values), self.assertRaises(UserError):
                    wallet.write(values)
        with self.assertRaises(UserError):
            self.env["school.wallet"].with_user(self.user_bursar).create(
                {"student_id": self.student_cid.id, "wallet_type_id": self.type_meals.id, "state": "closed"}
            )
        self._settle(self.student_bob, "refund")
        with self.assertRaises(UserError):
            self.wallet_bob_general.sudo().write({"state": "open"})
        self.assertEqual(self.wallet_bob_general.state, "closed")

    def test_leaving_date_settles_as_chosen(self):
        cron = self.env.ref("optis_school_wallet.ir_cron_school_wallet_settle_leavers")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        self.student_bob.school_wallet_settlement_method = "donation"
        self.wallet_bob_general._credit(5.0, "topup_cash")
        # Cid's guardian has no IBAN: his wallets wait for the bursar.
        self.other_iban.with_user(self.user_bursar).unlink()
        today = fields.Date.context_today(self.student_ada)
        for student in self.student_ada | self.student_bob | self.student_cid:
            with Form(student.with_user(self.user_bursar), view="optis_school.res_partner_student_view_form") as form:
                form.school_leaving_date = today
        self.assertGreater(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers)
        self.assertEqual(self.wallet_ada_general.state, "open")

        cron.sudo().method_direct_trigger()
        self.assert_closed(self.wallet_ada_general | self.wallet_ada_meals, "refund")
        self.assertEqual(self._payable_balance(self.mother), -38.0)
        self.assert_closed(self.wallet_bob_general, "donation")
        self.assertEqual(self.wallet_cid_general.state, "open")
        self.assertEqual(self.wallet_cid_general.balance, 20.0)
        self.assertIn("Other Parent has no bank account", self.student_cid.school_wallet_settlement_error)
        self.assert_ledger_matches_general_ledger(self.student_ada | self.student_bob | self.student_cid)

    def test_future_leaving_date_waits(self):
        self.student_ada.school_leaving_date = fields.Date.add(fields.Date.today(), days=10)
        self.env.ref("optis_school_wallet.ir_cron_school_wallet_settle_leavers").sudo().method_direct_trigger()
        self.assertEqual(self.wallet_ada_general.state, "open")
        self.assertEqual(self.wallet_ada_general.balance, 30.0)
