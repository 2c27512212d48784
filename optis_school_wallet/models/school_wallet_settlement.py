from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_amount, format_datetime

WALLET_STATES = [
    ("open", "Open"),
    ("closed", "Closed"),
]
SETTLEMENT_METHODS = [
    ("refund", "Refund to a Guardian"),
    ("sibling", "Transfer to a Sibling"),
    ("donation", "Donation to the School"),
]
# Written only by ``_close``, in SQL after the row lock: ``write`` and ``create`` refuse them.
CLOSING_FIELDS = ("state", "closing_date", "settlement_method")


class SchoolWallet(models.Model):
    """Closing the wallets of a student who leaves the school: what is left is refunded to
    a paying guardian through a SEPA payment order, moved to a sibling's wallet or donated
    to the school, and the closed wallet takes no more operations."""

    _inherit = "school.wallet"

    state = fields.Selection(WALLET_STATES, required=True, default="open", readonly=True, copy=False, index=True)
    closing_date = fields.Datetime(readonly=True, copy=False)
    settlement_method = fields.Selection(
        SETTLEMENT_METHODS, readonly=True, copy=False, help="What was done with the balance when the wallet was closed."
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("state", "open") != "open" or vals.get("closing_date") or vals.get("settlement_method"):
                raise UserError(_("A new wallet is open: it is closed only by settling it."))
        return super().create(vals_list)

    def write(self, vals):
        if set(CLOSING_FIELDS) & set(vals):
            raise UserError(_("A wallet is closed only by settling it (Settle action of the wallet or the student)."))
        return super().write(vals)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_open_settle(self):
        """Open the settlement wizard for these wallets (of one student)."""
        if len(self.student_id) != 1:
            raise UserError(_("Settle the wallets of one student at a time."))
        return self.student_id._school_wallet_settle_action(wallets=self)

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    def _check_can_post(self, amount):
        self._check_open()
        return super()._check_can_post(amount)

    def _check_open(self):
        """Raise when the wallet is closed: it takes no more operations, nor top-ups."""
        self.ensure_one()
        if self.state == "closed":
            raise UserError(
                _(
                    "The wallet %(wallet)s was closed on %(date)s: it takes no more operations.",
                    wallet=self.display_name,
                    date=format_datetime(self.env, self.closing_date),
                )
            )

    def _send_low_balance_alert(self):
        # A closed wallet is empty by design: its guardians are not told to top it up.
        return super(SchoolWallet, self.filtered(lambda wallet: wallet.state == "open"))._send_low_balance_alert()

    def _settle(self, method, guardian=None, bank_account=None, sibling=None):
        """Settle these wallets of a student who leaves the school, then close them. The
        wallets are locked and their balances read from the ledger first; each positive
        balance is

        - ``refund``: moved from the wallet liability to a payable of ``guardian`` (one posted
          entry), whose line goes into the draft SEPA payment order of the school's refund
          payment mode, to ``bank_account``;
        - ``sibling``: moved to the wallet of the same type of ``sibling`` (one posted entry
          moving the liability from one student to the other);
        - ``donation``: debited against the school's donation account.

        A wallet with a zero balance just closes.

        :param str method: a value of ``SETTLEMENT_METHODS``
        :param guardian: ``res.partner``, a paying guardian of the student (``refund``)
        :param bank_account: ``res.partner.bank`` of ``guardian`` with an IBAN (``refund``)
        :param sibling: ``res.partner``, a student of the same school sharing a guardian (``sibling``)
        :return: the wallet operations written
        :raise AccessError: the user is not a bursar
        :raise UserError: wallets of several students, a wallet already closed or in overdraft,
            a missing or invalid guardian, bank account, sibling or school setting
        """
        if not self.env.su and not self.env.user.has_group("optis_school.group_school_bursar"):
            raise AccessError(_("Only bursars settle the wallets of a student who leaves."))
        if not self:
            return self.env["school.wallet.operation"]
        student = self.student_id
        if len(student) != 1:
            raise UserError(_("Settle the wallets of one student at a time."))
        if method not in dict(SETTLEMENT_METHODS):
            raise UserError(_("Choose how to settle the wallets: refund, sibling or donation."))
        wallets = self.sorted("id")
        if closed := wallets.filtered(lambda wallet: wallet.state == "closed"):
            raise UserError(_("The wallet %(wallet)s is already closed.", wallet=closed[0].display_name))
        targets = {}
        if method == "sibling":
            self._check_settlement_sibling(student, sibling)
            targets = {wallet: sibling._school_wallet_get(wallet.wallet_type_id) for wallet in wallets}
        # Locked before the balances are read: a sale at the same time waits, then finds the wallet closed.
        locked = wallets
        for target in targets.values():
            locked |= target
        locked._lock_for_update()
        balances = wallets._get_ledger_balances()
        wallets._check_settlement_balances(balances)
        to_settle = wallets.filtered(lambda wallet: not wallet.currency_id.is_zero(balances[wallet.id]))
        if to_settle and method == "refund":
            self._check_settlement_refund(student, guardian, bank_account)
        operations = self.env["school.wallet.operation"]
        for wallet in to_settle:
            amount = balances[wallet.id]
            if method == "refund":
                operations |= wallet._settle_refund(amount, guardian, bank_account)
            elif method == "sibling":
                operations |= wallet._settle_to_sibling(amount, targets[wallet])
            else:
                operations |= wallet._settle_donation(amount)
        wallets._close(method)
        return operations

    def _check_settlement_balances(self, balances):
        """Raise when one of these wallets is overdrawn: its debt is not settled by closing it.

        :param dict balances: {wallet id: ledger balance}, read after the row lock
        """
        for wallet in self:
            if wallet.currency_id.compare_amounts(balances[wallet.id], 0) < 0:
                raise UserError(
                    _(
                        "The wallet %(wallet)s is overdrawn (%(balance)s): top it up or correct it before settling.",
                        wallet=wallet.display_name,
                        balance=format_amount(self.env, balances[wallet.id], wallet.currency_id),
                    )
                )

    @api.model
    def _check_settlement_sibling(self, student, sibling):
        """Raise unless ``sibling`` may receive the wallets of ``student``: another student
        of the same school sharing at least one guardian with them.

        :raise UserError: no sibling, the student themselves, another school or family
        """
        if not sibling:
            raise UserError(_("Choose the sibling who receives the wallets of %(student)s.", student=student.name))
        sibling.ensure_one()
        if sibling == student or not sibling.is_student or sibling.company_id != student.company_id:
            raise UserError(
                _(
                    "%(sibling)s is not another student of %(school)s.",
                    sibling=sibling.name,
                    school=student.company_id.name,
                )
            )
        # The family is whoever the guardian links say, whatever the user may read.
        if not student.sudo().guardian_ids & sibling.sudo().guardian_ids:
            raise UserError(
                _(
                    "%(sibling)s and %(student)s share no guardian: wallets go to a sibling of the same family only.",
                    sibling=sibling.name,
                    student=student.name,
                )
            )

    @api.model
    def _check_settlement_refund(self, student, guardian, bank_account):
        """Raise unless the wallets of ``student`` can be refunded to ``bank_account`` of
        ``guardian`` through the school's SEPA refund payment mode.

        :raise UserError: not a paying guardian, no IBAN of the guardian, no payment mode
        """
        payers = student.sudo().student_guardian_link_ids.filtered("is_payer").guardian_id
        if not guardian or guardian not in payers:
            raise UserError(
                _(
                    "Choose a paying guardian of %(student)s to refund the wallets to.",
                    student=student.name,
                )
            )
        if (
            not bank_account
            or not bank_account.sudo().active
            or bank_account.sudo().partner_id.commercial_partner_id != guardian.commercial_partner_id
        ):
            raise UserError(
                _(
                    "%(guardian)s has no bank account to refund the wallets to: add their IBAN to the guardian first.",
                    guardian=guardian.name,
                )
            )
        if bank_account.sudo().acc_type != "iban":
            raise UserError(
                _(
                    "The bank account %(account)s of %(guardian)s is not an IBAN: a SEPA transfer needs one.",
                    account=bank_account.sudo().acc_number,
                    guardian=guardian.name,
                )
            )
        if not student.company_id.sudo().school_wallet_refund_payment_mode_id:
            raise UserError(
                _(
                    "%(school)s has no payment mode for wallet refunds: set it in the wallet settings of the school.",
                    school=student.company_id.name,
                )
            )

    def _settle_refund(self, amount, guardian, bank_account):
        """Move ``amount`` from this wallet to a payable of ``guardian`` and add the payable
        line to the draft payment order of the school's refund payment mode.

        :return: the wallet operation
        """
        self.ensure_one()
        company_sudo = self.company_id.sudo()
        payable_account = guardian.sudo().with_company(company_sudo).property_account_payable_id
        if not payable_account:
            raise UserError(_("%(guardian)s has no payable account in this school.", guardian=guardian.name))
        label = _("Wallet refund %(wallet)s", wallet=self.display_name)
        move_sudo = self._create_posted_move(
            fields.Datetime.now(),
            label,
            [
                (company_sudo.school_wallet_account_id, amount, label),
                (payable_account, -amount, label, guardian),
            ],
        )
        operation = self._debit(
            amount,
            "leaver_refund",
            move=move_sudo,
            payment_method="bank_transfer",
            note=_("Refunded to %(guardian)s, %(account)s.", guardian=guardian.name, account=bank_account.acc_number),
        )
        payable_line_sudo = move_sudo.line_ids.filtered(lambda line: line.account_id == payable_account)
        order_sudo = self._get_refund_payment_order()
        self.env["account.payment.line"].sudo().create(
            {
                **payable_line_sudo._prepare_payment_line_vals(order_sudo),
                "partner_bank_id": bank_account.id,
                "communication": label,
                "communication_type": "normal",
            }
        )
        return operation

    def _get_refund_payment_order(self):
        """The draft outbound payment order of the school's refund payment mode, created when
        there is none: every refund goes into it until the bursar confirms it, so one SEPA
        file pays all the leavers.

        :return: ``account.payment.order`` (sudo)
        """
        self.ensure_one()
        payment_mode = self.company_id.sudo().school_wallet_refund_payment_mode_id
        order_model = self.env["account.payment.order"].sudo()
        return order_model.search(
            [("payment_mode_id", "=", payment_mode.id), ("state", "=", "draft")], order="id", limit=1
        ) or order_model.create({"payment_mode_id": payment_mode.id})

    def _settle_to_sibling(self, amount, target_wallet):
        """Move ``amount`` from this wallet to ``target_wallet`` of a sibling: one posted
        entry moves the liability from this student to the sibling.

        :return: the two wallet operations (debit, credit)
        """
        self.ensure_one()
        wallet_account = self.company_id.sudo().school_wallet_account_id
        label = _(
            "Wallet transfer %(wallet)s to %(sibling)s",
            wallet=self.display_name,
            sibling=target_wallet.student_id.name,
        )
        move_sudo = self._create_posted_move(
            fields.Datetime.now(),
            label,
            [(wallet_account, amount, label), (wallet_account, -amount, label, target_wallet.student_id)],
        )
        debit = self._debit(amount, "sibling_transfer", move=move_sudo, payment_method="wallet", note=label)
        credit = target_wallet._credit(amount, "sibling_transfer", move=move_sudo, payment_method="wallet", note=label)
        return debit | credit

    def _settle_donation(self, amount):
        """Debit ``amount`` from this wallet against the school's donation account.

        :return: the wallet operation
        """
        self.ensure_one()
        donation_account = self.company_id.sudo().school_wallet_donation_account_id
        if not donation_account:
            raise UserError(
                _(
                    "%(school)s has no donation account: set it in the wallet settings of the school.",
                    school=self.company_id.name,
                )
            )
        return self._debit(
            amount,
            "donation",
            counterpart_account=donation_account,
            payment_method="wallet",
            note=_("%(student)s left the school.", student=self.student_id.name),
        )

    def _close(self, method):
        """Close these wallets, whose balances are zero. Locks them and writes in SQL: the
        closing fields are refused to ``write``.

        :param str method: the settlement method, a value of ``SETTLEMENT_METHODS``
        :raise UserError: a wallet still holds money
        """
        self._lock_for_update()
        balances = self._get_ledger_balances()
        for wallet in self:
            if not wallet.currency_id.is_zero(balances[wallet.id]):
                raise UserError(
                    _("The wallet %(wallet)s still holds money: it cannot close.", wallet=wallet.display_name)
                )
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET state = 'closed', closing_date = %s, settlement_method = %s, write_uid = %s, "
                "write_date = %s WHERE id IN %s",
                SQL.identifier(self._table),
                fields.Datetime.now(),
                method,
                self.env.uid,
                fields.Datetime.now(),
                tuple(self.ids),
            )
        )
        self.invalidate_recordset([*CLOSING_FIELDS, "write_uid", "write_date"])
