"""Local school times to the naive UTC datetimes Odoo stores."""

from datetime import datetime, time, timedelta

import pytz


def local_to_utc(timezone, day, hour=0.0):
    """Naive UTC datetime of ``hour`` on ``day`` in ``timezone``.

    ``localize`` keeps the local hour across a daylight saving change: 17:00 stays 17:00
    local time on both sides of it.

    :param timezone: a ``pytz`` time zone, or its name
    :param date day: the local day
    :param float hour: hours since midnight, as the float fields show them (24.0 is the
        midnight ending ``day``)
    :return: naive UTC ``datetime``
    """
    if isinstance(timezone, str):
        timezone = pytz.timezone(timezone)
    local = datetime.combine(day, time.min) + timedelta(minutes=round(hour * 60))
    return timezone.localize(local).astimezone(pytz.utc).replace(tzinfo=None)
