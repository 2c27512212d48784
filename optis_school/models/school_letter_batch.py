import base64
import logging

from odoo import _, api, fields, models
from odoo.tools.pdf import merge_pdf

from odoo.addons.queue_job.delay import chain, group

_logger = logging.getLogger(__name__)

REPORT_XMLID = "optis_school.action_report_activation_letter"
# Above this many letters, printing runs as background jobs (OCA queue_job), never in the web request.
DEFAULT_JOB_THRESHOLD = 300
CHUNK_SIZE = 250


class SchoolLetterBatch(models.Model):
    """Activation letters of many students, rendered by background jobs.

    Printing a few hundred letters inside the web request would hold a worker for
    minutes and hit its time limit. A batch renders its codes in chunks, one job each
    (concurrent, as many as the ``root.optis`` channel allows), then one last job
    joins the chunks into one PDF and posts it in the batch's chatter, where the
    bursar who asked for it is a follower. A chunk that fails posts the error there.
    """

    _name = "school.letter.batch"
    _description = "Activation Letters Batch"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company, index=True
    )
    code_ids = fields.Many2many("school.activation.code", string="Activation Codes", readonly=True)
    code_count = fields.Integer(compute="_compute_code_count", string="Letters")
    chunk_count = fields.Integer(readonly=True)
    state = fields.Selection(
        selection=[
            ("queued", "Queued"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        required=True,
        readonly=True,
        default="queued",
        tracking=True,
    )
    progress = fields.Integer(compute="_compute_progress", string="Progress (%)")
    attachment_id = fields.Many2one("ir.attachment", string="Letters PDF", readonly=True)
    error = fields.Text(readonly=True)

    @api.depends("code_ids")
    def _compute_code_count(self):
        for batch in self:
            batch.code_count = len(batch.code_ids)

    def _compute_progress(self):
        """Chunks rendered so far: the chunk PDFs are attachments of the batch."""
        rendered = dict(
            self.env["ir.attachment"]
            .sudo()
            ._read_group(
                [("res_model", "=", self._name), ("res_id", "in", self.ids), ("name", "=like", "chunk-%")],
                ["res_id"],
                ["__count"],
            )
        )
        for batch in self:
            if batch.state == "done":
                batch.progress = 100
            elif batch.chunk_count:
                # The final join is the last step: 99 % at most until it is done.
                batch.progress = min(99, 100 * rendered.get(batch.id, 0) // batch.chunk_count)
            else:
                batch.progress = 0

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    @api.model
    def _get_job_threshold(self):
        param = self.env["ir.config_parameter"].sudo().get_param("optis_school.letters_job_threshold")
        try:
            return max(1, int(param)) if param else DEFAULT_JOB_THRESHOLD
        except ValueError:
            return DEFAULT_JOB_THRESHOLD

    @api.model
    def _enqueue(self, codes):
        """Create a batch for ``codes`` and enqueue its jobs.

        :param codes: ``school.activation.code`` records the current user may read
        :return: the new ``school.letter.batch``
        """
        codes.check_access("read")
        chunks = [codes[index : index + CHUNK_SIZE] for index in range(0, len(codes), CHUNK_SIZE)]
        # Sudo: the batch is the print job of codes the user may read (checked above); only
        # the jobs write its result.
        batch = (
            self.sudo()
            .create(
                {
                    "name": _("%(count)s activation letters", count=len(codes)),
                    "company_id": codes.company_id[:1].id or self.env.company.id,
                    "code_ids": [fields.Command.set(codes.ids)],
                    "chunk_count": len(chunks),
                }
            )
            .with_user(self.env.user)
        )
        batch.sudo().message_subscribe(partner_ids=self.env.user.partner_id.ids)
        channel = "root.optis"
        renders = []
        for index, chunk in enumerate(chunks):
            description = _("Activation letters %(index)s/%(total)s", index=index + 1, total=len(chunks))
            renders.append(batch.delayable(channel=channel, description=description)._render_chunk(index, chunk.ids))
        join = batch.delayable(channel=channel, description=_("Activation letters: join the PDF"))._join_chunks()
        chain(group(*renders), join).delay()
        return batch

    def _render_chunk(self, index, code_ids):
        """Job: render the letters of ``code_ids`` as the chunk PDF number ``index``."""
        self.ensure_one()
        if self.state != "queued":
            return f"batch already {self.state}"
        try:
            # As the user who asked: the report reads the codes through their access rights.
            with self.env.cr.savepoint():
                pdf, _format = self.env["ir.actions.report"]._render_qweb_pdf(REPORT_XMLID, code_ids)
        except Exception as error:  # noqa: BLE001 - any failure is reported to the bursar, in the chatter
            _logger.exception("Activation letters batch %s: chunk %s failed", self.id, index)
            self._fail(str(error))
            return "failed"
        self.env["ir.attachment"].sudo().create(
            {
                "name": f"chunk-{index:04d}.pdf",
                "res_model": self._name,
                "res_id": self.id,
                "raw": pdf,
                "mimetype": "application/pdf",
            }
        )
        return f"{len(code_ids)} letters"

    def _join_chunks(self):
        """Job: join the chunk PDFs into one, post it in the chatter, drop the chunks."""
        self.ensure_one()
        if self.state != "queued":
            return f"batch already {self.state}"
        chunks = (
            self.env["ir.attachment"]
            .sudo()
            .search([("res_model", "=", self._name), ("res_id", "=", self.id), ("name", "=like", "chunk-%")])
            .sorted("name")
        )
        if len(chunks) != self.chunk_count:
            self._fail(_("%(done)s of %(total)s parts were rendered.", done=len(chunks), total=self.chunk_count))
            return "failed"
        pdf = merge_pdf([chunk.raw for chunk in chunks])
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": _("Activation letters %(batch)s.pdf", batch=self.id),
                    "res_model": self._name,
                    "res_id": self.id,
                    "datas": base64.b64encode(pdf),
                    "mimetype": "application/pdf",
                }
            )
        )
        chunks.unlink()
        self.sudo().write({"state": "done", "attachment_id": attachment.id})
        self.sudo().message_post(
            body=_("The %(count)s activation letters are ready.", count=self.code_count),
            attachment_ids=attachment.ids,
            subtype_xmlid="mail.mt_comment",
        )
        return f"{self.code_count} letters joined"

    def _fail(self, error):
        self.sudo().write({"state": "failed", "error": error})
        self.sudo().message_post(
            body=_("The activation letters could not be printed: %(error)s", error=error),
            subtype_xmlid="mail.mt_comment",
        )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_download(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "self",
        }
