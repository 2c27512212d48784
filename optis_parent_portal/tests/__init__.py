from . import test_portal_wallet
