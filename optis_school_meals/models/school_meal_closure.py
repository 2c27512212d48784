from odoo import fields, models


class SchoolMealClosure(models.Model):
    """Days without meals: holidays, closures, trips; for the whole school or some classes."""

    _name = "school.meal.closure"
    _description = "Meal Closure"
    _order = "date_from desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, help="For example Christmas holidays, teachers' day, class trip.")
    company_id = fields.Many2one(
        "res.company", string="School", required=True, index=True, default=lambda self: self.env.company
    )
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    class_ids = fields.Many2many(
        "school.class", string="Classes", check_company=True, help="Empty: the whole school is closed."
    )

    _sql_constraints = [
        ("date_check", "CHECK(date_from <= date_to)", "A closure ends on or after its first day."),
    ]
