import inspect
import json
import re
import sys
import time
from urllib.parse import urlsplit

import pytest

import odoo
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger
from odoo.tools.misc import hmac

# Every route of the OPTIS addons is swept, except these (reason documented).
ALLOWLIST = {
    "/web/session/logout": "takes no id and shows no data; it ends the sweep's session (tested in optis_parent_portal)",
    "/optis/wallet/api/v1/sales": "the device API has its own key auth: test_device_api_without_key",
}
# The sweep found this many OPTIS routes when written: fewer means the enumeration broke.
MIN_ROUTES = 28
# Tables a refused POST must leave untouched (a hash of every row).
GUARDED_TABLES = (
    "school_wallet",
    "school_wallet_operation",
    "school_wallet_sale",
    "school_interview",
    "school_interview_attendee",
    "school_interview_wish",
    "school_interview_family_block",
    "school_appointment",
    "school_meal_reservation",
    "school_guardian_link",
    "payment_transaction",
    "res_partner",
)
REFUSED = (400, 401, 403, 404)
FORGED_CSRF = "0" * 40 + "o9999999999"
# Language prefixes of the website: a redirect to the same page in another language serves it.
LANG_PREFIX = re.compile(r"^/(?:[a-z]{2}(?:_[A-Z]{2})?)(?=/)")


@tagged("post_install", "-at_install")
class TestRouteSweep(HttpCase):
    """Every HTTP route of the OPTIS addons, from Odoo's routing map, called with another
    family's ids in each integer argument: anonymously, as staff (teacher, bursar), as parent1
    with parent2's ids, and for POST routes with a missing and a forged CSRF token. Each answer
    is a redirect, 400, 403 or 404: never another family's data, never a 500, and a refused POST
    changes nothing. A new route is swept without new test code."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        # English pages: no redirect of the website to the user's language.
        users = ref("optis_school.demo_user_parent1") | ref("optis_school.demo_user_teacher")
        users |= ref("optis_school.demo_user_bursar") | ref("optis_school.demo_user_parent3")
        users.write({"lang": "en_US"})
        parent2 = ref("optis_school.demo_user_parent2").partner_id
        parent1 = ref("optis_school.demo_user_parent1").partner_id
        links = cls.env["school.guardian.link"].search([("guardian_id", "=", parent2.id)])
        own = cls.env["school.guardian.link"].search([("guardian_id", "=", parent1.id)]).student_id
        parent3 = ref("optis_school.demo_user_parent3").partner_id
        theirs = cls.env["school.guardian.link"].search([("guardian_id", "=", parent3.id)]).student_id
        cls.stranger_children = links.student_id - own - theirs
        cls.assertTrue(cls.stranger_children, "parent2 has children parent1 is not a guardian of")
        wallets = cls.env["school.wallet"].search([("student_id", "in", cls.stranger_children.ids)])
        interviews = cls.env["school.interview"].search([("student_id", "in", cls.stranger_children.ids)])
        tilleuls = ref("optis_school.demo_company_tilleuls")
        # A published parents' evening of the other school, where parent1 has no child.
        period = cls.env["school.interview.period"].create(
            {
                "name": "Sweep evening",
                "company_id": tilleuls.id,
                "date": "2030-03-12",
                "hour_from": 17.0,
                "hour_to": 19.0,
                "meeting_minutes": 10,
                "timezone": "Europe/Brussels",
            }
        )
        period.write({"state": "published"})
        # Its planning round, open to wishes.
        stranger_round = cls.env["school.interview.round"].create({"period_id": period.id})
        stranger_round.action_open_wishes()
        # Desk appointments parent1 did not book, and types parent1 may not book: not bookable
        # by parents, or bookable at the other school (no child of parent1 there).
        cls.env["school.appointment.type"].create(
            {"name": "Sweep desk", "company_id": tilleuls.id, "portal_published": True}
        )
        appointment_types = cls.env["school.appointment.type"].search([])
        own_types = appointment_types.filtered(lambda line: line.portal_published and line.company_id in own.company_id)
        # Every stranger record: children of parent1's school and of the other one.
        invoices = cls.env["account.move"].search([("move_type", "=", "out_invoice"), ("partner_id", "=", parent2.id)])
        cls.stranger_ids = {
            "appointment": cls.env["school.appointment"].search([("visitor_partner_id", "!=", parent1.id)]).ids,
            "appointment_type": (appointment_types - own_types).ids,
            "invoice": invoices.ids,
            "wallet": wallets.ids,
            "child": cls.stranger_children.ids,
            "student": cls.stranger_children.ids,
            "interview": interviews.ids,
            "period": period.ids,
            "round": stranger_round.ids,
            "document": cls.env["school.document"].search([("student_id", "in", cls.stranger_children.ids)]).ids,
        }
        if "school.meal.reservation" in cls.env:
            # optis_school_meals is installed: the demo meals of the stranger children (none
            # when the demo school year is over: then an id no meal has).
            meals = cls.env["school.meal.reservation"].with_context(active_test=False)
            cls.stranger_ids["reservation"] = meals.search([("student_id", "in", cls.stranger_children.ids)]).ids or [
                (meals.search([], order="id desc", limit=1).id or 0) + 1000
            ]
        cls.assertTrue(all(cls.stranger_ids.values()), f"demo has a stranger of each kind: {cls.stranger_ids}")
        # parent1's own records: URLs of their own pages with a stranger's id in the form.
        own_wallets = cls.env["school.wallet"].search([("student_id", "in", own.ids), ("state", "=", "open")])
        cls.own_ids = {
            "appointment": cls.env["school.appointment"].search([("visitor_partner_id", "=", parent1.id)], limit=1).ids,
            "appointment_type": own_types[:1].ids,
            "invoice": cls.env["account.move"]
            .search([("move_type", "=", "out_invoice"), ("partner_id", "=", parent1.id)], limit=1)
            .ids,
            "wallet": own_wallets[:1].ids,
            "child": own[:1].ids,
            "student": own[:1].ids,
            "interview": cls.env["school.interview"].search([("student_id", "in", own.ids)], limit=1).ids,
            "period": cls.env["school.interview.period"]
            .search([("company_id", "=", own[:1].company_id.id)], limit=1)
            .ids,
            "round": cls.env["school.interview.round"]
            .search([("company_id", "=", own[:1].company_id.id)], limit=1)
            .ids,
            "document": cls.env["school.document"].search([("student_id", "in", own.ids)], limit=1).ids,
        }
        if "school.meal.reservation" in cls.env:
            cls.own_ids["reservation"] = (
                cls.env["school.meal.reservation"].search([("student_id", "in", own[:1].ids)], limit=1).ids
            )
        cls.own_wallet = own_wallets[:1]
        # What must never be in a page served to someone else.
        cls.secrets = [child.name for child in cls.stranger_children]
        cls.secrets += [wallet.communication for wallet in wallets if wallet.communication]
        cls.routes = cls._optis_routes()
        # The demo provider in test mode, as in test_portal_topup_flow: a top-up is possible.
        cls.provider = cls.env["payment.provider"].search(
            [("code", "=", "demo"), ("company_id", "=", ref("base.main_company").id)], limit=1
        )
        journal = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.provider.company_id.id)], limit=1
        )
        cls.provider.write({"state": "test", "journal_id": journal.id})

    @pytest.fixture(autouse=True)
    def _terminal(self, capsys):
        self._capsys = capsys

    @classmethod
    def _optis_routes(cls):
        """``(url pattern, routing, endpoint)`` of every route whose method is defined or
        overridden in an OPTIS addon."""
        routes = []
        ir_http = cls.env["ir.http"]
        modules = sorted(cls.env.registry._init_modules | set(odoo.conf.server_wide_modules))
        # What ``ir.http.routing_map`` adds to the map (it needs a request thread).
        for url, endpoint in ir_http._generate_routing_rules(modules, converters=ir_http._get_converters()):
            method = getattr(endpoint, "func", endpoint)
            owner = getattr(method, "__self__", None)
            name = getattr(method, "__name__", "")
            classes = type(owner).mro() if owner is not None else []
            if any(c.__module__.startswith("odoo.addons.optis_") and name in c.__dict__ for c in classes):
                routes.append((url, endpoint.routing, method))
        return sorted(routes, key=lambda route: route[0])

    def _id_for(self, name, ids=None):
        """Stranger ids for an argument named ``name`` (``wallet_id`` → parent2's wallet); an
        unknown name gets every stranger id, so a new route needs no new code."""
        ids = ids or self.stranger_ids
        kind = name.removesuffix("_id").removeprefix("target_")
        if kind in ids:
            return ids[kind]
        if name == "page":
            return [1]
        return sorted({record_id for kind_ids in ids.values() for record_id in kind_ids})

    def _urls(self, pattern, ids=None):
        """``pattern`` with every converter argument replaced by stranger ids (or ``ids``)."""
        urls = [pattern]
        for match in re.finditer(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", pattern):
            converter, name = match.group(1), match.group(2)
            values = self._id_for(name, ids) if converter in ("int", "model") else ["x"]
            urls = [url.replace(match.group(0), str(value), 1) for url in urls for value in values]
        return urls

    def _body(self, method, pattern):
        """Form fields named after the method's other parameters: ids are strangers'."""
        in_url = set(re.findall(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", pattern))
        body = {}
        for param in inspect.signature(method).parameters.values():
            if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL) or param.name in in_url:
                continue
            if param.name.endswith("_id"):
                body[param.name] = self._id_for(param.name)[0]
            elif param.name == "amount":
                body[param.name] = "10"
            else:
                body[param.name] = "x"
        return body

    def _fingerprint(self):
        """A hash of every row of the guarded tables (the server shares the test transaction)."""
        self.env.flush_all()
        result = {}
        for table in GUARDED_TABLES:
            self.env.cr.execute("SELECT to_regclass(%s)", [table])
            if not self.env.cr.fetchone()[0]:
                continue
            self.env.cr.execute(f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t.id)) FROM {table} t")  # noqa: S608
            result[table] = self.env.cr.fetchone()
        return result

    def _csrf_token(self):
        """The CSRF token of the session's pages; the session is a user's (no login page)."""
        page = self.url_open("/my")
        self.assertEqual(page.status_code, 200)
        self.assertFalse(urlsplit(page.url).path.endswith("/web/login"), "the sweep's session is logged in")
        found = re.search(r'csrf_token["\']?\s*[:=]\s*["\']([0-9a-f]+o\d+)["\']', page.text)
        return found and found.group(1)

    def _check(self, who, label, url, response, failures, id_route):
        body = response.text
        for secret in self.secrets:
            if secret in body:
                failures.append(f"{who} {label} {url}: {response.status_code} shows {secret!r}")
        if response.status_code >= 500:
            failures.append(f"{who} {label} {url}: {response.status_code}")
            return
        if response.headers.get("Content-Type", "").startswith("application/json") and label == "json":
            answer = json.loads(body or "{}")
            if "error" not in answer:
                failures.append(f"{who} {label} {url}: JSON answer without error: {body[:200]}")
            return
        if response.is_redirect or response.status_code in (301, 302, 303, 307, 308):
            location = response.headers.get("Location", "")
            if "success" in location:
                failures.append(f"{who} {label} {url}: redirected to {location}")
            return
        if response.status_code in REFUSED:
            return
        final = LANG_PREFIX.sub("", urlsplit(response.url).path)
        if response.status_code == 200 and final.startswith("/web/login"):
            return
        if id_route and final == LANG_PREFIX.sub("", urlsplit(url).path):
            failures.append(f"{who} {label} {url}: {response.status_code}, the page was served")

    def _call(self, who, label, url, failures, id_route, **kwargs):
        """POST to ``url``; the answer is a refusal and the database is unchanged."""
        before = self._fingerprint()
        response = self.opener.post(self.base_url() + url, timeout=30, allow_redirects=False, **kwargs)
        self.requests += 1
        self._check(who, label, url, response, failures, id_route)
        if self._fingerprint() != before:
            failures.append(f"{who} {label} {url}: refused call changed the database")

    def _json_params(self, body):
        """Odoo's payment form parameters, signed for the user, with the route's other ids
        a stranger's: only the ownership check of the route can refuse them."""
        partner = self.env["res.users"].browse(self.session.uid).partner_id
        currency = self.env.ref("base.main_company").currency_id
        signed = {
            "amount": 10.0,
            # payment.utils.generate_access_token, which needs a request
            "access_token": hmac(self.env(su=True), "generate_access_token", f"{partner.id}|10.0|{currency.id}"),
            "provider_id": self.provider.id,
            "payment_method_id": self.provider.payment_method_ids[:1].id,
            "flow": "direct",
            "token_id": None,
        }
        return {**body, **{name: value for name, value in signed.items() if name in body}}

    def _sweep_route(self, who, token, pattern, routing, method, failures):
        self.swept.add(pattern)
        id_route = "<" in pattern
        methods = routing.get("methods") or ["GET"]
        body = self._body(method, pattern)
        for url in self._urls(pattern):
            if routing.get("type") == "json":
                params = self._json_params(body) if self.session.uid else body
                payload = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params})
                headers = {"Content-Type": "application/json"}
                self._call(who, "json", url, failures, id_route, data=payload, headers=headers)
                continue
            if "GET" in methods:
                response = self.url_open(url, timeout=30)
                self.requests += 1
                self._check(who, "GET", url, response, failures, id_route)
            if "POST" not in methods:
                continue
            variants = {"missing csrf": {}, "forged csrf": {"csrf_token": FORGED_CSRF}}
            if token and (id_route or any(name.endswith("_id") for name in body)):
                variants["valid csrf"] = {"csrf_token": token}
            for label, csrf in variants.items():
                self._call(who, f"POST {label}", url, failures, id_route, data={**body, **csrf})
        if who == "parent1" and "POST" in methods and any(name.endswith("_id") for name in body):
            # parent1's own page, a stranger's record in the form (e.g. a transfer to their wallet).
            for url in self._urls(pattern, self.own_ids):
                label = f"POST own page with {body}"
                self._call(who, label, url, failures, False, data={**body, "csrf_token": token})

    def _sweep_as(self, who, login, password, failures):
        self.authenticate(login, password)
        token = self._csrf_token() if login else None
        self.assertTrue(token or not login, f"{who} got a CSRF token")
        for pattern, routing, method in self.routes:
            if pattern not in ALLOWLIST:
                self._sweep_route(who, token, pattern, routing, method, failures)

    @mute_logger("odoo.http")
    def test_route_sweep(self):
        started = time.monotonic()
        # The session of a parent is real: their own wallet page is served, with its data.
        self.authenticate("parent1@example.com", "parent")
        page = self.url_open(f"/my/wallets/{self.own_wallet.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.own_wallet.communication, page.text)
        patterns = [pattern for pattern, _routing, _method in self.routes]
        with self._capsys.disabled():
            sys.stdout.write(f"\n[route sweep] {len(patterns)} OPTIS routes:\n  " + "\n  ".join(patterns) + "\n")
        self.assertGreaterEqual(len(patterns), MIN_ROUTES, "the sweep finds the OPTIS routes")
        for pattern in ALLOWLIST:
            self.assertIn(pattern, patterns, "an allowlisted route still exists")
        failures, self.requests, self.swept = [], 0, set()
        for who, login, password in (
            ("anonymous", None, None),
            ("teacher", "teacher", "teacher"),
            ("bursar", "bursar", "bursar"),
            ("parent1", "parent1@example.com", "parent"),
            ("parent3", "parent3@example.com", "parent"),
        ):
            self._sweep_as(who, login, password, failures)
        self.assertEqual(self.swept, set(patterns) - set(ALLOWLIST), "every route is swept")
        with self._capsys.disabled():
            sys.stdout.write(f"[route sweep] {self.requests} requests in {time.monotonic() - started:.0f} s\n")
        self.assertFalse(failures, "\n".join(failures))

    def test_device_api_without_key(self):
        self.authenticate(None, None)
        before = self._fingerprint()
        for headers in ({}, {"Authorization": "Bearer forged-key"}):
            response = self.url_open(
                "/optis/wallet/api/v1/sales",
                data=json.dumps({"reference": "sweep", "student_number": "1", "items": []}),
                headers={"Content-Type": "application/json", **headers},
            )
            self.assertEqual(response.status_code, 401, headers)
        self.assertEqual(self._fingerprint(), before, "nothing recorded without a key")
