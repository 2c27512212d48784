from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common import WalletCommon


@tagged("post_install", "-at_install")
class TestWalletLowBalance(WalletCommon):
    """The daily cron mails the paying guardians of wallets below their threshold."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"school_wallet_low_balance_threshold": 5.0, "school_wallet_low_balance_interval": 7})
        cls.mother, cls.father, cls.grandma = cls.env["res.partner"].create(
            [
                {"name": "Mother Student", "email": "mother@example.com", "is_guardian": True, "lang": "en_US"},
                {"name": "Father Student", "email": "father@example.com", "is_guardian": True, "lang": "en_US"},
                {"name": "Grandma Student", "email": "grandma@example.com", "is_guardian": True},
            ]
        )
        cls.env["school.guardian.link"].create(
            [
                {"student_id": cls.student_ada.id, "guardian_id": cls.mother.id, "is_payer": True},
                {"student_id": cls.student_ada.id, "guardian_id": cls.father.id, "is_payer": True},
                {"student_id": cls.student_ada.id, "guardian_id": cls.grandma.id, "is_payer": False},
            ]
        )
        # A new wallet (Ada's general one already exists) takes the school default.
        cls.wallet = cls.wallet_ada_general
        cls.wallet.low_balance_threshold = 5.0
        cls.wallet._credit(10.0, "topup_cash")
        cls.wallet_bob_general._credit(1.0, "topup_cash")
        cls.wallet_bob_general.low_balance_threshold = 0.0

    def _run_cron(self, when):
        with freeze_time(when):
            self.env["school.wallet"]._cron_send_low_balance_alerts()

    def _alert_mails(self):
        return self.env["mail.mail"].search(
            [("model", "=", "school.wallet"), ("res_id", "=", self.wallet.id)], order="id"
        )

    def test_default_threshold_from_school(self):
        self.company.school_wallet_low_balance_threshold = 7.5
        wallet = self.student_cid._school_wallet_get(self.type_general)
        self.assertEqual(wallet.low_balance_threshold, 7.5)

    def test_alert_once_per_interval(self):
        self._run_cron(datetime(2026, 3, 1, 6))
        self.assertFalse(self._alert_mails(), "10 >= 5: no alert")

        with freeze_time(datetime(2026, 3, 1, 12)):
            self.wallet._debit(6.0, "meal")
        self._run_cron(datetime(2026, 3, 2, 6))
        mails = self._alert_mails()
        self.assertEqual(len(mails), 2, "one mail per paying guardian")
        self.assertEqual(mails.recipient_ids, self.mother | self.father)
        self.assertEqual(self.wallet.low_balance_alert_date, datetime(2026, 3, 2, 6))

        # Not again within the interval, even after another debit.
        with freeze_time(datetime(2026, 3, 3, 12)):
            self.wallet._debit(1.0, "meal")
        for day in range(3, 9):
            self._run_cron(datetime(2026, 3, day, 6))
        self.assertEqual(len(self._alert_mails()), 2)

        # Again after seven days.
        self._run_cron(datetime(2026, 3, 9, 6))
        self.assertEqual(len(self._alert_mails()), 4)

    def test_reset_when_balance_back_up(self):
        self.wallet._debit(6.0, "meal")
        self._run_cron(datetime(2026, 3, 2, 6))
        self.assertEqual(len(self._alert_mails()), 2)
        self.wallet._credit(20.0, "topup_cash")
        self._run_cron(datetime(2026, 3, 3, 6))
        self.assertFalse(self.wallet.low_balance_alert_date)
        self.assertEqual(len(self._alert_mails()), 2)
        # Going down again alerts at once, within the interval of the first alert.
        self.wallet._debit(22.0, "meal")
        self._run_cron(datetime(2026, 3, 4, 6))
        self.assertEqual(len(self._alert_mails()), 4)

    def test_no_alert_when_disabled_or_archived(self):
        self._run_cron(datetime(2026, 3, 2, 6))
        bob_mails = self.env["mail.mail"].search(
            [("model", "=", "school.wallet"), ("res_id", "=", self.wallet_bob_general.id)]
        )
        self.assertFalse(bob_mails, "threshold 0: no alert")
        self.wallet._debit(6.0, "meal")
        self.wallet.active = False
        self._run_cron(datetime(2026, 3, 2, 6))
        self.assertFalse(self._alert_mails())
        self.assertFalse(self.wallet.low_balance_alert_date)

    def test_mail_content(self):
        self.wallet._debit(7.5, "meal")
        self._run_cron(datetime(2026, 3, 2, 6))
        mail = self._alert_mails()[:1]
        self.assertIn("Ada Student", mail.subject)
        self.assertIn("running low", mail.subject)
        body = str(mail.body_html)
        self.assertIn("Ada Student", body)
        self.assertIn("2.50", body)
        self.assertIn("5.00", body)
        self.assertIn(self.wallet.communication, body)

    def test_mail_in_guardian_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.mother.lang = "fr_FR"
        template = self.env.ref("optis_school_wallet.mail_template_school_wallet_low_balance")
        template.with_context(lang="fr_FR").subject = "{{ object.student_id.name }} : solde bas"
        self.wallet._debit(7.5, "meal")
        self._run_cron(datetime(2026, 3, 2, 6))
        subjects = {mail.recipient_ids: mail.subject for mail in self._alert_mails()}
        self.assertEqual(subjects[self.mother], "Ada Student : solde bas")
        self.assertIn("running low", subjects[self.father])
