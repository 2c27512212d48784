from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount

from odoo.addons.account.tools import is_valid_structured_reference

SCHOOL_PAYMENT_STATUSES = [
    ("open", "Open"),
    ("overdue", "Overdue"),
    ("paid", "Paid"),
    ("credited", "Credited or Cancelled"),
]


class AccountMove(models.Model):
    _inherit = "account.move"

    school_student_id = fields.Many2one(
        "res.partner",
        string="Student",
        index="btree_not_null",
        domain="[('is_student', '=', True)]",
        tracking=True,
        help="The student the invoice is for; the invoice itself goes to the paying guardian.",
    )
    school_payment_status = fields.Selection(
        SCHOOL_PAYMENT_STATUSES,
        string="Status for Parents",
        compute="_compute_school_payment_status",
        help="Overdue (red), paid (green), open and not due (white), credited or cancelled (blue).",
    )
    school_wallet_payment_allowed = fields.Boolean(related="company_id.school_wallet_invoice_payment")

    @api.depends("state", "payment_state", "invoice_date_due", "move_type", "amount_residual")
    def _compute_school_payment_status(self):
        today = fields.Date.context_today(self)
        for move in self:
            if move.state == "cancel" or move.payment_state == "reversed" or move.move_type == "out_refund":
                move.school_payment_status = "credited"
            elif move.payment_state in ("paid", "in_payment"):
                move.school_payment_status = "paid"
            elif move.state == "posted" and move.invoice_date_due and move.invoice_date_due < today:
                move.school_payment_status = "overdue"
            else:
                move.school_payment_status = "open"

    def action_school_pay_from_wallet(self):
        """Button: pay the invoice from the student's first wallet that covers it."""
        self.ensure_one()
        wallets = self.env["school.wallet"].search(
            [("student_id", "=", self.school_student_id.id), ("company_id", "=", self.company_id.id)]
        )
        if not wallets:
            raise UserError(_("%(student)s has no wallet.", student=self.school_student_id.display_name))
        wallet = wallets.filtered(lambda wallet: wallet.balance >= self.amount_residual)[:1] or wallets[:1]
        self._school_pay_from_wallet(wallet)
        return True

    def _school_pay_from_wallet(self, wallet, amount=None):
        """Pay this customer invoice from a wallet of its student, in one transaction: the
        wallet is debited (race-safe) and the entry of that debit moves the amount from the
        wallet liability (on the student) to the receivable of the invoice (on its
        partner), reconciled with the invoice.

        :param wallet: a ``school.wallet`` of the invoice's student
        :param float amount: the amount to pay, the invoice's residual by default
        :return: the wallet operation
        :raise UserError: the school does not allow it, not a posted open customer invoice,
            wallet of another student or school, amount not in (0, residual], insufficient balance
        """
        self.ensure_one()
        wallet.ensure_one()
        # Two payments of one invoice at once (a double submit, two wallets) pay it once: the
        # second waits here, then fails with a serialization error when the first commits and
        # is retried on a snapshot where the invoice is paid.
        self.env.cr.execute(
            SQL("SELECT id FROM %s WHERE id = %s FOR NO KEY UPDATE", SQL.identifier(self._table), self.id)
        )
        if not self.company_id.school_wallet_invoice_payment:
            raise UserError(_("%(school)s does not allow paying invoices from wallets.", school=self.company_id.name))
        if (
            self.move_type != "out_invoice"
            or self.state != "posted"
            or self.payment_state
            not in (
                "not_paid",
                "partial",
            )
        ):
            raise UserError(_("Only open customer invoices can be paid from a wallet."))
        if wallet.student_id != self.school_student_id or wallet.company_id != self.company_id:
            raise UserError(_("The wallet must belong to the invoice's student, in the same school."))
        if self.currency_id != wallet.currency_id:
            raise UserError(_("The invoice must be in the currency of the wallet."))
        amount = wallet.currency_id.round(self.amount_residual if amount is None else amount)
        if wallet.currency_id.compare_amounts(amount, 0) <= 0 or (
            wallet.currency_id.compare_amounts(amount, self.amount_residual) > 0
        ):
            raise UserError(_("The amount must be positive and at most the amount due."))

        wallet_sudo = wallet.sudo()
        # Check everything before booking anything (the debit checks it again under the lock):
        # archived wallet, accounting set up, then the balance.
        amount = wallet_sudo._check_can_post(amount)
        wallet_sudo._lock_for_update()
        wallet_sudo._check_can_debit(amount)
        receivable_lines = self.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        )
        receivable_account = receivable_lines.account_id[:1]
        label = _("Payment of %(invoice)s from the wallet %(wallet)s", invoice=self.name, wallet=wallet.display_name)
        move_sudo = wallet_sudo._create_posted_move(
            fields.Datetime.now(),
            label,
            [
                (self.company_id.sudo().school_wallet_account_id, amount, label),
                (receivable_account, -amount, label, self.commercial_partner_id),
            ],
        )
        operation = wallet_sudo._debit(
            amount,
            "invoice_payment",
            payment_method="wallet",
            origin=self,
            origin_ref=self.name,
            move=move_sudo,
        )
        (move_sudo.line_ids + receivable_lines.sudo()).filtered(
            lambda line: line.account_id == receivable_account and not line.reconciled
        ).reconcile()
        # Bursars may pay from a wallet without being accountants: the note is the system's.
        self.sudo().message_post(
            author_id=self.env.user.partner_id.id,
            body=_(
                "%(amount)s paid from the wallet %(wallet)s.",
                amount=format_amount(self.env, amount, wallet.currency_id),
                wallet=wallet.display_name,
            ),
        )
        return operation.with_env(self.env)

    def _school_get_transfer_details(self):
        """What a parent needs to pay this invoice by bank transfer: the school's account, the
        invoice's payment reference (the Belgian structured communication of ``l10n_be`` when
        the sale journal uses it) and the EPC (SEPA Credit Transfer) QR code of the amount due,
        drawn once per payload in each worker (``school.wallet._render_qr_code``, an SVG).

        :return: dict with ``bank_account`` (``res.partner.bank``, in sudo, empty when the school
            has none), ``reference`` (str) and ``qr_code`` (data URI, False when the account or
            the currency cannot be in an EPC QR code)
        """
        self.ensure_one()
        move_sudo = self.sudo()
        bank_account = move_sudo.partner_bank_id or move_sudo.company_id._school_wallet_topup_bank_account()
        reference = move_sudo.payment_reference or move_sudo.name
        details = {"bank_account": bank_account, "reference": reference, "qr_code": False}
        amount = move_sudo.currency_id.round(move_sudo.amount_residual)
        if not bank_account or move_sudo.currency_id.compare_amounts(amount, 0) <= 0:
            return details
        structured = reference if is_valid_structured_reference(reference) else ""
        free = "" if structured else reference
        if bank_account._get_error_messages_for_qr(
            "sct_qr", move_sudo.partner_id, move_sudo.currency_id
        ) or bank_account._check_for_qr_code_errors(
            "sct_qr", amount, move_sudo.currency_id, move_sudo.partner_id, free, structured
        ):
            return details
        values = bank_account._get_qr_vals(
            "sct_qr", amount, move_sudo.currency_id, move_sudo.partner_id, free, structured
        )
        details["qr_code"] = self.env["school.wallet"].sudo()._render_qr_code("\n".join(values))
        return details
