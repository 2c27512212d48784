from . import test_meal_booking
from . import test_meal_concurrency
from . import test_meal_kitchen
from . import test_portal_meals
from . import test_portal_meals_mobile
from . import test_meal_absence
from . import test_meal_closure_mail
from . import test_meal_forecast
