from odoo import fields, models

from odoo.addons.optis_school.models.res_partner import DIET_REGIMES


class SchoolMealDiet(models.Model):
    """A diet of the students' list (``res.partner.diet_regime``) that meal articles suit."""

    _name = "school.meal.diet"
    _description = "Meal Diet"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(DIET_REGIMES, required=True)
    sequence = fields.Integer(default=10)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "Each diet is listed once."),
    ]
