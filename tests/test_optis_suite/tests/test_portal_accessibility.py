import json
import os

from odoo.tests import HttpCase, tagged

from .phone_browser import ODOO_PAGES, PHONE_WIDTH, PhoneBrowserMixin, fill_route, optis_page_routes, repository_path

AXE_PATH = repository_path("tests", "a11y", "node_modules", "axe-core", "axe.min.js")
# axe-core's impacts that fail the test (the EU web accessibility rules: WCAG 2.1 AA).
FAILING_IMPACTS = ("serious", "critical")
AXE_RUN = """
(async () => {
    const results = await axe.run(document, {resultTypes: ["violations"]});
    return results.violations
        .filter((violation) => FAILING_IMPACTS.includes(violation.impact))
        .map((violation) => ({
            rule: violation.id,
            impact: violation.impact,
            help: violation.help,
            nodes: violation.nodes.slice(0, 3).map(
                (node) => node.target.join(" ") + (node.any[0] ? ` (${node.any[0].message})` : "")
            ),
        }));
})()
""".replace("FAILING_IMPACTS", json.dumps(FAILING_IMPACTS))
# Boxes that scroll sideways (a table wider than the phone inside .table-responsive).
SIDEWAYS = """
[...document.querySelectorAll("*")]
    .filter((element) => element.scrollWidth > element.clientWidth + 1)
    .filter((element) => ["auto", "scroll"].includes(getComputedStyle(element).overflowX))
    .map((element) => `${element.tagName.toLowerCase()}.${[...element.classList].join(".")}`)
"""
# The demo parent's pages that need a query to show their content.
QUERIES = {"/my/wallets/<int:wallet_id>/topup": "?amount=20"}


@tagged("post_install", "-at_install")
class TestPortalAccessibility(PhoneBrowserMixin, HttpCase):
    """axe-core (npm, pinned in tests/a11y/package.json) runs in Chromium at 390 px on every
    page of the parents' portal, found in Odoo's routing map, and on Odoo's /my and
    /my/invoices: no serious or critical violation, no page wider than the phone, and on the
    OPTIS pages no table to scroll sideways either. The demo
    parent1 (French, two children, wallets, a booked interview) is logged in; the public pages
    are checked anonymously too."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.parent = ref("optis_school.demo_user_parent1")
        children = cls.env["school.guardian.link"].search([("guardian_id", "=", cls.parent.partner_id.id)]).student_id
        wallet = cls.env["school.wallet"].search([("student_id", "in", children.ids), ("state", "=", "open")], limit=1)
        interview = cls.env["school.interview"].search(
            [("student_id", "in", children.ids), ("state", "=", "booked")], limit=1
        )
        invoice = cls.env["account.move"].search(
            [
                ("partner_id", "=", cls.parent.partner_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
            ],
            limit=1,
        )
        appointment = cls.env["school.appointment"].search(
            [("visitor_partner_id", "=", cls.parent.partner_id.id), ("state", "=", "booked")], limit=1
        )
        # The demo's planning round of the parent's interview evening (wishes page).
        planning_round = cls.env["school.interview.round"].search([("company_id", "=", wallet.company_id.id)], limit=1)
        cls.ids = {
            "invoice": invoice.id,
            "appointment": appointment.id,
            "appointment_type": appointment.appointment_type_id.id,
            "child": wallet.student_id.id,
            "student": wallet.student_id.id,
            "wallet": wallet.id,
            "interview": interview.id,
            "period": interview.period_id.id,
            "round": planning_round.id,
        }
        assert all(cls.ids.values()), f"the demo parent has a record of each kind: {cls.ids}"
        # The demo provider in test mode, as in the route sweep: the top-up page shows Odoo's form.
        provider = cls.env["payment.provider"].search(
            [("code", "=", "demo"), ("company_id", "=", wallet.company_id.id)], limit=1
        )
        journal = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", wallet.company_id.id)], limit=1
        )
        provider.write({"state": "test", "journal_id": journal.id})

    def _pages(self):
        """``(url, logged in)`` of every page checked."""
        pages = [(url, True) for url in ODOO_PAGES]
        # Odoo's invoice page, with the OPTIS transfer details and wallet payment.
        pages.append((fill_route("/my/invoices/<int:invoice_id>", self.ids), True))
        for pattern, auth in optis_page_routes(self.env):
            url = fill_route(pattern, self.ids) + QUERIES.get(pattern, "")
            pages.append((url, True))
            if auth in ("public", "none"):
                pages.append((url, False))
        return pages

    def _check(self, login, password, urls, failures):
        with open(AXE_PATH, encoding="utf-8") as axe_file:
            axe_source = axe_file.read()
        with self.phone_browser(login, password) as browser:
            for url in urls:
                landed = self.open_page(browser, url)
                who = login or "anonymous"
                if landed.startswith("/web/login") and login:
                    failures.append(f"{url} ({who}): sent to the login page")
                    continue
                width = self.page_width(browser)
                if width > PHONE_WIDTH:
                    failures.append(f"{url} ({who}): {width}px wide on a {PHONE_WIDTH}px screen")
                # Odoo's own pages are not ours to lay out; ours have no table to scroll sideways.
                sideways = [] if url in ODOO_PAGES else self.evaluate(browser, SIDEWAYS)
                if sideways:
                    failures.append(f"{url} ({who}): scrolls sideways in {sideways}")
                self.evaluate(browser, axe_source)
                for violation in self.evaluate(browser, AXE_RUN):
                    failures.append(
                        f"{url} ({who}): {violation['impact']} {violation['rule']}: {violation['help']} "
                        f"at {violation['nodes']}"
                    )

    def test_portal_pages_pass_axe(self):
        self.assertTrue(
            os.path.exists(AXE_PATH),
            "axe-core is missing: run `npm ci` in tests/a11y (the test command does it)",
        )
        pages = self._pages()
        self.assertGreaterEqual(len(pages), 15, f"the routing map gave the portal's pages: {pages}")
        failures = []
        self._check(self.parent.login, "parent", [url for url, logged_in in pages if logged_in], failures)
        self._check(None, None, [url for url, logged_in in pages if not logged_in], failures)
        self.assertFalse(failures, "accessibility (axe-core) or width failures:\n" + "\n".join(failures))

    def test_pages_say_the_reader_language(self):
        """``<html lang>`` follows the language of the page: the parent's, or the visitor's."""
        self.authenticate(self.parent.login, "parent")
        self.assertEqual(self.parent.lang, "fr_BE")
        for url in ("/my/school", "/my/invoices"):
            self.assertRegex(self.url_open(url).text, r'<html[^>]* lang="fr-BE"', url)
        self.authenticate(None, None)
        self.assertRegex(self.url_open("/web/login").text, r'<html[^>]* lang="en-US"')
