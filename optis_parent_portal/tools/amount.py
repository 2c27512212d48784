"""Amounts that parents type in the portal's forms."""

import math
import re

# ASCII digits, then at most one decimal separator (comma or dot) and digits. No sign, no
# exponent, no spaces inside, and none of the words float() also takes ("nan", "inf",
# "infinity"): NaN passes every "< 0" check.
AMOUNT_PATTERN = re.compile(r"([0-9]{1,12})(?:[.,]([0-9]{1,6}))?")

# No form of the portal needs more: a wallet's alert threshold or top-up stays far below.
MAX_FORM_AMOUNT = 10_000.0


def parse_amount(text, currency, maximum=MAX_FORM_AMOUNT):
    """The amount typed in a form, checked and rounded to ``currency``.

    :param str text: what was typed: ``"12,50"``, ``"12.5"``, ``"0"``
    :param currency: the ``res.currency`` of the amount (its decimal places and rounding)
    :param float maximum: the largest amount the form accepts
    :return: the amount, a finite float between 0 and ``maximum``
    :raise ValueError: not a plain amount (empty, signed, an exponent, NaN, infinity),
        more decimals than the currency has, or above ``maximum``
    """
    match = AMOUNT_PATTERN.fullmatch(str(text if text is not None else "").strip())
    if not match:
        raise ValueError(f"not an amount: {text!r}")
    integer, decimals = match.group(1), match.group(2) or ""
    if len(decimals.rstrip("0")) > currency.decimal_places:
        raise ValueError(f"more decimals than {currency.name} has: {text!r}")
    amount = float(f"{integer}.{decimals or '0'}")
    if not math.isfinite(amount) or amount > maximum:
        raise ValueError(f"amount out of range: {text!r}")
    return currency.round(amount)
