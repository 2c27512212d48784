from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.account_payment.controllers.portal import PortalAccount

from .portal import OptisParentPortal


class OptisInvoice(OptisParentPortal, PortalAccount):
    """Odoo's invoice page (``/my/invoices/<id>``), with two more ways to pay: by bank
    transfer (the school's IBAN, the invoice's structured reference, an EPC QR code of the
    amount due) and from a wallet of the invoice's student, when the school allows it.
    Odoo's PDF and online payment (``account_payment``) stay as they are: this class
    inherits ``account_payment``'s portal controller, whose page values it extends."""

    def _school_invoice_wallets(self, invoice_sudo):
        """The open wallets of the invoice's student in its school that the user may pay from:
        the user's own (money rights, record rules), none when the school does not allow it or
        the invoice is not an open customer invoice of a student.

        :param invoice_sudo: the ``account.move`` the user may read (``_document_check_access``)
        :return: ``school.wallet`` as the user
        """
        wallets = self._wallet_model().browse()
        if (
            not invoice_sudo.company_id.school_wallet_invoice_payment
            or invoice_sudo.move_type != "out_invoice"
            or invoice_sudo.state != "posted"
            or invoice_sudo.payment_state not in ("not_paid", "partial")
            or not invoice_sudo.school_student_id
        ):
            return wallets
        return self._my_wallets().filtered(
            lambda wallet: wallet.student_id == invoice_sudo.school_student_id
            and wallet.company_id == invoice_sudo.company_id
            and wallet.sudo().state != "closed"
        )

    def _invoice_get_page_view_values(self, invoice, access_token, **kwargs):
        values = super()._invoice_get_page_view_values(invoice, access_token, **kwargs)
        to_pay = (
            invoice.move_type == "out_invoice"
            and invoice.state == "posted"
            and invoice.payment_state in ("not_paid", "partial")
            and not invoice.currency_id.is_zero(invoice.amount_residual)
        )
        values.update(
            {
                "school_transfer": invoice._school_get_transfer_details() if to_pay else False,
                "school_wallets": self._school_invoice_wallets(invoice).sudo() if to_pay else False,
            }
        )
        return values

    @http.route(
        "/my/invoices/<int:invoice_id>/wallet_payment", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_my_invoice_wallet_payment(self, invoice_id, wallet_id=None, confirm=None, **_kwargs):
        """Pay the amount due of an invoice from a wallet of its student
        (``account.move._school_pay_from_wallet``: one debit, reconciled with the invoice).

        The invoice must be the user's (Odoo's portal rules, else 404); the wallet one of the
        student's that the user has money rights on (record rules): any other wallet is refused
        with a message, as is a payment the school does not allow. The payment then runs in
        sudo (a parent may not write the ledger nor the accounting); two submits at once pay
        once (the model locks the invoice and the wallet).

        :param int invoice_id: an invoice of the user
        :param str wallet_id: the wallet chosen
        :param str confirm: the confirmation box, ticked
        :return: a redirection to the invoice's page with ``?success=wallet_paid``, or
            ``?error=wallet_disabled|wallet_choice|wallet_confirm|wallet_balance|wallet_refused``;
            404 for any other invoice
        """
        try:
            invoice_sudo = self._document_check_access("account.move", invoice_id)
        except (AccessError, MissingError):
            raise request.not_found() from None
        url = f"/my/invoices/{invoice_sudo.id}"
        wallet_sudo = (
            self._school_invoice_wallets(invoice_sudo).filtered(lambda wallet: str(wallet.id) == wallet_id).sudo()
        )
        if not invoice_sudo.company_id.school_wallet_invoice_payment:
            error = "wallet_disabled"
        elif not wallet_sudo:
            error = "wallet_choice"
        elif confirm != "1":
            error = "wallet_confirm"
        elif not wallet_sudo._school_can_pay(invoice_sudo.amount_residual):
            error = "wallet_balance"
        else:
            try:
                with request.env.cr.savepoint():
                    invoice_sudo._school_pay_from_wallet(wallet_sudo)
                error = None
            except UserError:
                error = "wallet_refused"
        params = {"error": error} if error else {"success": "wallet_paid"}
        return request.redirect(f"{url}?{self._query(params)}")
