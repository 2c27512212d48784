import re

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..tools import find_structured_communications, format_structured_communication
from .school_wallet_engine_mixin import check_engine_fields, engine

# A bank file of more lines than this (``optis_school_wallet.matching_job_threshold``) is matched by
# background jobs (OCA queue_job) of MATCHING_CHUNK lines each, never inside the web request.
DEFAULT_MATCHING_JOB_THRESHOLD = 300
MATCHING_CHUNK = 200

# What the wallet matching reads to credit a wallet or pay an invoice once: set by it only.
ENGINE_FIELDS = {
    "optis_wallet_operation_id",
    "optis_wallet_match_state",
    "optis_wallet_match_reason",
    "optis_invoice_id",
}

MATCH_STATES = [
    ("matched", "Matched"),
    ("unmatched", "No Communication"),
    ("ambiguous", "Ambiguous"),
    ("wrong_check_digit", "Wrong Check Digits"),
    ("unknown_reference", "Unknown Communication"),
    ("negative", "Negative Amount"),
    ("refused", "Refused"),
    ("not_applicable", "Not Applicable"),
    ("invoice_paid", "Invoice Paid"),
    ("partial", "Partial Invoice Payment"),
    ("overpaid", "Invoice Overpaid"),
    ("invoice_closed", "Invoice Not Open"),
    ("queued", "Queued for Matching"),
]
# The states a bursar has to look at.
QUEUE_STATES = (
    "unmatched",
    "ambiguous",
    "wrong_check_digit",
    "unknown_reference",
    "negative",
    "refused",
    "partial",
    "overpaid",
    "invoice_closed",
)


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    optis_wallet_operation_id = fields.Many2one(
        "school.wallet.operation",
        string="Wallet Top-up",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )
    optis_wallet_id = fields.Many2one(related="optis_wallet_operation_id.wallet_id", string="Wallet")
    optis_wallet_match_state = fields.Selection(
        MATCH_STATES, string="Wallet Matching", readonly=True, copy=False, index=True
    )
    optis_wallet_match_reason = fields.Char(string="Wallet Matching Reason", readonly=True, copy=False)
    optis_invoice_id = fields.Many2one(
        "account.move", string="Invoice Paid", readonly=True, copy=False, index="btree_not_null"
    )
    _sql_constraints = [
        (
            "optis_wallet_operation_uniq",
            "unique(optis_wallet_operation_id)",
            "A wallet top-up comes from one bank statement line.",
        ),
    ]

    @api.ondelete(at_uninstall=False)
    def _unlink_except_wallet_topup(self):
        if self.optis_wallet_operation_id:
            raise UserError(
                _("A bank transfer credited to a wallet cannot be deleted: use Correct Balance on the wallet instead.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_engine_fields(self, ENGINE_FIELDS.intersection(vals), "create")
        st_lines = super().create(vals_list)
        # ``optis_wallet_defer_matching``: bulk loads that match afterwards ("Match Wallets").
        if not self.env.context.get("optis_wallet_defer_matching"):
            if len(st_lines) > st_lines._optis_wallet_matching_job_threshold():
                st_lines._optis_wallet_match_later()
            else:
                st_lines._optis_wallet_match()
        return st_lines

    def write(self, vals):
        check_engine_fields(self, ENGINE_FIELDS.intersection(vals))
        return super().write(vals)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_undo_reconciliation(self):
        # Putting the suspense item back would take the money off the wallet liability
        # while the wallet keeps it.
        if self.optis_wallet_operation_id:
            raise UserError(
                _("A bank transfer credited to a wallet cannot be reset: use Correct Balance on the wallet instead.")
            )
        return super().action_undo_reconciliation()

    def action_optis_wallet_match(self):
        """Button and server action: match the selected lines again."""
        self._check_optis_wallet_rights()
        self._optis_wallet_match()

    def action_optis_open_reconcile(self):
        """Open the line in OCA's reconciliation widget (``account_reconcile_oca``), for what
        is no wallet top-up nor invoice payment: bank fees, a supplier refund, a transfer to
        split by hand."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_reconcile_oca.action_bank_statement_line_reconcile"
        )
        action["domain"] = [("id", "=", self.id)]
        action["context"] = {
            "default_journal_id": self.journal_id.id,
            "view_ref": "account_reconcile_oca.bank_statement_line_form_reconcile_view",
        }
        return action

    def action_optis_wallet_assign(self):
        """Open the wizard where the bursar picks the wallet to credit."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Assign to a Wallet"),
            "res_model": "school.wallet.bank.assign",
            "view_mode": "form",
            "target": "new",
            "context": {"default_statement_line_id": self.id},
        }

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    def _check_optis_wallet_rights(self):
        """The buttons that credit wallets and pay invoices (in sudo) are the bursar's, or
        of whoever may change these bank lines; read access alone is not enough.

        :raise AccessError: neither a bursar nor allowed to write the lines
        """
        if self.env.su or self.env.user.has_group("optis_school.group_school_bursar"):
            return
        self.check_access("write")

    def _optis_wallet_get_match(self):
        """Which wallet this line tops up, without changing anything.

        :return: ``(state, wallet, reason)``: a value of ``MATCH_STATES``, the wallet for
            ``matched`` (else an empty recordset) and a reason for the bursar
        """
        self.ensure_one()
        wallet = self.env["school.wallet"]
        # CAMT.053 imports put the structured reference in ``ref`` (and in the narration).
        texts = [
            self.payment_ref or "",
            self.ref or "",
            self.narration and re.sub(r"<[^>]*>", " ", self.narration) or "",
        ]
        valid, invalid = find_structured_communications(" ".join(texts))
        if len(valid) == 1:
            # Matching runs for whoever imports the statement, school user or not.
            wallet = wallet.sudo().search(
                [("communication_search", "=", valid[0]), ("company_id", "=", self.company_id.id)], limit=1
            )
        invoice = self.env["account.move"]
        if len(valid) == 1 and not wallet:
            invoice = invoice.sudo().search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_reference", "=", format_structured_communication(valid[0])),
                ],
                limit=1,
            )
        state, reason = "matched", False
        if self.currency_id.is_zero(self.amount):
            state, reason = "not_applicable", _("The amount is zero.")
        elif not valid and not invalid:
            if self.amount < 0:
                state, reason = "not_applicable", _("Outgoing payment without a structured communication.")
            else:
                state, reason = "unmatched", _("No structured communication found.")
        elif len(valid) > 1:
            state, reason = "ambiguous", _("Several structured communications: %(refs)s.", refs=", ".join(valid))
        elif not valid:
            state, reason = "wrong_check_digit", _("Wrong check digits: %(refs)s.", refs=", ".join(invalid))
        elif invoice:
            state, reason = self._optis_invoice_get_match(invoice)
        elif not wallet:
            state, reason = "unknown_reference", _("No wallet has the communication %(ref)s.", ref=valid[0])
        elif self.amount < 0:
            state, reason = "negative", _("Negative amount for the wallet %(wallet)s.", wallet=wallet.display_name)
        if invoice:
            return state, invoice, reason
        return state, wallet if state == "matched" else wallet.browse(), reason

    def _optis_invoice_get_match(self, invoice):
        """Whether this line pays ``invoice`` (found by its structured reference).

        :return: ``(state, reason)``
        """
        self.ensure_one()
        if invoice.payment_state not in ("not_paid", "partial"):
            return "invoice_closed", _("The invoice %(invoice)s is not open.", invoice=invoice.name)
        if self.amount < 0:
            return "negative", _("Negative amount for the invoice %(invoice)s.", invoice=invoice.name)
        if self.currency_id != invoice.currency_id or self.foreign_currency_id:
            return "refused", _("The invoice %(invoice)s is in another currency.", invoice=invoice.name)
        comparison = self.currency_id.compare_amounts(self.amount, invoice.amount_residual)
        amounts = {
            "amount": format_amount(self.env, self.amount, self.currency_id),
            "due": format_amount(self.env, invoice.amount_residual, invoice.currency_id),
            "invoice": invoice.name,
        }
        if comparison < 0:
            return "partial", _("%(amount)s paid of %(due)s due on %(invoice)s.", **amounts)
        if comparison > 0:
            return "overpaid", _("%(amount)s paid, only %(due)s due on %(invoice)s.", **amounts)
        return "invoice_paid", False

    @api.model
    def _optis_wallet_matching_job_threshold(self):
        param = self.env["ir.config_parameter"].sudo().get_param("optis_school_wallet.matching_job_threshold")
        try:
            return max(1, int(param)) if param else DEFAULT_MATCHING_JOB_THRESHOLD
        except ValueError:
            return DEFAULT_MATCHING_JOB_THRESHOLD

    def _optis_wallet_match_later(self):
        """Queue the wallet matching of these lines as background jobs, one per chunk; the
        lines show "Queued for Matching" until their job ran, and the journal's chatter
        says what was queued and, per job, what was matched."""
        engine(self).write({"optis_wallet_match_state": "queued", "optis_wallet_match_reason": False})
        for journal in self.journal_id:
            lines = self.filtered(lambda line, journal=journal: line.journal_id == journal)
            chunks = [lines[index : index + MATCHING_CHUNK] for index in range(0, len(lines), MATCHING_CHUNK)]
            for index, chunk in enumerate(chunks, start=1):
                chunk.with_delay(
                    channel="root.optis",
                    description=_(
                        "Wallet matching of %(journal)s: part %(index)s/%(total)s",
                        journal=journal.name,
                        index=index,
                        total=len(chunks),
                    ),
                )._optis_wallet_match_job()
            # Sudo: our own summary in the journal's chatter; a bursar may not write journals.
            journal.sudo().message_post(
                body=_(
                    "%(count)s bank statement lines are being matched with wallets and invoices in the "
                    "background (%(jobs)s jobs).",
                    count=len(lines),
                    jobs=len(chunks),
                )
            )

    def _optis_wallet_match_job(self):
        """Job: match the lines still queued and post the outcome on the journal."""
        lines = self.filtered(lambda line: line.optis_wallet_match_state == "queued")
        engine(lines).write({"optis_wallet_match_state": False})
        lines._optis_wallet_match()
        counts = {}
        for line in lines:
            counts[line.optis_wallet_match_state] = counts.get(line.optis_wallet_match_state, 0) + 1
        to_review = sum(count for state, count in counts.items() if state in QUEUE_STATES)
        for journal in lines.journal_id:
            # Sudo: our own summary in the journal's chatter; a bursar may not write journals.
            journal.sudo().message_post(
                body=_(
                    "Wallet matching done for %(count)s lines: %(matched)s wallets credited, %(invoices)s "
                    "invoices paid, %(review)s to review.",
                    count=len(lines),
                    matched=counts.get("matched", 0),
                    invoices=counts.get("invoice_paid", 0),
                    review=to_review,
                )
            )
        return f"{len(lines)} lines matched"

    def _optis_wallet_match(self):
        """Credit the wallet whose structured communication a line carries; put the other
        lines in the bursar's queue with the reason (``refused`` when crediting failed, e.g.
        accounting not configured). Lines already matched are left alone, so calling it
        again is harmless."""
        for st_line in self:
            if st_line.optis_wallet_operation_id or st_line.optis_invoice_id:
                continue
            state, wallet, reason = st_line._optis_wallet_get_match()
            if state == "invoice_paid":
                try:
                    with self.env.cr.savepoint():
                        st_line._optis_invoice_pay(wallet)
                    continue
                except UserError as error:
                    state, reason = "refused", str(error)
            if state == "matched":
                # A wallet that cannot be credited must never block a bank import: the line waits instead.
                try:
                    with self.env.cr.savepoint():
                        st_line._optis_wallet_credit(wallet)
                except UserError as error:
                    state, reason = "refused", str(error)
            if state != "matched":
                engine(st_line).write({"optis_wallet_match_state": state, "optis_wallet_match_reason": reason})

    def _optis_wallet_credit(self, wallet):
        """Credit ``wallet`` with the amount of this line and reconcile the line against the
        wallet liability: the suspense item of the line's own entry moves to the wallet
        account, on the student, so the entry is the wallet operation's entry.

        :param wallet: the ``school.wallet`` to credit
        :return: the new ``school.wallet.operation``
        :raise UserError: line already matched or reconciled, negative amount, other school
        """
        self.ensure_one()
        wallet.ensure_one()
        if self.optis_wallet_operation_id:
            raise UserError(_("This bank transfer has already been credited to a wallet."))
        if wallet.company_id != self.company_id:
            raise UserError(_("The wallet and the bank transfer belong to different schools."))
        if self.currency_id != wallet.currency_id or self.foreign_currency_id:
            raise UserError(_("Only transfers in the school's currency can top a wallet up."))
        _liquidity_lines, suspense_lines, _other_lines = self._seek_for_lines()
        if len(suspense_lines) != 1 or self.is_reconciled or self.move_id.state != "posted":
            raise UserError(_("This bank transfer is already reconciled with something else."))
        # Access to the wallet is the caller's business (automatic matching, bursar wizard).
        operation = wallet.sudo()._credit(
            self.amount,
            "topup_transfer",
            payment_method="bank_transfer",
            origin=self,
            origin_ref=self.payment_ref,
            move=self.move_id,
        )
        suspense_lines.sudo().write(
            {
                "account_id": wallet.company_id.sudo().school_wallet_account_id.id,
                "partner_id": wallet.student_id.id,
            }
        )
        engine(self.sudo()).write(
            {
                "optis_wallet_operation_id": operation.id,
                "optis_wallet_match_state": "matched",
                "optis_wallet_match_reason": False,
            }
        )
        self._optis_wallet_notify_guardians(operation)
        return operation

    def _optis_invoice_pay(self, invoice, partial=False):
        """Pay ``invoice`` with this line: the suspense item of the line's own entry moves to
        the invoice's receivable account, on its partner, and is reconciled with the invoice.

        :param invoice: the open customer ``account.move``
        :param bool partial: accept an amount below the amount due (bursar's decision)
        :raise UserError: line already reconciled, amount above the amount due, or below it
            without ``partial``
        """
        self.ensure_one()
        _liquidity_lines, suspense_lines, _other_lines = self._seek_for_lines()
        if len(suspense_lines) != 1 or self.is_reconciled or self.optis_wallet_operation_id or self.optis_invoice_id:
            raise UserError(_("This bank transfer is already reconciled with something else."))
        state, reason = self._optis_invoice_get_match(invoice)
        if state not in ("invoice_paid", "partial") or (state == "partial" and not partial):
            raise UserError(reason)
        receivable_lines = invoice.sudo().line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        )
        # The partner first: it is written on the entry's lines, which reconciling freezes.
        self.sudo().partner_id = invoice.commercial_partner_id
        _liquidity_lines, suspense_lines, _other_lines = self._seek_for_lines()
        suspense_lines.sudo().write(
            {"account_id": receivable_lines.account_id[:1].id, "partner_id": invoice.commercial_partner_id.id}
        )
        (suspense_lines.sudo() + receivable_lines).reconcile()
        engine(self.sudo()).write(
            {
                "optis_invoice_id": invoice.id,
                "optis_wallet_match_state": "invoice_paid",
                "optis_wallet_match_reason": False,
            }
        )

    def action_optis_pay_invoice_partially(self):
        """Bursar's button on a partial payment: book it on the invoice anyway."""
        self._check_optis_wallet_rights()
        for st_line in self:
            state, invoice, _reason = st_line._optis_wallet_get_match()
            if state != "partial":
                raise UserError(_("Only partial invoice payments can be booked this way."))
            st_line._optis_invoice_pay(invoice, partial=True)

    def _optis_wallet_notify_guardians(self, operation):
        """Tell the paying guardians of the student that the transfer reached the wallet
        (nobody to tell, no message: the operation is in the wallet's ledger anyway)."""
        student_sudo = operation.wallet_id.student_id.sudo()
        payers = student_sudo.student_guardian_link_ids.filtered("is_payer").guardian_id.filtered("email")
        if not payers:
            return
        student_sudo.message_post(
            body=_(
                "Your bank transfer of %(amount)s was credited to the wallet %(wallet)s.",
                amount=format_amount(self.env, operation.amount, operation.currency_id),
                wallet=operation.wallet_id.display_name,
            ),
            partner_ids=payers.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
