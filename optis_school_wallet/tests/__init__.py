from . import test_structured_communication
from . import test_wallet
from . import test_wallet_accounting
from . import test_wallet_security
from . import test_wallet_concurrency
from . import test_wallet_bank_statement
