import csv
import io
from datetime import datetime, time, timedelta

import pytz

from odoo import _, fields, http
from odoo.http import content_disposition, request
from odoo.tools import format_datetime

from ..tools import DEFAULT_PERIOD, PERIODS, period_bounds
from .portal import OptisParentPortal

OPERATIONS_PER_PAGE = 20
# The CSV export holds at most this many rows (ten years of a busy child).
CSV_MAX_ROWS = 20_000


class OptisWalletOperations(OptisParentPortal):
    """Every operation of a child's wallet over a period, filtered by type and payment method,
    page by page or as a CSV file. The operations are searched as the user (record rules)."""

    def _operations_filters(
        self, wallet, period=None, date_from=None, date_to=None, operation_type=None, payment_method=None
    ):
        """The filters of the operations page from the request's parameters: only known values
        are kept (an unknown period is the default one, an unknown type or method no filter).

        :return: ``(filters, domain, error, (first_day, last_day), types, methods)``: the filters
            kept, as URL parameters; the domain of the operations; ``"dates"`` when a custom
            range was refused (then the default period); the period's days; the labels of the
            operation types and payment methods, by value
        """
        operation_model = request.env["school.wallet.operation"]
        types = dict(operation_model._fields["operation_type"]._description_selection(request.env))
        methods = dict(operation_model._fields["payment_method"]._description_selection(request.env))
        today = fields.Date.context_today(wallet)
        error = None
        period = period if period in PERIODS else DEFAULT_PERIOD
        try:
            first_day, last_day = period_bounds(period, today, date_from, date_to)
        except ValueError:
            error = "dates"
            period = DEFAULT_PERIOD
            first_day, last_day = period_bounds(period, today)
        filters = {"period": period}
        if period == "custom":
            filters.update(date_from=first_day.isoformat(), date_to=last_day.isoformat())
        domain = [
            ("wallet_id", "=", wallet.id),
            ("date", ">=", self._utc(wallet, first_day)),
            ("date", "<", self._utc(wallet, last_day + timedelta(days=1))),
        ]
        if operation_type in types:
            filters["operation_type"] = operation_type
            domain.append(("operation_type", "=", operation_type))
        if payment_method in methods:
            filters["payment_method"] = payment_method
            domain.append(("payment_method", "=", payment_method))
        return filters, domain, error, (first_day, last_day), types, methods

    @staticmethod
    def _utc(wallet, day):
        """Midnight of ``day`` in the user's timezone, as a naive UTC datetime."""
        timezone = pytz.timezone(wallet.env.context.get("tz") or wallet.env.user.tz or "UTC")
        return timezone.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)

    @http.route(
        [
            "/my/wallets/<int:wallet_id>/operations",
            "/my/wallets/<int:wallet_id>/operations/page/<int:page>",
        ],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_wallet_operations(self, wallet_id, page=1, **kwargs):
        """The wallet's operations over a period, ``OPERATIONS_PER_PAGE`` a page.

        :param int wallet_id: a wallet of one of the user's children (money rights)
        :param int page: the page of the pager
        :param kwargs: ``period`` (one of ``PERIODS``, ``last_30_days`` by default),
            ``date_from`` and ``date_to`` (``YYYY-MM-DD``, a ``custom`` period),
            ``operation_type``, ``payment_method``
        :return: the page; 404 for any other wallet
        """
        wallet = self._my_wallet(wallet_id)
        filters, domain, error, (first_day, last_day), types, methods = self._operations_filters(
            wallet, **self._filter_kwargs(kwargs)
        )
        operations, values = self._wallet_list_values(
            wallet,
            request.env["school.wallet.operation"],
            domain,
            "operations",
            filters,
            page,
            OPERATIONS_PER_PAGE,
        )
        values.update(
            {
                "operations": operations,
                "filters": filters,
                "first_day": first_day,
                "last_day": last_day,
                "periods": PERIODS,
                "operation_types": types,
                "payment_methods": methods,
                "csv_url": f"/my/wallets/{wallet.id}/operations/csv?{self._query(filters)}",
                "error": error,
                "page_name": "school_wallet_operations",
            }
        )
        return request.render("optis_parent_portal.portal_my_wallet_operations", values)

    @http.route("/my/wallets/<int:wallet_id>/operations/csv", type="http", auth="user")
    def portal_my_wallet_operations_csv(self, wallet_id, **kwargs):
        """The operations of the page's filters (every page) as a CSV file.

        :param int wallet_id: a wallet of one of the user's children (money rights)
        :param kwargs: the filters of ``portal_my_wallet_operations``
        :return: a ``text/csv`` file; 404 for any other wallet
        """
        wallet = self._my_wallet(wallet_id)
        filters, domain, _error, (first_day, last_day), types, methods = self._operations_filters(
            wallet, **self._filter_kwargs(kwargs)
        )
        operations = request.env["school.wallet.operation"].search(domain, limit=CSV_MAX_ROWS).sudo()
        output = io.StringIO()
        writer = csv.writer(output)
        writer.writerow([_("Date"), _("Type"), _("Payment Method"), _("Reference"), _("Amount"), _("Currency")])
        for operation in operations:
            writer.writerow(
                [
                    format_datetime(request.env, operation.date, dt_format="yyyy-MM-dd HH:mm"),
                    types.get(operation.operation_type, ""),
                    methods.get(operation.payment_method, ""),
                    self._csv_text(operation.origin_ref),
                    f"{operation.amount:.{operation.currency_id.decimal_places}f}",
                    operation.currency_id.name,
                ]
            )
        filename = f"operations-{wallet.id}-{first_day.isoformat()}-{last_day.isoformat()}.csv"
        return request.make_response(
            output.getvalue().encode("utf-8-sig"),
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )

    @staticmethod
    def _csv_text(text):
        """A free text for a CSV cell that a spreadsheet never reads as a formula."""
        text = text or ""
        return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

    @staticmethod
    def _filter_kwargs(kwargs):
        return {key: kwargs.get(key) for key in ("period", "date_from", "date_to", "operation_type", "payment_method")}
