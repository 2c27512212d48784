from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from ..tools import parse_amount
from .portal import OptisParentPortal


class OptisWalletTransfer(OptisParentPortal):
    """A parent moves money between two wallets of one child (``school.wallet._transfer_to``)."""

    def _transfer_targets(self, wallet):
        """The other open wallets of the same child that the user may move money to."""
        return self._my_wallets().filtered(
            lambda target: target != wallet
            and target.student_id == wallet.student_id
            and target.company_id == wallet.company_id
            and target.sudo().state != "closed"
        )

    @http.route()
    def portal_my_wallet(self, wallet_id, success=None, error=None, **kwargs):
        response = super().portal_my_wallet(wallet_id, success=success, error=error, **kwargs)
        wallet = response.qcontext["wallet"]
        response.qcontext["transfer_targets"] = (
            self._transfer_targets(wallet).sudo() if wallet.state != "closed" else wallet.browse()
        )
        return response

    @http.route("/my/wallets/<int:wallet_id>/transfer", type="http", auth="user", website=True, methods=["POST"])
    def portal_my_wallet_transfer(self, wallet_id, target_wallet_id=None, amount="", **_kwargs):
        """Move ``amount`` from the wallet to ``target_wallet_id``, another wallet of the same child.

        Both wallets are the user's (money rights, record rules): any other id answers 404.
        The engine then moves the money in sudo (a parent may not write the ledger), as the
        user (``user_id`` of the operations).

        :param int wallet_id: the wallet debited
        :param str target_wallet_id: the wallet credited
        :param str amount: the amount typed (``parse_amount``)
        :return: a redirection to the wallet's page with ``?success=transfer``, or
            ``?error=transfer_amount|transfer_child|transfer_refused``; 404 for any other wallet
        """
        wallet = self._my_wallet(wallet_id)
        try:
            target_id = int(target_wallet_id or 0)
        except ValueError:
            raise request.not_found() from None
        target = self._my_wallet(target_id)
        url = f"/my/wallets/{wallet.id}"
        if target.student_id != wallet.student_id or target.company_id != wallet.company_id:
            return request.redirect(f"{url}?error=transfer_child")
        try:
            amount = parse_amount(amount, wallet.sudo().currency_id)
        except ValueError:
            amount = 0.0
        if wallet.sudo().currency_id.is_zero(amount):
            return request.redirect(f"{url}?error=transfer_amount")
        try:
            with request.env.cr.savepoint():
                wallet.sudo()._transfer_to(target.sudo(), amount)
        except UserError:
            return request.redirect(f"{url}?error=transfer_refused")
        return request.redirect(f"{url}?success=transfer")
