"""Belgian structured communications (``+++123/4567/89012+++``): pure helpers, no ORM.

Ten digits followed by two check digits, the ten-digit number modulo 97 (97 when that is 0).
"""

import re

from odoo.addons.account.tools import is_valid_structured_reference_be, sanitize_structured_reference

# Wallet communications are 9 000 000 000 + the wallet id: ten digits that stay out of
# the range of Odoo's own Belgian invoice references (the invoice id, zero-padded).
COMMUNICATION_BASE_OFFSET = 9_000_000_000
COMMUNICATION_BASE_MAX = 9_999_999_999

# Twelve digits, with spaces or slashes anywhere between them (+++ and *** around them are
# ignored by the search), not glued to other digits: "+++123/4567/89012+++", "123 4567 89012".
STRUCTURED_COMMUNICATION_RE = re.compile(r"(?<!\d)\d(?:[\s/]*\d){11}(?!\d)")


def format_structured_communication(reference):
    """Write a structured communication the way banks print it.

    :param str reference: twelve digits, with or without ``+++``, slashes or spaces
    :return: e.g. ``+++900/0000/00116+++``
    """
    digits = sanitize_structured_reference(reference)
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def build_structured_communication_be(base):
    """Format a ten-digit number as a Belgian structured communication.

    :param int base: 0 <= base < 10**10
    :return: the communication, e.g. ``+++900/0000/00129+++``
    :raise ValueError: the number does not fit in ten digits
    """
    if not 0 <= base <= COMMUNICATION_BASE_MAX:
        raise ValueError(f"{base} does not fit in the ten digits of a structured communication")
    return format_structured_communication(f"{base:010d}{base % 97 or 97:02d}")


def find_structured_communications(text):
    """The Belgian structured communications a free text may hold.

    :param str text: a payment reference or note, e.g. ``"Ada +++900/0000/00116+++ thanks"``
    :return: ``(valid, invalid)``: two lists of twelve-digit strings, without duplicates, in
        order of appearance; ``invalid`` holds the candidates whose check digits are wrong
    """
    valid, invalid = [], []
    for match in STRUCTURED_COMMUNICATION_RE.finditer(text or ""):
        digits = re.sub(r"\D", "", match.group())
        found = valid if is_valid_structured_reference_be(digits) else invalid
        if digits not in found:
            found.append(digits)
    return valid, invalid
