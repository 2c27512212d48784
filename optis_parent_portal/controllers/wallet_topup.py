from odoo import _, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment.controllers.portal import PaymentPortal
from odoo.addons.payment.controllers.post_processing import PaymentPostProcessing

from ..tools import MAX_FORM_AMOUNT, parse_amount
from .portal import OptisParentPortal

TOPUP_FLOWS = ("redirect", "direct")


class OptisWalletTopup(OptisParentPortal):
    """Online top-up of a child's wallet: the parent types an amount on the wallet page, pays
    it in Odoo's payment form (any enabled provider of the wallet's school) and lands back on
    the wallet page. The transaction is created by ``_school_wallet_create_topup``, for the
    logged-in guardian's contact, and credits the wallet once it is done (its post-processing).
    """

    def _topup_amount(self, wallet_sudo, amount):
        """The amount typed for a top-up of ``wallet_sudo``, within its school's limits.

        :return: the amount, or ``None`` when it is refused
        """
        company = wallet_sudo.company_id
        currency = wallet_sudo.currency_id
        try:
            amount = parse_amount(amount, currency, maximum=company.school_wallet_topup_max or MAX_FORM_AMOUNT)
        except ValueError:
            return None
        if currency.compare_amounts(amount, max(company.school_wallet_topup_min, 0.01)) < 0:
            return None
        return amount

    @staticmethod
    def _topup_landing_route(wallet):
        return f"/my/wallets/{wallet.id}?success=topup"

    @http.route("/my/wallets/<int:wallet_id>/topup", type="http", auth="user", website=True)
    def portal_my_wallet_topup(self, wallet_id, amount=None, **_kwargs):
        """The payment form for a top-up of ``amount`` onto the wallet.

        :param int wallet_id: a wallet of one of the user's children (money rights)
        :param str amount: the amount typed (``parse_amount``)
        :return: the payment page; a redirection to the wallet with ``?error=topup_amount``
            (amount outside the school's limits) or ``?error=topup_closed``; 404 for any other wallet
        """
        wallet = self._my_wallet(wallet_id)
        wallet_sudo = wallet.sudo()
        if wallet_sudo.state == "closed":
            return request.redirect(f"/my/wallets/{wallet.id}?error=topup_closed")
        amount = self._topup_amount(wallet_sudo, amount)
        if amount is None:
            return request.redirect(f"/my/wallets/{wallet.id}?error=topup_amount")
        company, currency = wallet_sudo.company_id, wallet_sudo.currency_id
        partner_sudo = request.env.user.partner_id
        availability_report = {}
        providers_sudo = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                company.id, partner_sudo.id, amount, currency_id=currency.id, report=availability_report
            )
        )
        payment_methods_sudo = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers_sudo.ids, partner_sudo.id, currency_id=currency.id, report=availability_report
            )
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "wallet": wallet_sudo,
                "page_name": "school_wallet_topup",
                "res_company": company,
                # payment.form: no saved cards (a top-up is a one-off payment).
                "amount": amount,
                "currency": currency,
                "partner_id": partner_sudo.id,
                "providers_sudo": providers_sudo,
                "payment_methods_sudo": payment_methods_sudo,
                "tokens_sudo": request.env["payment.token"],
                "show_tokenize_input_mapping": dict.fromkeys(providers_sudo.ids, False),
                "availability_report": availability_report,
                "transaction_route": f"/my/wallets/{wallet.id}/topup/transaction",
                "landing_route": self._topup_landing_route(wallet),
                "access_token": payment_utils.generate_access_token(partner_sudo.id, amount, currency.id),
            }
        )
        return request.render("optis_parent_portal.portal_wallet_topup", values)

    @http.route("/my/wallets/<int:wallet_id>/topup/transaction", type="json", auth="user")
    def portal_my_wallet_topup_transaction(
        self, wallet_id, amount, access_token, provider_id, payment_method_id=None, flow=None, token_id=None, **kwargs
    ):
        """Create the top-up transaction chosen in the payment form and return its processing
        values (the ``transaction_route`` of ``payment.form``).

        :param int wallet_id: a wallet of one of the user's children (money rights)
        :param float amount: the amount of the form, signed by its ``access_token``
        :param str access_token: the token of the form (the user's contact, amount, currency)
        :param int provider_id: a ``payment.provider`` of the wallet's school
        :param int payment_method_id: one of the provider's ``payment.method``
        :param str flow: ``redirect`` or ``direct`` (no saved cards)
        :return: the processing values of the transaction
        :raise ValidationError: a forged token, flow, provider or method; the model's refusals
            (limits, closed wallet) as their message; 404 for any other wallet
        """
        wallet = self._my_wallet(wallet_id)
        PaymentPortal._validate_transaction_kwargs(kwargs)
        partner_sudo = request.env.user.partner_id
        currency = wallet.sudo().currency_id
        try:
            amount = amount and float(amount)
            provider_id, payment_method_id = int(provider_id), int(payment_method_id or 0)
        except (TypeError, ValueError):
            raise ValidationError(_("This payment method cannot be used for a top-up.")) from None
        if not payment_utils.check_access_token(access_token, partner_sudo.id, amount, currency.id):
            raise ValidationError(_("The access token is invalid."))
        provider_sudo = request.env["payment.provider"].sudo().browse(provider_id).exists()
        payment_method_sudo = request.env["payment.method"].sudo().browse(payment_method_id).exists()
        if (
            flow not in TOPUP_FLOWS
            or token_id
            or provider_sudo.state not in ("enabled", "test")
            or payment_method_sudo not in provider_sudo.payment_method_ids
        ):
            raise ValidationError(_("This payment method cannot be used for a top-up."))
        try:
            tx_sudo = request.env["payment.transaction"]._school_wallet_create_topup(
                wallet,
                provider_sudo,
                payment_method_sudo,
                amount,
                partner_sudo,
                operation=f"online_{flow}",
                landing_route=self._topup_landing_route(wallet),
            )
        except UserError as error:
            raise ValidationError(error.args[0]) from error
        tx_sudo._log_sent_message()
        PaymentPostProcessing.monitor_transaction(tx_sudo)
        return tx_sudo._get_processing_values()
