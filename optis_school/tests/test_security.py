from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import SchoolCase


@tagged("post_install", "-at_install")
class TestSecurity(SchoolCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.code_emma = cls.env["school.activation.code"].create({"student_id": cls.student_emma.id})
        cls.code_zoe = cls.env["school.activation.code"].create({"student_id": cls.student_zoe.id})

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_medical_notes_admin_only(self):
        for user in (self.user_teacher, self.user_school, self.user_bursar):
            with self.subTest(user=user.login):
                student = self.student_emma.with_user(user)
                self.assertEqual(student.name, "Emma Lejeune")
                with self.assertRaises(AccessError):
                    student.read(["medical_notes"])
                self.assertNotIn("medical_notes", student.fields_get())
        notes = self.student_emma.with_user(self.user_school_admin).read(["medical_notes"])[0]["medical_notes"]
        self.assertEqual(notes, "Asthma: inhaler in the school bag.")

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_other_school_invisible(self):
        user_b = self.user_bursar_b
        # School B is readable...
        self.assertEqual(self.student_zoe.with_user(user_b).read(["name"])[0]["name"], "Zoé Martin")
        self.assertEqual(self.class_b1.with_user(user_b).read(["name"])[0]["name"], "Test 1B")
        self.assertEqual(self.code_zoe.with_user(user_b).read(["code"])[0]["code"], self.code_zoe.code)
        # ... school A is not, neither by id nor by search.
        for record in (self.student_emma, self.class_a1, self.code_emma, self.link_emma_isabelle, self.year_a):
            with self.subTest(model=record._name), self.assertRaises(AccessError):
                record.with_user(user_b).read(["display_name"])
        Partner = self.env["res.partner"].with_user(user_b)
        self.assertFalse(Partner.search([("id", "in", (self.student_emma | self.student_lina).ids)]))
        self.assertEqual(
            Partner.search([("is_student", "=", True), ("student_number", "=", "A-001")]), self.student_zoe
        )
        self.assertEqual(
            self.env["school.class"].with_user(user_b).search([("name", "like", "Test ")]),
            self.class_b1,
        )
        codes = self.env["school.activation.code"].with_user(user_b).search([])
        self.assertIn(self.code_zoe, codes)
        self.assertNotIn(self.code_emma, codes)
        self.assertFalse(codes.filtered(lambda code: code.company_id != self.school_b))

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_school_user_reads_only(self):
        school_class = self.class_a1.with_user(self.user_school)
        self.assertEqual(school_class.student_count, 2)
        self.assertEqual(school_class.student_ids, self.student_emma | self.student_noah)
        with self.assertRaises(AccessError):
            school_class.write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.env["school.class"].with_user(self.user_school).create(
                {"name": "New", "school_year_id": self.year_a.id, "company_id": self.school_a.id}
            )
        with self.assertRaises(AccessError):
            self.link_emma_isabelle.with_user(self.user_school).write({"receives_mail": False})
        with self.assertRaises(AccessError):
            self.student_emma.with_user(self.user_school).write({"student_number": "X"})
        self.assertEqual(self.class_a1.name, "Test 1A")

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_teacher_no_activation_codes(self):
        Code = self.env["school.activation.code"].with_user(self.user_teacher)
        with self.assertRaises(AccessError):
            Code.search([])
        with self.assertRaises(AccessError):
            self.code_emma.with_user(self.user_teacher).read(["code"])
        with self.assertRaises(AccessError):
            Code.create({"student_id": self.student_noah.id})
        with self.assertRaises(AccessError):
            self.env["school.activation.code.generate"].with_user(self.user_teacher).create(
                {"selection": "students", "student_ids": [(6, 0, self.student_noah.ids)]}
            )
        with self.assertRaises(AccessError):
            self.env["school.activation.code"].with_user(self.user_school).search([])

    def test_bursar_manages_codes(self):
        Code = self.env["school.activation.code"].with_user(self.user_bursar)
        code = Code.create({"student_id": self.student_noah.id})
        self.assertEqual(code.company_id, self.school_a)
        self.assertEqual(code.state, "unused")
        self.assertIn(code, Code.search([("student_id", "=", self.student_noah.id)]))
        code.action_revoke()
        self.assertEqual(code.state, "revoked")
        link = (
            self.env["school.guardian.link"]
            .with_user(self.user_bursar)
            .create({"student_id": self.student_lucas.id, "guardian_id": self.guardian_rose.id})
        )
        self.assertEqual(link.company_id, self.school_a)

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_activation_attempts_not_for_bursar(self):
        with self.assertRaises(AccessError):
            self.env["school.activation.attempt"].with_user(self.user_bursar).search([])
        with self.assertRaises(AccessError):
            self.env["school.activation.attempt"].with_user(self.user_school_admin).create({"key": "ip:forged"})

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_portal_parent_no_backend_access(self):
        for model in ("school.activation.code", "school.class", "school.guardian.link", "school.teacher"):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.user_parent_1).search([])

    def test_student_views_for_every_role(self):
        """Every school role opens the student list, shows any optional column
        and applies any filter of the search view without an access error."""
        list_view = self.env.ref("optis_school.res_partner_student_view_list")
        search_view = self.env.ref("optis_school.res_partner_student_view_search")
        for user in (self.user_school, self.user_teacher, self.user_bursar, self.user_school_admin):
            with self.subTest(user=user.login):
                Partner = self.env["res.partner"].with_user(user)
                views = Partner.get_views([(list_view.id, "list"), (search_view.id, "search")])
                field_defs = views["models"]["res.partner"]["fields"]
                list_arch = etree.fromstring(views["views"]["list"]["arch"])
                specification = {"display_name": {}}
                for node in list_arch.xpath("/list/field"):
                    name = node.get("name")
                    relational = field_defs[name]["type"] in ("many2one", "many2many", "one2many")
                    specification[name] = {"fields": {"display_name": {}}} if relational else {}
                result = Partner.web_search_read([("is_student", "=", True)], specification)
                names = {record["display_name"] for record in result["records"]}
                self.assertTrue({"Emma Lejeune", "Noah Lejeune", "Lina Haddad"} <= names)
                self.assertNotIn("Zoé Martin", names)
                search_arch = etree.fromstring(views["views"]["search"]["arch"])
                for node in search_arch.xpath("//filter[@domain]"):
                    domain = safe_eval(node.get("domain"), {"uid": user.id, "context": {}})
                    Partner.search([("is_student", "=", True)] + domain)
