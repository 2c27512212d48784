"""Chromium on a phone-sized screen (390 x 844), driven page after page through the DevTools
protocol: what the accessibility test and the screenshot command share.

One browser serves every page of a test (starting Chromium for each page would double the
time); each page is opened, then JavaScript runs in it and its value comes back to Python.
"""

import contextlib
import os
import re

import werkzeug.urls

import odoo
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME, ChromeBrowser

PHONE_WIDTH = 390
# The pages of the parents' portal (GET routes of the OPTIS addons) that are not HTML pages.
NOT_PAGES = ("/csv", "/ics", "/topup/transaction", "/privacy/export")
# Routes that end the session, leave the portal or send a file (a document the school published): not pages.
NOT_PORTAL = ("/web/session/logout", "/odoo", "/my/school/document/<int:document_id>")
# Odoo's pages the parents use beside the OPTIS ones.
ODOO_PAGES = ("/my", "/my/invoices")
# The path the page ended on (after redirects), once it is loaded and its scripts had a moment.
SETTLED = """
new Promise((resolve) => {
    const settle = () => setTimeout(() => resolve(location.pathname + location.search), 250);
    if (document.readyState === "complete") {
        settle();
    } else {
        window.addEventListener("load", settle);
    }
})
"""


class PhoneBrowserMixin:
    """For an ``HttpCase``: open pages in one phone-sized Chromium and evaluate JavaScript."""

    browser_size = f"{PHONE_WIDTH}x844"
    touch_enabled = True

    @contextlib.contextmanager
    def phone_browser(self, login=None, password=None):
        """A headless Chromium at 390 x 844, logged in as ``login`` (anonymous without).

        :param str login: the user's login, or None for a visitor
        :param str password: their password (default: the login, as test users have)
        :return: the ``ChromeBrowser``, stopped on leaving the block
        """
        browser = ChromeBrowser(self, headless=True, success_signal="unused")
        try:
            # What HttpCase.browser_js does: the browser's requests share the test's cursor.
            self.http_request_key = self.canonical_tag + "_browser_js"
            self.authenticate(login, password or login, browser=browser)
            self.http_request_strict_check = True
            self.cr.flush()
            self.cr.clear()
            yield browser
        finally:
            browser.stop()
            self._wait_remaining_requests()
            self.http_request_key = self.canonical_tag
            self.opener.cookies[TEST_CURSOR_COOKIE_NAME] = self.http_request_key

    def open_page(self, browser, url):
        """Open ``url`` and wait until it is loaded; return the path it ended on (redirects)."""
        browser.navigate_to(werkzeug.urls.url_join(self.base_url(), url), wait_stop=True)
        # The page's scripts (tooltips, the payment form) change the page once it is loaded.
        return self.evaluate(browser, SETTLED)

    def evaluate(self, browser, expression, timeout=60):
        """The value of the JavaScript ``expression`` in the page (a promise is awaited).

        :raise AssertionError: the expression threw
        """
        answer = browser._websocket_request(
            "Runtime.evaluate",
            params={"expression": expression, "awaitPromise": True, "returnByValue": True},
            timeout=timeout,
        )
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            raise AssertionError(details.get("exception", {}).get("description") or details.get("text"))
        return answer["result"].get("value")

    def page_width(self, browser):
        """The width of the page: wider than the screen means horizontal scrolling."""
        return self.evaluate(browser, "document.documentElement.scrollWidth")


def optis_page_routes(env):
    """``(url pattern, auth)`` of every GET page route defined or overridden in an OPTIS addon,
    from Odoo's routing map (as the route sweep reads it): a new page is found without new code."""
    ir_http = env["ir.http"]
    modules = sorted(env.registry._init_modules | set(odoo.conf.server_wide_modules))
    routes = set()
    for url, endpoint in ir_http._generate_routing_rules(modules, converters=ir_http._get_converters()):
        method = getattr(endpoint, "func", endpoint)
        owner = getattr(method, "__self__", None)
        name = getattr(method, "__name__", "")
        classes = type(owner).mro() if owner is not None else []
        if not any(c.__module__.startswith("odoo.addons.optis_") and name in c.__dict__ for c in classes):
            continue
        routing = endpoint.routing
        methods = routing.get("methods") or ["GET"]
        if routing.get("type") != "http" or "GET" not in methods or url.endswith(NOT_PAGES) or url in NOT_PORTAL:
            continue
        if "/page/<" in url:  # the next pages of a list: its first page is checked
            continue
        routes.add((url, routing.get("auth")))
    return sorted(routes)


def fill_route(pattern, ids):
    """``pattern`` with each ``<int:name_id>`` replaced by ``ids[name]`` (``wallet_id`` → ``ids["wallet"]``).

    :raise KeyError: an argument with no id given (a new kind of page: add its id)
    """
    return re.sub(
        r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>",
        lambda match: str(ids[match.group(1).removesuffix("_id")]),
        pattern,
    )


def repository_path(*parts):
    """A path in the repository (this file is tests/test_optis_suite/tests/phone_browser.py)."""
    return os.path.join(os.path.dirname(__file__), "..", "..", "..", *parts)
