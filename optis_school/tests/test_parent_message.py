import base64

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import SchoolCase


@tagged("post_install", "-at_install")
class TestParentMessage(SchoolCase, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        # Noah's other guardians cannot be reached by email.
        cls.guardian_archived = Partner.create({"name": "Archived Guardian", "email": "gone@example.com"})
        cls.guardian_no_email = Partner.create({"name": "Guardian Without Email"})
        cls.env["school.guardian.link"].create(
            [
                {"student_id": cls.student_noah.id, "guardian_id": cls.guardian_archived.id},
                {"student_id": cls.student_noah.id, "guardian_id": cls.guardian_no_email.id},
            ]
        )
        cls.guardian_archived.active = False
        cls.unreachable = cls.guardian_marc | cls.guardian_rose | cls.guardian_archived | cls.guardian_no_email
        # Uploaded in the wizard by the bursar, before the wizard is saved.
        cls.attachment = (
            cls.env["ir.attachment"]
            .with_user(cls.user_bursar)
            .create(
                {
                    "name": "menu.pdf",
                    "datas": base64.b64encode(b"%PDF-1.4 weekly menu"),
                    "res_model": "school.parent.message",
                    "res_id": 0,
                }
            )
        )

    def _message_form(self):
        return Form(self.env["school.parent.message"].with_user(self.user_bursar))

    def _student_messages(self, student, subject):
        return self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", student.id), ("subject", "=", subject)]
        )

    def test_send_to_class_and_student(self):
        subject = "School trip on Friday"
        form = self._message_form()
        form.class_ids.add(self.class_a1)
        form.student_ids.add(self.student_lina)
        form.subject = subject
        form.body = "<p>Bring a packed lunch.</p>"
        form.attachment_ids.add(self.attachment)
        self.assertEqual(form.recipient_count, 2)
        wizard = form.save()
        self.assertEqual(wizard.recipient_ids, self.parent_1 | self.parent_2)
        with self.mock_mail_gateway():
            wizard.action_send()

        expected = {
            self.student_emma: self.parent_1,
            self.student_noah: self.parent_1,
            self.student_lina: self.parent_2,
        }
        attachments = self.env["ir.attachment"]
        for student, guardians in expected.items():
            with self.subTest(student=student.name):
                message = self._student_messages(student, subject)
                self.assertEqual(len(message), 1, "logged once on the student's chatter")
                self.assertEqual(message.partner_ids, guardians)
                self.assertEqual(message.message_type, "comment")
                self.assertEqual(message.subtype_id, self.env.ref("optis_school.mt_parent_message"))
                self.assertEqual(message.author_id, self.user_bursar.partner_id)
                self.assertIn("Bring a packed lunch.", message.body)
                self.assertEqual(message.attachment_ids.mapped("name"), ["menu.pdf"])
                self.assertEqual(message.attachment_ids.raw, b"%PDF-1.4 weekly menu")
                self.assertEqual(message.attachment_ids.res_id, student.id)
                attachments |= message.attachment_ids
        self.assertEqual(len(attachments), 3, "each student keeps their own copy")
        self.assertFalse(self._student_messages(self.student_lucas, subject))

        mails = self._new_mails.filtered(lambda mail: mail.subject == subject)
        self.assertTrue(mails)
        self.assertEqual(mails.recipient_ids, self.parent_1 | self.parent_2)
        self.assertFalse(mails.recipient_ids & self.unreachable)
        notified = self.env["mail.notification"].search(
            [("mail_message_id.subject", "=", subject), ("notification_type", "=", "email")]
        )
        self.assertEqual(notified.res_partner_id, self.parent_1 | self.parent_2)

    def test_followers_get_no_copy(self):
        """The staff who follow a student (or the class) are not mailed each message to the
        guardians; the sender does not become a follower of the students; a follower who ticks
        the subtype in their subscription gets a copy."""
        follower_email = self.user_teacher
        follower_inbox = self.user_school
        follower_inbox.notification_type = "inbox"
        follower_opted_in = self.user_school_admin
        staff = follower_email.partner_id | follower_inbox.partner_id
        for student in (self.student_emma, self.student_noah):
            student.message_subscribe(partner_ids=staff.ids)
        self.class_a1.message_subscribe(partner_ids=staff.ids)
        self.student_emma.message_subscribe(
            partner_ids=follower_opted_in.partner_id.ids,
            subtype_ids=self.env.ref("optis_school.mt_parent_message").ids,
        )
        self.assertIn(self.env.ref("mail.mt_comment"), self.student_emma.message_follower_ids.subtype_ids)
        subject = "Swimming pool closed"
        form = self._message_form()
        form.class_ids.add(self.class_a1)
        form.subject = subject
        form.body = "<p>No swimming this week.</p>"
        wizard = form.save()
        with self.mock_mail_gateway():
            wizard.action_send()

        messages = self._student_messages(self.student_emma, subject) | self._student_messages(
            self.student_noah, subject
        )
        self.assertEqual(len(messages), 2)
        notifications = self.env["mail.notification"].search([("mail_message_id", "in", messages.ids)])
        self.assertEqual(
            notifications.res_partner_id,
            self.parent_1 | follower_opted_in.partner_id,
            "the guardian on both, the follower who asked for it on Emma's only",
        )
        self.assertEqual(set(notifications.mapped("notification_type")), {"email"})
        mails = self._new_mails.filtered(lambda mail: mail.subject == subject)
        self.assertEqual(mails.recipient_ids, self.parent_1 | follower_opted_in.partner_id)
        self.assertFalse(mails.recipient_ids & staff)
        self.assertFalse(
            (self.student_emma | self.student_noah).message_partner_ids & self.user_bursar.partner_id,
            "the sender follows none of the students",
        )

    def test_only_reachable_guardians(self):
        # Marc does not receive mail, Rose is not contacted by email: only Karim remains.
        wizard = self.env["school.parent.message"].create(
            {
                "student_ids": [(6, 0, (self.student_lina | self.student_noah).ids)],
                "subject": "Reachable",
                "body": "<p>Hello</p>",
            }
        )
        self.assertEqual(wizard.recipient_ids, self.parent_1 | self.parent_2)
        self.link_noah_isabelle.receives_mail = False
        self.parent_2.contact_by_email = False
        self.guardian_rose.contact_by_email = True
        wizard.invalidate_recordset(["recipient_ids"])
        self.assertEqual(wizard.recipient_ids, self.guardian_rose)
        wizard.action_send()
        self.assertEqual(self._student_messages(self.student_lina, "Reachable").partner_ids, self.guardian_rose)
        self.assertFalse(self._student_messages(self.student_noah, "Reachable").partner_ids)

    def test_nobody_reachable(self):
        form = self._message_form()
        form.student_ids.add(self.student_lucas)
        form.subject = "Nobody"
        form.body = "<p>Nobody will read this.</p>"
        self.assertEqual(form.recipient_count, 0)
        wizard = form.save()
        with self.assertRaisesRegex(UserError, "can receive mail"):
            wizard.action_send()
        self.link_noah_isabelle.receives_mail = False
        wizard.student_ids = self.student_noah
        with self.assertRaisesRegex(UserError, "can receive mail"):
            wizard.action_send()
        self.assertFalse(self._student_messages(self.student_noah, "Nobody"))

    def test_no_selection(self):
        wizard = self.env["school.parent.message"].create({"subject": "Empty", "body": "<p>Hello</p>"})
        with self.assertRaisesRegex(UserError, "at least one student"):
            wizard.action_send()
