from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import MealCommon


@tagged("post_install", "-at_install")
class TestMealClosureMail(MealCommon):
    """When a bursar cancels a closure's meals, each paying guardian gets one mail for all
    their children, listing the meals refunded."""

    def test_one_mail_per_paying_guardian_listing_the_refunded_meals(self):
        with freeze_time(self.cutoff - timedelta(days=3)):
            self.student_ada.allergen_ids = False
            self.book(self.user_mother, self.veggie, self.student_ada)
            self.book(self.user_mother, self.soup)
            self.book(self.user_mother, self.veggie)
        closure = self.env["school.meal.closure"].create(
            {"name": "Teachers' day", "company_id": self.company.id, "date_from": self.day, "date_to": self.day}
        )
        mails_before = self.env["mail.mail"].search([])
        with freeze_time(self.cutoff + timedelta(hours=2)):
            closure.with_user(self.user_meal_bursar).action_cancel_meals()
        mails = self.env["mail.mail"].search([]) - mails_before
        self.assertEqual(self.wallet_bob_canteen.balance, 20.0)

        def mails_to(guardian):
            return mails.filtered(lambda mail: guardian in mail.recipient_ids)

        # The mother pays for Ada and Bob: one mail with the three meals.
        mother_mail = mails_to(self.mother)
        self.assertEqual(len(mother_mail), 1)
        self.assertIn("Teachers' day", mother_mail.subject)
        body = str(mother_mail.body_html)
        for text in (self.student_ada.name, self.student_bob.name, "Veggie curry", "Tomato soup"):
            self.assertIn(text, body)
        self.assertEqual(body.count("text-align: right"), 3, "a row per meal")
        # The grandfather pays for Ada only: her meal, not Bob's.
        grandfather_body = str(mails_to(self.grandfather).body_html)
        self.assertIn("Veggie curry", grandfather_body)
        self.assertNotIn("Tomato soup", grandfather_body)
        self.assertNotIn(self.student_bob.name, grandfather_body)
        # The stepfather does not pay: no mail.
        self.assertFalse(mails_to(self.stepfather))
        self.assertEqual(len(mails), len(mails.recipient_ids), "one mail per guardian")

    def test_mail_in_the_guardians_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.mother.lang = "fr_FR"
        template = self.env.ref("optis_school_meals.mail_template_school_meal_closure_refund")
        template.with_context(lang="fr_FR").subject = "{{ object.name }} : repas annulés et remboursés"
        with freeze_time(self.cutoff - timedelta(days=3)):
            self.book(self.user_mother, self.soup)
        closure = self.env["school.meal.closure"].create(
            {
                "name": "Trip",
                "company_id": self.company.id,
                "date_from": self.day,
                "date_to": self.day,
                "class_ids": [Command.set(self.student_bob.school_class_id.ids)],
            }
        )
        mails_before = self.env["mail.mail"].search([])
        closure.with_user(self.user_meal_bursar).action_cancel_meals()
        mail = (self.env["mail.mail"].search([]) - mails_before).filtered(
            lambda mail: self.mother in mail.recipient_ids
        )
        self.assertEqual(mail.subject, "Trip : repas annulés et remboursés")
