from werkzeug import urls

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..tools import MAX_FORM_AMOUNT, parse_amount

OPERATIONS_SHOWN = 50


class OptisParentPortal(CustomerPortal):
    """The parents' pages about their children's wallets.

    Which wallets a parent sees is decided by the access rights and record rules of the
    portal group (the wallets of the children they are a guardian of): every search runs as
    the user, on the wallets of their own children (staff who may read every wallet see only
    their own children's here). Only then are the records read in sudo, for what a parent
    may not read directly (the child's contact, the school's bank account).

    Messages come as short codes in the URL (``?success=threshold``, ``?error=amount``);
    their texts are in the template, which shows nothing for an unknown code.
    """

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "school_wallet_count" in counters:
            wallets = self._wallet_model()
            values["school_wallet_count"] = (
                wallets.search_count(self._get_wallets_domain()) if wallets.has_access("read") else 0
            )
        return values

    def _wallet_model(self):
        """``school.wallet`` as the user, in every school of theirs (record rules apply)."""
        return request.env["school.wallet"].with_context(allowed_company_ids=request.env.user.company_ids.ids)

    def _get_wallets_domain(self):
        """The wallets of the user's own children whose guardian link grants money rights (the
        links are read in sudo: parents may not read them). For parents the record rules say the
        same; staff who are also guardians are not under the portal rules, hence the filter."""
        students = request.env["school.guardian.link"]._get_students_granting(
            request.env.user.partner_id, "grants_money"
        )
        return [("student_id", "in", students.ids)]

    def _my_wallets(self):
        """The active wallets of the user's children that they may read (access rights and
        record rules), in every school of theirs."""
        wallets = self._wallet_model()
        if not wallets.has_access("read"):
            return wallets
        return wallets.search(self._get_wallets_domain(), order="student_id, wallet_type_id")

    def _my_wallet(self, wallet_id):
        """The parent's wallet ``wallet_id``, or a 404 for any other id."""
        wallet = self._my_wallets().filtered(lambda wallet: wallet.id == wallet_id)
        if not wallet:
            raise request.not_found()
        return wallet

    @http.route("/my/wallets", type="http", auth="user", website=True)
    def portal_my_wallets(self, **_kwargs):
        """The wallets of the user's children, with their balances.

        :return: the page (an empty list for a user who is nobody's guardian)
        """
        values = self._prepare_portal_layout_values()
        values.update({"wallets": self._my_wallets().sudo(), "page_name": "school_wallets"})
        return request.render("optis_parent_portal.portal_my_wallets", values)

    @http.route("/my/wallets/<int:wallet_id>", type="http", auth="user", website=True)
    def portal_my_wallet(self, wallet_id, success=None, error=None, **_kwargs):
        """The wallet's balance, last operations, alert threshold and transfer details.

        :param int wallet_id: a wallet of one of the user's children
        :param str success: code of the message to show (``threshold``)
        :param str error: code of the error to show (``amount``)
        :return: the page; 404 for any other wallet
        """
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
                "max_amount": MAX_FORM_AMOUNT,
                "success": success,
                "error": error,
                "page_name": "school_wallet",
            }
        )
        return request.render("optis_parent_portal.portal_my_wallet", values)

    @http.route("/my/wallets/<int:wallet_id>/threshold", type="http", auth="user", website=True, methods=["POST"])
    def portal_my_wallet_threshold(self, wallet_id, threshold="", **_kwargs):
        """The parent sets the balance under which they are mailed (0: no mail).

        :param int wallet_id: a wallet of one of the user's children
        :param str threshold: the amount typed (``parse_amount``)
        :return: a redirection to the wallet's page with ``?success=threshold``, or
            ``?error=amount`` when the amount is refused; 404 for any other wallet
        """
        wallet = self._my_wallet(wallet_id)
        wallet_sudo = wallet.sudo()
        try:
            amount = parse_amount(threshold, wallet_sudo.currency_id)
        except ValueError:
            return request.redirect(f"/my/wallets/{wallet.id}?{self._query({'error': 'amount'})}")
        wallet_sudo.write({"low_balance_threshold": amount, "low_balance_alert_date": False})
        return request.redirect(f"/my/wallets/{wallet.id}?{self._query({'success': 'threshold'})}")

    def _wallet_list_values(self, wallet, records, domain, list_name, filters, page, step):
        """One page of a wallet's list (operations, purchases), searched as the user, with what
        every such page shows: the wallet, the child's other wallets (tabs carrying the same
        filters), the pager and the total.

        :param records: the empty recordset of the listed model, in the user's environment
        :param str list_name: the last part of the list's URL, ``/my/wallets/<id>/<list_name>``
        :param dict filters: the query parameters the pager's links keep
        :return: (the page's records in sudo, the rendering values)
        """
        total = records.search_count(domain)
        pager = portal_pager(
            url=f"/my/wallets/{wallet.id}/{list_name}",
            url_args=filters,
            total=total,
            page=page,
            step=step,
        )
        records = records.search(domain, limit=step, offset=pager["offset"])
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "wallet": wallet.sudo(),
                # The child's other wallets (the user's, record rules): the same filters on each.
                "child_wallets": self._my_wallets()
                .filtered(lambda other: other.student_id == wallet.student_id)
                .sudo(),
                "pager": pager,
                "total": total,
                "filters_query": self._query(filters),
            }
        )
        return records.sudo(), values

    @staticmethod
    def _query(params):
        return urls.url_encode(params)
