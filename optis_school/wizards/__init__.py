from . import school_activation_code_generate
from . import school_parent_message
from . import school_access_reset
from . import school_teacher_link_user
from . import portal_wizard_user
