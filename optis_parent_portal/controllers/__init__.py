from . import portal
from . import interview
from . import activation
from . import reset_password
from . import session
from . import wallet_topup
from . import wallet_transfer
from . import operations
