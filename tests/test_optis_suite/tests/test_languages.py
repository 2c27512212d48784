from datetime import date

from odoo.tests import Form, TransactionCase, tagged
from odoo.tools.misc import format_date

from odoo.addons.mail.tests.common import MockEmail

BELGIAN_LANGUAGES = ("fr_BE", "nl_BE")


@tagged("post_install", "-at_install")
class TestSchoolLanguages(TransactionCase, MockEmail):
    """The demo school as its staff and parents see it: Belgian French and Dutch are
    installed by the run and test commands (translations of every addon loaded, not only the
    languages activated), and each person of the demo reads their own language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bursar = cls.env.ref("optis_school.demo_user_bursar")
        cls.teacher = cls.env.ref("optis_school.demo_user_teacher")
        cls.isabelle = cls.env.ref("optis_school.demo_guardian_isabelle_lejeune")
        cls.marc = cls.env.ref("optis_school.demo_guardian_marc_vermeulen")
        cls.jan = cls.env.ref("optis_school.demo_guardian_jan_maes")
        cls.emma = cls.env.ref("optis_school.demo_student_emma_vermeulen")
        cls.lotte = cls.env.ref("optis_school.demo_student_lotte_maes")

    def _env_of(self, user):
        """The environment of a user's requests: their id and their context (language)."""
        user_env = self.env(user=user)
        return user_env(context=user_env["res.users"].context_get())

    def _wallet(self, student):
        return self.env["school.wallet"].search([("student_id", "=", student.id), ("state", "!=", "closed")], limit=1)

    def test_languages_are_installed_with_belgian_formats(self):
        languages = self.env["res.lang"].search([("code", "in", BELGIAN_LANGUAGES)])
        self.assertEqual(sorted(languages.mapped("code")), sorted(BELGIAN_LANGUAGES), "installed and active")
        self.assertEqual(set(languages.mapped("week_start")), {"1"}, "weeks start on Monday")
        french, dutch = self.env["res.lang"]._lang_get("fr_BE"), self.env["res.lang"]._lang_get("nl_BE")
        self.assertEqual(french.date_format, "%d/%m/%Y")
        self.assertEqual(format_date(self.env(context={"lang": "fr_BE"}), date(2026, 9, 1)), "01/09/2026")
        self.assertEqual(dutch.date_format, "%d-%m-%Y")
        self.assertEqual(format_date(self.env(context={"lang": "nl_BE"}), date(2026, 9, 1)), "01-09-2026")
        # Odoo's own modules are translated too, not only the OPTIS addons.
        self.assertEqual(
            self.env["ir.model.fields"]._get("res.partner", "email").with_context(lang="fr_BE").field_description,
            "E-mail",
        )

    def test_demo_people_speak_french_dutch_and_one_english(self):
        self.assertEqual(self.bursar.lang, "fr_BE")
        self.assertEqual(self.teacher.lang, "nl_BE")
        self.assertEqual(self.env.ref("base.user_admin").lang, "en_US")
        self.assertEqual(self.env.ref("optis_school.demo_user_parent1").lang, "fr_BE")
        self.assertEqual((self.isabelle | self.marc | self.jan).mapped("lang"), ["fr_BE", "nl_BE", "nl_BE"])
        demo_guardians = self.env["res.partner"].browse(
            self.env["ir.model.data"]
            .search(
                [("module", "=", "optis_school"), ("model", "=", "res.partner"), ("name", "=like", "demo_guardian_%")]
            )
            .mapped("res_id")
        )
        self.assertEqual(len(demo_guardians), 41)
        self.assertEqual(set(demo_guardians.mapped("lang")), set(BELGIAN_LANGUAGES))

    def test_backend_views_in_the_user_language(self):
        """The bursar (French) and the teacher (Dutch) get their labels in their language."""
        views = self._env_of(self.bursar)["school.wallet"].get_views([(False, "form")])
        self.assertEqual(views["models"]["school.wallet"]["fields"]["balance"]["string"], "Solde")
        views = self._env_of(self.teacher)["res.partner"].get_views(
            [(self.env.ref("optis_school.res_partner_student_view_form").id, "form")]
        )
        self.assertEqual(views["models"]["res.partner"]["fields"]["student_number"]["string"], "Leerlingnummer")
        self.assertIn("Voogden", views["views"]["form"]["arch"], "a label of the view itself")
        views = self.env(user=self.env.ref("base.user_admin"))["school.wallet"].get_views([(False, "form")])
        self.assertEqual(views["models"]["school.wallet"]["fields"]["balance"]["string"], "Balance")

    def _cash_topup(self, bursar, wallet, payer, amount):
        """A cash top-up at the desk by the bursar; the HTML of the receipt it prints."""
        bursar_env = self._env_of(bursar)
        action = bursar_env["school.wallet"].browse(wallet.id).action_open_topup_cash()
        form = Form(bursar_env[action["res_model"]].with_context(**action["context"]))
        form.amount = amount
        form.payer_id = payer
        report_action = form.save().action_confirm()
        operation_ids = report_action["context"]["active_ids"]
        html = bursar_env["ir.actions.report"]._render_qweb_html(report_action["report_name"], operation_ids)[0]
        return html.decode()

    def test_receipt_in_the_payer_language(self):
        """The receipt, amount in words included, is in the payer's language, not the
        language of the bursar who prints it."""
        html = self._cash_topup(self.bursar, self._wallet(self.lotte), self.jan, 25)
        self.assertIn("Ontvangstbewijs", html)
        self.assertIn("In woorden", html)
        self.assertIn("Vijfentwintig", html)
        self.assertNotIn("Vingt", html)
        self.assertNotIn("Reçu", html)

        self.bursar.lang = "nl_BE"
        html = self._cash_topup(self.bursar, self._wallet(self.emma), self.isabelle, 25)
        self.assertIn("Reçu de", html)
        self.assertIn("En toutes lettres", html)
        self.assertIn("Vingt-Cinq", html)
        self.assertNotIn("Vijfentwintig", html)
        # Belgian French counts in septante, not soixante-dix.
        html = self._cash_topup(self.bursar, self._wallet(self.emma), self.isabelle, 70)
        self.assertIn("Septante", html)

    def test_report_in_the_user_language(self):
        """A report that is no letter to a family comes in the language of who prints it:
        the interview schedule of the demo's parents' evening, in Dutch for the teacher and in
        French for the bursar (the language is the point here, not who may print it)."""
        participation = self.env["school.interview.teacher"].search([], limit=1)
        self.assertTrue(participation, "the demo has a parents' evening")
        report = "optis_school_meetings.report_interview_teacher_schedule"
        evening = participation.period_id.date
        for user, heading, day in (
            (self.teacher, "Tijdstip", evening.strftime("%d-%m-%Y")),
            (self.bursar, "Heure", evening.strftime("%d/%m/%Y")),
        ):
            with self.subTest(lang=user.lang):
                reports = self._env_of(user)["ir.actions.report"].sudo()
                html = reports._render_qweb_html(report, participation.ids)[0].decode()
                self.assertIn(f"<th>{heading}</th>", html)
                self.assertNotIn("<th>Time</th>", html)
                self.assertIn(day, html, "the Belgian date format")

    def test_mail_in_each_guardian_language(self):
        """A separated family: Isabelle reads French, Marc Dutch; each gets the low-balance
        mail in their language, whoever triggers it."""
        self.env.ref("optis_school.demo_link_emma_vermeulen_marc_vermeulen").is_payer = True
        wallet = self._wallet(self.emma)
        with self.mock_mail_gateway():
            self._env_of(self.teacher)["school.wallet"].sudo().browse(wallet.id)._send_low_balance_alert()
        mail_fr = self._new_mails.filtered(lambda mail: mail.recipient_ids == self.isabelle)
        mail_nl = self._new_mails.filtered(lambda mail: mail.recipient_ids == self.marc)
        self.assertEqual(len(mail_fr), 1)
        self.assertEqual(len(mail_nl), 1)
        self.assertIn("est presque vide", mail_fr.subject)
        self.assertIn("Bonjour", mail_fr.body_html)
        self.assertIn("Le solde du portefeuille", mail_fr.body_html)
        self.assertIn("is bijna leeg", mail_nl.subject)
        self.assertIn("Het saldo van de portefeuille", mail_nl.body_html)
