from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import NOW, MeetingsCommon

MONDAY_9 = datetime(2025, 3, 24, 8)  # 9:00 in Brussels
TUESDAY_10 = datetime(2025, 3, 25, 9)  # 10:00 in Brussels


@tagged("post_install", "-at_install")
class TestReminders(MeetingsCommon):
    def _reminder_mails(self, appointment):
        return (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "school.appointment"), ("res_id", "=", appointment.id)], order="id")
            .filtered(lambda mail: mail.subject.startswith("Reminder") and self.visitor in mail.recipient_ids)
        )

    def _run_cron(self, when):
        with freeze_time(when):
            self.env["school.appointment"]._cron_send_reminders()

    def test_reminder_sent_once_within_delay(self):
        self.assertEqual(self.type_enrolment.reminder_hours, 24.0)
        with freeze_time(NOW):
            appointment = self._book(MONDAY_9)
        # Too early: more than 24 hours before.
        self._run_cron(MONDAY_9 - timedelta(hours=25))
        self.assertFalse(self._reminder_mails(appointment))
        self.assertFalse(appointment.reminder_sent_at)
        # Inside the delay: one reminder, with the invitation.
        self._run_cron(MONDAY_9 - timedelta(hours=23))
        mails = self._reminder_mails(appointment)
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.attachment_ids.mapped("name"), ["appointment.ics"])
        self.assertEqual(appointment.reminder_sent_at, MONDAY_9 - timedelta(hours=23))
        # The next runs send nothing more.
        self._run_cron(MONDAY_9 - timedelta(hours=22))
        self._run_cron(MONDAY_9 - timedelta(minutes=15))
        self.assertEqual(len(self._reminder_mails(appointment)), 1)

    def test_reminder_delay_per_type(self):
        self.type_enrolment.reminder_hours = 2.0
        with freeze_time(NOW):
            appointment = self._book(MONDAY_9)
        self._run_cron(MONDAY_9 - timedelta(hours=3))
        self.assertFalse(self._reminder_mails(appointment))
        self._run_cron(MONDAY_9 - timedelta(hours=1))
        self.assertEqual(len(self._reminder_mails(appointment)), 1)

    def test_no_reminder_for_cancelled_or_past(self):
        with freeze_time(NOW):
            cancelled = self._book(MONDAY_9)
            cancelled._cancel(as_visitor=False)
            past = self._book(MONDAY_9, agent=self.agent_ben)
        self._run_cron(MONDAY_9 + timedelta(minutes=30))
        self.assertFalse(self._reminder_mails(cancelled))
        self.assertFalse(self._reminder_mails(past))
        self.assertFalse(cancelled.reminder_sent_at)

    def test_moved_appointment_is_reminded_again(self):
        with freeze_time(NOW):
            appointment = self._book(MONDAY_9)
        self._run_cron(MONDAY_9 - timedelta(hours=20))
        self.assertEqual(len(self._reminder_mails(appointment)), 1)
        with freeze_time(MONDAY_9 - timedelta(hours=19)):
            appointment._move(TUESDAY_10)
        self.assertFalse(appointment.reminder_sent_at)
        # Not yet for the new time, then once.
        self._run_cron(MONDAY_9 - timedelta(hours=1))
        self.assertEqual(len(self._reminder_mails(appointment)), 1)
        self._run_cron(TUESDAY_10 - timedelta(hours=12))
        self._run_cron(TUESDAY_10 - timedelta(hours=11))
        self.assertEqual(len(self._reminder_mails(appointment)), 2)

    def test_cron_record_runs_the_method(self):
        cron = self.env.ref("optis_school_meetings.ir_cron_school_appointment_reminders")
        self.assertEqual(cron.code.strip(), "model._cron_send_reminders()")
        with freeze_time(NOW):
            appointment = self._book(MONDAY_9)
        with freeze_time(MONDAY_9 - timedelta(hours=2)):
            cron.method_direct_trigger()
        self.assertEqual(len(self._reminder_mails(appointment)), 1)
