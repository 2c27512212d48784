from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class SchoolTeacher(models.Model):
    """A teacher. With an email and a password the teacher also gets an
    internal user in the Teacher group, to see their classes and schedule."""

    _name = "school.teacher"
    _description = "Teacher"
    _inherit = ["mail.thread"]
    _order = "last_name, first_name, id"

    # Identity
    first_name = fields.Char(required=True, tracking=True)
    last_name = fields.Char(required=True, tracking=True)
    name = fields.Char(compute="_compute_name", store=True, index=True)
    room = fields.Char(required=True, tracking=True, help="Room where the teacher receives parents.")
    email = fields.Char(tracking=True)
    password = fields.Char(
        compute="_compute_password",
        inverse="_inverse_password",
        groups="optis_school.group_school_admin",
        help="Setting a password together with an email gives the teacher a login to Odoo.",
    )
    image_128 = fields.Image(max_width=128, max_height=128)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", string="School", required=True, default=lambda self: self.env.company, index=True
    )
    user_id = fields.Many2one("res.users", readonly=True, copy=False, ondelete="set null")

    # Teaching
    subject_ids = fields.Many2many("school.subject", string="Subjects", check_company=True)
    class_ids = fields.Many2many("school.class", string="Classes Taught", check_company=True)
    main_class_ids = fields.One2many("school.class", "main_teacher_id", string="Main Teacher Of")

    _sql_constraints = [
        ("user_uniq", "unique(user_id)", "This user is already linked to another teacher."),
    ]

    @api.depends("first_name", "last_name")
    def _compute_name(self):
        for teacher in self:
            teacher.name = " ".join(part for part in (teacher.first_name, teacher.last_name) if part)

    def _compute_password(self):
        self.password = False

    def _inverse_password(self):
        for teacher in self.filtered("password"):
            if not teacher.email:
                raise ValidationError(_("Give %(teacher)s an email address before a password.", teacher=teacher.name))
            teacher._ensure_user(teacher.password)

    @api.constrains("email", "first_name", "last_name", "room")
    def _check_required_text(self):
        for teacher in self:
            for field_name in ("first_name", "last_name", "room"):
                if not (teacher[field_name] or "").strip():
                    raise ValidationError(
                        _(
                            "%(field)s is required for a teacher.",
                            field=self._fields[field_name].get_description(self.env)["string"],
                        )
                    )

    def write(self, vals):
        # The login follows the email only where it was the email: a login
        # chosen by hand (e.g. "teacher") is kept when the teacher is edited.
        login_was_email = {teacher: teacher.user_id.login == teacher.email for teacher in self.filtered("user_id")}
        result = super().write(vals)
        if {"email", "first_name", "last_name", "company_id"} & set(vals):
            for teacher, follow_email in login_was_email.items():
                user_vals = teacher._prepare_user_vals()
                if not follow_email or not teacher.email:
                    del user_vals["login"]
                teacher.user_id.sudo().write(user_vals)
        return result

    def _prepare_user_vals(self):
        self.ensure_one()
        return {
            "name": self.name,
            "login": self.email,
            "email": self.email,
            "company_id": self.company_id.id,
            "company_ids": [fields.Command.link(self.company_id.id)],
        }

    def _ensure_user(self, password):
        """Create the teacher's internal user, or set its password."""
        self.ensure_one()
        if self.user_id:
            self.user_id.sudo().write({"password": password})
            return self.user_id
        vals = self._prepare_user_vals()
        vals.update(
            password=password,
            groups_id=[fields.Command.set([self.env.ref("optis_school.group_school_teacher").id])],
        )
        user = self.env["res.users"].sudo().with_context(no_reset_password=True).create(vals)
        self.user_id = user
        return user
