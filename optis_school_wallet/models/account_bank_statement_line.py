import re

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from odoo.addons.account.tools import is_valid_structured_reference_be

# Twelve digits, with spaces or slashes anywhere between them (+++ and *** around them are
# ignored by the search), not glued to other digits: "+++123/4567/89012+++", "123 4567 89012".
STRUCTURED_COMMUNICATION_RE = re.compile(r"(?<!\d)\d(?:[\s/]*\d){11}(?!\d)")

MATCH_STATES = [
    ("matched", "Matched"),
    ("unmatched", "No Communication"),
    ("ambiguous", "Ambiguous"),
    ("wrong_check_digit", "Wrong Check Digits"),
    ("unknown_reference", "Unknown Communication"),
    ("negative", "Negative Amount"),
    ("refused", "Refused"),
    ("not_applicable", "Not Applicable"),
]
# The states a bursar has to look at.
QUEUE_STATES = ("unmatched", "ambiguous", "wrong_check_digit", "unknown_reference", "negative", "refused")


def find_structured_communications(text):
    """The Belgian structured communications a free text may hold.

    :param str text: a payment reference or note, e.g. ``"Ada +++900/0000/00116+++ thanks"``
    :return: ``(valid, invalid)``: two lists of twelve-digit strings, without duplicates, in
        order of appearance; ``invalid`` holds the candidates whose check digits are wrong
    """
    valid, invalid = [], []
    for match in STRUCTURED_COMMUNICATION_RE.finditer(text or ""):
        digits = re.sub(r"\D", "", match.group())
        found = valid if is_valid_structured_reference_be(digits) else invalid
        if digits not in found:
            found.append(digits)
    return valid, invalid


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
                _("A bank transfer credited to a wallet cannot be deleted: record a correction on the wallet instead.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        st_lines = super().create(vals_list)
        st_lines._optis_wallet_match()
        return st_lines

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_undo_reconciliation(self):
        # Putting the suspense item back would take the money off the wallet liability
        # while the wallet keeps it.
        if self.optis_wallet_operation_id:
            raise UserError(
                _("A bank transfer credited to a wallet cannot be reset: record a correction on the wallet " "instead.")
            )
        return super().action_undo_reconciliation()

    def action_optis_wallet_match(self):
        """Button and server action: match the selected lines again."""
        self._optis_wallet_match()

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
        elif not wallet:
            state, reason = "unknown_reference", _("No wallet has the communication %(ref)s.", ref=valid[0])
        elif self.amount < 0:
            state, reason = "negative", _("Negative amount for the wallet %(wallet)s.", wallet=wallet.display_name)
        return state, wallet if state == "matched" else wallet.browse(), reason

    def _optis_wallet_match(self):
        """Credit the wallet whose structured communication a line carries; put the other
        lines in the bursar's queue with the reason (``refused`` when crediting failed, e.g.
        accounting not configured). Lines already matched are left alone, so calling it
        again is harmless."""
        for st_line in self:
            if st_line.optis_wallet_operation_id:
                continue
            state, wallet, reason = st_line._optis_wallet_get_match()
            if state == "matched":
                # A wallet that cannot be credited must never block a bank import: the line waits instead.
                try:
                    with self.env.cr.savepoint():
                        st_line._optis_wallet_credit(wallet)
                except UserError as error:
                    state, reason = "refused", str(error)
            if state != "matched":
                st_line.write({"optis_wallet_match_state": state, "optis_wallet_match_reason": reason})

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
        self.sudo().write(
            {
                "optis_wallet_operation_id": operation.id,
                "optis_wallet_match_state": "matched",
                "optis_wallet_match_reason": False,
            }
        )
        self._optis_wallet_notify_guardians(operation)
        return operation

    def _optis_wallet_notify_guardians(self, operation):
        """Tell the paying guardians of the student that the transfer reached the wallet."""
        student_sudo = operation.wallet_id.student_id.sudo()
        payers = student_sudo.student_guardian_link_ids.filtered("is_payer").guardian_id.filtered("email")
        student_sudo.message_post(
            body=_(
                "Your bank transfer of %(amount)s was credited to the wallet %(wallet)s.",
                amount=format_amount(self.env, operation.amount, operation.currency_id),
                wallet=operation.wallet_id.display_name,
            ),
            partner_ids=payers.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_note" if not payers else "mail.mt_comment",
        )
