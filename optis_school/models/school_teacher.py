from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

# Options a teacher's login may have besides the teacher group and the groups every new
# user gets (Settings > Users > Default Access Rights): they show or export, they grant nothing.
TEACHER_LOGIN_OPTION_GROUPS = (
    "base.group_no_one",
    "base.group_multi_company",
    "base.group_multi_currency",
    "base.group_allow_export",
)


class SchoolTeacher(models.Model):
    """A teacher. The teacher form gives the teacher an internal user in the Teacher
    group, to see their classes and schedule: a new one (Create Login, or an email and a
    password), or an existing user who has no other role (Link Existing User).

    The user is written in sudo (name, login, password, groups): ``user_id`` is set by
    these flows only, and each of them checks the user first (``_get_login_user_error``),
    so that a school administrator never reaches another role's account.
    """

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
    user_id = fields.Many2one(
        "res.users",
        string="Login",
        readonly=True,
        copy=False,
        ondelete="set null",
        tracking=True,
    )

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

    @api.model_create_multi
    def create(self, vals_list):
        self._check_login_vals(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_login_vals([vals])
        # The login follows the email only where it was the email: a login
        # chosen by hand (e.g. "teacher") is kept when the teacher is edited.
        # A login that has since been given another role is managed in Settings >
        # Users only: the teacher form does not rename it (checked before the
        # write, while the teacher is still in the user's school).
        login_was_email = {}
        if {"email", "first_name", "last_name", "company_id"} & set(vals):
            login_was_email = {
                teacher: teacher.user_id.login == teacher.email
                for teacher in self.filtered("user_id")
                if not teacher._get_login_user_error(teacher.user_id)
            }
        result = super().write(vals)
        for teacher, follow_email in login_was_email.items():
            user_vals = teacher._prepare_user_vals()
            if not follow_email or not teacher.email:
                del user_vals["login"]
            teacher.user_id.sudo().write(user_vals)
        return result

    @api.model
    def _check_login_vals(self, vals_list):
        """``user_id`` is set by the login flows only, never by a plain ``create`` or
        ``write`` (over RPC, every school administrator can send one); a teacher, and
        so their login, only goes to a school the caller belongs to.

        :raise AccessError: ``user_id`` written, or a school the caller has no access to
        """
        if self.env.su:
            return
        for vals in vals_list:
            if "user_id" in vals:
                raise AccessError(
                    _("A teacher's login is given with the Create Login or Link Existing User buttons only.")
                )
            if vals.get("company_id") and vals["company_id"] not in self.env.user.company_ids.ids:
                raise AccessError(_("Teachers can only be moved to a school you belong to."))

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_create_login(self):
        """Create the teacher's user; it receives an invitation to choose a password.

        :raise UserError: no email, a login already, or a user with this login exists
        """
        self.ensure_one()
        self._check_login_change_allowed()
        if not self.email:
            raise UserError(_("Give %(teacher)s an email address first: it is their login.", teacher=self.name))
        self._create_user()
        return True

    def action_link_user(self):
        """Open the wizard that links the teacher to an existing user."""
        self.ensure_one()
        self._check_login_change_allowed()
        return {
            "type": "ir.actions.act_window",
            "name": _("Link Existing User"),
            "res_model": "school.teacher.link.user",
            "view_mode": "form",
            "target": "new",
            "context": {"default_teacher_id": self.id},
        }

    # ------------------------------------------------------------
    # Login
    # ------------------------------------------------------------

    def _check_login_change_allowed(self):
        """The caller may edit the teacher (the ACL and the school's rule) and the teacher
        has no login yet."""
        self.check_access("write")
        if self.user_id:
            raise UserError(_("%(teacher)s already has a login.", teacher=self.name))

    def _get_teacher_login_groups(self):
        """The groups a teacher's login may have: the teacher group and the groups it
        implies, the groups every new internal user gets, and display options."""
        teacher_group = self.env.ref("optis_school.group_school_teacher")
        groups = teacher_group | (self.env["res.users"]._default_groups() or teacher_group.browse())
        for xmlid in TEACHER_LOGIN_OPTION_GROUPS:
            groups |= self.env.ref(xmlid, raise_if_not_found=False) or groups.browse()
        return groups | groups.trans_implied_ids

    def _get_login_user_error(self, user):
        """Why ``user`` cannot be (or stay) this teacher's login, or ``None``.

        Only a plain internal user of the teacher's school qualifies: never an
        administrator, a parent's portal account, a user with rights beyond a teacher's
        (a bursar, a receptionist, an accountant set by hand...), a user of a school the
        caller does not belong to, or another teacher's login.

        :param user: ``res.users``
        :return: the translated reason, or ``None``
        """
        self.ensure_one()
        user_sudo = user.sudo()
        return self._get_login_user_role_error(user_sudo) or self._get_login_user_school_error(user_sudo)

    def _get_login_user_role_error(self, user_sudo):
        if user_sudo._is_superuser() or user_sudo._is_admin() or user_sudo._is_system():
            return _("%(user)s is an administrator: their account cannot be a teacher's login.", user=user_sudo.name)
        if not user_sudo._is_internal():
            return _(
                "%(user)s is not an internal user: their account cannot be a teacher's login.", user=user_sudo.name
            )
        other_rights = user_sudo.groups_id - self._get_teacher_login_groups()
        if other_rights:
            return _(
                "%(user)s has other rights than a teacher (%(groups)s): their account is managed in Settings > Users.",
                user=user_sudo.name,
                groups=", ".join(other_rights.mapped("full_name")),
            )
        return None

    def _get_login_user_school_error(self, user_sudo):
        self.ensure_one()
        if self.company_id not in user_sudo.company_ids:
            return _(
                "%(user)s does not belong to the school %(school)s.", user=user_sudo.name, school=self.company_id.name
            )
        if not self.env.su and user_sudo.company_ids - self.env.user.company_ids:
            return _("%(user)s also belongs to schools you do not belong to.", user=user_sudo.name)
        other_teacher = (
            self.sudo()
            .with_context(active_test=False)
            .search([("user_id", "=", user_sudo.id), ("id", "!=", self.id)], limit=1)
        )
        if other_teacher:
            return _(
                "%(user)s is already the login of the teacher %(teacher)s.",
                user=user_sudo.name,
                teacher=other_teacher.name,
            )
        return None

    def _link_user(self, user):
        """Make ``user`` this teacher's login and give it the Teacher group.

        :raise UserError: the teacher has a login, or the user cannot be one
        """
        self.ensure_one()
        user.ensure_one()
        self._check_login_change_allowed()
        error = self._get_login_user_error(user)
        if error:
            raise UserError(error)
        user.sudo().write({"groups_id": [Command.link(self.env.ref("optis_school.group_school_teacher").id)]})
        self.sudo().user_id = user

    def _prepare_user_vals(self):
        self.ensure_one()
        return {
            "name": self.name,
            "login": self.email,
            "email": self.email,
            "company_id": self.company_id.id,
            "company_ids": [Command.link(self.company_id.id)],
        }

    def _create_user(self, password=None):
        """Create the teacher's internal user in the Teacher group: with ``password``, or
        else invited by mail to choose one.

        :raise UserError: a user with the teacher's email as login exists
        """
        self.ensure_one()
        existing = (
            self.env["res.users"]
            .sudo()
            .with_context(active_test=False)
            .search([("login", "=ilike", self.email)], limit=1)
        )
        if existing:
            raise UserError(
                _(
                    "A user with the login %(login)s exists already: use Link Existing User.",
                    login=self.email,
                )
            )
        vals = self._prepare_user_vals()
        vals["groups_id"] = [Command.set([self.env.ref("optis_school.group_school_teacher").id])]
        users_sudo = self.env["res.users"].sudo()
        if password:
            vals["password"] = password
            users_sudo = users_sudo.with_context(no_reset_password=True)
        user = users_sudo.create(vals)
        self.sudo().user_id = user
        return user

    def _ensure_user(self, password):
        """Set the password of the teacher's own user, or create that user with it.

        :raise UserError: the user has been given another role since it was linked
        """
        self.ensure_one()
        if not self.user_id:
            return self._create_user(password)
        # Checked at each password change: the user may have become a bursar or an
        # administrator since it was linked, and is then managed in Settings > Users only.
        error = self._get_login_user_error(self.user_id)
        if error:
            raise UserError(error)
        self.user_id.sudo().write({"password": password})
        return self.user_id
