# One job per file: the meals' forecast of the wallets lives apart on purpose.
# pylint: disable=consider-merging-classes-inherited
from datetime import timedelta

from odoo import Command, api, fields, models

# The weeks of meals whose spending is projected forward.
FORECAST_PAST_DAYS = 28
# How far ahead the forecast looks.
FORECAST_HORIZON_DAYS = 120


class SchoolWallet(models.Model):
    _inherit = "school.wallet"

    school_meal_run_out_alert_date = fields.Date(
        string="Meal Run-out Alerted For",
        readonly=True,
        copy=False,
        help="The run-out day the paying guardians were last warned of: a new day (after a top-up) warns again.",
    )

    def _school_meal_run_out_dates(self):
        """The school day each wallet is expected to no longer pay the child's meals.

        Meals are paid when booked, so the balance is what is left after the meals already
        booked. The child's usual daily spend is the meals of the last four weeks (still
        booked) divided by the school's service days of those weeks; it is projected on the
        service days ahead that have no meal booked yet. The run-out day is the first of
        them the balance (with the overdraft allowed) no longer covers.

        :return: dict {wallet id: date, or None when the wallet pays no meals or lasts
            beyond the horizon}
        """
        reservations = self.env["school.meal.reservation"].sudo()
        result = dict.fromkeys(self.ids)
        if not self:
            return result
        today = fields.Date.context_today(self)
        start = today - timedelta(days=FORECAST_PAST_DAYS)
        spent = dict(
            reservations._read_group(
                [("wallet_id", "in", self.ids), ("state", "=", "booked"), ("date", ">=", start), ("date", "<", today)],
                ["wallet_id"],
                ["amount:sum"],
            )
        )
        booked = dict(
            reservations._read_group(
                [("wallet_id", "in", self.ids), ("state", "=", "booked"), ("date", ">", today)],
                ["wallet_id"],
                ["date:array_agg"],
            )
        )
        balances = self._get_ledger_balances()
        for wallet in self.sudo():
            if not spent.get(wallet):
                continue
            company, school_class = wallet.company_id, wallet.student_id.school_class_id
            past_days = company._school_meal_service_days(start, today - timedelta(days=1), school_class)
            if not past_days:
                continue
            daily = spent[wallet] / len(past_days)
            available = balances[wallet.id] + wallet.wallet_type_id.overdraft_limit
            booked_days = set(booked.get(wallet) or [])
            ahead = company._school_meal_service_days(
                today + timedelta(days=1), today + timedelta(days=FORECAST_HORIZON_DAYS), school_class
            )
            for day in ahead:
                if day in booked_days:
                    continue
                available -= daily
                if wallet.currency_id.compare_amounts(available, 0) < 0:
                    result[wallet.id] = day
                    break
        return result

    def _low_balance_run_out_date(self):
        self.ensure_one()
        return self._school_meal_run_out_dates()[self.id] or super()._low_balance_run_out_date()

    def _school_meal_send_run_out_alert(self, run_out_dates):
        """Mail the paying guardians of each wallet, in their language, the day the meals
        use the balance up, with the top-up link.

        :param dict run_out_dates: {wallet id: date}
        :return: the wallets that had at least one guardian to mail
        """
        template = self.env.ref("optis_school_meals.mail_template_school_meal_run_out")
        alerted = self.browse()
        for wallet in self:
            payers = wallet.student_id.sudo().student_guardian_link_ids.filtered("is_payer").guardian_id
            for guardian in payers.filtered("email"):
                template.with_context(
                    lang=guardian.lang or wallet.student_id.lang, school_meal_run_out_date=run_out_dates[wallet.id]
                ).send_mail(
                    wallet.id,
                    email_values={"recipient_ids": [Command.set(guardian.ids)]},
                    email_layout_xmlid="mail.mail_notification_light",
                )
                alerted |= wallet
        return alerted

    @api.model
    def _cron_school_meal_run_out_alerts(self):
        """Daily: warn the paying guardians of the wallets whose meals use the balance up
        within the school's number of school days (setting), once per run-out day."""
        companies = self.env["res.company"].sudo().search([("school_meal_booking", "=", True)])
        today = fields.Date.context_today(self)
        wallets = (
            self.env["school.meal.reservation"]
            .sudo()
            .search(
                [
                    ("company_id", "in", companies.ids),
                    ("state", "=", "booked"),
                    ("date", ">=", today - timedelta(days=FORECAST_PAST_DAYS)),
                ]
            )
            .wallet_id.filtered("active")
        )
        run_out_dates = wallets._school_meal_run_out_dates()
        to_alert = self.sudo().browse()
        for wallet in wallets:
            day = run_out_dates[wallet.id]
            if not day or day == wallet.school_meal_run_out_alert_date:
                continue
            company = wallet.company_id
            school_days = company._school_meal_service_days(
                today + timedelta(days=1), day, wallet.student_id.school_class_id
            )
            if len(school_days) <= company.school_meal_run_out_days:
                to_alert |= wallet
        for wallet in to_alert._school_meal_send_run_out_alert(run_out_dates):
            wallet.school_meal_run_out_alert_date = run_out_dates[wallet.id]
