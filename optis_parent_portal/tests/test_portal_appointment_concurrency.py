from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.optis_school.tests.concurrency import race

ATTEMPTS = 12
WORKERS = 6


@tagged("post_install", "-at_install")
class TestPortalAppointmentConcurrency(TransactionCase):
    """Parents booking the same desk time at once, each in their own transaction (one
    cursor per attempt), through what the portal calls (``_portal_book``): one gets it,
    the others are refused with the engine's message, nobody is booked twice.

    The data is committed in its own cursor (separate transactions do not see the test
    transaction's) and deleted in a cleanup that runs even when the test fails.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = {}
        cls.addClassCleanup(cls._delete_committed_data)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].create({"name": "Portal Concurrency School"})
            cls.data["company_id"] = company.id
            user = env["res.users"].create(
                {
                    "name": "Portal Concurrency Agent",
                    "login": "portal_appointment_concurrency",
                    "tz": "UTC",
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    "groups_id": [Command.set(env.ref("optis_school_meetings.group_meeting_receptionist").ids)],
                }
            )
            cls.data["user_id"] = user.id
            appointment_type = env["school.appointment.type"].create(
                {
                    "name": "Portal concurrency",
                    "company_id": company.id,
                    "duration": 0.5,
                    "min_notice_hours": 0,
                    "horizon_days": 30,
                    "portal_published": True,
                }
            )
            cls.data["type_id"] = appointment_type.id
            agent = env["school.meeting.agent"].create({"user_id": user.id, "company_id": company.id})
            cls.data["agent_id"] = agent.id
            env["school.meeting.availability"].create(
                {"agent_id": agent.id, "hour_from": 0.0, "hour_to": 24.0, "saturday": True, "sunday": True}
            )
            cls.data["counter_id"] = (
                env["school.meeting.counter"].create({"name": "One desk", "company_id": company.id, "capacity": 1}).id
            )
            # No email: the threads test the locks, not the mail queue.
            cls.data["guardian_ids"] = (
                env["res.partner"].create([{"name": f"Concurrent Parent {index}"} for index in range(ATTEMPTS)]).ids
            )
        cls.start = datetime.utcnow().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=2)

    @classmethod
    def _delete_committed_data(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            if agent_id := cls.data.get("agent_id"):
                appointments = env["school.appointment"].search([("agent_id", "=", agent_id)])
                appointments.filtered(lambda appointment: appointment.state == "booked")._cancel(as_visitor=False)
                appointments.unlink()
                env["school.meeting.agent"].browse(agent_id).unlink()
            if counter_id := cls.data.get("counter_id"):
                env["school.meeting.counter"].browse(counter_id).unlink()
            if type_id := cls.data.get("type_id"):
                env["school.appointment.type"].browse(type_id).unlink()
            if guardian_ids := cls.data.get("guardian_ids"):
                env["res.partner"].browse(guardian_ids).unlink()
            if user_id := cls.data.get("user_id"):
                user = env["res.users"].browse(user_id)
                partner = user.partner_id
                user.unlink()
                partner.unlink()
            if company_id := cls.data.get("company_id"):
                company = env["res.company"].browse(company_id)
                company_partner = company.partner_id
                company.unlink()
                company_partner.unlink()

    @mute_logger("odoo.sql_db")
    def test_one_parent_gets_the_time(self):
        refusals = []

        def booking(guardian_id):
            def book(env):
                try:
                    env["school.appointment"]._portal_book(
                        env["school.appointment.type"].browse(self.data["type_id"]),
                        self.start,
                        env["res.partner"].browse(guardian_id),
                    )
                except UserError as exception:
                    refusals.append(str(exception))
                    raise

            return book

        outcomes, _retries, _seconds = race(
            self.registry, [booking(guardian_id) for guardian_id in self.data["guardian_ids"]], workers=WORKERS
        )
        self.assertEqual(outcomes.count("done"), 1, outcomes)
        self.assertEqual(outcomes.count("refused"), ATTEMPTS - 1, outcomes)
        self.assertEqual(len(refusals), ATTEMPTS - 1)
        self.assertTrue(
            all(
                "no longer free" in message or "already has an appointment" in message or "is full" in message
                for message in refusals
            ),
            refusals,
        )
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            appointments = env["school.appointment"].search(
                [("agent_id", "=", self.data["agent_id"]), ("state", "=", "booked")]
            )
            self.assertEqual(len(appointments), 1)
            self.assertEqual(appointments.start, self.start)
            self.assertIn(appointments.visitor_partner_id.id, self.data["guardian_ids"])
