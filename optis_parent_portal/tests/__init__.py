from . import test_portal_interview
from . import test_portal_rights_pages
from . import test_portal_rights_rules
from . import test_portal_wallet
