from odoo import fields, models


class SchoolAllergen(models.Model):
    _name = "school.allergen"
    _description = "Allergen"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_uniq", "unique(name)", "An allergen with this name already exists."),
    ]
