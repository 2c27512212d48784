from .amount import MAX_FORM_AMOUNT, parse_amount
