from .amount import parse_amount
