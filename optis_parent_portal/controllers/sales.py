from odoo import http
from odoo.http import request

from .portal import OptisParentPortal

SALES_PER_PAGE = 20
# The longest article text searched for (the devices send at most 128 characters).
SEARCH_MAX_LENGTH = 64


class OptisWalletSales(OptisParentPortal):
    """The sales journal of a child's wallet: the purchases at the school's vending machines,
    canteen and shop, with their articles, filtered by device and searched by article. The
    sales are searched as the user (access rights and record rules: money rights)."""

    def _sales_model(self):
        """``school.wallet.sale`` as the user, in every school of theirs (record rules apply)."""
        return request.env["school.wallet.sale"].with_context(allowed_company_ids=request.env.user.company_ids.ids)

    @http.route(
        [
            "/my/wallets/<int:wallet_id>/sales",
            "/my/wallets/<int:wallet_id>/sales/page/<int:page>",
        ],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_wallet_sales(self, wallet_id, page=1, device=None, search=None, **_kwargs):
        """The purchases paid from the wallet, newest first, ``SALES_PER_PAGE`` a page.

        :param int wallet_id: a wallet of one of the user's children (money rights)
        :param int page: the page of the pager
        :param str device: id of a device the wallet bought from (any other value: all devices)
        :param str search: a part of an article's name (at most ``SEARCH_MAX_LENGTH`` characters)
        :return: the page; 404 for any other wallet
        """
        wallet = self._my_wallet(wallet_id)
        sales = self._sales_model()
        domain = [("wallet_id", "=", wallet.id)]
        devices = self._wallet_sale_devices(sales, domain)
        filters = {}
        device_sudo = devices.filtered(lambda candidate: str(candidate.id) == device)
        if device_sudo:
            filters["device"] = str(device_sudo.id)
            domain.append(("device_id", "=", device_sudo.id))
        search = (search or "").strip()[:SEARCH_MAX_LENGTH]
        if search:
            filters["search"] = search
            domain.append(("line_ids.article", "ilike", search))
        sales, values = self._wallet_list_values(wallet, sales, domain, "sales", filters, page, SALES_PER_PAGE)
        values.update(
            {
                "sales": sales,
                "devices": devices,
                "device": device_sudo,
                "search": search,
                "page_name": "school_wallet_sales",
            }
        )
        return request.render("optis_parent_portal.portal_my_wallet_sales", values)

    @staticmethod
    def _wallet_sale_devices(sales, domain):
        """The devices of the sales of ``domain`` (searched as the user), in sudo to name them:
        parents may not read the devices themselves."""
        groups = sales._read_group(domain, ["device_id"])
        return sales.env["school.wallet.device"].sudo().browse(device.id for (device,) in groups).sorted("name")
