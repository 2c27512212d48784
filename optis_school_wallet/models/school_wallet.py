import base64
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount
from odoo.tools.image import image_data_uri

from odoo.addons.account.tools import is_valid_structured_reference_be, sanitize_structured_reference

from .school_wallet_operation import BATCHED_OPERATION_TYPES, TOPUP_TYPES

# Wallet communications are 9 000 000 000 + the wallet id: ten digits that stay out of
# the range of Odoo's own Belgian invoice references (the invoice id, zero-padded).
COMMUNICATION_BASE_OFFSET = 9_000_000_000
COMMUNICATION_BASE_MAX = 9_999_999_999


def build_structured_communication_be(base):
    """Format a ten-digit number as a Belgian structured communication.

    The two check digits are the number modulo 97, and 97 when that is 0.

    :param int base: 0 <= base < 10**10
    :return: the communication, e.g. ``+++900/0000/00129+++``
    :raise ValueError: the number does not fit in ten digits
    """
    if not 0 <= base <= COMMUNICATION_BASE_MAX:
        raise ValueError(f"{base} does not fit in the ten digits of a structured communication")
    digits = f"{base:010d}{base % 97 or 97:02d}"
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


class SchoolWallet(models.Model):
    _name = "school.wallet"
    _description = "Student Wallet"
    _order = "student_id, wallet_type_id"
    _check_company_auto = True
    _rec_names_search = ["student_id.name", "communication"]

    student_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        domain="[('is_student', '=', True)]",
    )
    wallet_type_id = fields.Many2one("school.wallet.type", required=True, ondelete="restrict", check_company=True)
    company_id = fields.Many2one(
        "res.company",
        string="School",
        required=True,
        index=True,
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    active = fields.Boolean(default=True)

    # Money
    balance = fields.Monetary(compute="_compute_balance", store=True, help="Sum of the operations of the wallet.")
    overdraft_limit = fields.Monetary(related="wallet_type_id.overdraft_limit")
    operation_ids = fields.One2many("school.wallet.operation", "wallet_id", string="Operations")

    # Low-balance alert
    low_balance_threshold = fields.Monetary(
        compute="_compute_low_balance_threshold",
        store=True,
        readonly=False,
        precompute=True,
        help="The paying guardians get a mail when the balance goes below this amount. 0: no alert.",
    )
    low_balance_alert_date = fields.Datetime(
        readonly=True, copy=False, help="When the last low-balance mail was sent; cleared when the balance is back up."
    )

    # Payment reference
    communication = fields.Char(
        string="Structured Communication",
        readonly=True,
        copy=False,
        index=True,
        help="Belgian structured communication parents put on their transfers to top this wallet up.",
    )
    communication_search = fields.Char(
        string="Communication",
        compute="_compute_communication_search",
        search="_search_communication_search",
        help="Finds a wallet by its communication, with or without the +++ and slashes.",
    )

    _sql_constraints = [
        ("student_type_uniq", "unique(student_id, wallet_type_id)", "A student has one wallet of each type."),
        ("communication_uniq", "unique(communication)", "This structured communication is already used."),
        (
            "low_balance_threshold_positive",
            "CHECK(low_balance_threshold >= 0)",
            "The low-balance threshold cannot be negative.",
        ),
    ]

    @api.depends("student_id")
    def _compute_company_id(self):
        for wallet in self:
            wallet.company_id = wallet.student_id.company_id or wallet.company_id or self.env.company

    @api.depends("operation_ids.amount")
    def _compute_balance(self):
        balances = dict(
            self.env["school.wallet.operation"]._read_group(
                [("wallet_id", "in", self.ids)], ["wallet_id"], ["amount:sum"]
            )
        )
        for wallet in self:
            wallet.balance = balances.get(wallet, 0.0)

    @api.depends("company_id")
    def _compute_low_balance_threshold(self):
        for wallet in self:
            if not wallet.low_balance_threshold:
                wallet.low_balance_threshold = wallet.company_id.school_wallet_low_balance_threshold

    @api.depends("communication")
    def _compute_communication_search(self):
        for wallet in self:
            wallet.communication_search = wallet.communication

    def _search_communication_search(self, operator, value):
        if operator not in ("=", "ilike") or not isinstance(value, str):
            raise UserError(_("Search wallets by communication with 'is' or 'contains' only."))
        reference = sanitize_structured_reference(value)
        if is_valid_structured_reference_be(reference):
            return [("communication", "=", self._format_structured_communication(reference))]
        return [("communication", operator, value)]

    @api.depends("student_id", "wallet_type_id")
    def _compute_display_name(self):
        for wallet in self:
            wallet.display_name = f"{wallet.student_id.name} - {wallet.wallet_type_id.name}"

    @api.constrains("student_id", "wallet_type_id", "company_id")
    def _check_student(self):
        for wallet in self:
            if not wallet.student_id.is_student:
                raise ValidationError(_("%(name)s is not a student.", name=wallet.student_id.name))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_operations(self):
        if self.operation_ids:
            raise UserError(_("A wallet with operations cannot be deleted; archive it instead."))

    @api.model_create_multi
    def create(self, vals_list):
        wallets = super().create(vals_list)
        for wallet in wallets:
            wallet.communication = build_structured_communication_be(COMMUNICATION_BASE_OFFSET + wallet.id)
        return wallets

    def write(self, vals):
        if "communication" in vals and any(
            wallet.communication and wallet.communication != vals["communication"] for wallet in self
        ):
            raise UserError(_("The structured communication of a wallet never changes."))
        if {"student_id", "company_id"} & set(vals) and self.operation_ids:
            raise UserError(_("The student or school of a wallet with operations cannot change."))
        return super().write(vals)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_view_operations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optis_school_wallet.school_wallet_operation_action")
        action["domain"] = [("wallet_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_open_topup_transfer(self):
        """Open the bank transfer instructions (IBAN, communication, EPC QR code)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Top up by Bank Transfer"),
            "res_model": "school.wallet.topup.transfer",
            "view_mode": "form",
            "target": "new",
            "context": {"default_wallet_id": self.id},
        }

    def action_open_topup_cash(self):
        """Open the desk cash top-up wizard."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Cash Top-up"),
            "res_model": "school.wallet.topup.cash",
            "view_mode": "form",
            "target": "new",
            "context": {"default_wallet_id": self.id},
        }

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    def _create_topup_transaction(self, provider, payment_method, amount, partner, **values):
        """Start an online top-up of this wallet: a ``payment.transaction`` that credits the
        wallet once it is done (see ``payment.transaction._post_process``). Called by the
        parents' portal; works with any payment provider.

        :param provider: the ``payment.provider``
        :param payment_method: the ``payment.method``
        :param float amount: the amount to pay, within the school's online top-up limits
        :param partner: the paying ``res.partner`` (a guardian)
        :param values: more values of the transaction (e.g. ``landing_route``, ``tokenize``)
        :return: the new ``payment.transaction`` (sudo)
        :raise UserError: archived wallet, amount outside the limits, provider of another school
        """
        self.ensure_one()
        company = self.company_id
        if not self.active:
            raise UserError(_("The wallet %(wallet)s is archived.", wallet=self.display_name))
        amount = self.currency_id.round(amount or 0.0)
        minimum, maximum = company.school_wallet_topup_min, company.school_wallet_topup_max
        if self.currency_id.compare_amounts(amount, max(minimum, 0.01)) < 0 or (
            maximum and self.currency_id.compare_amounts(amount, maximum) > 0
        ):
            raise UserError(
                _(
                    "An online top-up must be between %(minimum)s and %(maximum)s.",
                    minimum=format_amount(self.env, max(minimum, 0.01), self.currency_id),
                    maximum=format_amount(self.env, maximum, self.currency_id) if maximum else "∞",
                )
            )
        if provider.company_id != company:
            raise UserError(_("This payment provider does not take payments for %(school)s.", school=company.name))
        tx_model = self.env["payment.transaction"].sudo()
        return tx_model.create(
            {
                "provider_id": provider.id,
                "payment_method_id": payment_method.id,
                "reference": tx_model._compute_reference(provider.code, prefix=f"WALLET-{self.id}"),
                "amount": amount,
                "currency_id": self.currency_id.id,
                "partner_id": partner.id,
                "operation": "online_redirect",
                "school_wallet_id": self.id,
                **values,
            }
        )

    def _get_topup_transfer_qr_vals(self, amount=None):
        """The EPC (SEPA Credit Transfer) QR code payload of a top-up of this wallet by
        bank transfer, built by ``account_qr_code_sepa``: the school's IBAN, the wallet's
        structured communication in the structured remittance field and, when given, the
        amount (the payer types it otherwise).

        :param float amount: the amount to transfer, or None for an open amount
        :return: the list of the payload's lines (EPC069-12)
        :raise UserError: the school has no bank account usable in a SEPA QR code
        """
        self.ensure_one()
        bank_account = self.company_id._school_wallet_topup_bank_account()
        if not bank_account:
            raise UserError(
                _(
                    "%(school)s has no bank account for top-ups: add one in the wallet settings of the school.",
                    school=self.company_id.name,
                )
            )
        if amount is not None and self.currency_id.compare_amounts(amount, 0) <= 0:
            raise UserError(_("The amount of a top-up must be positive."))
        qr_amount = self.currency_id.round(amount) if amount else 0.0
        bank_account = bank_account.with_context(lang=self.env.lang)
        error = bank_account._get_error_messages_for_qr(
            "sct_qr", self.student_id, self.currency_id
        ) or bank_account._check_for_qr_code_errors(
            "sct_qr", qr_amount, self.currency_id, self.student_id, "", self.communication
        )
        if error:
            raise UserError(error)
        values = bank_account._get_qr_vals(
            "sct_qr", qr_amount, self.currency_id, self.student_id, "", self.communication
        )
        if not amount:
            # EPC069-12: the amount line stays empty when the payer chooses the amount.
            values[7] = ""
        return values

    def _get_topup_transfer_qr_code(self, amount=None):
        """The EPC QR code image of a top-up by bank transfer.

        :param float amount: see ``_get_topup_transfer_qr_vals``
        :return: the PNG image as a data URI, for an ``<img src>``
        """
        payload = "\n".join(self._get_topup_transfer_qr_vals(amount))
        barcode = self.env["ir.actions.report"].barcode("QR", payload, width=200, height=200)
        return image_data_uri(base64.b64encode(barcode))

    @api.model
    def _format_structured_communication(self, reference):
        digits = sanitize_structured_reference(reference)
        return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"

    @api.model
    def _find_by_communication(self, reference):
        """The wallet a bank transfer communication points to.

        :param str reference: a structured communication, with or without +++ and slashes
        :return: the wallet, or an empty recordset when the reference is invalid or unknown
        """
        if not reference or not is_valid_structured_reference_be(reference):
            return self.browse()
        return self.search([("communication", "=", self._format_structured_communication(reference))], limit=1)

    def _lock_for_update(self):
        """Lock the rows of these wallets until the end of the transaction.

        Rows are locked in id order so that two transactions locking the same wallets
        (e.g. transfers in both directions) cannot deadlock. Every operation then
        rewrites the stored balance of its wallet: under REPEATABLE READ a concurrent
        transaction waiting on the lock gets a serialization failure when this one
        commits, and Odoo retries it on a fresh snapshot that sees the new operation.
        """
        if self:
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM %s WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
                    SQL.identifier(self._table),
                    tuple(self.ids),
                )
            )

    def _get_ledger_balances(self):
        """Balances summed from the ledger in SQL, ignoring the stored field.

        :return: {wallet id: balance}
        """
        self.env["school.wallet.operation"].flush_model(["wallet_id", "amount"])
        self.env.cr.execute(
            SQL(
                "SELECT wallet_id, SUM(amount) FROM school_wallet_operation WHERE wallet_id IN %s GROUP BY wallet_id",
                tuple(self.ids),
            )
        )
        balances = dict(self.env.cr.fetchall())
        return {wallet.id: balances.get(wallet.id, 0.0) for wallet in self}

    def _check_can_debit(self, amount):
        """Raise when debiting ``amount`` would take the wallet below its overdraft limit.
        Call it after ``_lock_for_update``: the balance is read from the ledger."""
        self.ensure_one()
        balance = self._get_ledger_balances()[self.id]
        limit = self.wallet_type_id.overdraft_limit
        if self.currency_id.compare_amounts(balance - amount, -limit) < 0:
            raise UserError(
                _(
                    "Insufficient balance on %(wallet)s: %(amount)s requested, %(balance)s available "
                    "(overdraft limit %(limit)s).",
                    wallet=self.display_name,
                    amount=format_amount(self.env, amount, self.currency_id),
                    balance=format_amount(self.env, balance, self.currency_id),
                    limit=format_amount(self.env, limit, self.currency_id),
                )
            )

    def _check_can_post(self, amount):
        """Validate a positive amount for an operation on this wallet and return it rounded."""
        self.ensure_one()
        if not self.active:
            raise UserError(_("The wallet %(wallet)s is archived.", wallet=self.display_name))
        amount = self.currency_id.round(amount)
        if self.currency_id.compare_amounts(amount, 0) <= 0:
            raise UserError(_("The amount of a wallet operation must be positive."))
        self.company_id._school_wallet_check_accounting()
        return amount

    def _get_default_counterpart_account(self, operation_type):
        """Top-ups: the wallet journal's default account (outstanding receipts); any other
        operation: the income account of the wallet type."""
        self.ensure_one()
        if operation_type in TOPUP_TYPES:
            account = self.company_id.sudo().school_wallet_journal_id.default_account_id
        else:
            account = self.wallet_type_id.sudo().income_account_id
        if not account:
            raise UserError(
                _(
                    "No counterpart account for a %(type)s operation on %(wallet)s: set the default account of "
                    "the wallet journal and the income account of the wallet type.",
                    type=dict(
                        self.env["school.wallet.operation"]._fields["operation_type"]._description_selection(self.env)
                    )[operation_type],
                    wallet=self.display_name,
                )
            )
        return account

    def _credit(self, amount, operation_type="topup_transfer", **values):
        """Put money on the wallet: a positive operation and its journal entry.

        :param float amount: positive amount, in the company currency
        :param str operation_type: a selection value of ``school.wallet.operation``
        :param values: see ``_post_operation``
        :return: the new ``school.wallet.operation``
        :raise UserError: non-positive amount, archived wallet, accounting not configured
        """
        amount = self._check_can_post(amount)
        return self._post_operation(amount, operation_type, **values)

    def _debit(self, amount, operation_type="sale", **values):
        """Take money from the wallet, race-safe: lock the wallet row, re-read the
        balance from the ledger, check it against the overdraft limit of the wallet
        type, then write the operation and its journal entry, in this transaction.
        Meals and sales (``BATCHED_OPERATION_TYPES``) get no entry of their own: they are
        posted later, one entry per school and day (``school.wallet.operation._post_pending``).

        :param float amount: positive amount, in the company currency
        :param str operation_type: a selection value of ``school.wallet.operation``
        :param values: see ``_post_operation``
        :return: the new ``school.wallet.operation``
        :raise UserError: insufficient balance, non-positive amount, archived wallet,
            accounting not configured
        """
        amount = self._check_can_post(amount)
        return self._post_operation(-amount, operation_type, **values)

    def _post_operation(
        self,
        amount,
        operation_type,
        counterpart_account=None,
        date=None,
        payment_method=None,
        origin=None,
        origin_ref=None,
        note=None,
        reason=None,
        move=None,
        partner=None,
    ):
        """Write one signed operation and post its journal entry (callers: ``_credit``,
        ``_debit``, which validate the amount). Meals and sales without a ``move`` are left
        to post (``BATCHED_OPERATION_TYPES``): the operation keeps its counterpart account
        and the batched posting books it.

        :param float amount: signed amount; negative amounts are checked against the balance
        :param counterpart_account: ``account.account`` opposite the wallet account; by
            default see ``_get_default_counterpart_account``
        :param datetime date: operation date, now by default
        :param str payment_method: a selection value of ``school.wallet.operation``
        :param origin: the record the operation comes from (statement line, sale, ...)
        :param str origin_ref: a free reference (receipt number, terminal, ...)
        :param str note: free text
        :param str reason: why; required for corrections
        :param move: an existing posted ``account.move`` that already books the amount on the
            wallet account for the student (e.g. a bank statement line's entry); no new entry
            is then created
        :param partner: ``res.partner`` who brought the money in (payer of a top-up)
        :return: the new ``school.wallet.operation``
        """
        self.ensure_one()
        if operation_type == "correction" and not (reason or "").strip():
            raise UserError(_("A correction needs a reason."))
        if not move:
            counterpart_account = counterpart_account or self._get_default_counterpart_account(operation_type)
        date = date or fields.Datetime.now()
        self._lock_for_update()
        if amount < 0:
            self._check_can_debit(-amount)
        if move:
            move_sudo = move.sudo()
        elif operation_type in BATCHED_OPERATION_TYPES:
            # Posted later with the other meals and sales of the day (see _post_pending).
            move_sudo = self.env["account.move"]
        else:
            label = self._get_operation_label(operation_type)
            move_sudo = self._create_posted_move(
                date,
                label,
                [
                    (self.company_id.sudo().school_wallet_account_id, -amount, label),
                    (counterpart_account, amount, label),
                ],
            )
        operation_sudo = (
            self.env["school.wallet.operation"]
            .sudo()
            .create(
                {
                    "wallet_id": self.id,
                    "date": date,
                    "amount": amount,
                    "operation_type": operation_type,
                    "payment_method": payment_method,
                    "origin_model": origin._name if origin else False,
                    "origin_id": origin.id if origin else False,
                    "origin_ref": origin_ref,
                    "user_id": self.env.user.id,
                    "note": note,
                    "reason": reason,
                    "move_id": move_sudo.id,
                    "counterpart_account_id": counterpart_account.id if counterpart_account and not move else False,
                    "partner_id": partner.id if partner else False,
                }
            )
        )
        # Write the new balance on the locked row now (see _lock_for_update).
        self.flush_recordset(["balance"])
        return operation_sudo.with_env(self.env)

    def _transfer_to(self, target_wallet, amount, note=None):
        """Move money between two wallets of the same student.

        Both wallets are locked (in id order), the source balance is checked, and one
        journal entry moves the amount between the two liability lines of the student.

        :param target_wallet: the ``school.wallet`` credited
        :param float amount: positive amount
        :return: the two operations (source debit, target credit)
        :raise UserError: different students or schools, same wallet, insufficient balance
        """
        self.ensure_one()
        target_wallet.ensure_one()
        if self == target_wallet:
            raise UserError(_("A transfer needs two different wallets."))
        if self.student_id != target_wallet.student_id or self.company_id != target_wallet.company_id:
            raise UserError(_("Transfers are only possible between the wallets of one student."))
        amount = self._check_can_post(amount)
        target_wallet._check_can_post(amount)
        date = fields.Datetime.now()
        (self | target_wallet)._lock_for_update()
        self._check_can_debit(amount)
        wallet_account = self.company_id.sudo().school_wallet_account_id
        label = _(
            "Transfer %(from_type)s to %(to_type)s",
            from_type=self.wallet_type_id.name,
            to_type=target_wallet.wallet_type_id.name,
        )
        move_sudo = self._create_posted_move(
            date, label, [(wallet_account, amount, label), (wallet_account, -amount, label)]
        )
        operations_sudo = (
            self.env["school.wallet.operation"]
            .sudo()
            .create(
                [
                    {
                        "wallet_id": wallet.id,
                        "date": date,
                        "amount": signed_amount,
                        "operation_type": "internal_transfer",
                        "payment_method": "wallet",
                        "user_id": self.env.user.id,
                        "note": note,
                        "move_id": move_sudo.id,
                    }
                    for wallet, signed_amount in ((self, -amount), (target_wallet, amount))
                ]
            )
        )
        (self | target_wallet).flush_recordset(["balance"])
        return operations_sudo.with_env(self.env)

    def _get_operation_label(self, operation_type):
        self.ensure_one()
        type_label = dict(
            self.env["school.wallet.operation"]._fields["operation_type"]._description_selection(self.env)
        )[operation_type]
        return _("%(type)s - %(wallet)s", type=type_label, wallet=self.display_name)

    def _create_posted_move(self, date, ref, lines):
        """Post a journal entry in the wallet journal; lines are on the student unless they
        name another partner.

        :param datetime date: the operation date (the entry gets its date in the user's timezone)
        :param str ref: reference of the entry
        :param lines: list of (account, balance, label) or (account, balance, label, partner);
            positive balance = debit
        :return: the posted ``account.move``, in sudo
        """
        self.ensure_one()
        return self.company_id._school_wallet_create_posted_move(
            fields.Date.context_today(self, timestamp=date),
            ref,
            [
                (account, balance, label, partner[0] if partner else self.student_id)
                for account, balance, label, *partner in lines
            ],
        )

    # ------------------------------------------------------------
    # Low-balance alerts
    # ------------------------------------------------------------

    def _send_low_balance_alert(self):
        """Mail the paying guardians of each wallet's student, each in their own language.

        :return: the wallets that had at least one guardian to mail
        """
        template = self.env.ref("optis_school_wallet.mail_template_school_wallet_low_balance")
        alerted = self.browse()
        for wallet in self:
            payers = wallet.student_id.sudo().student_guardian_link_ids.filtered("is_payer").guardian_id
            for guardian in payers.filtered("email"):
                template.with_context(lang=guardian.lang or wallet.student_id.lang).send_mail(
                    wallet.id,
                    email_values={"recipient_ids": [fields.Command.set(guardian.ids)]},
                    email_layout_xmlid="mail.mail_notification_light",
                )
                alerted |= wallet
        return alerted

    @api.model
    def _cron_send_low_balance_alerts(self):
        """Daily: mail the paying guardians of active wallets whose balance is below their
        threshold, at most once every N days per wallet (N: company setting). A wallet whose
        balance is back at or above its threshold can be alerted again at once when it drops."""
        wallets = self.sudo().search([("low_balance_alert_date", "!=", False)])
        wallets.filtered(lambda wallet: wallet.balance >= wallet.low_balance_threshold).low_balance_alert_date = False
        now = fields.Datetime.now()
        candidates = self.sudo().search([("active", "=", True), ("low_balance_threshold", ">", 0)])
        to_alert = candidates.filtered(
            lambda wallet: wallet.currency_id.compare_amounts(wallet.balance, wallet.low_balance_threshold) < 0
            and (
                not wallet.low_balance_alert_date
                or wallet.low_balance_alert_date
                <= now - relativedelta(days=wallet.company_id.school_wallet_low_balance_interval or 1)
            )
        )
        to_alert._send_low_balance_alert().low_balance_alert_date = now

    # ------------------------------------------------------------
    # Demo data
    # ------------------------------------------------------------

    @api.model
    def _demo_create_history(self):
        """Demo: wallets with a few weeks of history for every demo student, written through
        the wallet methods (top-ups, meals, vending machine and canteen sales, a correction)
        and posted, so that balances derive from the ledger and the general ledger agrees.

        Called from the demo data and again when a chart of accounts is loaded (in a new
        database the chart comes after the demo data). Does nothing when the demo devices
        already have sales, or when the school cannot post yet.
        """
        vending = self.env.ref("optis_school_wallet.demo_device_vending", raise_if_not_found=False)
        canteen = self.env.ref("optis_school_wallet.demo_device_canteen", raise_if_not_found=False)
        if not vending or not canteen or (vending | canteen).sudo().sale_ids:
            return
        company = vending.company_id
        company_sudo = company.sudo()
        if not company_sudo.school_wallet_account_id or not company_sudo.school_wallet_journal_id:
            return
        env = self.sudo().with_company(company).env
        students = (
            env["ir.model.data"]
            .search([("module", "=", "optis_school"), ("model", "=", "res.partner")])
            .mapped(lambda data: env["res.partner"].browse(data.res_id))
            .filtered(lambda partner: partner.exists() and partner.is_student and partner.company_id == company)
        )
        vending, canteen = vending.with_env(env), canteen.with_env(env)
        now = fields.Datetime.now().replace(microsecond=0)
        articles = [("Water", 1.0), ("Apple juice", 1.2), ("Muesli bar", 0.9), ("Notebook", 2.5), ("Pen", 1.5)]
        for index, student in enumerate(students.sorted("id")):
            general = student._school_wallet_get(vending.wallet_type_id)
            meals = student._school_wallet_get(canteen.wallet_type_id)
            general._credit(
                30.0 + 5 * (index % 4), "topup_transfer", date=now - timedelta(days=40), payment_method="bank_transfer"
            )
            # Every fourth student ends below the default low-balance threshold.
            meals._credit(
                30.0 if index % 4 == 3 else 40.0,
                "topup_cash",
                date=now - timedelta(days=35),
                payment_method="cash",
                origin_ref=f"DEMO-CASH-{index:03d}",
            )
            for days_ago in (28, 21, 14, 7, 2):
                meals._debit(4.5, "meal", date=now - timedelta(days=days_ago), payment_method="wallet")
            if student.student_number:
                for number, days_ago in enumerate((20, 9, 3, 0)):
                    article, price = articles[(index + number) % len(articles)]
                    device = vending if number % 2 == 0 else canteen
                    env["school.wallet.sale"]._register_from_device(
                        device,
                        {
                            "reference": f"DEMO-{index:03d}-{number}",
                            "student_number": student.student_number,
                            "date": (now - timedelta(days=days_ago, hours=1)).isoformat(),
                            "items": [
                                {
                                    "article": article,
                                    "quantity": 1 if device == canteen else 1 + (index + number) % 2,
                                    "unit_price": price,
                                }
                            ],
                        },
                    )
            if index % 5 == 0:
                general._credit(
                    2.0, "correction", date=now - timedelta(days=5), reason="Coin kept by the vending machine"
                )
        self._demo_create_invoices(students.sorted("id")[:6])
        # As the scheduled posting would: the meals and sales in one entry per day.
        env["school.wallet.operation"].search(
            [("move_id", "=", False), ("company_id", "=", company.id)], order="id"
        )._post_pending()

    def _demo_create_invoices(self, students):
        """Demo: school trip invoices to the paying guardians, one per status parents see:
        paid from the wallet, overdue, open."""
        company = students[:1].company_id
        if not company:
            return
        env = self.sudo().with_company(company).env
        company.sudo().school_wallet_invoice_payment = True
        today = fields.Date.context_today(self)
        for index, student in enumerate(students):
            payer = student.student_guardian_link_ids.filtered("is_payer")[:1].guardian_id
            if not payer:
                continue
            status = ("paid", "overdue", "open")[index % 3]
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": payer.id,
                    "school_student_id": student.id,
                    "invoice_date": today - timedelta(days=45 if status == "overdue" else 5),
                    "invoice_date_due": today - timedelta(days=15)
                    if status == "overdue"
                    else today + timedelta(days=25),
                    "invoice_line_ids": [
                        fields.Command.create({"name": _("School trip to Bruges"), "quantity": 1, "price_unit": 18.0})
                    ],
                }
            )
            invoice.action_post()
            if status == "paid":
                wallets = env["school.wallet"].search([("student_id", "=", student.id)])
                invoice._school_pay_from_wallet(wallets.sorted("balance", reverse=True)[:1])
