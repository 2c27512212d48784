# One job per file: this part of school.wallet lives apart on purpose.
# pylint: disable=consider-merging-classes-inherited
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class SchoolWallet(models.Model):
    _inherit = "school.wallet"

    def _low_balance_run_out_date(self):
        """The day this wallet's balance is expected to run out, said in the low-balance
        mail; ``False`` when nothing forecasts it (the meals addon does).

        :return: date or False
        """
        self.ensure_one()
        return False

    def _send_low_balance_alert(self):
        """Mail the paying guardians of each wallet's student, each in their own language.

        :return: the wallets that had at least one guardian to mail
        """
        template = self.env.ref("optis_school_wallet.mail_template_school_wallet_low_balance")
        alerted = self.browse()
        for wallet in self:
            payers = wallet.student_id.sudo().student_guardian_link_ids.filtered("is_payer").guardian_id
            for guardian in payers.filtered("email"):
                template.with_context(lang=guardian.lang or wallet.student_id.lang).send_mail(
                    wallet.id,
                    email_values={"recipient_ids": [fields.Command.set(guardian.ids)]},
                    email_layout_xmlid="mail.mail_notification_light",
                )
                alerted |= wallet
        return alerted

    @api.model
    def _cron_send_low_balance_alerts(self):
        """Daily: mail the paying guardians of active wallets whose balance is below their
        threshold, at most once every N days per wallet (N: company setting). A wallet whose
        balance is back at or above its threshold can be alerted again at once when it drops."""
        wallets = self.sudo().search([("low_balance_alert_date", "!=", False)])
        wallets.filtered(lambda wallet: wallet.balance >= wallet.low_balance_threshold).low_balance_alert_date = False
        now = fields.Datetime.now()
        candidates = self.sudo().search([("active", "=", True), ("low_balance_threshold", ">", 0)])
        to_alert = candidates.filtered(
            lambda wallet: wallet.currency_id.compare_amounts(wallet.balance, wallet.low_balance_threshold) < 0
            and (
                not wallet.low_balance_alert_date
                or wallet.low_balance_alert_date
                <= now - relativedelta(days=wallet.company_id.school_wallet_low_balance_interval or 1)
            )
        )
        to_alert._send_low_balance_alert().low_balance_alert_date = now
