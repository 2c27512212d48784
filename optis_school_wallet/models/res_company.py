from odoo import _, fields, models
from odoo.exceptions import UserError

WALLET_JOURNAL_CODE = "WAL"


class ResCompany(models.Model):
    _inherit = "res.company"

    school_wallet_account_id = fields.Many2one(
        "account.account",
        string="Student Wallets Account",
        check_company=True,
        domain="[('account_type', '=', 'liability_current')]",
        help="Liability account holding the money parents prepaid on the student wallets.",
    )
    school_wallet_journal_id = fields.Many2one(
        "account.journal",
        string="Student Wallets Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="Journal of the entries posted for every wallet operation. Its default account is "
        "the counterpart of top-ups when the caller does not give one.",
    )
    school_wallet_bank_account_id = fields.Many2one(
        "res.partner.bank",
        string="Top-up Bank Account",
        domain="[('partner_id', '=', partner_id)]",
        help="Account parents transfer top-ups to (IBAN shown with the wallet's structured communication "
        "and the EPC QR code). Empty: the account of the company's first bank journal.",
    )
    school_wallet_cash_journal_id = fields.Many2one(
        "account.journal",
        string="Cash Top-up Journal",
        check_company=True,
        domain="[('type', '=', 'cash')]",
        help="Cash register of the desk top-ups. Empty: the company's first cash journal.",
    )
    school_wallet_topup_min = fields.Monetary(
        string="Minimum Online Top-up",
        currency_field="currency_id",
        default=5.0,
        help="Smallest amount a parent may pay online onto a wallet.",
    )
    school_wallet_topup_max = fields.Monetary(
        string="Maximum Online Top-up",
        currency_field="currency_id",
        default=500.0,
        help="Largest amount a parent may pay online onto a wallet at once. 0: no maximum.",
    )
    school_wallet_invoice_payment = fields.Boolean(
        string="Pay Invoices from Wallets",
        help="Bursars (and later parents) may pay a student's invoice from the student's wallet.",
    )
    school_wallet_low_balance_threshold = fields.Monetary(
        string="Low Balance Threshold",
        currency_field="currency_id",
        default=5.0,
        help="Default threshold of new wallets: below it the paying guardians get a mail. 0: no alert.",
    )
    school_wallet_low_balance_interval = fields.Integer(
        string="Low Balance Alert Interval (days)",
        default=7,
        help="A wallet's guardians get at most one low-balance mail per this many days.",
    )
    school_wallet_refund_payment_mode_id = fields.Many2one(
        "account.payment.mode",
        string="Wallet Refund Payment Mode",
        check_company=True,
        domain="[('payment_type', '=', 'outbound'), ('payment_order_ok', '=', True)]",
        help="Payment mode (SEPA credit transfer) of the payment order refunding the wallets of students who "
        "leave to their guardians.",
    )
    school_wallet_donation_account_id = fields.Many2one(
        "account.account",
        string="Wallet Donation Account",
        check_company=True,
        domain="[('account_type', 'in', ('income', 'income_other'))]",
        help="Income account of the balances of leaving students' wallets donated to the school.",
    )

    def _school_wallet_setup_accounting(self):
        """Create the wallet liability account and journal of the companies that have a
        chart of accounts and lack them, and give their wallet types an income account.
        Idempotent: what is already configured is kept."""
        for company in self.filtered("chart_template"):
            company_sudo = company.sudo()
            account_model = self.env["account.account"].sudo().with_company(company)
            if not company_sudo.school_wallet_account_id:
                company_sudo.school_wallet_account_id = account_model.create(
                    {
                        "name": _("Student wallets (prepayments)"),
                        "code": company._school_wallet_new_account_code(),
                        "account_type": "liability_current",
                        "company_ids": [fields.Command.set(company.ids)],
                    }
                )
            if not company_sudo.school_wallet_journal_id:
                journal_model = self.env["account.journal"].sudo().with_company(company)
                code = WALLET_JOURNAL_CODE
                used_codes = set(journal_model.search([("company_id", "=", company.id)]).mapped("code"))
                suffix = 1
                while code in used_codes:
                    suffix += 1
                    code = f"{WALLET_JOURNAL_CODE}{suffix}"
                company_sudo.school_wallet_journal_id = journal_model.create(
                    {
                        "name": _("Student Wallets"),
                        "code": code,
                        "type": "general",
                        "company_id": company.id,
                        "default_account_id": company._school_wallet_default_receipt_account().id,
                    }
                )
            company._school_wallet_setup_invoice_reference()
            income_account = (
                self.env["account.journal"]
                .sudo()
                .search([("company_id", "=", company.id), ("type", "=", "sale")], limit=1)
                .default_account_id
            )
            wallet_types_sudo = (
                self.env["school.wallet.type"]
                .sudo()
                .with_context(active_test=False)
                .search([("company_id", "=", company.id), ("income_account_id", "=", False)])
            )
            if income_account and wallet_types_sudo:
                wallet_types_sudo.income_account_id = income_account
            company._school_wallet_setup_settlement(income_account)

    def _school_wallet_setup_settlement(self, income_account):
        """What settling the wallets of leaving students needs, when it is missing: the
        donation account (by default the income account of the wallet types) and a SEPA
        credit transfer payment mode on the school's first bank journal with an IBAN (a
        school whose bank journals have no bank account gets its top-up bank account on the
        first one).

        :param income_account: ``account.account`` proposed as donation account, may be empty
        """
        self.ensure_one()
        company_sudo = self.sudo()
        if income_account and not company_sudo.school_wallet_donation_account_id:
            company_sudo.school_wallet_donation_account_id = income_account
        sepa_method = self.env.ref("account_banking_sepa_credit_transfer.sepa_credit_transfer", False)
        if company_sudo.school_wallet_refund_payment_mode_id or not sepa_method:
            return
        bank_journals = self.env["account.journal"].sudo().search([("company_id", "=", self.id), ("type", "=", "bank")])
        journal = bank_journals.filtered(lambda bank_journal: bank_journal.bank_account_id.acc_type == "iban")[:1]
        topup_account = company_sudo.school_wallet_bank_account_id
        if not journal and topup_account.acc_type == "iban" and not bank_journals.bank_account_id:
            # The account parents pay top-ups to is the school's bank account: the bank journal's.
            journal = bank_journals[:1]
            journal.bank_account_id = topup_account
        if journal:
            company_sudo.school_wallet_refund_payment_mode_id = (
                self.env["account.payment.mode"]
                .sudo()
                .create(
                    {
                        "name": _("Student wallet refunds (SEPA)"),
                        "company_id": self.id,
                        "payment_method_id": sepa_method.id,
                        "bank_account_link": "fixed",
                        "fixed_journal_id": journal.id,
                        "default_date_prefered": "now",
                    }
                )
            )

    def _school_wallet_setup_invoice_reference(self):
        """Belgian schools' invoices carry the Belgian structured communication of
        ``l10n_be`` (+++123/4567/89012+++), which parents' banks and the statement matching
        recognise: switch the sale journals still on Odoo's default reference to it."""
        self.ensure_one()
        journal_model = self.env["account.journal"].sudo()
        models = dict(journal_model._fields["invoice_reference_model"]._description_selection(self.env))
        if self.country_code != "BE" or "be" not in models:
            return
        journal_model.search(
            [("company_id", "=", self.id), ("type", "=", "sale"), ("invoice_reference_model", "=", "odoo")]
        ).invoice_reference_model = "be"

    def _school_wallet_topup_bank_account(self):
        """The bank account parents transfer top-ups to.

        :return: ``res.partner.bank``, empty when the school has none
        """
        self.ensure_one()
        company_sudo = self.sudo()
        if company_sudo.school_wallet_bank_account_id:
            return company_sudo.school_wallet_bank_account_id
        return (
            self.env["account.journal"]
            .sudo()
            .search(
                [("company_id", "=", self.id), ("type", "=", "bank"), ("bank_account_id", "!=", False)],
                order="sequence, id",
                limit=1,
            )
            .bank_account_id
        )

    def _school_wallet_cash_journal(self):
        """The cash journal of desk top-ups.

        :return: ``account.journal``
        :raise UserError: the school has no cash journal
        """
        self.ensure_one()
        journal = self.sudo().school_wallet_cash_journal_id or self.env["account.journal"].sudo().search(
            [("company_id", "=", self.id), ("type", "=", "cash")], order="sequence, id", limit=1
        )
        if not journal.default_account_id:
            raise UserError(
                _("%(school)s has no cash journal for the desk top-ups: create one first.", school=self.name)
            )
        return journal

    def _school_wallet_default_receipt_account(self):
        """Top-ups are received like customer payments: on the Outstanding Receipts
        account until the bank statement line is matched, or on the bank suspense
        account when the chart has no outstanding accounts (Accounting app installed)."""
        self.ensure_one()
        outstanding = self.env.ref(f"account.{self.id}_account_journal_payment_debit_account_id", False)
        return outstanding.sudo() or self.sudo().account_journal_suspense_account_id

    def _school_wallet_new_account_code(self):
        """A free code next to the first current liability account of the chart."""
        self.ensure_one()
        account_model = self.env["account.account"].sudo().with_company(self)
        reference = account_model.search(
            [("company_ids", "in", self.ids), ("account_type", "=", "liability_current")], order="code", limit=1
        )
        return account_model._search_new_account_code(reference.code or "4190")

    def _school_wallet_create_posted_move(self, date, ref, lines):
        """Post a journal entry in the wallet journal of this school.

        :param date date: the accounting date of the entry
        :param str ref: reference of the entry
        :param lines: list of (account, balance, label, partner); positive balance = debit;
            partner may be an empty recordset
        :return: the posted ``account.move``, in sudo
        """
        self.ensure_one()
        company_sudo = self.sudo()
        move_sudo = (
            self.env["account.move"]
            .sudo()
            .with_company(company_sudo)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": company_sudo.school_wallet_journal_id.id,
                    "date": date,
                    "ref": ref,
                    "line_ids": [
                        fields.Command.create(
                            {
                                "account_id": account.id,
                                "partner_id": partner.id,
                                "name": label,
                                "debit": max(balance, 0.0),
                                "credit": max(-balance, 0.0),
                            }
                        )
                        for account, balance, label, partner in lines
                    ],
                }
            )
        )
        move_sudo.action_post()
        return move_sudo

    def _school_wallet_check_accounting(self):
        """Raise a clear error when the company cannot post wallet operations.

        :raise UserError: no wallet account or journal (e.g. no chart of accounts yet).
        """
        for company in self:
            company_sudo = company.sudo()
            if not company_sudo.school_wallet_account_id or not company_sudo.school_wallet_journal_id:
                raise UserError(
                    _(
                        "Wallet operations of %(school)s cannot be posted: set the student wallets account and "
                        "journal on the company (install a chart of accounts first if there is none).",
                        school=company.name,
                    )
                )
