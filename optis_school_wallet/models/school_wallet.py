import functools

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount

from odoo.addons.account.tools import is_valid_structured_reference_be, sanitize_structured_reference
from odoo.addons.optis_school.tools import qr_code_svg_data_uri

from ..tools import COMMUNICATION_BASE_OFFSET, build_structured_communication_be, format_structured_communication
from .school_wallet_operation import BATCHED_OPERATION_TYPES, TOPUP_TYPES

# QR codes kept by each worker: a pure function of the payload, in its own cache, so that
# the codes of many wallets never push Odoo's own cached values out of its caches.
QR_CODES_CACHED = 1024

# What a wallet with operations keeps for ever: its operations were booked on them.
HISTORY_FIELDS = ("student_id", "company_id", "wallet_type_id")


@functools.lru_cache(maxsize=QR_CODES_CACHED)
def _cached_qr_code(payload):
    return qr_code_svg_data_uri(payload)


class SchoolWallet(models.Model):
    _name = "school.wallet"
    _inherit = ["school.wallet.engine.mixin"]
    _description = "Student Wallet"
    _order = "student_id, wallet_type_id"
    _check_company_auto = True
    _rec_names_search = ["student_id.name", "communication"]
    # The balance is the sum of the operations, recomputed by the ORM, never written.
    _engine_fields = ("balance",)

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
            return [("communication", "=", format_structured_communication(reference))]
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
        return super().write(vals)

    def _engine_protected_fields(self, vals):
        names = super()._engine_protected_fields(vals)
        history_fields = set(HISTORY_FIELDS).intersection(vals)
        if history_fields and self.operation_ids:
            names |= history_fields
        return names

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

    def action_open_correction(self):
        """Open the Correct Balance wizard: a correction operation, with its reason."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Correct Balance"),
            "res_model": "school.wallet.correction",
            "view_mode": "form",
            "target": "new",
            "context": {"default_wallet_id": self.id},
        }

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

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
        :return: the SVG image as a data URI, for an ``<img src>``
        """
        return self._render_qr_code("\n".join(self._get_topup_transfer_qr_vals(amount)))

    @api.model
    def _render_qr_code(self, payload):
        """The QR code image of ``payload``, drawn once per payload in each worker: a
        wallet's page shows the same code on every view, its communication never changing.
        The payload holds the school's IBAN and name, the communication and the amount, so
        a changed bank account gives another payload, hence a new image.

        :param str payload: the text of the QR code
        :return: the SVG image as a data URI, for an ``<img src>``
        """
        return _cached_qr_code(payload)

    @api.model
    def _find_by_communication(self, reference):
        """The wallet a bank transfer communication points to.

        :param str reference: a structured communication, with or without +++ and slashes
        :return: the wallet, or an empty recordset when the reference is invalid or unknown
        """
        if not reference or not is_valid_structured_reference_be(reference):
            return self.browse()
        return self.search([("communication", "=", format_structured_communication(reference))], limit=1)

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

    def _school_can_pay(self, amount):
        """Whether the balance covers ``amount`` within the overdraft limit, as stored (a
        hint for forms; the debit checks it again under the lock).

        :param float amount: the amount to pay
        :return: bool
        """
        self.ensure_one()
        return self.currency_id.compare_amounts(self.balance - amount, -self.wallet_type_id.overdraft_limit) >= 0

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

    def _debit_batch(self, debits, operation_type="meal"):
        """Take several amounts from the wallet at once, race-safe like ``_debit``: one lock
        of the wallet row, one read of the balance from the ledger checked against the
        overdraft limit for the total, one insert of the operations, one rewrite of the
        stored balance. For the batched types only (``BATCHED_OPERATION_TYPES``): they get
        no journal entry of their own and are posted later, one entry per school and day.

        :param list debits: one dict per debit: ``amount`` (positive) and the optional
            ``date``, ``payment_method``, ``origin``, ``origin_ref``, ``note``
        :param str operation_type: a batched operation type
        :return: the new ``school.wallet.operation`` records, in the order of ``debits``
        :raise UserError: insufficient balance for the total, non-positive amount, archived
            wallet, accounting not configured
        """
        self.ensure_one()
        if operation_type not in BATCHED_OPERATION_TYPES:
            raise UserError(_("Only meals and sales are debited in a batch."))
        if not debits:
            return self.env["school.wallet.operation"]
        amounts = [self._check_can_post(debit["amount"]) for debit in debits]
        counterpart_account = self._get_default_counterpart_account(operation_type)
        now = fields.Datetime.now()
        self._lock_for_update()
        self._check_can_debit(self.currency_id.round(sum(amounts)))
        operations_sudo = (
            self.env["school.wallet.operation"]
            .sudo()
            ._engine()
            .create(
                [
                    {
                        "wallet_id": self.id,
                        "date": debit.get("date") or now,
                        "amount": -amount,
                        "operation_type": operation_type,
                        "payment_method": debit.get("payment_method"),
                        "origin_model": debit["origin"]._name if debit.get("origin") else False,
                        "origin_id": debit["origin"].id if debit.get("origin") else False,
                        "origin_ref": debit.get("origin_ref"),
                        "user_id": self.env.user.id,
                        "note": debit.get("note"),
                        "counterpart_account_id": counterpart_account.id,
                    }
                    for debit, amount in zip(debits, amounts, strict=True)
                ]
            )
        )
        self.flush_recordset(["balance"])
        return operations_sudo.with_env(self.env)

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
            ._engine()
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
            ._engine()
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
