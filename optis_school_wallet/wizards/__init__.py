from . import school_wallet_bank_assign
from . import school_wallet_device_key
