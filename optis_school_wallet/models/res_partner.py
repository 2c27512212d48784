import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .school_wallet_settlement import SETTLEMENT_METHODS

_logger = logging.getLogger(__name__)


class ResPartner(models.Model):
    _inherit = "res.partner"

    school_wallet_ids = fields.One2many("school.wallet", "student_id", string="Wallets")
    school_wallet_count = fields.Integer(
        string="Wallet Count", compute="_compute_school_wallet_balance", groups="optis_school.group_school_bursar"
    )
    school_wallet_balance = fields.Monetary(
        string="Wallet Balance",
        compute="_compute_school_wallet_balance",
        currency_field="currency_id",
        groups="optis_school.group_school_bursar",
        help="Sum of the balances of the student's wallets, archived ones included.",
    )
    # When the student leaves: the choice of the guardians or the bursar, applied on the leaving date.
    school_wallet_settlement_method = fields.Selection(
        SETTLEMENT_METHODS,
        string="Wallets on Leaving",
        groups="optis_school.group_school_bursar",
        help="What is done with the wallets' balance on the leaving date. Empty: refunded to the first paying "
        "guardian with a bank account.",
    )
    school_wallet_refund_guardian_id = fields.Many2one(
        "res.partner",
        string="Refund To",
        groups="optis_school.group_school_bursar",
        help="The paying guardian the wallets are refunded to (their first IBAN).",
    )
    school_wallet_sibling_id = fields.Many2one(
        "res.partner",
        string="Transfer To Sibling",
        groups="optis_school.group_school_bursar",
        domain="[('is_student', '=', True), ('id', '!=', id)]",
        help="A student of the same school sharing a guardian with this one.",
    )
    school_wallet_settlement_error = fields.Char(
        string="Wallet Settlement Problem",
        readonly=True,
        copy=False,
        groups="optis_school.group_school_bursar",
        help="Why the wallets could not be settled on the leaving date.",
    )

    def _compute_school_wallet_balance(self):
        results = {
            student: (count, balance)
            for student, count, balance in self.env["school.wallet"]
            .with_context(active_test=False)
            ._read_group([("student_id", "in", self.ids)], ["student_id"], ["__count", "balance:sum"])
        }
        for partner in self:
            partner.school_wallet_count, partner.school_wallet_balance = results.get(partner, (0, 0.0))

    @api.constrains("school_wallet_refund_guardian_id", "school_wallet_sibling_id")
    def _check_school_wallet_settlement_choice(self):
        for student in self:
            guardian = student.school_wallet_refund_guardian_id
            if guardian and guardian not in student.student_guardian_link_ids.filtered("is_payer").guardian_id:
                raise ValidationError(
                    _(
                        "%(guardian)s is not a paying guardian of %(student)s.",
                        guardian=guardian.name,
                        student=student.name,
                    )
                )
            if student.school_wallet_sibling_id:
                try:
                    self.env["school.wallet"]._check_settlement_sibling(student, student.school_wallet_sibling_id)
                except UserError as error:
                    raise ValidationError(str(error)) from error

    def write(self, vals):
        result = super().write(vals)
        if vals.get("school_leaving_date") and fields.Date.to_date(vals["school_leaving_date"]) <= fields.Date.today():
            # Settled in the background: a missing bank account must not stop recording the date.
            self.env.ref("optis_school_wallet.ir_cron_school_wallet_settle_leavers").sudo()._trigger()
        return result

    def action_open_school_wallet_settle(self):
        """Open the wizard settling the open wallets of this student."""
        self.ensure_one()
        return self._school_wallet_settle_action()

    def _school_wallet_settle_action(self, wallets=None):
        """The action of the wizard settling the open wallets of this student (or ``wallets``).

        :raise UserError: the partner is not a student
        """
        self.ensure_one()
        if not self.is_student:
            raise UserError(_("%(name)s is not a student.", name=self.name))
        context = {"default_student_id": self.id}
        if wallets:
            context["default_wallet_ids"] = wallets.ids
        return {
            "type": "ir.actions.act_window",
            "name": _("Settle Wallets"),
            "res_model": "school.wallet.settle",
            "view_mode": "form",
            "target": "new",
            "context": context,
        }

    def action_view_school_wallets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optis_school_wallet.school_wallet_action")
        action["domain"] = [("student_id", "=", self.id)]
        action["context"] = {"default_student_id": self.id}
        return action

    def _school_wallet_get(self, wallet_type):
        """The student's wallet of this type, created when missing.

        :param wallet_type: a ``school.wallet.type`` of the student's school
        :return: the ``school.wallet``
        :raise UserError: the partner is not a student
        """
        self.ensure_one()
        if not self.is_student:
            raise UserError(_("%(name)s is not a student.", name=self.name))
        wallet = (
            self.env["school.wallet"]
            .with_context(active_test=False)
            .search([("student_id", "=", self.id), ("wallet_type_id", "=", wallet_type.id)], limit=1)
        )
        return wallet or self.env["school.wallet"].create({"student_id": self.id, "wallet_type_id": wallet_type.id})

    def _school_get_invoice_shares(self):
        """The paying guardians of this student and the percentage each one is invoiced.

        :return: list of ``(guardian, percentage)``, percentages adding up to 100
        :raise UserError: the student has no paying guardian
        """
        self.ensure_one()
        payers = self.student_guardian_link_ids.filtered("is_payer")
        if not payers:
            raise UserError(_("%(student)s has no paying guardian to invoice.", student=self.display_name))
        shares = payers.mapped("invoice_share")
        if any(shares):
            if not all(shares) or abs(sum(shares) - 100.0) > 0.001:
                raise UserError(
                    _(
                        "Set an invoice share on every paying guardian of %(student)s, adding up to 100%%, "
                        "or on none of them.",
                        student=self.display_name,
                    )
                )
            return [(link.guardian_id, link.invoice_share) for link in payers]
        return [(link.guardian_id, 100.0 / len(payers)) for link in payers]

    def _school_create_invoices(self, line_values, invoice_date=None, due_date=None, post=True):
        """Invoice this student: one customer invoice per paying guardian, the amounts split
        by the guardians' shares (the last invoice takes the rounding remainder, so the parts
        add up to the total exactly), the student on every invoice.

        :param list line_values: dicts of ``account.move.line`` values (name, quantity, price_unit,
            product_id, account_id, tax_ids...), for the whole amount
        :param date invoice_date: the invoice date, today by default
        :param date due_date: the due date, from the payment terms by default
        :param bool post: post the invoices
        :return: the invoices (``account.move``)
        """
        self.ensure_one()
        shares = self._school_get_invoice_shares()
        currency = self.company_id.currency_id or self.env.company.currency_id
        invoiced = [0.0] * len(line_values)
        invoice_values = []
        for position, (guardian, percentage) in enumerate(shares):
            last = position == len(shares) - 1
            lines = []
            for index, values in enumerate(line_values):
                total = values.get("price_unit", 0.0) * values.get("quantity", 1.0)
                part = currency.round(total - invoiced[index]) if last else currency.round(total * percentage / 100.0)
                invoiced[index] += part
                lines.append(fields.Command.create({**values, "quantity": 1.0, "price_unit": part}))
            invoice_values.append(
                {
                    "move_type": "out_invoice",
                    "partner_id": guardian.id,
                    "school_student_id": self.id,
                    "company_id": (self.company_id or self.env.company).id,
                    "invoice_date": invoice_date or fields.Date.context_today(self),
                    "invoice_date_due": due_date,
                    "narration": _(
                        "Share of %(percentage)s%% for %(student)s.",
                        percentage=round(percentage, 2),
                        student=self.display_name,
                    )
                    if len(shares) > 1
                    else False,
                    "invoice_line_ids": lines,
                }
            )
        invoices = self.env["account.move"].create(invoice_values)
        if post:
            invoices.action_post()
        return invoices

    def _school_wallet_refund_bank_account(self, guardian):
        """The bank account a refund to ``guardian`` goes to: their first IBAN.

        :return: ``res.partner.bank``, empty when the guardian has none
        """
        bank_accounts = guardian.commercial_partner_id.sudo().with_context(active_test=True).bank_ids
        return bank_accounts.filtered(lambda account: account.active and account.acc_type == "iban")[:1]

    def _school_wallet_settle_as_chosen(self):
        """Settle the open wallets of this student as the guardians or the bursar chose (see
        ``school_wallet_settlement_method``; by default a refund to the first paying guardian
        who has an IBAN).

        :return: the wallet operations written
        :raise UserError: see ``school.wallet._settle``
        """
        self.ensure_one()
        student_sudo = self.sudo()
        wallets = student_sudo.with_context(active_test=False).school_wallet_ids.filtered(
            lambda wallet: wallet.state == "open"
        )
        method = student_sudo.school_wallet_settlement_method or "refund"
        guardian = student_sudo.school_wallet_refund_guardian_id
        if method == "refund" and not guardian:
            payers = student_sudo.student_guardian_link_ids.filtered("is_payer").guardian_id
            guardian = payers.filtered(self._school_wallet_refund_bank_account)[:1] or payers[:1]
        return wallets._settle(
            method,
            guardian=guardian,
            bank_account=self._school_wallet_refund_bank_account(guardian) if guardian else None,
            sibling=student_sudo.school_wallet_sibling_id,
        )

    # ------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------

    @api.model
    def _cron_settle_leaving_students(self):
        """Daily, and right after a leaving date in the past is saved: settle the open wallets
        of the students whose leaving date has come. Each student on their own: one that
        cannot be settled (no bank account, overdraft, ...) keeps their wallets open and the
        reason on the student, for the bursar."""
        students = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("is_student", "=", True),
                    ("school_leaving_date", "<=", fields.Date.today()),
                    ("school_wallet_ids.state", "=", "open"),
                ]
            )
        )
        for student in students:
            try:
                with self.env.cr.savepoint():
                    student._school_wallet_settle_as_chosen()
                    student.school_wallet_settlement_error = False
            except UserError as error:
                _logger.warning("Wallets of student %s left open: %s", student.id, error)
                student.school_wallet_settlement_error = str(error)
