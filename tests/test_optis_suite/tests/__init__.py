from . import test_backend_tour
from . import test_languages
from . import test_wallet_topup_online
from . import test_write_sweep
