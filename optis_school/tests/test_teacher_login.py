from odoo import Command
from odoo.exceptions import AccessDenied, AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MockEmail, mail_new_test_user

from .common import SchoolCase


@tagged("post_install", "-at_install")
class TestTeacherLogin(SchoolCase, MockEmail):
    """A teacher's login is created or linked by the teacher form's flows only, and only
    to a plain internal user of the teacher's school; the password and the name/email
    sync of the form reach that user only. Everything runs as the school administrator
    (``with_user``), as over RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Teacher = cls.env["school.teacher"].with_user(cls.user_school_admin)
        cls.teacher = cls.env["school.teacher"].create(
            {
                "first_name": "Paul",
                "last_name": "Janssens",
                "room": "C3",
                "email": "paul.janssens@school-a.example",
                "company_id": cls.school_a.id,
            }
        )
        # A plain internal user of school A: the legitimate target of Link Existing User.
        cls.user_plain = mail_new_test_user(
            cls.env,
            login="plain_staff",
            name="Plain Staff",
            email="plain.staff@school-a.example",
            groups="base.group_user",
            company_id=cls.school_a.id,
            company_ids=[Command.set(cls.school_a.ids)],
        )
        cls.admin = cls.env.ref("base.user_admin")

    def _password_hash(self, user):
        self.env.flush_all()
        self.env.cr.execute("SELECT password FROM res_users WHERE id = %s", [user.id])
        return self.env.cr.fetchone()[0]

    def _check_password(self, user, password):
        credential = {"type": "password", "login": user.login, "password": password}
        return user.with_user(user)._check_credentials(credential, {"interactive": False})["uid"]

    def _link(self, teacher, user):
        """Link Existing User as the school administrator: the form's button, then the wizard."""
        action = teacher.with_user(self.user_school_admin).action_link_user()
        wizard_model = self.env[action["res_model"]].with_user(self.user_school_admin).with_context(**action["context"])
        form = Form(wizard_model)
        form.user_id = user
        return form.save().action_link()

    # ------------------------------------------------------------
    # Scenario 3: a school administrator takes over the Odoo administrator
    # ------------------------------------------------------------

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_scenario_3_school_admin_cannot_take_over_admin(self):
        admin_hash = self._password_hash(self.admin)
        teacher = self.teacher.with_user(self.user_school_admin)
        # The RPC of the report: write user_id, then password.
        with self.assertRaises(AccessError):
            teacher.write({"user_id": self.admin.id})
        with self.assertRaises(AccessError):
            self.Teacher.create({"first_name": "Evil", "last_name": "Twin", "room": "X", "user_id": self.admin.id})
        with self.assertRaises(AccessError):
            teacher.write({"user_id": self.admin.id, "password": "Taken-Over-1"})
        self.assertFalse(self.teacher.user_id)
        # Through the form's own flow, the administrator is refused too.
        with self.assertRaisesRegex(UserError, "administrator"):
            self._link(self.teacher, self.admin)
        self.assertFalse(self.teacher.user_id)
        # A password on the teacher creates the teacher's own user, never reaches the admin.
        with self.assertRaisesRegex(UserError, "exists already"):
            teacher.write({"email": self.admin.login, "password": "Taken-Over-1"})
        self.assertEqual(self._password_hash(self.admin), admin_hash)
        self.assertFalse(self.teacher.user_id)

    # ------------------------------------------------------------
    # Create Login
    # ------------------------------------------------------------

    def test_create_login_invites_the_teacher(self):
        teacher = self.teacher.with_user(self.user_school_admin)
        with self.mock_mail_gateway():
            teacher.action_create_login()
        user = self.teacher.user_id
        self.assertTrue(user)
        self.assertEqual(user.login, "paul.janssens@school-a.example")
        self.assertEqual(user.company_id, self.school_a)
        self.assertEqual(user.company_ids, self.school_a)
        self.assertTrue(user.has_group("optis_school.group_school_teacher"))
        self.assertFalse(user.has_group("optis_school.group_school_bursar"))
        self.assertFalse(user._is_admin())
        # No password: the teacher is invited to choose one.
        self.assertEqual(user.partner_id.sudo().signup_type, "signup")
        self.assertTrue(
            [mail for mail in self._mails if any("paul.janssens@school-a.example" in to for to in mail["email_to"])]
        )
        with self.assertRaisesRegex(UserError, "already has a login"):
            teacher.action_create_login()

    def test_create_login_needs_email_and_free_login(self):
        teacher = self.teacher.with_user(self.user_school_admin)
        teacher.email = False
        with self.assertRaisesRegex(UserError, "email address"):
            teacher.action_create_login()
        teacher.email = "PLAIN_STAFF"  # the login of an existing user, in other case
        with self.assertRaisesRegex(UserError, "exists already"):
            teacher.action_create_login()
        self.assertFalse(self.teacher.user_id)

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_login_flows_for_school_admins_only(self):
        for user in (self.user_bursar, self.user_teacher):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.teacher.with_user(user).action_create_login()
                with self.assertRaises(AccessError):
                    self.teacher.with_user(user).action_link_user()
        self.assertFalse(self.teacher.user_id)

    # ------------------------------------------------------------
    # Link Existing User
    # ------------------------------------------------------------

    def test_link_plain_user_then_set_password(self):
        self._link(self.teacher, self.user_plain)
        self.assertEqual(self.teacher.user_id, self.user_plain)
        self.assertTrue(self.user_plain.has_group("optis_school.group_school_teacher"))
        self.teacher.with_user(self.user_school_admin).password = "Chalk-and-Board-42"
        self.assertEqual(self._check_password(self.user_plain, "Chalk-and-Board-42"), self.user_plain.id)
        with self.assertRaisesRegex(UserError, "already has a login"):
            self._link(self.teacher, self.user_plain)

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_link_refuses_other_roles(self):
        erp_manager = mail_new_test_user(
            self.env,
            login="access_manager",
            groups="base.group_user,base.group_erp_manager",
            company_id=self.school_a.id,
            company_ids=[Command.set(self.school_a.ids)],
        )
        other_teacher = self.env["school.teacher"].create(
            {"first_name": "Other", "last_name": "Teacher", "room": "D4", "company_id": self.school_a.id}
        )
        other_teacher.sudo().user_id = self.user_plain
        user_school_b = mail_new_test_user(
            self.env,
            login="staff_b",
            groups="base.group_user",
            company_id=self.school_b.id,
            company_ids=[Command.set(self.school_b.ids)],
        )
        user_both_schools = mail_new_test_user(
            self.env,
            login="staff_ab",
            groups="base.group_user",
            company_id=self.school_a.id,
            company_ids=[Command.set((self.school_a | self.school_b).ids)],
        )
        refused = {
            self.admin: "administrator",
            self.env.ref("base.user_root"): "administrator",
            erp_manager: "administrator",
            self.user_bursar: "other rights",
            self.user_school_admin: "other rights",
            self.user_plain: "already the login of the teacher Other Teacher",
            user_school_b: "does not belong to the school",
            user_both_schools: "schools you do not belong to",
            self.user_parent_1: "not an internal user",
        }
        receptionist_group = self.env.ref("optis_school_meetings.group_meeting_receptionist", raise_if_not_found=False)
        if receptionist_group:
            receptionist = mail_new_test_user(
                self.env,
                login="front_desk",
                groups="base.group_user",
                company_id=self.school_a.id,
                company_ids=[Command.set(self.school_a.ids)],
            )
            receptionist.groups_id = [Command.link(receptionist_group.id)]
            refused[receptionist] = "other rights"
        for user, reason in refused.items():
            groups_before = user.groups_id
            with self.subTest(user=user.login), self.assertRaisesRegex(UserError, reason):
                self.teacher.with_user(self.user_school_admin)._link_user(user)
            self.assertFalse(self.teacher.user_id)
            self.assertEqual(user.groups_id, groups_before)

    def test_link_wizard_refuses_admin(self):
        with self.assertRaisesRegex(UserError, "administrator"):
            self._link(self.teacher, self.admin)
        self.assertFalse(self.teacher.user_id)
        self.assertFalse(self.env["school.teacher"].search([("user_id", "=", self.admin.id)]))

    # ------------------------------------------------------------
    # Password and sync reach the teacher's own user only
    # ------------------------------------------------------------

    def test_password_refused_once_login_has_another_role(self):
        self._link(self.teacher, self.user_plain)
        self.teacher.with_user(self.user_school_admin).password = "Chalk-and-Board-42"
        # The Odoo administrator makes the teacher the bursar too.
        self.user_plain.groups_id = [Command.link(self.env.ref("optis_school.group_school_bursar").id)]
        password_hash = self._password_hash(self.user_plain)
        with self.assertRaisesRegex(UserError, "other rights"):
            self.teacher.with_user(self.user_school_admin).password = "Taken-Over-1"
        self.assertEqual(self._password_hash(self.user_plain), password_hash)
        self.assertEqual(self._check_password(self.user_plain, "Chalk-and-Board-42"), self.user_plain.id)
        with self.assertRaises(AccessDenied):
            self._check_password(self.user_plain, "Taken-Over-1")

    def test_sync_leaves_privileged_login_alone(self):
        teacher = self.teacher.with_user(self.user_school_admin)
        teacher.action_create_login()
        user = self.teacher.user_id
        # A plain teacher login follows the form.
        teacher.write({"email": "p.janssens@school-a.example", "last_name": "Janssens-Peeters"})
        self.assertEqual(user.login, "p.janssens@school-a.example")
        self.assertEqual(user.name, "Paul Janssens-Peeters")
        # Once the login is an administrator's, the form renames nothing.
        user.groups_id = [Command.link(self.env.ref("base.group_system").id)]
        teacher.write({"email": "someone.else@school-a.example", "first_name": "Evil"})
        self.assertEqual(self.teacher.email, "someone.else@school-a.example")
        self.assertEqual(user.login, "p.janssens@school-a.example")
        self.assertEqual(user.email, "p.janssens@school-a.example")
        self.assertEqual(user.name, "Paul Janssens-Peeters")

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_teacher_not_moved_to_another_school(self):
        teacher = self.teacher.with_user(self.user_school_admin)
        teacher.action_create_login()
        with self.assertRaises(AccessError):
            teacher.write({"company_id": self.school_b.id})
        self.assertEqual(self.teacher.company_id, self.school_a)
        self.assertNotIn(self.school_b, self.teacher.user_id.company_ids)

    def test_new_teacher_with_email_and_password(self):
        teacher = self.Teacher.create(
            {
                "first_name": "Ann",
                "last_name": "Wouters",
                "room": "E5",
                "email": "ann.wouters@school-a.example",
                "password": "Chalk-and-Board-42",
            }
        )
        user = teacher.user_id
        self.assertEqual(user.login, "ann.wouters@school-a.example")
        self.assertEqual(user.company_ids, self.school_a)
        self.assertEqual(self._check_password(user, "Chalk-and-Board-42"), user.id)

    def test_teacher_form(self):
        """The form as the school administrator: buttons shown while there is no login, the
        password typed in the form gives the teacher their login. A teacher reads the form
        without the password field."""
        view = self.env.ref("optis_school.school_teacher_view_form")
        arch = self.Teacher.get_view(view.id)["arch"]
        for button in ("action_create_login", "action_link_user"):
            self.assertIn(f'name="{button}"', arch)
        with Form(self.teacher.with_user(self.user_school_admin)) as form:
            form.password = "Chalk-and-Board-42"
        user = self.teacher.user_id
        self.assertEqual(user.login, "paul.janssens@school-a.example")
        self.assertEqual(self._check_password(user, "Chalk-and-Board-42"), user.id)
        teacher_arch = self.env["school.teacher"].with_user(self.user_teacher).get_view(view.id)["arch"]
        self.assertNotIn('name="password"', teacher_arch)
        self.assertNotIn('name="action_link_user"', teacher_arch)
