from odoo.exceptions import UserError


class SchoolMealDietWarning(UserError):
    """The article conflicts with the child's allergies or diet and the school warns: the
    booking goes through once the person booking confirms it."""
