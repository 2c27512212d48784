import datetime as datetime_module
from datetime import timedelta
from types import SimpleNamespace

import pytz
from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from lxml import etree

from odoo import fields
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import WalletCommon


@tagged("post_install", "-at_install")
class TestWalletOperationViews(WalletCommon):
    """The operations list of the bursar: period presets and the cost of reading it."""

    def _filter_domains(self, model, action_xmlid):
        """The domains of the search_default filters of an action, evaluated as the web
        client does (today in the user's timezone, midnight converted to UTC)."""
        action = self.env.ref(action_xmlid)
        context = safe_eval(action.context or "{}")
        defaults = [key.removeprefix("search_default_") for key in context if key.startswith("search_default_")]
        arch = self.env[model].with_user(self.user_bursar).get_views([(False, "search")])["views"]["search"]["arch"]
        user_tz = pytz.timezone(self.user_bursar.tz or "UTC")

        class ClientDateTime(datetime_module.datetime):
            def to_utc(self):
                return user_tz.localize(self).astimezone(pytz.utc).replace(tzinfo=None)

        eval_context = {
            "context_today": lambda: fields.Date.context_today(self.env["res.users"].with_user(self.user_bursar)),
            "relativedelta": relativedelta,
            "datetime": SimpleNamespace(datetime=ClientDateTime, time=datetime_module.time),
        }
        filters = {node.get("name"): node.get("domain") for node in etree.fromstring(arch).iter("filter")}
        return defaults, {name: safe_eval(filters[name], eval_context) for name in defaults}, filters, eval_context

    def _operations_at(self, dates):
        operations = self.env["school.wallet.operation"]
        for date in dates:
            operations |= self.wallet_ada_general._credit(1.0, "topup_cash", date=fields.Datetime.to_datetime(date))
        return operations

    def test_default_filter_last_30_days(self):
        self.user_bursar.tz = "Europe/Brussels"
        with freeze_time("2026-03-31 10:00:00"):
            # Brussels is UTC+2 since March 29th, UTC+1 before.
            today = self._operations_at(["2026-03-31 09:00:00"])
            yesterday = self._operations_at(["2026-03-30 12:00:00"])
            # 2026-03-02 00:00 in Brussels is 2026-03-01 23:00 UTC: the first of the 30 days.
            this_month = self._operations_at(["2026-03-15 12:00:00", "2026-03-01 23:00:00"])
            # Still March 1st in Brussels, but 31 days ago.
            first_of_month = self._operations_at(["2026-03-01 22:59:59"])
            older = self._operations_at(["2026-01-10 12:00:00", "2026-02-28 22:59:59"])
            everything = today | yesterday | this_month | first_of_month | older
            defaults, domains, filters, eval_context = self._filter_domains(
                "school.wallet.operation", "optis_school_wallet.school_wallet_operation_action"
            )
            self.assertEqual(defaults, ["filter_last_30_days"])
            operation_model = self.env["school.wallet.operation"]
            found = operation_model.search(domains["filter_last_30_days"] + [("id", "in", everything.ids)])
            self.assertEqual(found, today | yesterday | this_month)

            # The other presets.
            def search(name):
                return operation_model.search(safe_eval(filters[name], eval_context) + [("id", "in", everything.ids)])

            self.assertEqual(search("filter_today"), today)
            self.assertEqual(search("filter_yesterday"), yesterday)
            self.assertEqual(search("filter_last_7_days"), today | yesterday)
            self.assertEqual(search("filter_this_month"), today | yesterday | this_month | first_of_month)

    def test_sales_journal_default_filter(self):
        defaults, _domains, _filters, _context = self._filter_domains(
            "school.wallet.sale.line", "optis_school_wallet.school_wallet_sale_line_action"
        )
        self.assertEqual(defaults, ["filter_last_30_days"])

    def test_list_query_count(self):
        """Reading the list costs the same for 1 and for 30 operations (no query per row)."""
        list_fields = self.env["school.wallet.operation"].get_views([(False, "list")])["models"][
            "school.wallet.operation"
        ]["fields"]
        specification = {
            name: {"fields": {"display_name": {}}} if field["type"] == "many2one" else {}
            for name, field in list_fields.items()
        }
        operation_model = self.env["school.wallet.operation"].with_user(self.user_bursar)
        students = self.student_ada | self.student_bob | self.student_cid
        now = fields.Datetime.now()

        def read_list():
            return operation_model.web_search_read([("student_id", "in", students.ids)], specification, limit=80)

        self.wallet_ada_general._credit(5.0, "topup_cash", date=now)
        self.env.invalidate_all()
        read_list()  # warm the caches (views, access rules, translations)
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        self.assertEqual(read_list()["length"], 1)
        one_count = self.cr.sql_log_count - before
        self.assertLessEqual(one_count, 12)

        wallets = [self.wallet_ada_general, self.wallet_ada_meals, self.wallet_bob_general]
        for index in range(29):
            wallet = wallets[index % 3]
            if index % 2:
                wallet._credit(1.0 + index, "topup_cash", date=now - timedelta(hours=index), payment_method="cash")
            else:
                wallet._credit(1.0, "correction", reason="test", date=now - timedelta(days=index))
        self.env.invalidate_all()
        with self.assertQueryCount(one_count):
            result = read_list()
        self.assertEqual(result["length"], 30)
        self.assertEqual(len(result["records"]), 30)
