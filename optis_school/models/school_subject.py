from odoo import fields, models


class SchoolSubject(models.Model):
    _name = "school.subject"
    _description = "Subject"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)

    _sql_constraints = [
        ("code_company_uniq", "unique(code, company_id)", "The subject code must be unique per school."),
    ]
