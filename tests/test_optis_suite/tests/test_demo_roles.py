from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoRoles(TransactionCase):
    """The demo logins have the rights of their role and no more (found by the write sweep:
    the demo teacher could create journal entries)."""

    def test_demo_teacher_is_a_teacher_only(self):
        teacher = self.env.ref("optis_school.demo_user_teacher")
        self.assertTrue(teacher.has_group("optis_school.group_school_teacher"))
        for group in ("account.group_account_invoice", "account.group_account_manager", "base.group_system"):
            with self.subTest(group=group):
                self.assertFalse(teacher.has_group(group))
        self.assertFalse(self.env["account.move"].with_user(teacher).has_access("create"))
