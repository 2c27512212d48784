from . import test_meal_booking
