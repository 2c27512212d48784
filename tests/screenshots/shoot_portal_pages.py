"""Screenshots of the parents' portal on a phone (390 px wide), from the demo database.

Not a test of the test command (its name does not start with ``test_``): ``./setup/screenshots.sh``
runs it against the demo database of ``./setup/run.sh`` and saves the PNGs in docs/screenshots/,
which the README shows. Everything it does is rolled back (an ``HttpCase``).

The demo parent1 (Isabelle Lejeune: Emma and Lucas at the Marronniers) is logged in, in English
unless ``OPTIS_SCREENSHOT_LANG`` names another installed language (``fr_BE``, ``nl_BE``).
"""

import base64
import io
import os
import time

from PIL import Image

from odoo.tests import HttpCase

from odoo.addons.test_optis_suite.tests.phone_browser import PHONE_WIDTH, PhoneBrowserMixin, repository_path

OUTPUT_DIR = os.environ.get("OPTIS_SCREENSHOT_DIR") or repository_path("docs", "screenshots")
LANG = os.environ.get("OPTIS_SCREENSHOT_LANG", "en_US")
# A long page is cut there: the README shows the top of each page.
MAX_HEIGHT = 1400
# PNGs stay small in git (< 150 KB): a palette of this many colours.
COLOURS = 64


class ShootPortalPages(PhoneBrowserMixin, HttpCase):
    test_tags = {"screenshots"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.parent = cls.env.ref("optis_school.demo_user_parent1")
        cls.parent.lang = LANG
        children = cls.env["school.guardian.link"].search([("guardian_id", "=", cls.parent.partner_id.id)]).student_id
        cls.wallet = cls.env["school.wallet"].search(
            [("student_id", "in", children.ids), ("state", "=", "open")], order="balance desc", limit=1
        )
        cls.child = cls.wallet.student_id
        cls.period = cls.env["school.interview.period"].search(
            [("company_id", "=", cls.child.company_id.id), ("state", "=", "published")], limit=1
        )
        # The demo provider in test mode: the top-up page shows Odoo's payment form.
        provider = cls.env["payment.provider"].search(
            [("code", "=", "demo"), ("company_id", "=", cls.child.company_id.id)], limit=1
        )
        journal = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.child.company_id.id)], limit=1
        )
        provider.write({"state": "test", "journal_id": journal.id})

    def _pages(self):
        wallet = f"/my/wallets/{self.wallet.id}"
        return {
            "chooser": "/my/school",
            "child_home": f"/my/school/child/{self.child.id}",
            "wallet": wallet,
            "topup": f"{wallet}/topup?amount=20",
            "operations": f"{wallet}/operations",
            "interviews": "/my/interviews",
            "interview_booking": f"/my/interviews/period/{self.period.id}",
            "invoices": "/my/invoices",
        }

    def _save(self, browser, name):
        height = min(self.evaluate(browser, "document.documentElement.scrollHeight"), MAX_HEIGHT)
        answer = browser._websocket_request(
            "Page.captureScreenshot",
            params={
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": PHONE_WIDTH, "height": height, "scale": 1},
            },
            timeout=30,
        )
        image = Image.open(io.BytesIO(base64.b64decode(answer["data"]))).convert("RGB")
        path = os.path.join(OUTPUT_DIR, f"{name}.png")
        image.quantize(colors=COLOURS).save(path, optimize=True)
        print(f"{path}: {image.width}x{image.height}, {os.path.getsize(path) // 1024} KB")  # noqa: T201

    def test_shoot(self):
        os.makedirs(OUTPUT_DIR, exist_ok=True)
        with self.phone_browser(self.parent.login, "parent") as browser:
            for name, url in self._pages().items():
                landed = self.open_page(browser, url)
                self.assertFalse(landed.startswith("/web/login"), f"{url}: sent to the login page")
                time.sleep(0.5)  # web fonts and the payment form's script
                self._save(browser, name)
