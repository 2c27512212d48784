from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_amount

from .school_wallet_engine_mixin import check_engine_fields, engine

# The wallet a payment credits, and the credit: set by the wallet code only.
ENGINE_FIELDS = {"school_wallet_id", "school_wallet_operation_id"}
# What the wallet credit of a top-up reads: the payment flow writes it, in sudo (the
# portal's top-up, the provider's notification, the post-processing cron).
WALLET_TOPUP_FIELDS = {"state", "amount", "currency_id", "partner_id", "provider_id", "payment_id", "reference"}


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    school_wallet_id = fields.Many2one(
        "school.wallet", string="Wallet", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    school_wallet_operation_id = fields.Many2one(
        "school.wallet.operation", string="Wallet Top-up", readonly=True, copy=False, ondelete="restrict"
    )

    @api.model_create_multi
    def create(self, vals_list):
        # Invoicing users create and write transactions over RPC: a done transaction
        # on a wallet is credited to it (in sudo) by the post-processing.
        if not self.env.su and any(ENGINE_FIELDS & set(vals) for vals in vals_list):
            raise AccessError(_("A wallet top-up is started by a parent from the portal only."))
        for vals in vals_list:
            check_engine_fields(self, ENGINE_FIELDS.intersection(vals), "create")
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and (
            ENGINE_FIELDS & set(vals) or (WALLET_TOPUP_FIELDS & set(vals) and self.filtered("school_wallet_id"))
        ):
            raise AccessError(_("A wallet top-up is changed by its payment provider only."))
        check_engine_fields(self, ENGINE_FIELDS.intersection(vals))
        return super().write(vals)

    @api.constrains("school_wallet_id", "amount", "currency_id")
    def _check_school_wallet_topup(self):
        for tx in self.filtered("school_wallet_id"):
            if tx.currency_id != tx.school_wallet_id.currency_id:
                raise UserError(_("A wallet is topped up in the currency of its school."))

    @api.model
    def _school_wallet_create_topup(self, wallet, provider, payment_method, amount, partner, **values):
        """Start an online top-up of ``wallet``: a transaction that credits the wallet once it
        is done (see ``_post_process``). Called by the parents' portal; works with any
        payment provider.

        :param wallet: the ``school.wallet`` to top up
        :param provider: the ``payment.provider``
        :param payment_method: the ``payment.method``
        :param float amount: the amount to pay, within the school's online top-up limits
        :param partner: the paying ``res.partner`` (a guardian)
        :param values: more values of the transaction (e.g. ``landing_route``, ``tokenize``)
        :return: the new ``payment.transaction`` (sudo)
        :raise UserError: archived wallet, amount outside the limits, provider of another school
        """
        wallet.ensure_one()
        company = wallet.company_id
        currency = wallet.currency_id
        if not wallet.active:
            raise UserError(_("The wallet %(wallet)s is archived.", wallet=wallet.display_name))
        wallet._check_open()
        amount = currency.round(amount or 0.0)
        minimum, maximum = company.school_wallet_topup_min, company.school_wallet_topup_max
        if currency.compare_amounts(amount, max(minimum, 0.01)) < 0 or (
            maximum and currency.compare_amounts(amount, maximum) > 0
        ):
            raise UserError(
                _(
                    "An online top-up must be between %(minimum)s and %(maximum)s.",
                    minimum=format_amount(self.env, max(minimum, 0.01), currency),
                    maximum=format_amount(self.env, maximum, currency) if maximum else "∞",
                )
            )
        if provider.company_id != company:
            raise UserError(_("This payment provider does not take payments for %(school)s.", school=company.name))
        tx_model = engine(self.sudo())
        tx_sudo = tx_model.create(
            {
                "provider_id": provider.id,
                "payment_method_id": payment_method.id,
                "reference": tx_model._compute_reference(provider.code, prefix=f"WALLET-{wallet.id}"),
                "amount": amount,
                "currency_id": currency.id,
                "partner_id": partner.id,
                "operation": "online_redirect",
                "school_wallet_id": wallet.id,
                **values,
            }
        )
        return tx_sudo.with_env(self.sudo().env)

    def _create_payment(self, **extra_create_values):
        """Override of ``account_payment``: the payment of a wallet top-up books the money
        on the wallet liability, on the student, instead of a customer receivable; its
        journal entry is the wallet operation's entry (nothing booked twice)."""
        if self.school_wallet_id:
            wallet_sudo = self.school_wallet_id.sudo()
            extra_create_values = {
                "destination_account_id": wallet_sudo.company_id.school_wallet_account_id.id,
                "partner_id": wallet_sudo.student_id.id,
                **extra_create_values,
            }
        return super()._create_payment(**extra_create_values)

    def _post_process(self):
        """Override of ``payment``: credit the wallet of a done top-up, once."""
        result = super()._post_process()
        for tx in self.filtered(lambda tx: tx.state == "done" and tx.school_wallet_id):
            tx._school_wallet_credit()
        return result

    def _school_wallet_credit(self):
        """Credit the wallet with this done transaction, exactly once: the transaction row
        is locked and re-read (a notification replayed, or post-processed by the cron and
        the customer's browser at once, finds the operation of the first), and the database
        refuses a second operation from the same transaction.

        :return: the wallet operation (the existing one when already credited)
        :raise UserError: the transaction has no payment to book (provider without journal)
        """
        self.ensure_one()
        self.env.cr.execute(
            SQL("SELECT id FROM %s WHERE id = %s FOR NO KEY UPDATE", SQL.identifier(self._table), self.id)
        )
        self.invalidate_recordset(["school_wallet_operation_id", "payment_id"])
        if self.school_wallet_operation_id:
            return self.school_wallet_operation_id
        if not self.payment_id:
            raise UserError(
                _(
                    "The payment of the top-up %(reference)s was not created: check the journal of the provider.",
                    reference=self.reference,
                )
            )
        operation = self.school_wallet_id.sudo()._credit(
            self.amount,
            "topup_online",
            payment_method="online",
            origin=self,
            origin_ref=self.reference,
            move=self.payment_id.move_id,
            partner=self.partner_id,
        )
        engine(self.sudo()).school_wallet_operation_id = operation
        return operation
