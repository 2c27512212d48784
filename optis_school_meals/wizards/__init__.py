from . import school_meal_book
