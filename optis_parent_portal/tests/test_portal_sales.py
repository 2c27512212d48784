from unittest.mock import patch

from lxml import html

from odoo.tests import HttpCase, tagged

from .rights_common import PortalRightsCommon

# Queries of one view of the sales journal, warm: the same for 1 sale and for 30 (a page of 20).
SALES_PAGE_QUERIES = 24


@tagged("post_install", "-at_install")
class TestPortalSales(PortalRightsCommon, HttpCase):
    """The sales journal of a wallet: Ada bought at the hall's vending machine and at the
    canteen, Bob at the shop. Her mother and grandfather pay for Ada; her stepfather has
    meetings rights only; the grandfather does not pay for Bob."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wallet_ada_general._credit(70.0, "topup_cash")  # 100 in all
        devices = cls.env["school.wallet.device"]
        cls.vending, cls.canteen, cls.shop = devices.create(
            [
                {"name": name, "kind": kind, "company_id": cls.company.id, "wallet_type_id": cls.type_general.id}
                for name, kind in (("Hall machine", "vending"), ("Canteen till", "canteen"), ("Shop desk", "shop"))
            ]
        )
        cls.sale_juice = cls._sell(cls.vending, cls.wallet_ada_general, "V-1", [("Apple juice", 1, 1.5)])
        cls.sale_lunch = cls._sell(cls.canteen, cls.wallet_ada_general, "C-1", [("Soup", 1, 2.0), ("Bread", 2, 0.5)])
        cls.sale_pencil = cls._sell(cls.shop, cls.wallet_bob_general, "S-1", [("Pencil", 3, 1.0)])

    @classmethod
    def _sell(cls, device, wallet, reference, items):
        sale, _created = cls.env["school.wallet.sale"]._register_from_device(
            device,
            {
                "reference": reference,
                "wallet_communication": wallet.communication,
                "items": [
                    {"article": article, "quantity": quantity, "unit_price": price}
                    for article, quantity, price in items
                ],
            },
        )
        return sale

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _sales_page(self, wallet, query=""):
        response = self.url_open(f"/my/wallets/{wallet.id}/sales{query}")
        self.assertEqual(response.status_code, 200)
        return html.fromstring(response.content)

    @staticmethod
    def _articles(tree):
        return [
            " ".join(row.xpath("string(.//td[2])").split())
            for row in tree.xpath("//tr[hasclass('o_school_wallet_sale')]")
        ]

    def test_parent_reads_the_purchases_of_a_wallet(self):
        self._login(self.user_mother)
        tree = self._sales_page(self.wallet_ada_general)
        self.assertEqual(self._articles(tree), ["1 x Soup 2 x Bread", "1 x Apple juice"], "newest first")
        self.assertEqual(tree.xpath("string(//strong[hasclass('o_school_sales_total')])"), "2")
        # Only the devices Ada bought at are offered.
        self.assertEqual(
            tree.xpath("//select[@name='device']/option/text()"), ["Everywhere", "Canteen till", "Hall machine"]
        )
        self.assertIn("Canteen Till", tree.xpath("string(//tr[hasclass('o_school_wallet_sale')][1]/td[1])"))
        # The child's other wallet is offered as a filter; Bob's never.
        wallet_links = tree.xpath("//ul[hasclass('o_school_sales_wallets')]//a/@href")
        self.assertEqual(
            wallet_links,
            [f"/my/wallets/{self.wallet_ada_general.id}/sales", f"/my/wallets/{self.wallet_ada_meals.id}/sales"],
        )
        self.assertEqual(self._articles(self._sales_page(self.wallet_ada_meals)), [])
        self.assertEqual(self._articles(self._sales_page(self.wallet_bob_general)), ["3 x Pencil"])

    def test_filter_by_device_and_search_by_article(self):
        self._login(self.user_mother)
        wallet = self.wallet_ada_general
        tree = self._sales_page(wallet, f"?device={self.vending.id}")
        self.assertEqual(self._articles(tree), ["1 x Apple juice"])
        self.assertEqual(tree.xpath("//option[@selected]/text()"), ["Hall machine"])
        self.assertEqual(self._articles(self._sales_page(wallet, "?search=brea")), ["1 x Soup 2 x Bread"])
        self.assertEqual(self._articles(self._sales_page(wallet, f"?search=juice&device={self.canteen.id}")), [])
        # Another wallet's device or garbage: no filter.
        for device in (self.shop.id, "x", "1 OR 1=1"):
            self.assertEqual(len(self._articles(self._sales_page(wallet, f"?device={device}"))), 2)
        tree = self._sales_page(wallet, "?search=Nothing+like+this")
        self.assertEqual(tree.xpath("//input[@name='search']/@value"), ["Nothing like this"])
        self.assertTrue(tree.xpath("//div[hasclass('alert-info')]"))

    def test_pager(self):
        for index in range(25):
            self._sell(self.vending, self.wallet_ada_general, f"P-{index}", [("Water", 1, 1.0)])
        self._login(self.user_mother)
        wallet = self.wallet_ada_general
        first = self._sales_page(wallet, "?search=water")
        self.assertEqual(len(self._articles(first)), 20)
        self.assertIn(f"/my/wallets/{wallet.id}/sales/page/2?search=water", first.xpath("//a/@href"))
        second = html.fromstring(self.url_open(f"/my/wallets/{wallet.id}/sales/page/2?search=water").content)
        self.assertEqual(self._articles(second), ["1 x Water"] * 5)

    def test_links_from_the_wallet_page_and_the_childs_home(self):
        self._login(self.user_mother)
        url = f"/my/wallets/{self.wallet_ada_general.id}/sales"
        wallet_page = html.fromstring(self.url_open(f"/my/wallets/{self.wallet_ada_general.id}").content)
        self.assertEqual(wallet_page.xpath("//a[hasclass('o_school_wallet_sales_link')]/@href"), [url])
        home = html.fromstring(self.url_open(f"/my/school/child/{self.student_ada.id}").content)
        self.assertIn(url, home.xpath("//a[hasclass('o_school_home_wallet_sales')]/@href"))

    def test_strangers_get_404_and_anonymous_the_login(self):
        for user, wallet in (
            (self.user_grandfather, self.wallet_bob_general),  # does not pay for Bob
            (self.user_stepfather, self.wallet_ada_general),  # meetings only
            (self.user_uncle, self.wallet_ada_general),  # no rights
        ):
            self._login(user)
            for path in ("sales", "sales/page/2"):
                response = self.url_open(f"/my/wallets/{wallet.id}/{path}")
                self.assertEqual(response.status_code, 404, (user.login, path))
                self.assertNotIn("Pencil", response.text)
                self.assertNotIn("Apple juice", response.text)
        self.authenticate(None, None)
        response = self.url_open(f"/my/wallets/{self.wallet_ada_general.id}/sales")
        self.assertIn("/web/login", response.url)
        self.assertNotIn("Apple juice", response.text)

    def test_record_rules(self):
        sales = self.env["school.wallet.sale"]
        lines = self.env["school.wallet.sale.line"]
        mother_sales = sales.with_user(self.user_mother).search([])
        self.assertEqual(mother_sales, self.sale_juice | self.sale_lunch | self.sale_pencil)
        self.assertEqual(
            set(lines.with_user(self.user_grandfather).search([]).mapped("article")), {"Apple juice", "Soup", "Bread"}
        )
        self.assertFalse(sales.with_user(self.user_stepfather).search([]))
        self.assertFalse(lines.with_user(self.user_uncle).search([]))
        self.assertFalse(sales.with_user(self.user_mother).has_access("write"))

    def _count_queries(self, wallet):
        """Queries of one view of the wallet's sales journal, warm."""
        url = f"/my/wallets/{wallet.id}/sales"
        self.url_open(url).raise_for_status()
        self.env.flush_all()
        with patch("random.random", lambda: 1), self.assertQueryCount(SALES_PAGE_QUERIES):
            response = self.url_open(url)
        response.raise_for_status()
        return self._articles(html.fromstring(response.content))

    def test_query_count_does_not_grow_with_sales(self):
        wallet = self.wallet_ada_meals
        wallet._credit(100.0, "topup_cash")
        self._sell(self.canteen, wallet, "Q-0", [("Soup", 1, 2.0), ("Bread", 1, 0.5)])
        self._login(self.user_mother)
        self.assertEqual(len(self._count_queries(wallet)), 1)
        for index in range(1, 30):
            self._sell(self.canteen, wallet, f"Q-{index}", [("Soup", 1, 2.0), ("Bread", 1, 0.5)])
        self.assertEqual(len(self._count_queries(wallet)), 20, "thirty sales, a page of twenty")

    def test_translated(self):
        self.env["res.lang"]._activate_lang("nl_BE")
        self.env["ir.module.module"]._load_module_terms(["optis_parent_portal"], ["nl_BE"], overwrite=True)
        self.user_mother.lang = "nl_BE"
        self._login(self.user_mother)
        response = self.url_open(f"/my/wallets/{self.wallet_ada_general.id}/sales")
        for text in ("Aankopen", "Overal", "Artikel", "Zoeken"):
            self.assertIn(text, response.text)
