from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _school_meal_calendar(self, month, reservations):
        """The meal calendar of this student for the month of ``month``, Monday first.

        :param date month: any day of the month
        :param reservations: the student's booked ``school.meal.reservation`` of the month
            (searched by the caller, as the user)
        :return: list of weeks, each a list of 7 dicts: ``day`` (date), ``in_month``,
            ``service`` (meals served), ``bookable`` (a menu and the cut-off not passed),
            ``today``, ``reservations`` (of the day)
        """
        self.ensure_one()
        company = self.company_id
        first = month.replace(day=1)
        last = first + relativedelta(months=1, days=-1)
        start = first - timedelta(days=first.weekday())
        end = last + timedelta(days=6 - last.weekday())
        service = set(company._school_meal_service_days(start, end, self.school_class_id))
        menu_days = set(
            self.env["school.meal.menu"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("date", ">=", start),
                    ("date", "<=", end),
                    ("product_ids", "!=", False),
                ]
            )
            .mapped("date")
        )
        now = fields.Datetime.now()
        today = company._school_meal_today()
        by_day = reservations.grouped("date")
        weeks, day = [], start
        while day <= end:
            week = []
            for _weekday in range(7):
                bookable = (
                    day in service and day in menu_days and day >= today and now < company._school_meal_cutoff(day)
                )
                week.append(
                    {
                        "day": day,
                        "in_month": day.month == first.month,
                        "service": day in service,
                        "bookable": bookable,
                        "today": day == today,
                        "reservations": by_day.get(day, reservations.browse()),
                    }
                )
                day += timedelta(days=1)
            weeks.append(week)
        return weeks
