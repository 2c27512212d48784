"""Periods that parents pick on the operations page."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

PERIODS = ("today", "yesterday", "last_7_days", "last_30_days", "this_month", "previous_month", "custom")
DEFAULT_PERIOD = "last_30_days"
# A custom range starts at most this many days before it ends (a CSV of a school career).
MAX_CUSTOM_DAYS = 3660


def parse_date(text):
    """A date typed in a form (``YYYY-MM-DD``, what ``<input type="date">`` sends).

    :raise ValueError: anything else
    """
    text = str(text or "").strip()
    if len(text) != 10:
        raise ValueError(f"not a date: {text!r}")
    return date.fromisoformat(text)


def period_bounds(period, today, date_from=None, date_to=None):
    """The first and last day (both included) of ``period``.

    :param str period: one of ``PERIODS``
    :param date today: the user's today
    :param str date_from: first day of a ``custom`` period (``YYYY-MM-DD``)
    :param str date_to: last day of a ``custom`` period
    :return: ``(first_day, last_day)``
    :raise ValueError: an unknown period; a custom period whose dates are not dates, end
        before they start or span more than ``MAX_CUSTOM_DAYS``
    """
    presets = {
        "today": lambda: (today, today),
        "yesterday": lambda: (today - timedelta(days=1), today - timedelta(days=1)),
        "last_7_days": lambda: (today - timedelta(days=6), today),
        "last_30_days": lambda: (today - timedelta(days=29), today),
        "this_month": lambda: (today.replace(day=1), today),
        "previous_month": lambda: (
            today.replace(day=1) - relativedelta(months=1),
            today.replace(day=1) - timedelta(days=1),
        ),
    }
    if period in presets:
        return presets[period]()
    if period == "custom":
        first_day, last_day = parse_date(date_from), parse_date(date_to)
        if last_day < first_day or (last_day - first_day).days > MAX_CUSTOM_DAYS:
            raise ValueError(f"not a range: {date_from!r} - {date_to!r}")
        return first_day, last_day
    raise ValueError(f"not a period: {period!r}")
