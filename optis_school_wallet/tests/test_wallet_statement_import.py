import base64

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.account.tools import sanitize_structured_reference

from .bank_files import build_camt053, build_coda
from .common import WalletCommon

SCHOOL_IBAN = "BE71096123456769"
PARENT_IBAN = "BE68539007547034"


@tagged("post_install", "-at_install")
class TestWalletStatementImport(WalletCommon):
    """Bank files imported through OCA's import wizard (CAMT.053, CODA) credit the wallets
    their lines point to, once: importing the same file again credits nothing."""

    country_code = "BE"
    chart_template = "generic_coa"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        school_account = cls.env["res.partner.bank"].create(
            {"acc_number": SCHOOL_IBAN, "partner_id": cls.company.partner_id.id, "company_id": cls.company.id}
        )
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.bank_journal.bank_account_id = school_account

    def _import(self, content, filename):
        wizard = self.env["account.statement.import"].create(
            {"statement_file": base64.b64encode(content), "statement_filename": filename}
        )
        return wizard.import_file_button()

    def _snapshot(self):
        wallets = self.wallet_ada_general | self.wallet_ada_meals | self.wallet_bob_general
        return {
            "balances": wallets.mapped("balance"),
            "operations": self.env["school.wallet.operation"].search_count([("wallet_id", "in", wallets.ids)]),
            "lines": self.env["account.bank.statement.line"].search_count([("journal_id", "=", self.bank_journal.id)]),
            "moves": self.env["account.move"].search_count([("company_id", "=", self.company.id)]),
        }

    def _transactions(self):
        ada, bob = self.wallet_ada_general.communication, self.wallet_bob_general.communication
        return [
            {"amount": 25.0, "name": "Parent Ada", "iban": PARENT_IBAN, "ref": ada, "bank_ref": "B1"},
            {
                "amount": 10.5,
                "name": "Parent Bob",
                "iban": PARENT_IBAN,
                "text": f"Top-up Bob {sanitize_structured_reference(bob)[:3]}/"
                f"{sanitize_structured_reference(bob)[3:7]}/{sanitize_structured_reference(bob)[7:]} thanks",
                "bank_ref": "B2",
            },
            {"amount": 7.0, "name": "Someone", "iban": PARENT_IBAN, "ref": "+++000/0000/09797+++", "bank_ref": "B3"},
            {"amount": -4.0, "name": "Supplier", "iban": PARENT_IBAN, "text": "Invoice 12", "bank_ref": "B4"},
        ]

    def _camt(self, transactions, statement_id="OPTIS-2026-11-20"):
        for tx in transactions:
            if "ref" in tx:
                tx["structured"] = tx["ref"]
        return build_camt053(SCHOOL_IBAN, "Ecole des Tests", transactions, statement_id=statement_id)

    def _coda(self, transactions, statement_number=101):
        for tx in transactions:
            tx["communication"] = sanitize_structured_reference(tx["ref"]) if "ref" in tx else tx["text"]
        return build_coda(SCHOOL_IBAN, "Ecole des Tests", transactions, statement_number=statement_number)

    def _assert_first_import(self):
        self.assertEqual(self.wallet_ada_general.balance, 25.0, "structured reference (+++ notation)")
        self.assertEqual(self.wallet_bob_general.balance, 10.5, "communication inside free text")
        self.assertEqual(self.wallet_ada_meals.balance, 0.0)
        lines = self.env["account.bank.statement.line"].search([("journal_id", "=", self.bank_journal.id)])
        self.assertEqual(len(lines), 4)
        states = {line.amount: line.optis_wallet_match_state for line in lines}
        self.assertEqual(states[25.0], "matched")
        self.assertEqual(states[10.5], "matched")
        self.assertEqual(states[7.0], "unknown_reference", "a valid communication of no wallet waits for the bursar")
        self.assertEqual(states[-4.0], "not_applicable", "outgoing payments are not wallet business")
        self.assertTrue(all(line.unique_import_id for line in lines), "every imported line has an import id")
        self.assert_ledger_matches_general_ledger(self.student_ada | self.student_bob)

    def _assert_second_import_changes_nothing(self, content, filename):
        before = self._snapshot()
        with self.assertRaisesRegex(UserError, "already imported"):
            self._import(content, filename)
        self.assertEqual(self._snapshot(), before)

    def test_camt053_import_credits_once(self):
        content = self._camt(self._transactions())
        self._import(content, "statement.xml")
        self._assert_first_import()
        self._assert_second_import_changes_nothing(content, "statement-again.xml")

    def test_coda_import_credits_once(self):
        content = self._coda(self._transactions())
        self._import(content, "statement.cod")
        self._assert_first_import()
        self._assert_second_import_changes_nothing(content, "statement-again.cod")

    def test_overlapping_camt_file_credits_only_new_lines(self):
        """A bank file that repeats yesterday's transactions with a new one credits only the new one."""
        transactions = self._transactions()
        self._import(self._camt(transactions), "monday.xml")
        before = self.wallet_ada_general.balance
        more = [
            *self._transactions(),
            {
                "amount": 3.0,
                "name": "Parent Ada",
                "iban": PARENT_IBAN,
                "ref": self.wallet_ada_general.communication,
                "bank_ref": "B5",
            },
        ]
        # The same statement, sent again with one more entry: its known entries are skipped.
        self._import(self._camt(more), "monday-completed.xml")
        self.assertEqual(self.wallet_ada_general.balance, before + 3.0)
        self.assertEqual(self.wallet_bob_general.balance, 10.5)
        self.assert_ledger_matches_general_ledger(self.student_ada | self.student_bob)

    def test_rematching_imported_lines_is_a_no_op(self):
        self._import(self._camt(self._transactions()), "statement.xml")
        before = self._snapshot()
        lines = self.env["account.bank.statement.line"].search([("journal_id", "=", self.bank_journal.id)])
        lines.action_optis_wallet_match()
        self.assertEqual(self._snapshot(), before)
