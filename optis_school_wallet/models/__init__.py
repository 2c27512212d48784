from . import res_company
from . import school_wallet_type
from . import school_wallet
from . import school_wallet_operation
from . import res_partner
from . import account_chart_template
from . import account_bank_statement_line
