from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class SchoolYear(models.Model):
    _name = "school.year"
    _description = "School Year"
    _order = "date_start desc, id desc"

    name = fields.Char(required=True, help="For example 2026-2027.")
    date_start = fields.Date(string="Start Date", required=True)
    date_end = fields.Date(string="End Date", required=True)
    company_id = fields.Many2one(
        "res.company", string="School", required=True, default=lambda self: self.env.company, index=True
    )
    active = fields.Boolean(default=True)
    class_ids = fields.One2many("school.class", "school_year_id", string="Classes")
    class_count = fields.Integer(compute="_compute_class_count")

    _sql_constraints = [
        ("date_check", "CHECK(date_start < date_end)", "A school year must end after it starts."),
        ("name_company_uniq", "unique(name, company_id)", "This school year already exists for this school."),
    ]

    @api.depends("class_ids")
    def _compute_class_count(self):
        counts = dict(
            self.env["school.class"]._read_group([("school_year_id", "in", self.ids)], ["school_year_id"], ["__count"])
        )
        for year in self:
            year.class_count = counts.get(year, 0)

    @api.constrains("date_start", "date_end", "company_id")
    def _check_overlap(self):
        # One search for the whole batch, then compare in memory.
        candidates = self.search(
            [
                ("company_id", "in", self.company_id.ids),
                ("date_start", "<=", max(self.mapped("date_end"))),
                ("date_end", ">=", min(self.mapped("date_start"))),
            ]
        )
        for year in self:
            overlapping = candidates.filtered_domain(
                [
                    ("id", "!=", year.id),
                    ("company_id", "=", year.company_id.id),
                    ("date_start", "<=", year.date_end),
                    ("date_end", ">=", year.date_start),
                ]
            )
            if overlapping:
                raise ValidationError(
                    _(
                        "School year %(year)s overlaps %(other)s.",
                        year=year.name,
                        other=overlapping[0].name,
                    )
                )

    @api.model
    def _get_current(self, company=None):
        """Return the school year running today for ``company`` (default: the
        current company), or the most recent one, or an empty recordset."""
        company = company or self.env.company
        today = fields.Date.context_today(self)
        domain = [("company_id", "=", company.id)]
        return self.search(domain + [("date_start", "<=", today), ("date_end", ">=", today)], limit=1) or self.search(
            domain, limit=1
        )
