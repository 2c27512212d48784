import functools
import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

from odoo import _, models
from odoo.exceptions import UserError

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

_logger = logging.getLogger(__name__)

LETTER_REPORT = "optis_school.report_activation_letter"
# The addons whose reports are printed one wkhtmltopdf run per document where needed.
OPTIS_MODULES = (
    "optis_school",
    "optis_school_wallet",
    "optis_school_meetings",
    "optis_parent_portal",
    "optis_school_meals",
)
# Letters per wkhtmltopdf run in a large batch. Debian's wkhtmltopdf crashes
# (signal 11) on one document of about 2,000 pages; runs go in parallel.
LETTERS_PER_RUN = 500
# The letters have their own stylesheet: Odoo's report bundle (Bootstrap and
# its scripts) is left out of their pages.
ASSET_TAGS = re.compile(r'<link[^>]*rel="stylesheet"[^>]*/?>|<script[^>]*src="[^"]*"[^>]*>\s*</script>')


def _run_wkhtmltopdf_command(command):
    """Run one wkhtmltopdf command and return the path of its PDF.

    Called from worker threads: no ORM here.
    """
    process = subprocess.run(command, capture_output=True, text=True, check=False)
    if process.returncode not in (0, 1) or not os.path.getsize(command[-1]):
        raise UserError(
            _(
                "Wkhtmltopdf failed (error code: %(code)s). Message: %(message)s",
                code=process.returncode,
                message=process.stderr[-1000:],
            )
        )
    return command[-1]


@functools.cache
def _wkhtmltopdf_takes_several_documents():
    """Whether wkhtmltopdf converts several input documents in one run: only when built
    against its patched Qt (``wkhtmltopdf --version`` says "with patched qt"); Debian's
    package is not."""
    try:
        version = subprocess.run(
            [_get_wkhtmltopdf_bin(), "--version"], capture_output=True, text=True, check=False
        ).stdout
    except OSError:
        return True  # no wkhtmltopdf: Odoo says so itself
    return "patched qt" in version.lower()


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _run_wkhtmltopdf(
        self,
        bodies,
        report_ref=False,
        header=None,
        footer=None,
        landscape=False,
        specific_paperformat_args=None,
        set_viewport_size=False,
    ):
        if self._is_optis_report(report_ref):
            # OPTIS reports carry the school's letterhead in their body
            # (optis_school.report_school_letterhead, web.basic_layout); an empty
            # header and footer cost a patched wkhtmltopdf two extra page loads per page.
            header = footer = None
        options = {
            "report_ref": report_ref,
            "header": header,
            "footer": footer,
            "landscape": landscape,
            "specific_paperformat_args": specific_paperformat_args,
            "set_viewport_size": set_viewport_size,
        }
        if len(bodies) > 1 and self._is_optis_report(report_ref) and not _wkhtmltopdf_takes_several_documents():
            # Debian's wkhtmltopdf refuses more than one input document: one run per
            # document (a record, or a part of a long one), then the PDFs are joined.
            # OPTIS reports only: the other reports of the database print as Odoo prints them.
            run = super()._run_wkhtmltopdf
            pdfs = [run([body], **options) for body in bodies]
            return self._merge_pdfs([io.BytesIO(pdf) for pdf in pdfs]).getvalue()
        return super()._run_wkhtmltopdf(bodies, **options)

    def _is_optis_report(self, report_ref):
        """Whether ``report_ref`` is a report of the OPTIS School addons (its template is
        in one of them), whose printing these overrides may change."""
        if not report_ref:
            return False
        return self._get_report(report_ref).report_name.split(".", 1)[0] in OPTIS_MODULES

    def _prepare_html(self, html, report_model=False):
        bodies, html_ids, header, footer, specific_args = super()._prepare_html(html, report_model=report_model)
        if report_model == "school.activation.code":
            bodies = [ASSET_TAGS.sub("", body) for body in bodies]
        return bodies, html_ids, header, footer, specific_args

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        report_sudo = self._get_report(report_ref)
        if report_sudo.report_name != LETTER_REPORT or not res_ids or len(res_ids) <= LETTERS_PER_RUN:
            return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)
        return {False: {"stream": self._render_letters_in_batches(report_sudo, data, res_ids), "attachment": None}}

    def _render_letters_in_batches(self, report_sudo, data, res_ids):
        """Print a large batch of letters as one PDF.

        The HTML of each batch is rendered here while wkhtmltopdf converts the
        previous batches, one process per core; the batch PDFs are joined once
        (no per-letter split and merge).

        :return: io.BytesIO of the whole PDF
        """
        data = dict(data or {}, report_type="pdf", debug=False)
        report = self.with_context(debug=False)
        paperformat = report_sudo.get_paperformat()
        wkhtmltopdf = _get_wkhtmltopdf_bin()
        with (
            tempfile.TemporaryDirectory(prefix="optis_letters.") as directory,
            ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as executor,
        ):
            futures = []
            for start in range(0, len(res_ids), LETTERS_PER_RUN):
                html = report._render_qweb_html(report_sudo, res_ids[start : start + LETTERS_PER_RUN], data=data)[0]
                bodies, _ids, _header, _footer, specific_args = report_sudo.with_context(debug=False)._prepare_html(
                    html, report_model=report_sudo.model
                )
                args = report._build_wkhtmltopdf_args(
                    paperformat, self.env.context.get("landscape"), specific_paperformat_args=specific_args
                )
                paths = []
                for index, body in enumerate(bodies):
                    path = os.path.join(directory, f"body.{start}.{index}.html")
                    with open(path, "w", encoding="utf-8") as body_file:
                        body_file.write(body)
                    paths.append(path)
                command = [wkhtmltopdf, *args, *paths, os.path.join(directory, f"letters.{start:06d}.pdf")]
                futures.append(executor.submit(_run_wkhtmltopdf_command, command))
            pdf_paths = [future.result() for future in futures]
            if shutil.which("pdfunite"):
                joined = os.path.join(directory, "letters.pdf")
                subprocess.run(["pdfunite", *pdf_paths, joined], check=True, capture_output=True)
                with open(joined, "rb") as joined_file:
                    return io.BytesIO(joined_file.read())
            streams = []
            for path in pdf_paths:
                with open(path, "rb") as pdf_file:
                    streams.append(io.BytesIO(pdf_file.read()))
            return self._merge_pdfs(streams)
