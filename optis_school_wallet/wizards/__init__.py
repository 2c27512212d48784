from . import school_wallet_bank_assign
