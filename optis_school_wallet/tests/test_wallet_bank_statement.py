from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.account.tools import sanitize_structured_reference
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.optis_school_wallet.models.account_bank_statement_line import QUEUE_STATES
from odoo.addons.optis_school_wallet.tools import find_structured_communications

from .common import WalletCommon


@tagged("post_install", "-at_install")
class TestStructuredCommunicationParser(WalletCommon):
    def test_notations(self):
        digits = "020343057642"
        for text in (
            "+++020/3430/57642+++",
            "***020/3430/57642***",
            "020/3430/57642",
            "020343057642",
            "+++ 020 / 3430 / 57642 +++",
            "020 3430 57642",
            "Top-up for Ada +++020/3430/57642+++ thank you",
            "Ada 2026: 020/3430/57642.",
        ):
            self.assertEqual(find_structured_communications(text), ([digits], []), text)

    def test_wrong_check_digit_and_nothing(self):
        self.assertEqual(find_structured_communications("+++020/3430/57643+++"), ([], ["020343057643"]))
        self.assertEqual(find_structured_communications("Lunch money for Ada"), ([], []))
        self.assertEqual(find_structured_communications(False), ([], []))
        # Thirteen digits are not a communication.
        self.assertEqual(find_structured_communications("0203430576421"), ([], []))

    def test_two_references(self):
        valid, _invalid = find_structured_communications("+++020/3430/57642+++ and 900/0000/00116")
        self.assertEqual(valid, ["020343057642", "900000000116"])
        # The same reference twice is one reference.
        valid, _invalid = find_structured_communications("020/3430/57642 (020343057642)")
        self.assertEqual(valid, ["020343057642"])


@tagged("post_install", "-at_install")
class TestWalletBankStatement(WalletCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.ada_digits = sanitize_structured_reference(cls.wallet_ada_general.communication)

    def _create_line(self, payment_ref, amount=25.0, **values):
        return self.env["account.bank.statement.line"].create(
            {"journal_id": self.bank_journal.id, "payment_ref": payment_ref, "amount": amount, **values}
        )

    def assert_matched(self, st_line, wallet, amount):
        self.assertEqual(st_line.optis_wallet_match_state, "matched")
        self.assertEqual(st_line.optis_wallet_id, wallet)
        operation = st_line.optis_wallet_operation_id
        self.assertRecordValues(
            operation,
            [
                {
                    "wallet_id": wallet.id,
                    "amount": amount,
                    "operation_type": "topup_transfer",
                    "payment_method": "bank_transfer",
                    "origin_model": "account.bank.statement.line",
                    "origin_id": st_line.id,
                    "move_id": st_line.move_id.id,
                }
            ],
        )
        self.assertTrue(st_line.is_reconciled)
        wallet_lines = st_line.move_id.line_ids.filtered(lambda line: line.account_id == self.wallet_account)
        self.assertRecordValues(wallet_lines, [{"partner_id": wallet.student_id.id, "balance": -amount}])
        self.assert_ledger_matches_general_ledger(wallet.student_id)

    def test_every_notation_credits_the_wallet(self):
        communication = self.wallet_ada_general.communication
        digits = self.ada_digits
        texts = [
            communication,
            communication.replace("+", "*"),
            communication.strip("+"),
            digits,
            f"{digits[:3]} {digits[3:7]} {digits[7:]}",
            f"Lunch money for Ada {communication} - her father",
        ]
        for amount, text in enumerate(texts, start=10):
            with self.subTest(text=text):
                self.assert_matched(self._create_line(text, amount), self.wallet_ada_general, amount)
        self.assertEqual(self.wallet_ada_general.balance, sum(range(10, 10 + len(texts))))

    def test_communication_in_the_note(self):
        st_line = self._create_line("Transfer", 12.0, narration=f"<p>Ref {self.ada_digits}</p>")
        self.assert_matched(st_line, self.wallet_ada_general, 12.0)

    def test_queue_reasons(self):
        bad_digits = self.ada_digits[:10] + f"{(int(self.ada_digits[10:]) % 97) + 1:02d}"
        other = self.wallet_bob_general.communication
        cases = {
            "unmatched": self._create_line("Lunch money for Ada"),
            "wrong_check_digit": self._create_line(f"+++{bad_digits}+++"),
            "unknown_reference": self._create_line("+++020/3430/57642+++"),
            "ambiguous": self._create_line(f"{self.wallet_ada_general.communication} {other}"),
            "negative": self._create_line(self.wallet_ada_general.communication, -25.0),
            "not_applicable": self._create_line("Supplier payment", -25.0),
        }
        for state, st_line in cases.items():
            with self.subTest(state=state):
                self.assertEqual(st_line.optis_wallet_match_state, state)
                self.assertTrue(st_line.optis_wallet_match_reason)
                self.assertFalse(st_line.optis_wallet_operation_id)
                self.assertFalse(st_line.is_reconciled)
        self.assertFalse(self.wallet_ada_general.operation_ids | self.wallet_bob_general.operation_ids)

    def test_matching_again_is_a_no_op(self):
        st_line = self._create_line(self.wallet_ada_general.communication)
        operation = st_line.optis_wallet_operation_id
        st_line.action_optis_wallet_match()
        st_line._optis_wallet_match()
        self.assertEqual(st_line.optis_wallet_operation_id, operation)
        self.assertEqual(self.wallet_ada_general.operation_ids, operation)
        self.assertEqual(self.wallet_ada_general.balance, 25.0)
        with self.assertRaises(UserError):
            st_line._optis_wallet_credit(self.wallet_bob_general)
        self.assertFalse(self.wallet_bob_general.operation_ids)

    def test_same_line_cannot_credit_twice_in_database(self):
        st_line = self._create_line("No reference")
        self.wallet_ada_general._credit(25.0, "topup_transfer", origin=st_line)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.wallet_bob_general._credit(25.0, "topup_transfer", origin=st_line)

    def _assign(self, st_line, wallet, user):
        action = st_line.action_optis_wallet_assign()
        wizard_form = Form(self.env[action["res_model"]].with_user(user).with_context(**action["context"]))
        wizard_form.wallet_id = wallet
        return wizard_form.save().action_assign()

    def test_assign_from_the_queue(self):
        st_line = self._create_line("Lunch money for Bob", 40.0)
        self.assertEqual(st_line.optis_wallet_match_state, "unmatched")
        queue = (
            self.env["account.bank.statement.line"]
            .with_user(self.user_bursar)
            .search([("optis_wallet_match_state", "in", QUEUE_STATES)])
        )
        self.assertIn(st_line, queue)
        self.assertTrue(st_line.with_user(self.user_bursar).optis_wallet_match_reason)
        self._assign(st_line, self.wallet_bob_general, self.user_bursar)
        self.assert_matched(st_line, self.wallet_bob_general, 40.0)
        self.assertEqual(st_line.optis_wallet_operation_id.user_id, self.user_bursar)
        # Assigning again refuses.
        with self.assertRaises(UserError):
            self._assign(st_line, self.wallet_ada_general, self.user_bursar)
        self.assertFalse(self.wallet_ada_general.operation_ids)

    def test_only_bursars_assign(self):
        st_line = self._create_line("Lunch money for Bob", 40.0)
        wizard = self.env["school.wallet.bank.assign"].create(
            {"statement_line_id": st_line.id, "wallet_id": self.wallet_bob_general.id}
        )
        with self.assertRaises(UserError):
            wizard.with_user(self.user_teacher).action_assign()
        with self.assertRaises(AccessError):
            st_line.with_user(self.user_bursar).write({"payment_ref": "changed"})
        self.assertFalse(st_line.optis_wallet_operation_id)

    def test_reconciled_line_is_not_credited(self):
        st_line = self._create_line("Paid elsewhere", 30.0)
        _liquidity, suspense, _other = st_line._seek_for_lines()
        suspense.account_id = self.income_account
        self.assertTrue(st_line.is_reconciled)
        with self.assertRaises(UserError):
            st_line._optis_wallet_credit(self.wallet_ada_general)
        self.assertFalse(self.wallet_ada_general.operation_ids)

    def test_invariant_with_other_operations(self):
        self.wallet_ada_general._credit(10.0, "topup_cash")
        self._create_line(self.wallet_ada_general.communication, 15.0)
        self._create_line(self.wallet_ada_meals.communication, 5.0)
        self.wallet_ada_meals._debit(7.0, "meal")
        self.assertEqual(self.wallet_ada_general.balance, 25.0)
        self.assertEqual(self.wallet_ada_meals.balance, -2.0)
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_paying_guardians_are_told(self):
        payer, other = self.env["res.partner"].create(
            [
                {"name": "Ada's Mother", "email": "mother@example.com", "is_guardian": True},
                {"name": "Ada's Uncle", "email": "uncle@example.com", "is_guardian": True},
            ]
        )
        self.env["school.guardian.link"].create(
            [
                {"student_id": self.student_ada.id, "guardian_id": payer.id, "is_payer": True},
                {"student_id": self.student_ada.id, "guardian_id": other.id, "is_payer": False},
            ]
        )
        self._create_line(self.wallet_ada_general.communication, 30.0)
        message = self.student_ada.message_ids[:1]
        self.assertIn("was credited to the wallet", str(message.body))
        self.assertEqual(message.partner_ids, payer)
        # Without a paying guardian to tell, no message: the ledger has the operation.
        messages = self.student_bob.message_ids
        self._create_line(self.wallet_bob_general.communication, 12.0)
        self.assertEqual(self.student_bob.message_ids, messages)
        self.assertEqual(self.wallet_bob_general.balance, 12.0)

    def test_refused_credit_does_not_block_the_import(self):
        journal = self.company.school_wallet_journal_id
        self.company.school_wallet_journal_id = False
        st_line = self._create_line(self.wallet_ada_general.communication, 30.0)
        self.assertEqual(st_line.optis_wallet_match_state, "refused")
        self.assertIn("cannot be posted", st_line.optis_wallet_match_reason)
        self.assertFalse(st_line.is_reconciled)
        self.assertFalse(self.wallet_ada_general.operation_ids)
        # Once the accounting is fixed, matching again credits the wallet.
        self.company.school_wallet_journal_id = journal
        st_line.action_optis_wallet_match()
        self.assert_matched(st_line, self.wallet_ada_general, 30.0)

    def test_credited_line_cannot_be_reset_or_deleted(self):
        st_line = self._create_line(self.wallet_ada_general.communication, 30.0)
        with self.assertRaises(UserError):
            st_line.action_undo_reconciliation()
        with self.assertRaises(UserError):
            st_line.unlink()
        self.assert_matched(st_line, self.wallet_ada_general, 30.0)
        # Lines in the queue keep the standard behaviour.
        queued = self._create_line("No reference", 30.0)
        queued.unlink()
        self.assertFalse(queued.exists())

    def test_accountant_without_school_rights_imports(self):
        accountant = mail_new_test_user(
            self.env,
            login="wallet_bank_accountant",
            groups="account.group_account_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertFalse(accountant.has_group("optis_school.group_school_user"))
        st_line = (
            self.env["account.bank.statement.line"]
            .with_user(accountant)
            .create(
                {
                    "journal_id": self.bank_journal.id,
                    "payment_ref": self.wallet_ada_general.communication,
                    "amount": 20.0,
                }
            )
        )
        self.assert_matched(st_line.with_user(self.env.user), self.wallet_ada_general, 20.0)
        self.assertEqual(st_line.sudo().optis_wallet_operation_id.user_id, accountant)
