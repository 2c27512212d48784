from . import school_meal_demo
