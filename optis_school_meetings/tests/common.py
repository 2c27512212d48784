from datetime import datetime

from odoo import Command
from odoo.tests import TransactionCase

from odoo.addons.mail.tests.common import mail_new_test_user

# Monday 24 March 2025; Brussels switches to summer time on Sunday 30 March.
NOW = datetime(2025, 3, 20, 8, 0)


class MeetingsCommon(TransactionCase):
    """A school of its own (no demo data in the way), in Brussels time, with one user per
    role: two receptionists who are agents, a meetings administrator and a school user
    without meetings rights. Agents receive Monday to Friday, 9:00-12:00."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Meetings Test School"})
        cls.company.partner_id.tz = "Europe/Brussels"
        cls.env.user.company_ids |= cls.company
        users = {
            "receptionist": "optis_school_meetings.group_meeting_receptionist",
            "colleague": "optis_school_meetings.group_meeting_receptionist",
            "meeting_admin": "optis_school_meetings.group_meeting_admin",
            "school_user": "optis_school.group_school_user",
        }
        for role, group in users.items():
            user = mail_new_test_user(
                cls.env,
                login=f"meetings_{role}",
                groups=group,
                tz="Europe/Brussels",
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )
            setattr(cls, f"user_{role}", user)

        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        cls.type_enrolment = cls.env["school.appointment.type"].create(
            {
                "name": "Enrolment",
                "company_id": cls.company.id,
                "duration": 1.0,
                "min_notice_hours": 0.0,
                "horizon_days": 365,
                "cancel_cutoff_hours": 24.0,
            }
        )
        cls.counter = cls.env["school.meeting.counter"].create(
            {"name": "Desk", "company_id": cls.company.id, "capacity": 1, "sequence": 1}
        )
        cls.counter_double = cls.env["school.meeting.counter"].create(
            {"name": "Double desk", "company_id": cls.company.id, "capacity": 2, "sequence": 2}
        )
        cls.agent_anna, cls.agent_ben = cls.env["school.meeting.agent"].create(
            [
                {"user_id": cls.user_receptionist.id, "company_id": cls.company.id, "role": "receptionist"},
                {"user_id": cls.user_colleague.id, "company_id": cls.company.id, "role": "receptionist"},
            ]
        )
        cls.availability_anna, cls.availability_ben = cls.env["school.meeting.availability"].create(
            [{"agent_id": agent.id, "hour_from": 9.0, "hour_to": 12.0} for agent in (cls.agent_anna, cls.agent_ben)]
        )
        cls.visitor = cls.env["res.partner"].create(
            {"name": "Victor Visitor", "email": "victor@example.com", "company_id": cls.company.id}
        )

    def _book(self, start, agent=None, counter=None, appointment_type=None, **kwargs):
        return self.env["school.appointment"]._book(
            appointment_type or self.type_enrolment,
            start,
            agent or self.agent_anna,
            counter or self.counter,
            {"visitor_partner_id": self.visitor.id},
            **kwargs,
        )

    @staticmethod
    def _starts(slots, agent=None, counter=None):
        """Start times of the slots, for one agent and counter when given."""
        return [
            slot["start"]
            for slot in slots
            if (agent is None or slot["agent"] == agent) and (counter is None or slot["counter"] == counter)
        ]
