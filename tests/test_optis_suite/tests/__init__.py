from . import test_backend_tour
from . import test_wallet_topup_online
