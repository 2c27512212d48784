from datetime import datetime, time, timedelta

import pytz

from odoo import _, fields, models
from odoo.exceptions import UserError

CUTOFF_RULES = [
    ("day_before", "Until a time the day before"),
    ("school_days_before", "Until a time some school days before"),
]
DIET_POLICIES = [
    ("warn", "Warn"),
    ("block", "Block"),
]
ABSENCE_REFUNDS = [
    ("before_cutoff", "Before the cut-off only"),
    ("always", "Always"),
]
# Meals are served from Monday (0) to Friday (4).
SERVICE_WEEKDAYS = (0, 1, 2, 3, 4)


class ResCompany(models.Model):
    _inherit = "res.company"

    school_meal_booking = fields.Boolean(
        string="Meal Booking",
        help="Parents and bursars book the school meals, paid from the wallets. Off: nothing about meals "
        "is bookable or shown, in the portal included.",
    )
    school_meal_wallet_type_id = fields.Many2one(
        "school.wallet.type",
        string="Meal Wallet Type",
        check_company=True,
        help="The wallet that pays a meal whose article names no wallet type.",
    )
    school_meal_cutoff_rule = fields.Selection(
        CUTOFF_RULES,
        string="Meal Cut-off",
        default="day_before",
        required=True,
        help="Until when parents book or cancel a meal (with a refund); afterwards only a bursar can.",
    )
    school_meal_cutoff_time = fields.Float(
        string="Cut-off Time", default=10.0, help="The time of the cut-off, in the school's timezone."
    )
    school_meal_cutoff_days = fields.Integer(
        string="Cut-off School Days", default=1, help="How many school days before the meal the booking closes."
    )
    school_meal_same_article_twice = fields.Boolean(
        string="Same Article Twice a Day", help="A child may have the same article more than once on a day."
    )
    school_meal_diet_policy = fields.Selection(
        DIET_POLICIES,
        string="Allergies and Diets",
        default="warn",
        required=True,
        help="An article that conflicts with the child's allergies or diet: warn (the booking is confirmed "
        "after the warning) or block.",
    )
    school_meal_absence_refund = fields.Selection(
        ABSENCE_REFUNDS,
        string="Absences Refund",
        default="before_cutoff",
        required=True,
        help="The meals of an absent child are refunded before their cut-off only (later they are served "
        "and paid), or always.",
    )
    school_meal_run_out_days = fields.Integer(
        string="Meals Run-out Warning",
        default=3,
        help="How many school days before the booked and usual meals use a wallet's balance up its paying "
        "guardians are mailed, with the top-up link. 0: no warning.",
    )

    _sql_constraints = [
        (
            "school_meal_cutoff_time_range",
            "CHECK(school_meal_cutoff_time >= 0 AND school_meal_cutoff_time < 24)",
            "The meal cut-off time is a time of the day.",
        ),
        (
            "school_meal_cutoff_days_positive",
            "CHECK(school_meal_cutoff_days >= 1)",
            "The meal cut-off is at least one school day before.",
        ),
    ]

    # ------------------------------------------------------------
    # Service calendar
    # ------------------------------------------------------------

    def _school_meal_timezone(self):
        self.ensure_one()
        return pytz.timezone(self.partner_id.tz or self.env.user.tz or "UTC")

    def _school_meal_today(self):
        """Today in the school's timezone."""
        return pytz.utc.localize(fields.Datetime.now()).astimezone(self._school_meal_timezone()).date()

    def _school_meal_closed_days(self, date_from, date_to, school_class=None):
        """The days the school closes between two dates, for everybody or for ``school_class``.

        :param date date_from: first day
        :param date date_to: last day
        :param school_class: a ``school.class``: its own closures count too
        :return: set of dates
        """
        self.ensure_one()
        closures = (
            self.env["school.meal.closure"]
            .sudo()
            .search([("company_id", "=", self.id), ("date_from", "<=", date_to), ("date_to", ">=", date_from)])
        )
        closed = set()
        for closure in closures:
            if closure.class_ids and (not school_class or school_class not in closure.class_ids):
                continue
            day = max(closure.date_from, date_from)
            while day <= min(closure.date_to, date_to):
                closed.add(day)
                day += timedelta(days=1)
        return closed

    def _school_meal_service_days(self, date_from, date_to, school_class=None):
        """The days meals are served between two dates: the weekdays of the school years,
        without the closures of the school (and of ``school_class``).

        :return: sorted list of dates
        """
        self.ensure_one()
        years = (
            self.env["school.year"]
            .sudo()
            .search([("company_id", "=", self.id), ("date_start", "<=", date_to), ("date_end", ">=", date_from)])
        )
        closed = self._school_meal_closed_days(date_from, date_to, school_class)
        days = []
        day = date_from
        while day <= date_to:
            if (
                day.weekday() in SERVICE_WEEKDAYS
                and day not in closed
                and any(year.date_start <= day <= year.date_end for year in years)
            ):
                days.append(day)
            day += timedelta(days=1)
        return days

    def _school_meal_cutoff(self, day):
        """When the booking of the meals of ``day`` closes, by the school's rule.

        "The day before": at the cut-off time of the calendar day before. "School days
        before": at the cut-off time, that many school days (weekdays the school is open)
        before the meal.

        :param date day: the day of the meal
        :return: naive UTC datetime
        """
        self.ensure_one()
        if self.school_meal_cutoff_rule == "school_days_before":
            closed = self._school_meal_closed_days(day - timedelta(days=60), day)
            deadline_day, left = day, self.school_meal_cutoff_days
            while left > 0:
                deadline_day -= timedelta(days=1)
                if deadline_day.weekday() in SERVICE_WEEKDAYS and deadline_day not in closed:
                    left -= 1
        else:
            deadline_day = day - timedelta(days=1)
        hours = int(self.school_meal_cutoff_time)
        minutes = round((self.school_meal_cutoff_time - hours) * 60)
        local = datetime.combine(deadline_day, time(hours, 0)) + timedelta(minutes=minutes)
        return self._school_meal_timezone().localize(local).astimezone(pytz.utc).replace(tzinfo=None)

    def _school_meal_check_enabled(self):
        """:raise UserError: the school does not take meal bookings"""
        for company in self:
            if not company.school_meal_booking:
                raise UserError(_("%(school)s does not take meal bookings.", school=company.name))
