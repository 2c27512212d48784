from datetime import date, timedelta

from odoo import Command

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.optis_school_wallet.tests.common import WalletCommon

from .common import create_published_evening


class PortalRightsCommon(WalletCommon):
    """Ada and Bob's family in a school that gives accounts to the guardians it ticks:

    - their mother, legally responsible and paying: money and meetings, both children;
    - Ada's stepfather, ticked, lives with her, neither legally responsible nor paying: meetings only;
    - Ada's grandfather, ticked, pays, does not live with her: money only;
    - their uncle, linked as "Other" to both, not legally responsible, receives no mail, not
      ticked: no rights (he has an account all the same, granted by hand before the rule).

    Tina teaches Ada and Bob's class; an evening in ten days is published. Mother booked an
    interview about Ada; a receptionist booked one about Bob for the grandfather.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.school_portal_ticked = True
        cls.user_settings = mail_new_test_user(
            cls.env,
            login="rights_settings",
            groups="base.group_user,base.group_system,optis_school.group_school_admin",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.user_mother, cls.user_stepfather, cls.user_grandfather, cls.user_uncle = (
            mail_new_test_user(
                cls.env,
                login=login,
                name=name,
                email=f"{login}@family.example",
                groups="base.group_portal",
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )
            for login, name in (
                ("rights_mother", "Maud Mother"),
                ("rights_stepfather", "Stan Stepfather"),
                ("rights_grandfather", "Gus Grandfather"),
                ("rights_uncle", "Otto Uncle"),
            )
        )
        cls.mother, cls.stepfather, cls.grandfather, cls.uncle = (
            cls.user_mother | cls.user_stepfather | cls.user_grandfather | cls.user_uncle
        ).partner_id
        links = cls.env["school.guardian.link"]
        cls.link_ada_mother, cls.link_bob_mother = links.create(
            [
                {"student_id": student.id, "guardian_id": cls.mother.id, "relationship": "mother"}
                for student in (cls.student_ada, cls.student_bob)
            ]
        )
        cls.link_ada_stepfather = links.create(
            {
                "student_id": cls.student_ada.id,
                "guardian_id": cls.stepfather.id,
                "is_legally_responsible": False,
                "is_payer": False,
                "allow_portal_account": True,
            }
        )
        cls.link_ada_grandfather, cls.link_bob_grandfather = links.create(
            [
                {
                    "student_id": student.id,
                    "guardian_id": cls.grandfather.id,
                    "is_legally_responsible": False,
                    "is_in_charge": False,
                    "allow_portal_account": True,
                }
                for student in (cls.student_ada, cls.student_bob)
            ]
        )
        # Bob's grandfather link grants nothing: he does not pay for Bob.
        cls.link_bob_grandfather.is_payer = False
        cls.link_ada_uncle, cls.link_bob_uncle = links.create(
            [
                {
                    "student_id": student.id,
                    "guardian_id": cls.uncle.id,
                    "is_legally_responsible": False,
                    "receives_mail": False,
                }
                for student in (cls.student_ada, cls.student_bob)
            ]
        )
        cls.wallet_ada_general._credit(30.0, "topup_cash")
        cls.wallet_bob_general._credit(12.0, "topup_cash")

        cls.teacher = cls.env["school.teacher"].create(
            {"first_name": "Tina", "last_name": "Teacher", "room": "A1", "company_id": cls.company.id}
        )
        year = cls.env["school.year"].create(
            {
                "name": "Rights year",
                "date_start": date.today() - timedelta(days=60),
                "date_end": date.today() + timedelta(days=200),
                "company_id": cls.company.id,
            }
        )
        school_class = cls.env["school.class"].create(
            {
                "name": "Rights class",
                "school_year_id": year.id,
                "company_id": cls.company.id,
                "main_teacher_id": cls.teacher.id,
            }
        )
        (cls.student_ada | cls.student_bob).school_class_id = school_class
        cls.evening = create_published_evening(cls.env, cls.company, "Rights evening")
        cls.tina = cls.evening.participation_ids
        cls.slots = [start for start, _stop in cls.evening._get_slot_grid()]
        interviews = cls.env["school.interview"]
        cls.interview_ada = interviews._book(cls.tina, cls.slots[0], cls.student_ada, cls.mother)
        cls.interview_bob = interviews._book(cls.tina, cls.slots[1], cls.student_bob, cls.grandfather)

    def _as(self, user, model):
        return self.env[model].with_user(user)

    def _set_school_rule(self, **values):
        """Change the school's rule in Settings, as its administrator does."""
        settings = self.env["res.config.settings"].with_user(self.user_settings).create({})
        self.assertEqual(settings.company_id, self.company)
        settings.write(values)
        settings.execute()
