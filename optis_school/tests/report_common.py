"""Checks shared by the tests of every OPTIS School report: the school's letterhead is in
the document's body, once, and a real PDF from the installed wkhtmltopdf (Debian's
package here, unpatched Qt) shows the school's name and address."""

import subprocess

from lxml import html as lxml_html

from odoo import tools

LETTERHEAD_XPATH = "//table[contains(concat(' ', normalize-space(@class), ' '), ' o_school_letterhead ')]"
SCHOOL_ADDRESS = {
    "street": "Rue de la Tribune 7",
    "zip": "1000",
    "city": "Bruxelles",
    "phone": "+32 2 555 01 23",
    "vat": "BE0477472701",
}


def set_school_address(company):
    """Give ``company`` the address the report tests look for in the PDFs."""
    company.write({**SCHOOL_ADDRESS, "country_id": company.env.ref("base.be").id})


def pdf_text(pdf):
    """The text of ``pdf`` (bytes) as ``pdftotext`` reads it, blanks collapsed."""
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return " ".join(text.split())


class SchoolReportAssertions:
    """Mixin for report test cases."""

    def render_school_pdf(self, report_ref, res_ids, data=None):
        """Render ``report_ref`` to a PDF with the installed wkhtmltopdf, its styles served
        by the test's HTTP server. :return: the PDF's text (see :func:`pdf_text`)."""
        port = tools.config["http_port"]
        self.env["ir.config_parameter"].sudo().set_param("report.url", f"http://127.0.0.1:{port}")
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report_ref, res_ids, data=data)
        )
        self.assertEqual(kind, "pdf")
        return pdf_text(pdf)

    def assert_school_in_pdf_text(self, text, school):
        for value in (school.name, school.street, f"{school.zip} {school.city}", school.vat):
            self.assertIn(value, text, "the school's letterhead is printed in the page")

    def assert_letterhead_once(self, report_ref, res_ids, school, documents, data=None):
        """The HTML of the report holds one letterhead per document, and nothing of the
        school in Odoo's header and footer documents (which the patched wkhtmltopdf
        would print on top of the page's letterhead)."""
        report = self.env["ir.actions.report"]._get_report(report_ref)
        content, _kind = self.env["ir.actions.report"]._render_qweb_html(report_ref, res_ids, data=data)
        letterheads = lxml_html.fromstring(content).xpath(LETTERHEAD_XPATH)
        self.assertEqual(len(letterheads), documents, "one letterhead per document")
        for letterhead in letterheads:
            self.assertIn(school.name, letterhead.text_content())
        _bodies, _ids, header, footer, _args = report._prepare_html(content, report_model=report.model)
        for part in (header, footer):
            text = lxml_html.fromstring(str(part)).text_content()
            for value in filter(None, (school.name, school.street, school.vat)):
                self.assertNotIn(value, text, "no letterhead in Odoo's header or footer")
        return content
