import logging
import random
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.optis_school.tests.concurrency import race

_logger = logging.getLogger(__name__)

# Threads holding a database connection at the same time (Odoo's pool holds 64, and
# PostgreSQL is shared with other databases); every attempt still races the others.
WORKERS = 30
SLOTS = 50
SLOT_ATTEMPTS = 200
CAPACITY = 3
COUNTER_ATTEMPTS = 100
COUNTER_AGENTS = 5


@tagged("post_install", "-at_install")
class TestMeetingsConcurrency(TransactionCase):
    """Bookings in real, separate transactions (one cursor per attempt).

    Separate transactions do not see the test transaction, so the school data is created
    and committed in its own cursor, and deleted again in a cleanup that runs even when
    the test fails. Agents are available all day, every day, in UTC, and the type needs
    no notice: only the locks decide who gets a slot.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = {}
        cls.addClassCleanup(cls._delete_committed_data)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].create({"name": "Concurrency Test School"})
            cls.data["company_id"] = company.id
            users = env["res.users"].create(
                [
                    {
                        "name": f"Concurrency Agent {index}",
                        "login": f"meetings_concurrency_{index}",
                        "tz": "UTC",
                        "company_id": company.id,
                        "company_ids": [Command.set(company.ids)],
                        "groups_id": [Command.set(env.ref("optis_school_meetings.group_meeting_receptionist").ids)],
                    }
                    for index in range(COUNTER_AGENTS + 1)
                ]
            )
            cls.data["user_ids"] = users.ids
            appointment_type = env["school.appointment.type"].create(
                {
                    "name": "Concurrency",
                    "company_id": company.id,
                    "duration": 0.5,
                    "min_notice_hours": 0,
                    "horizon_days": 30,
                }
            )
            cls.data["type_id"] = appointment_type.id
            agents = env["school.meeting.agent"].create(
                [{"user_id": user.id, "company_id": company.id} for user in users]
            )
            cls.data["agent_ids"] = agents.ids
            env["school.meeting.availability"].create(
                [
                    {"agent_id": agent.id, "hour_from": 0.0, "hour_to": 24.0, "saturday": True, "sunday": True}
                    for agent in agents
                ]
            )
            counters = env["school.meeting.counter"].create(
                [
                    {"name": "Big hall", "company_id": company.id, "capacity": SLOT_ATTEMPTS},
                    {"name": "Small desk", "company_id": company.id, "capacity": CAPACITY},
                ]
            )
            cls.data["counter_ids"] = counters.ids
            # No email: the threads test the locks, not the mail queue.
            cls.data["visitor_id"] = env["res.partner"].create({"name": "Concurrency Visitor"}).id
            # Leaving the cursor block commits.
        tomorrow = datetime.utcnow().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        cls.first_slot = tomorrow

    @classmethod
    def _delete_committed_data(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            if agent_ids := cls.data.get("agent_ids"):
                appointments = env["school.appointment"].search([("agent_id", "in", agent_ids)])
                # Booked appointments are cancelled (their events go with them), never deleted.
                appointments.filtered(lambda appointment: appointment.state == "booked")._cancel(as_visitor=False)
                appointments.unlink()
                env["school.meeting.agent"].browse(agent_ids).unlink()
            if counter_ids := cls.data.get("counter_ids"):
                env["school.meeting.counter"].browse(counter_ids).unlink()
            if type_id := cls.data.get("type_id"):
                env["school.appointment.type"].browse(type_id).unlink()
            if visitor_id := cls.data.get("visitor_id"):
                env["res.partner"].browse(visitor_id).unlink()
            if user_ids := cls.data.get("user_ids"):
                users = env["res.users"].browse(user_ids)
                partners = users.partner_id
                users.unlink()
                partners.unlink()
            if company_id := cls.data.get("company_id"):
                company = env["res.company"].browse(company_id)
                company_partner = company.partner_id
                company.unlink()
                company_partner.unlink()

    def _race(self, attempts):
        """Run the (start, agent id, counter id) booking attempts at the same time.

        :return: (outcomes, retries, seconds); outcomes are "done", "refused" or "gave up"
        """

        def booking(start, agent_id, counter_id):
            def book(env):
                env["school.appointment"]._book(
                    env["school.appointment.type"].browse(self.data["type_id"]),
                    start,
                    env["school.meeting.agent"].browse(agent_id),
                    env["school.meeting.counter"].browse(counter_id),
                    {"visitor_partner_id": self.data["visitor_id"]},
                )

            return book

        return race(self.registry, [booking(*attempt) for attempt in attempts], workers=WORKERS)

    @mute_logger("odoo.sql_db")
    def test_one_agent_never_double_booked(self):
        """200 attempts, four for each of 50 slots of one agent: exactly one per slot wins."""
        agent_id = self.data["agent_ids"][-1]
        counter_id = self.data["counter_ids"][0]
        attempts = [
            (self.first_slot + timedelta(minutes=30 * (index % SLOTS)), agent_id, counter_id)
            for index in range(SLOT_ATTEMPTS)
        ]
        random.shuffle(attempts)
        outcomes, retries, seconds = self._race(attempts)
        _logger.info("%s attempts for %s slots: %.1f s, %s retries", SLOT_ATTEMPTS, SLOTS, seconds, retries)

        self.assertEqual(outcomes.count("done"), SLOTS, outcomes)
        self.assertEqual(outcomes.count("refused"), SLOT_ATTEMPTS - SLOTS, outcomes)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            appointments = env["school.appointment"].search([("agent_id", "=", agent_id)])
            self.assertEqual(len(appointments), SLOTS)
            self.assertEqual(len(set(appointments.mapped("start"))), SLOTS)
            self.assertEqual(len(appointments.calendar_event_id), SLOTS)

    @mute_logger("odoo.sql_db")
    def test_counter_capacity_never_exceeded(self):
        """100 attempts by five agents for one slot at a counter of capacity 3: exactly 3 win."""
        counter_id = self.data["counter_ids"][1]
        agent_ids = self.data["agent_ids"][:COUNTER_AGENTS]
        start = self.first_slot + timedelta(days=2)
        attempts = [(start, agent_ids[index % COUNTER_AGENTS], counter_id) for index in range(COUNTER_ATTEMPTS)]
        outcomes, retries, seconds = self._race(attempts)
        _logger.info(
            "%s attempts for a counter of %s: %.1f s, %s retries", COUNTER_ATTEMPTS, CAPACITY, seconds, retries
        )

        self.assertEqual(outcomes.count("done"), CAPACITY, outcomes)
        self.assertEqual(outcomes.count("refused"), COUNTER_ATTEMPTS - CAPACITY, outcomes)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            appointments = env["school.appointment"].search([("counter_id", "=", counter_id)])
            self.assertEqual(len(appointments), CAPACITY)
            self.assertEqual(len(appointments.agent_id), CAPACITY)
