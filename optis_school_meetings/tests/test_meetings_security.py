from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

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

    # ------------------------------------------------------------
    # Agents: the agent's user is given a Meetings group in sudo
    # ------------------------------------------------------------

    def _new_staff(self, login, groups="base.group_user", companies=None):
        companies = companies or self.company
        return mail_new_test_user(
            self.env,
            login=login,
            groups=groups,
            company_id=companies[:1].id,
            company_ids=[Command.set(companies.ids)],
        )

    def test_meetings_admin_makes_a_colleague_agent(self):
        colleague = self._new_staff("meetings_new_colleague")
        agent = (
            self.env["school.meeting.agent"]
            .with_user(self.user_meeting_admin)
            .create({"user_id": colleague.id, "company_id": self.company.id, "role": "administrator"})
        )
        self.assertTrue(colleague.has_group("optis_school_meetings.group_meeting_admin"))
        agent.role = "receptionist"
        self.assertFalse(colleague.has_group("optis_school_meetings.group_meeting_admin"))
        self.assertTrue(colleague.has_group("optis_school_meetings.group_meeting_receptionist"))

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_meetings_admin_cannot_change_an_administrators_groups(self):
        admin = self._new_staff("meetings_settings_admin", "base.group_user,base.group_system")
        access_manager = self._new_staff("meetings_access_manager", "base.group_user,base.group_erp_manager")
        agents = self.env["school.meeting.agent"].with_user(self.user_meeting_admin)
        for user in (admin, access_manager):
            groups_before = user.groups_id
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                agents.create({"user_id": user.id, "company_id": self.company.id, "role": "administrator"})
            self.assertEqual(user.groups_id, groups_before)
        # An agent made by the Odoo administrator keeps its role against a meetings administrator.
        agent = self.env["school.meeting.agent"].create(
            {"user_id": access_manager.id, "company_id": self.company.id, "role": "receptionist"}
        )
        with self.assertRaises(AccessError):
            agent.with_user(self.user_meeting_admin).role = "administrator"
        with self.assertRaises(AccessError):
            self.agent_ben.with_user(self.user_meeting_admin).user_id = admin
        self.assertFalse(access_manager.has_group("optis_school_meetings.group_meeting_admin"))

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_agent_is_internal_staff_of_the_school(self):
        other_school = self.env["res.company"].create({"name": "Other Meetings School"})
        portal_parent = self._new_staff("meetings_parent", "base.group_portal")
        staff_elsewhere = self._new_staff("meetings_elsewhere", companies=other_school)
        staff_both = self._new_staff("meetings_both", companies=self.company | other_school)
        agents = self.env["school.meeting.agent"].with_user(self.user_meeting_admin)
        refused = {
            portal_parent: (UserError, "not an internal user"),
            staff_elsewhere: (UserError, "does not belong to the school"),
            staff_both: (AccessError, "schools you do not belong to"),
        }
        for user, (error, reason) in refused.items():
            with self.subTest(user=user.login), self.assertRaisesRegex(error, reason):
                agents.create({"user_id": user.id, "company_id": self.company.id, "role": "administrator"})
            self.assertFalse(user.has_group("optis_school_meetings.group_meeting_receptionist"))
