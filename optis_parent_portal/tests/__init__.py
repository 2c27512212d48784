from . import test_portal_interview
from . import test_portal_wallet
