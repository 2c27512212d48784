import uuid

from odoo.tests import TransactionCase

from odoo.addons.mail.tests.common import mail_new_test_user


class SchoolCase(TransactionCase):
    """A small school built once per test class.

    School A (30-day codes) has two classes: 1A with the siblings Emma and
    Noah (guardians: the portal parent Isabelle, their mother, and Marc, their
    father, who does not receive mail and does not live with them) and 2A with
    Lina (guardians: the portal parent Karim, her father, and Rose, her
    grandmother, who is not to be contacted by email) and Lucas (no guardian).
    School B (7-day codes) has one class with Zoé, whose student number is
    Emma's: numbers are unique per school only.

    Users, one per role: school user (read only), teacher, bursar, school
    administrator, a bursar of school B only, and the two portal parents.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.school_a = cls.env["res.company"].create(
            {"name": "OPTIS Test School A", "school_activation_validity_days": 30, "email": "office@school-a.example"}
        )
        cls.school_b = cls.env["res.company"].create(
            {"name": "OPTIS Test School B", "school_activation_validity_days": 7, "email": "office@school-b.example"}
        )

        # Users per role
        cls.user_school = cls._new_user("school_user", "optis_school.group_school_user", cls.school_a)
        cls.user_teacher = cls._new_user("school_teacher", "optis_school.group_school_teacher", cls.school_a)
        cls.user_bursar = cls._new_user("school_bursar", "optis_school.group_school_bursar", cls.school_a)
        cls.user_school_admin = cls._new_user("school_admin", "optis_school.group_school_admin", cls.school_a)
        cls.user_bursar_b = cls._new_user("school_b_bursar", "optis_school.group_school_bursar", cls.school_b)
        cls.user_parent_1 = mail_new_test_user(
            cls.env,
            login="parent_isabelle",
            name="Isabelle Lejeune",
            email="isabelle.lejeune@family-one.example",
            groups="base.group_portal",
            company_id=cls.school_a.id,
        )
        cls.user_parent_2 = mail_new_test_user(
            cls.env,
            login="parent_karim",
            name="Karim Haddad",
            email="karim.haddad@family-two.example",
            groups="base.group_portal",
            company_id=cls.school_a.id,
        )
        cls.parent_1 = cls.user_parent_1.partner_id
        cls.parent_2 = cls.user_parent_2.partner_id

        # Years and classes
        cls.year_a = cls.env["school.year"].create(
            {"name": "2026-2027", "date_start": "2026-09-01", "date_end": "2027-06-30", "company_id": cls.school_a.id}
        )
        cls.year_b = cls.env["school.year"].create(
            {"name": "2026-2027", "date_start": "2026-09-01", "date_end": "2027-06-30", "company_id": cls.school_b.id}
        )
        cls.class_a1, cls.class_a2 = cls.env["school.class"].create(
            [
                {"name": "Test 1A", "school_year_id": cls.year_a.id, "company_id": cls.school_a.id},
                {"name": "Test 2A", "school_year_id": cls.year_a.id, "company_id": cls.school_a.id},
            ]
        )
        cls.class_b1 = cls.env["school.class"].create(
            {"name": "Test 1B", "school_year_id": cls.year_b.id, "company_id": cls.school_b.id}
        )

        # Students
        cls.student_emma = cls._new_student("Emma", "Lejeune", "A-001", cls.class_a1)
        cls.student_noah = cls._new_student("Noah", "Lejeune", "A-002", cls.class_a1)
        cls.student_lina = cls._new_student("Lina", "Haddad", "A-003", cls.class_a2)
        cls.student_lucas = cls._new_student("Lucas", "Peeters", "A-004", cls.class_a2)
        cls.student_zoe = cls._new_student("Zoé", "Martin", "A-001", cls.class_b1)
        cls.student_emma.medical_notes = "Asthma: inhaler in the school bag."

        # Guardians without an account
        cls.guardian_marc = cls.env["res.partner"].create(
            {"first_name": "Marc", "last_name": "Lejeune", "email": "marc.lejeune@family-one.example"}
        )
        cls.guardian_rose = cls.env["res.partner"].create(
            {
                "first_name": "Rose",
                "last_name": "Haddad",
                "email": "rose.haddad@family-two.example",
                "contact_by_email": False,
            }
        )
        Link = cls.env["school.guardian.link"]
        cls.link_emma_isabelle = Link.create(
            {"student_id": cls.student_emma.id, "guardian_id": cls.parent_1.id, "relationship": "mother"}
        )
        cls.link_emma_marc = Link.create(
            {
                "student_id": cls.student_emma.id,
                "guardian_id": cls.guardian_marc.id,
                "relationship": "father",
                "receives_mail": False,
                "is_in_charge": False,
            }
        )
        cls.link_noah_isabelle = Link.create(
            {"student_id": cls.student_noah.id, "guardian_id": cls.parent_1.id, "relationship": "mother"}
        )
        cls.link_noah_marc = Link.create(
            {
                "student_id": cls.student_noah.id,
                "guardian_id": cls.guardian_marc.id,
                "relationship": "father",
                "receives_mail": False,
                "is_in_charge": False,
            }
        )
        cls.link_lina_karim = Link.create(
            {"student_id": cls.student_lina.id, "guardian_id": cls.parent_2.id, "relationship": "father"}
        )
        cls.link_lina_rose = Link.create(
            {
                "student_id": cls.student_lina.id,
                "guardian_id": cls.guardian_rose.id,
                "relationship": "legal_guardian",
                "is_in_charge": False,
            }
        )

    @classmethod
    def _new_user(cls, login, group, company):
        return mail_new_test_user(
            cls.env,
            login=login,
            name=login.replace("_", " ").title(),
            email=f"{login}@staff.example",
            groups=f"base.group_user,{group}",
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
        )

    @classmethod
    def _new_student(cls, first_name, last_name, number, school_class, **values):
        return cls.env["res.partner"].create(
            {
                "first_name": first_name,
                "last_name": last_name,
                "is_student": True,
                "student_number": number,
                "school_class_id": school_class.id,
                "company_id": school_class.company_id.id,
                **values,
            }
        )

    # ------------------------------------------------------------
    # Activation attempts
    # ------------------------------------------------------------
    # Failed redeems are written on a cursor of their own, which commits:
    # in a TransactionCase they outlive the test's rollback. Every test uses
    # its own keys (fresh partners, unique addresses) and removes them.

    def setUp(self):
        super().setUp()
        self._attempt_keys = set()
        self.addCleanup(self._delete_attempts)

    def _delete_attempts(self):
        if not self._attempt_keys:
            return
        with self.env.registry.cursor() as cr:
            cr.execute("DELETE FROM school_activation_attempt WHERE key IN %s", [tuple(self._attempt_keys)])

    def _count_attempts(self, key):
        with self.env.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM school_activation_attempt WHERE key = %s", [key])
            return cr.fetchone()[0]

    def _unique_ip(self):
        return f"198.51.100.{uuid.uuid4().hex[:12]}"

    def _new_parent(self, name="New Parent"):
        return self.env["res.partner"].create({"name": name, "email": f"{uuid.uuid4().hex[:10]}@parents.example"})

    def _redeem(self, code_text, partner, remote_addr=None, user=None):
        """Redeem ``code_text`` for ``partner`` (as ``user``, else superuser),
        remembering the throttling keys to clean up."""
        self._attempt_keys.add(f"partner:{partner.id}")
        if remote_addr:
            self._attempt_keys.add(f"ip:{remote_addr}")
        codes = self.env["school.activation.code"]
        if user:
            codes = codes.with_user(user)
        return codes.redeem(code_text, partner, remote_addr=remote_addr)

    def _new_code(self, student, **values):
        return self.env["school.activation.code"].create({"student_id": student.id, **values})
