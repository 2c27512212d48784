from .amount import MAX_FORM_AMOUNT, parse_amount
from .periods import DEFAULT_PERIOD, PERIODS, period_bounds
from .ics import interview_ics
