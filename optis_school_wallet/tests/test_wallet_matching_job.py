from odoo.tests import tagged

from odoo.addons.optis_school.tests.queue_jobs import trap_jobs

from .test_wallet_statement_import import TestWalletStatementImport


@tagged("post_install", "-at_install")
class TestWalletMatchingJob(TestWalletStatementImport):
    """A bank file of more lines than the threshold is matched by background jobs
    (OCA queue_job): the import returns at once with the lines queued, the jobs credit
    the wallets exactly as the import would have, and the journal's chatter says so.
    Runs every import test of the parent class again through the jobs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("optis_school_wallet.matching_job_threshold", "2")
        # One job per two lines: a file of four lines makes two jobs.
        from ..models import account_bank_statement_line

        cls.classPatch(account_bank_statement_line, "MATCHING_CHUNK", 2)

    def _import(self, content, filename):
        with trap_jobs() as trap:
            action = super()._import(content, filename)
        lines = self.env["account.bank.statement.line"].search(
            [("journal_id", "=", self.bank_journal.id), ("optis_wallet_match_state", "=", "queued")]
        )
        if len(lines) > 2:
            trap.assert_jobs_count((len(lines) + 1) // 2)
            self.assertEqual(self.wallet_ada_general.balance, 0.0, "nothing is credited before the jobs ran")
            trap.perform_enqueued_jobs()
        return action

    def test_journal_chatter_tells_the_bursar(self):
        self._import(self._camt(self._transactions()), "statement.xml")
        bodies = self.bank_journal.message_ids.mapped("body")
        self.assertTrue(any("4 bank statement lines are being matched" in body for body in bodies), bodies)
        done = [body for body in bodies if "Wallet matching done" in body]
        self.assertEqual(len(done), 2, "one summary per job")
        self.assertFalse(
            self.env["account.bank.statement.line"].search_count([("optis_wallet_match_state", "=", "queued")])
        )

    def test_rematching_before_the_job_runs_credits_once(self):
        """A bursar who presses Match Wallets while the lines wait does the job's work;
        the job then finds nothing left to do."""
        with trap_jobs() as trap:
            TestWalletStatementImport._import(self, self._camt(self._transactions()), "statement.xml")
            lines = self.env["account.bank.statement.line"].search([("journal_id", "=", self.bank_journal.id)])
            lines.action_optis_wallet_match()
            trap.perform_enqueued_jobs()
        self._assert_first_import()
