from odoo import _, api, fields, models
from odoo.exceptions import UserError


class SchoolActivationCodeGenerate(models.TransientModel):
    """Generate activation codes for one student, a selection, classes, or
    every student without a linked parent account, and print the letters."""

    _name = "school.activation.code.generate"
    _description = "Generate Activation Codes"

    selection = fields.Selection(
        selection=[
            ("students", "Selected students"),
            ("classes", "Students of classes"),
            ("without_account", "Students without a parent account"),
            ("all", "All students"),
        ],
        string="For",
        required=True,
        default="students",
    )
    student_ids = fields.Many2many("res.partner", string="Students", domain=[("is_student", "=", True)])
    class_ids = fields.Many2many("school.class", string="Classes")
    per_guardian = fields.Boolean(
        string="One Code per Guardian",
        default=True,
        help="One letter for every guardian who receives mail and may have a parent account; "
        "otherwise the number of codes below.",
    )
    codes_per_student = fields.Integer(string="Codes per Student", default=1)
    validity_days = fields.Integer(
        string="Valid for (days)",
        compute="_compute_validity_days",
        store=True,
        readonly=False,
        precompute=True,
        help="0: each student's school setting.",
    )
    print_letters = fields.Boolean(default=True)
    target_student_ids = fields.Many2many(
        "res.partner", compute="_compute_target_student_ids", string="Students Concerned"
    )
    target_count = fields.Integer(compute="_compute_target_student_ids", string="Number of Students")

    @api.depends("selection", "student_ids", "class_ids")
    def _compute_target_student_ids(self):
        for wizard in self:
            wizard.target_student_ids = wizard._get_students()
            wizard.target_count = len(wizard.target_student_ids)

    @api.depends("selection", "student_ids", "class_ids")
    def _compute_validity_days(self):
        # Validity follows the student's school: a bursar of two schools
        # gets each school's own setting unless they type a number.
        for wizard in self:
            schools = wizard._get_students().company_id or self.env.company
            wizard.validity_days = schools.school_activation_validity_days if len(schools) == 1 else 0

    def _get_students(self):
        self.ensure_one()
        Partner = self.env["res.partner"]
        base_domain = [("is_student", "=", True), ("company_id", "in", self.env.companies.ids)]
        if self.selection == "students":
            return self.student_ids.filtered("is_student")
        if self.selection == "classes":
            return (
                Partner.search(base_domain + [("school_class_id", "in", self.class_ids.ids)])
                if self.class_ids
                else Partner
            )
        if self.selection == "without_account":
            linked = self.env["res.users"].sudo().search([("share", "=", True)]).partner_id
            with_account = (
                self.env["school.guardian.link"]
                .search([("guardian_id", "in", linked.ids), ("grants_portal_account", "=", True)])
                .student_id
            )
            return Partner.search(base_domain + [("id", "not in", with_account.ids)])
        return Partner.search(base_domain)

    def action_generate(self):
        self.ensure_one()
        if self.validity_days < 0:
            raise UserError(_("The validity cannot be negative (0 uses each school's own setting)."))
        if not self.per_guardian and self.codes_per_student <= 0:
            raise UserError(_("Generate at least one code per student."))
        students = self._get_students()
        if not students:
            raise UserError(_("No student matches this selection."))
        codes = self.env["school.activation.code"]._create_for_students(
            students,
            per_guardian=self.per_guardian,
            count=self.codes_per_student,
            validity_days=self.validity_days or None,
        )
        if not codes:
            raise UserError(_("None of these students has a guardian who receives mail and may have a parent account."))
        if self.print_letters:
            return codes.action_print_letters()
        action = self.env["ir.actions.act_window"]._for_xml_id("optis_school.school_activation_code_action")
        action["domain"] = [("id", "in", codes.ids)]
        return action
