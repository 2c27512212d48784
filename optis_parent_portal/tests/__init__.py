from . import test_portal_interview
from . import test_portal_rights_pages
from . import test_portal_rights_rules
from . import test_portal_wallet
from . import test_portal_activation
from . import test_portal_auth
from . import test_signup_with_code
from . import test_portal_activation_tour
