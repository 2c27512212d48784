from . import res_users
from . import school_activation_code
from . import school_privacy_request
from . import res_partner
from . import school_appointment
