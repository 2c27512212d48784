from . import school_wallet_bank_assign
from . import school_wallet_device_key
from . import school_wallet_topup_cash
from . import school_wallet_topup_transfer
from . import account_statement_import
from . import school_invoice_students
from . import school_wallet_correction
from . import school_wallet_sale_refund
