from . import test_backend_tour
from . import test_languages
from . import test_wallet_topup_online
from . import test_write_sweep
from . import test_demo_roles
from . import test_portal_topup_flow
from . import test_portal_money_mobile
from . import test_route_sweep
