from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .interview_common import NOW, InterviewCommon, utc

MONDAY_9 = datetime(2025, 3, 24, 8)


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestCompanyIsolation(InterviewCommon):
    """The staff of school A read nothing of school B, in every model of the addon that has
    a school. The models are taken from the registry: a new model with a company field is
    checked without new test code (and fails here until school B has a record of it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # School B (the interview school of the common data): one record of every kind.
        cls.part_1.block_ids = [Command.create({"hour_from": 18.5, "hour_to": 19.0, "reason": "Away"})]
        cls.env["school.interview"]._book(cls.part_1, utc(16), cls.alice, cls.mum)
        cls.env["school.interview.wait"].create(
            {"participation_id": cls.part_2.id, "student_id": cls.carl.id, "guardian_id": cls.carol.id}
        )
        planning = cls.env["school.interview.round"].create({"period_id": cls.period.id})
        cls.env["school.interview.wish"].create(
            {
                "round_id": planning.id,
                "student_id": cls.carl.id,
                "guardian_id": cls.carol.id,
                "participation_id": cls.part_1.id,
                "guardian_priority": "required",
            }
        )
        cls.env["school.interview.family.block"].create(
            {"round_id": planning.id, "guardian_id": cls.carol.id, "hour_from": 17.0, "hour_to": 17.5}
        )
        agent_user = mail_new_test_user(
            cls.env,
            login="isolation_agent_b",
            groups="optis_school_meetings.group_meeting_receptionist",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        appointment_type = cls.env["school.appointment.type"].create(
            {"name": "Enrolment B", "company_id": cls.company.id, "min_notice_hours": 0, "horizon_days": 365}
        )
        counter = cls.env["school.meeting.counter"].create({"name": "Desk B", "company_id": cls.company.id})
        agent = cls.env["school.meeting.agent"].create({"user_id": agent_user.id, "company_id": cls.company.id})
        cls.env["school.meeting.availability"].create({"agent_id": agent.id, "hour_from": 8.0, "hour_to": 12.0})
        cls.env["school.meeting.unavailability"].create(
            {
                "reason": "Away",
                "agent_id": agent.id,
                "company_id": cls.company.id,
                "start": MONDAY_9 + timedelta(days=1),
                "stop": MONDAY_9 + timedelta(days=1, hours=2),
            }
        )
        cls.env["school.appointment"]._book(appointment_type, MONDAY_9, agent, counter, {"visitor_name": "Visitor B"})

        # School A and its staff, who belong to school A only.
        cls.company_a = cls.env["res.company"].create({"name": "School A"})
        company_a = {"company_id": cls.company_a.id, "company_ids": [Command.set(cls.company_a.ids)]}
        cls.staff_a = [
            mail_new_test_user(
                cls.env,
                login="isolation_receptionist_a",
                groups="optis_school_meetings.group_meeting_receptionist",
                **company_a,
            ),
            mail_new_test_user(
                cls.env, login="isolation_admin_a", groups="optis_school_meetings.group_meeting_admin", **company_a
            ),
        ]

    def _company_models(self):
        """Every model of this addon, stored, whose records belong to a school."""
        model_ids = (
            self.env["ir.model.data"]
            .sudo()
            .search([("module", "=", "optis_school_meetings"), ("model", "=", "ir.model")])
            .mapped("res_id")
        )
        names = self.env["ir.model"].sudo().browse(model_ids).mapped("model")
        return sorted(
            name
            for name in names
            if not self.env[name]._transient
            and not self.env[name]._abstract
            and self.env[name]._fields.get("company_id")
            and self.env[name]._fields["company_id"].store
        )

    def test_staff_of_school_a_read_nothing_of_school_b(self):
        models = self._company_models()
        self.assertIn("school.interview.attendee", models)
        self.assertIn("school.interview.block", models)
        for model in models:
            records_b = (
                self.env[model].sudo().with_context(active_test=False).search([("company_id", "=", self.company.id)])
            )
            with self.subTest(model=model):
                self.assertTrue(records_b, f"school B needs a {model} for this test to mean something")
                for user in self.staff_a:
                    as_user = (
                        self.env[model]
                        .with_user(user)
                        .with_context(allowed_company_ids=self.company_a.ids, active_test=False)
                    )
                    self.assertFalse(as_user.search([("id", "in", records_b.ids)]), f"{user.login} finds {model}")
                    self.assertFalse(as_user.search_count([("company_id", "=", self.company.id)]))
                    with self.assertRaises(AccessError):
                        as_user.browse(records_b.ids).read(["company_id"])
