from werkzeug import urls

from odoo import _, http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

OPERATIONS_SHOWN = 50


class OptisParentPortal(CustomerPortal):
    """The parents' pages about their children's wallets.

    Which wallets a parent sees is decided by the record rules of the portal group (the
    wallets of the children they are a guardian of): every search runs as the parent. Only
    then are the records read in sudo, for what a parent may not read directly (the
    child's contact, the school's bank account).
    """

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "school_wallet_count" in counters:
            values["school_wallet_count"] = request.env["school.wallet"].search_count([]) if self._is_parent() else 0
        return values

    def _is_parent(self):
        """Parents are portal users; staff see the wallets in the backend."""
        return request.env.user._is_portal()

    def _my_wallets(self):
        """The active wallets the parent may read (record rules), in every school of theirs."""
        if not self._is_parent():
            return request.env["school.wallet"]
        return (
            request.env["school.wallet"]
            .with_context(allowed_company_ids=request.env.user.company_ids.ids)
            .search([], order="student_id, wallet_type_id")
        )

    def _my_wallet(self, wallet_id):
        """The parent's wallet ``wallet_id``, or a 404 for any other id."""
        wallet = self._my_wallets().filtered(lambda wallet: wallet.id == wallet_id)
        if not wallet:
            raise request.not_found()
        return wallet

    @http.route("/my/wallets", type="http", auth="user", website=True)
    def portal_my_wallets(self, **_kwargs):
        values = self._prepare_portal_layout_values()
        values.update({"wallets": self._my_wallets().sudo(), "page_name": "school_wallets"})
        return request.render("optis_parent_portal.portal_my_wallets", values)

    @http.route("/my/wallets/<int:wallet_id>", type="http", auth="user", website=True)
    def portal_my_wallet(self, wallet_id, message=None, error=None, **_kwargs):
        wallet = self._my_wallet(wallet_id)
        operations = request.env["school.wallet.operation"].search(
            [("wallet_id", "=", wallet.id)], limit=OPERATIONS_SHOWN, order="date desc, id desc"
        )
        wallet_sudo = wallet.sudo()
        bank_account = wallet_sudo.company_id.school_wallet_bank_account_id
        try:
            qr_code = wallet_sudo._get_topup_transfer_qr_code() if bank_account else False
        except UserError:
            # No EPC QR code for this account (not a SEPA IBAN in euros): the details suffice.
            qr_code = False
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "wallet": wallet_sudo,
                "operations": operations.sudo(),
                "qr_code": qr_code,
                "bank_account": bank_account,
                "message": message,
                "error": error,
                "page_name": "school_wallet",
            }
        )
        return request.render("optis_parent_portal.portal_my_wallet", values)

    @http.route("/my/wallets/<int:wallet_id>/threshold", type="http", auth="user", website=True, methods=["POST"])
    def portal_my_wallet_threshold(self, wallet_id, threshold="", **_kwargs):
        """The parent sets the balance under which they are mailed (0: no mail)."""
        wallet = self._my_wallet(wallet_id)
        try:
            amount = float(str(threshold).replace(",", ".").strip())
        except ValueError:
            amount = -1
        if amount < 0:
            error = _("Enter an amount of 0 or more (0: no alert).")
            return request.redirect(f"/my/wallets/{wallet.id}?{self._query({'error': error})}")
        wallet_sudo = wallet.sudo()
        wallet_sudo.write(
            {"low_balance_threshold": wallet_sudo.currency_id.round(amount), "low_balance_alert_date": False}
        )
        message = _("You will be alerted when the balance goes below the new amount.")
        return request.redirect(f"/my/wallets/{wallet.id}?{self._query({'message': message})}")

    @staticmethod
    def _query(params):
        return urls.url_encode(params)
