import re
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .rights_common import PortalRightsCommon


@tagged("post_install", "-at_install")
class TestPortalInvoices(PortalRightsCommon, HttpCase):
    """Odoo's own /my/invoices, coloured by the status parents read: overdue red, paid
    green, open white, credited blue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.today()
        invoices = {}
        for name, due in (("overdue", -10), ("paid", 10), ("open", 10), ("credited", 10)):
            invoice = cls.init_invoice(
                "out_refund" if name == "credited" else "out_invoice",
                partner=cls.mother,
                invoice_date=today - timedelta(days=30),
                amounts=[100.0],
            )
            invoice.invoice_date_due = today + timedelta(days=due)
            invoice.action_post()
            invoices[name] = invoice
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoices["paid"].ids
        ).create({})._create_payments()
        cls.invoices = invoices

    def test_colours_and_legend(self):
        self.assertEqual(
            {name: invoice.school_payment_status for name, invoice in self.invoices.items()},
            {"overdue": "overdue", "paid": "paid", "open": "open", "credited": "credited"},
        )
        self.authenticate(self.user_mother.login, self.user_mother.login)
        response = self.url_open("/my/invoices")
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_school_invoice_legend", response.text)
        rows = {
            int(invoice_id): classes
            for classes, invoice_id in re.findall(
                r'<tr class="([^"]*)">\s*<td>\s*<a href="/my/invoices/(\d+)', response.text
            )
        }
        expected = {
            "overdue": "table-danger o_school_invoice_overdue",
            "paid": "table-success o_school_invoice_paid",
            "open": " o_school_invoice_open",
            "credited": "table-info o_school_invoice_credited",
        }
        self.assertEqual(
            {name: rows.get(invoice.id) for name, invoice in self.invoices.items()},
            expected,
        )

    def test_other_parents_see_none_of_them(self):
        self.authenticate(self.user_grandfather.login, self.user_grandfather.login)
        response = self.url_open("/my/invoices")
        self.assertEqual(response.status_code, 200)
        for invoice in self.invoices.values():
            self.assertNotIn(f"/my/invoices/{invoice.id}?", response.text)

    def test_legend_translated(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["optis_parent_portal"], ["fr_FR"], overwrite=True)
        self.user_mother.lang = "fr_FR"
        self.authenticate(self.user_mother.login, self.user_mother.login)
        response = self.url_open("/my/invoices")
        for text in ("En retard", "Payée", "Ouverte", "Créditée ou annulée"):
            self.assertIn(text, response.text)
