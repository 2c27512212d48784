from . import res_company
from . import res_config_settings
from . import school_meal_diet
from . import product_template
from . import school_meal_closure
from . import school_meal_menu
from . import school_meal_reservation
from . import res_partner
