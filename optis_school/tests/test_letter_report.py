import base64
import io
import re
from unittest.mock import patch

from lxml import html

from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.pdf import PdfFileReader, PdfFileWriter

from odoo.addons.base.models.ir_actions_report import IrActionsReport as BaseIrActionsReport
from odoo.addons.optis_school.models import ir_actions_report as report_module

from .common import SchoolCase
from .qr_reader import decode_svg
from .report_common import SchoolReportAssertions, set_school_address

SVG_DATA_PREFIX = "data:image/svg+xml;base64,"


@tagged("post_install", "-at_install")
class TestActivationLetter(SchoolReportAssertions, SchoolCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.code_emma = cls.env["school.activation.code"].create(
            {"student_id": cls.student_emma.id, "guardian_id": cls.parent_1.id}
        )
        cls.code_lina = cls.env["school.activation.code"].create({"student_id": cls.student_lina.id})
        cls.codes = cls.code_emma | cls.code_lina

    def _render(self, codes):
        content, content_type = self.env["ir.actions.report"]._render_qweb_html(
            "optis_school.action_report_activation_letter", codes.ids
        )
        self.assertEqual(content_type, "html")
        return content.decode()

    def _letters(self, content):
        return html.fromstring(content).xpath("//div[contains(concat(' ', @class, ' '), ' o_activation_letter ')]")

    def test_letter_content(self):
        content = self._render(self.codes)
        letters = self._letters(content)
        self.assertEqual(len(letters), 2, "one letter per code")
        for code, letter in zip(self.codes, letters, strict=True):
            with self.subTest(code=code.code_display):
                text = letter.text_content()
                self.assertIn(code.code_display, text)
                self.assertIn(code.student_id.name, text)
                self.assertIn(code.registration_url, text)
                self.assertIn(code.student_id.school_class_id.name, text)
                self.assertIn(self.school_a.name, text)
                other = self.codes - code
                self.assertNotIn(other.code_display, text, "each letter carries its own code only")
        self.assertIn("Dear Isabelle Lejeune", letters[0].text_content())
        self.assertIn("Dear parents of Lina Haddad", " ".join(letters[1].text_content().split()))

    def test_qr_code_holds_registration_url(self):
        letters = self._letters(self._render(self.codes))
        for code, letter in zip(self.codes, letters, strict=True):
            with self.subTest(code=code.code_display):
                images = letter.xpath(".//img[@alt='QR code']")
                self.assertEqual(len(images), 1)
                data_uri = images[0].get("src")
                self.assertEqual(data_uri, code._get_qr_code_data_uri())
                self.assertTrue(data_uri.startswith(SVG_DATA_PREFIX))
                svg = base64.b64decode(data_uri.removeprefix(SVG_DATA_PREFIX))
                # Read the QR code back: it must hold this letter's registration link.
                self.assertEqual(decode_svg(svg), code.registration_url)
                self.assertIn(f"code={code.code_display}", decode_svg(svg))

    def test_letterhead_once_per_letter(self):
        """The letters use the shared letterhead, once per letter, none in Odoo's header."""
        set_school_address(self.school_a)
        self.assert_letterhead_once(
            "optis_school.action_report_activation_letter", self.codes.ids, self.school_a, documents=2
        )

    @mute_logger("odoo.addons.base.models.ir_actions_report")
    def test_letter_pdf_shows_the_school(self):
        """On the installed (Debian, unpatched Qt) wkhtmltopdf, each letter's page shows the
        school's name, address and VAT number."""
        set_school_address(self.school_a)
        text = self.render_school_pdf("optis_school.action_report_activation_letter", self.codes.ids)
        self.assert_school_in_pdf_text(text, self.school_a)
        self.assertEqual(text.count("Rue de la Tribune 7"), 4, "letterhead and footer line of each letter")
        self.assertIn(self.code_emma.code_display, text)

    def test_print_action(self):
        action = self.codes.with_user(self.user_bursar).action_print_letters()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["report_name"], "optis_school.report_activation_letter")
        self.assertEqual(action["context"]["active_ids"], self.codes.ids)


@tagged("post_install", "-at_install")
class TestSchoolReports(SchoolCase):
    """Every OPTIS School report prints the school's letterhead in its body, on the page
    format that keeps no room for Odoo's header: it looks the same whichever wkhtmltopdf
    prints it (Debian's package ignores Odoo's header and footer documents)."""

    def _called_templates(self, key, seen):
        if key in seen:
            return seen
        seen.add(key)
        views = self.env["ir.ui.view"].sudo()
        arch = views._read_template(views._get_view_id(key))
        for called in re.findall(r't-call="([^"{}]+)"', arch):
            self._called_templates(called, seen)
        return seen

    def test_every_optis_report_carries_the_letterhead(self):
        reports = (
            self.env["ir.actions.report"]
            .search([])
            .filtered(lambda report: report.report_name.split(".", 1)[0] in report_module.OPTIS_MODULES)
        )
        self.assertGreaterEqual(len(reports), 4, "letters, cash receipts, teacher and family schedules")
        paperformat = self.env.ref("optis_school.paperformat_school_document")
        for report in reports:
            with self.subTest(report=report.report_name):
                self.assertEqual(report.paperformat_id, paperformat)
                templates = self._called_templates(report.report_name, set())
                self.assertIn("optis_school.report_school_letterhead", templates)
                self.assertIn("optis_school.report_school_letterhead_style", templates)
                self.assertNotIn("web.external_layout", templates, "no letterhead in Odoo's header document")

    def test_header_and_footer_documents_left_out(self):
        """OPTIS reports give wkhtmltopdf no header or footer document (a patched build would
        print Odoo's); Odoo's own reports keep theirs."""
        calls = []

        def fake_run(report, bodies, **options):
            calls.append((options["header"], options["footer"]))
            return TestReportSplit._blank_pdf()

        with patch.object(BaseIrActionsReport, "_run_wkhtmltopdf", autospec=True, side_effect=fake_run):
            for report_ref in ("optis_school.action_report_activation_letter", "base.report_ir_model_overview"):
                self.env["ir.actions.report"]._run_wkhtmltopdf(
                    ["<p>1</p>"], report_ref=report_ref, header="<p>h</p>", footer="<p>f</p>"
                )
        self.assertEqual(calls, [(None, None), ("<p>h</p>", "<p>f</p>")])


@tagged("post_install", "-at_install")
class TestReportSplit(SchoolCase):
    """Debian's wkhtmltopdf (unpatched Qt) takes one input document per run: OPTIS reports
    are printed one run per document there; every other report of the database is left
    to Odoo exactly as it prints it."""

    @staticmethod
    def _blank_pdf():
        writer = PdfFileWriter()
        writer.add_blank_page(width=100, height=100)
        stream = io.BytesIO()
        writer.write(stream)
        return stream.getvalue()

    def _run(self, report_ref, bodies, takes_several_documents):
        calls = []

        def fake_run(report, run_bodies, **options):
            calls.append(list(run_bodies))
            return self._blank_pdf()

        with (
            patch.object(report_module, "_wkhtmltopdf_takes_several_documents", return_value=takes_several_documents),
            patch.object(BaseIrActionsReport, "_run_wkhtmltopdf", autospec=True, side_effect=fake_run),
        ):
            pdf = self.env["ir.actions.report"]._run_wkhtmltopdf(bodies, report_ref=report_ref)
        return pdf, calls

    def test_optis_report_split_with_unpatched_wkhtmltopdf(self):
        pdf, calls = self._run("optis_school.action_report_activation_letter", ["<p>1</p>", "<p>2</p>"], False)
        self.assertEqual(calls, [["<p>1</p>"], ["<p>2</p>"]], "one run per document")
        self.assertEqual(len(PdfFileReader(io.BytesIO(pdf)).pages), 2, "the runs joined in one PDF")

    def test_optis_report_one_run_with_patched_wkhtmltopdf(self):
        _pdf, calls = self._run("optis_school.action_report_activation_letter", ["<p>1</p>", "<p>2</p>"], True)
        self.assertEqual(calls, [["<p>1</p>", "<p>2</p>"]])

    def test_other_reports_untouched(self):
        """Odoo's own reports (here base's model overview) are one run, as Odoo prints them."""
        report = self.env.ref("base.report_ir_model_overview")
        for report_ref in (report.report_name, report.id, report):
            with self.subTest(report_ref=report_ref):
                pdf, calls = self._run(report_ref, ["<p>1</p>", "<p>2</p>"], False)
                self.assertEqual(calls, [["<p>1</p>", "<p>2</p>"]], "one run, with both documents")
                self.assertEqual(len(PdfFileReader(io.BytesIO(pdf)).pages), 1, "Odoo's PDF returned as is")
        _pdf, calls = self._run(False, ["<p>1</p>", "<p>2</p>"], False)
        self.assertEqual(calls, [["<p>1</p>", "<p>2</p>"]], "no report: Odoo's own run")
