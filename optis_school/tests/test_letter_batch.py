import io

from odoo.tests import tagged
from odoo.tools.pdf import PdfFileReader

from odoo.addons.optis_school.models import school_letter_batch

from .common import SchoolCase
from .queue_jobs import trap_jobs


@tagged("post_install", "-at_install")
class TestLetterBatch(SchoolCase):
    """Printing more letters than the threshold runs as background jobs (OCA queue_job):
    the request returns the batch at once, the jobs render the chunks, join them and post
    the PDF in the batch's chatter; a failure is posted there too."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        codes = cls.env["school.activation.code"]
        for _index in range(3):
            codes |= codes.create({"student_id": cls.student_emma.id, "guardian_id": cls.parent_1.id})
            codes |= codes.create({"student_id": cls.student_lina.id})
        cls.codes = codes
        cls.env["ir.config_parameter"].sudo().set_param("optis_school.letters_job_threshold", "4")

    def _print(self, codes, user):
        # Real PDFs: in tests Odoo renders HTML unless told otherwise, and a job keeps only the
        # context keys queue_job lets through.
        batch_class = type(self.env["school.letter.batch"])
        keys = batch_class._job_prepare_context_before_enqueue_keys
        self.patch(
            batch_class,
            "_job_prepare_context_before_enqueue_keys",
            lambda model: (*keys(model), "force_report_rendering"),
        )
        with trap_jobs() as trap:
            action = codes.with_user(user).with_context(force_report_rendering=True).action_print_letters()
        return action, trap

    def test_few_letters_print_at_once(self):
        action, trap = self._print(self.codes[:4], self.user_bursar)
        self.assertEqual(action["type"], "ir.actions.report")
        trap.assert_jobs_count(0)

    def test_many_letters_run_as_jobs_and_land_in_the_chatter(self):
        self.patch(school_letter_batch, "CHUNK_SIZE", 4)
        action, trap = self._print(self.codes, self.user_bursar)
        self.assertEqual(action["res_model"], "school.letter.batch")
        batch = self.env["school.letter.batch"].browse(action["res_id"])
        self.assertEqual((batch.state, batch.code_count, batch.chunk_count, batch.progress), ("queued", 6, 2, 0))
        trap.assert_jobs_count(3)
        trap.assert_jobs_count(2, only=batch._render_chunk)
        self.assertIn(self.user_bursar.partner_id, batch.message_partner_ids, "the bursar follows the batch")
        trap.perform_enqueued_jobs()
        batch.invalidate_recordset()
        self.assertEqual((batch.state, batch.progress), ("done", 100))
        reader = PdfFileReader(io.BytesIO(batch.attachment_id.raw), strict=False)
        self.assertEqual(len(reader.pages), 6, "one page per letter, in one PDF")
        message = batch.message_ids.filtered(lambda message: message.attachment_ids)
        self.assertEqual(message.attachment_ids, batch.attachment_id, "the PDF is posted in the chatter")
        self.assertFalse(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", batch._name), ("res_id", "=", batch.id), ("name", "=like", "chunk-%")]
            ),
            "the chunks are dropped once joined",
        )
        self.assertEqual(batch.with_user(self.user_bursar).action_download()["type"], "ir.actions.act_url")

    def test_a_failing_chunk_is_reported_in_the_chatter(self):
        self.patch(school_letter_batch, "CHUNK_SIZE", 4)

        def broken(*_args, **_kwargs):
            raise ValueError("wkhtmltopdf crashed")

        self.patch(type(self.env["ir.actions.report"]), "_render_qweb_pdf", broken)
        action, trap = self._print(self.codes, self.user_bursar)
        batch = self.env["school.letter.batch"].browse(action["res_id"])
        trap.perform_enqueued_jobs()
        batch.invalidate_recordset()
        self.assertEqual(batch.state, "failed")
        self.assertIn("wkhtmltopdf crashed", batch.error)
        self.assertTrue(batch.message_ids.filtered(lambda message: "could not be printed" in (message.body or "")))
        self.assertFalse(batch.attachment_id)

    def test_another_school_sees_no_batch(self):
        action, trap = self._print(self.codes, self.user_bursar)
        batch = self.env["school.letter.batch"].browse(action["res_id"])
        self.assertFalse(batch.with_user(self.user_bursar_b).search([("id", "=", batch.id)]))
        trap.assert_jobs_count(2)
