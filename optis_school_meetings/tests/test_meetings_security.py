from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import MeetingsCommon


@tagged("post_install", "-at_install")
class TestMeetingsSecurity(MeetingsCommon):
    def test_receptionist_edits_only_own_availabilities(self):
        as_anna = self.env["school.meeting.availability"].with_user(self.user_receptionist)
        self.assertEqual(
            as_anna.search([("agent_id", "in", (self.agent_anna | self.agent_ben).ids)]).agent_id,
            self.agent_anna | self.agent_ben,
        )
        self.availability_anna.with_user(self.user_receptionist).hour_to = 13.0
        as_anna.create({"agent_id": self.agent_anna.id, "hour_from": 14.0, "hour_to": 15.0})
        with self.assertRaises(AccessError):
            self.availability_ben.with_user(self.user_receptionist).hour_to = 13.0
        with self.assertRaises(AccessError):
            as_anna.create({"agent_id": self.agent_ben.id, "hour_from": 14.0, "hour_to": 15.0})
        with self.assertRaises(AccessError):
            self.availability_ben.with_user(self.user_receptionist).unlink()

    def test_administrator_edits_everyones_availabilities(self):
        self.availability_ben.with_user(self.user_meeting_admin).hour_to = 13.0
        self.assertEqual(self.availability_ben.hour_to, 13.0)
        self.env["school.meeting.availability"].with_user(self.user_meeting_admin).create(
            {"agent_id": self.agent_ben.id, "hour_from": 14.0, "hour_to": 15.0}
        )

    def test_receptionist_unavailabilities(self):
        unavailabilities = self.env["school.meeting.unavailability"].with_user(self.user_receptionist)
        vals = {
            "reason": "Away",
            "start": "2025-03-24 08:00:00",
            "stop": "2025-03-24 09:00:00",
            "company_id": self.company.id,
        }
        unavailabilities.create({**vals, "agent_id": self.agent_anna.id})
        with self.assertRaises(AccessError):
            unavailabilities.create({**vals, "agent_id": self.agent_ben.id})
        with self.assertRaises(AccessError):
            unavailabilities.create({**vals, "counter_id": self.counter.id})

    def test_configuration_is_for_administrators(self):
        with self.assertRaises(AccessError):
            self.type_enrolment.with_user(self.user_receptionist).duration = 2.0
        with self.assertRaises(AccessError):
            self.counter.with_user(self.user_receptionist).capacity = 5
        with self.assertRaises(AccessError):
            self.agent_ben.with_user(self.user_receptionist).role = "administrator"
        self.counter.with_user(self.user_meeting_admin).capacity = 5

    def test_school_user_without_meetings_rights(self):
        with self.assertRaises(AccessError):
            self.env["school.appointment"].with_user(self.user_school_user).search([])
        with self.assertRaises(AccessError):
            self.env["school.appointment.type"].with_user(self.user_school_user).search([])
