from odoo import _, api, fields, models
from odoo.exceptions import UserError


class SchoolParentMessage(models.TransientModel):
    """Write to the guardians of students or classes. The message goes out
    through Odoo mail and is logged on each student's chatter, with a subtype that
    followers do not get by default: the staff who follow a student are not sent a copy
    of every message to the guardians, and the sender does not become a follower."""

    _name = "school.parent.message"
    _description = "Message to Parents"

    student_ids = fields.Many2many("res.partner", string="Students", domain=[("is_student", "=", True)])
    class_ids = fields.Many2many("school.class", string="Classes")
    subject = fields.Char(required=True)
    body = fields.Html(required=True, sanitize_style=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Attachments")
    recipient_ids = fields.Many2many("res.partner", compute="_compute_recipient_ids", string="Recipients")
    recipient_count = fields.Integer(compute="_compute_recipient_ids")

    @api.depends("student_ids", "class_ids")
    def _compute_recipient_ids(self):
        for wizard in self:
            recipients = self.env["res.partner"]
            for guardians in wizard._get_recipients_by_student().values():
                recipients |= guardians
            wizard.recipient_ids = recipients
            wizard.recipient_count = len(recipients)

    def _get_students(self):
        self.ensure_one()
        students = self.student_ids.filtered("is_student")
        if self.class_ids:
            students |= self.env["res.partner"].search(
                [("is_student", "=", True), ("school_class_id", "in", self.class_ids.ids)]
            )
        return students

    @api.model
    def _is_recipient(self, link):
        guardian = link.guardian_id
        return link.receives_mail and guardian.active and bool(guardian.email) and guardian.contact_by_email

    def _get_recipients_by_student(self):
        return {
            student: student.student_guardian_link_ids.filtered(self._is_recipient).guardian_id
            for student in self._get_students()
        }

    def action_send(self):
        self.ensure_one()
        recipients_by_student = self._get_recipients_by_student()
        if not recipients_by_student:
            raise UserError(_("Select at least one student or class."))
        if not any(recipients_by_student.values()):
            raise UserError(_("None of the guardians of these students can receive mail."))
        subtype = self.env.ref("optis_school.mt_parent_message")
        for student, guardians in recipients_by_student.items():
            # Each student's chatter keeps its own copy of the attachments.
            attachments = [(attachment.name, attachment.raw) for attachment in self.attachment_ids]
            # The sender does not follow every student of the class they wrote to.
            student.with_context(mail_create_nosubscribe=True).message_post(
                subject=self.subject,
                body=self.body,
                partner_ids=guardians.ids,
                attachments=attachments,
                subtype_id=subtype.id,
                message_type="comment",
            )
        return {"type": "ir.actions.act_window_close"}
