from odoo import api, fields, models


class SchoolClass(models.Model):
    _name = "school.class"
    _description = "Class"
    _inherit = ["mail.thread"]
    _order = "school_year_id desc, sequence, name"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    level = fields.Char(help="Grade or level of the class, for example P3 or 2nd secondary.")
    school_year_id = fields.Many2one(
        "school.year",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        default=lambda self: self.env["school.year"]._get_current(),
    )
    company_id = fields.Many2one(
        "res.company", string="School", required=True, default=lambda self: self.env.company, index=True
    )
    main_teacher_id = fields.Many2one("school.teacher", tracking=True, check_company=True)
    teacher_ids = fields.Many2many("school.teacher", string="Teachers", check_company=True)
    student_ids = fields.One2many("res.partner", "school_class_id", string="Students")
    student_count = fields.Integer(compute="_compute_student_count", string="Number of Students")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "name_year_uniq",
            "unique(name, school_year_id)",
            "A class with this name already exists in this school year.",
        ),
    ]

    @api.depends("student_ids")
    def _compute_student_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("school_class_id", "in", self.ids), ("is_student", "=", True)], ["school_class_id"], ["__count"]
            )
        )
        for school_class in self:
            school_class.student_count = counts.get(school_class, 0)

    @api.depends("name", "school_year_id.name")
    def _compute_display_name(self):
        for school_class in self:
            if school_class.school_year_id and self.env.context.get("school_class_show_year"):
                school_class.display_name = f"{school_class.name} ({school_class.school_year_id.name})"
            else:
                school_class.display_name = school_class.name

    def action_view_students(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optis_school.res_partner_student_action")
        action["domain"] = [("school_class_id", "=", self.id)]
        action["context"] = {"default_school_class_id": self.id, "default_is_student": True}
        return action
