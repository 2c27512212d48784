from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged, users

from .common import NOW, MeetingsCommon

MONDAY_9 = datetime(2025, 3, 24, 8)  # 9:00 in Brussels


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestSlotWizard(MeetingsCommon):
    def _open_wizard(self, agent=None, counter=None):
        """The wizard as the receptionist fills it from the menu, after clicking Search."""
        action = self.env.ref("optis_school_meetings.school_appointment_slot_wizard_action").sudo()
        self.assertEqual(action.res_model, "school.appointment.slot.wizard")
        wizard_form = Form(self.env["school.appointment.slot.wizard"])
        wizard_form.appointment_type_id = self.type_enrolment
        if agent:
            wizard_form.agent_id = agent
        if counter:
            wizard_form.counter_id = counter
        wizard_form.date_from = date(2025, 3, 24)
        wizard_form.date_to = date(2025, 3, 25)
        wizard = wizard_form.save()
        result = wizard.action_search_slots()
        self.assertEqual((result["res_model"], result["res_id"]), (wizard._name, wizard.id))
        return wizard

    @users("meetings_receptionist")
    def test_lines_are_the_free_slots(self):
        wizard = self._open_wizard()
        # Whole days in Brussels time: Monday and Tuesday.
        expected = self.type_enrolment._get_free_slots(datetime(2025, 3, 23, 23), datetime(2025, 3, 25, 23))
        self.assertTrue(expected)
        # One line per time, with the agents and counters of the slots at that time.
        by_start = {}
        for slot in expected:
            agents, counters = by_start.setdefault((slot["start"], slot["end"]), (set(), set()))
            agents.add(slot["agent"].id)
            counters.add(slot["counter"].id)
        self.assertEqual(
            [(line.start, line.stop, set(line.agent_ids.ids), set(line.counter_ids.ids)) for line in wizard.line_ids],
            [(start, stop, agents, counters) for (start, stop), (agents, counters) in by_start.items()],
        )
        # Restricted to one agent and counter.
        wizard = self._open_wizard(agent=self.agent_ben, counter=self.counter)
        self.assertEqual(wizard.line_ids.agent_id, self.agent_ben)
        self.assertEqual(wizard.line_ids.counter_id, self.counter)
        self.assertEqual(len(wizard.line_ids), 6)  # 9:00 to 12:00, two days

    @users("meetings_receptionist")
    def test_book_from_slot(self):
        wizard = self._open_wizard(agent=self.agent_ben, counter=self.counter)
        line = wizard.line_ids[0]
        self.assertEqual(line.start, MONDAY_9)
        action = line.action_book()
        appointment_form = Form(self.env[action["res_model"]].with_context(**action["context"]))
        self.assertEqual(appointment_form.start, MONDAY_9)
        self.assertEqual(appointment_form.agent_id, self.agent_ben)
        appointment_form.visitor_partner_id = self.visitor
        appointment = appointment_form.save()
        self.assertEqual(
            (appointment.state, appointment.start, appointment.agent_id, appointment.counter_id),
            ("booked", MONDAY_9, self.agent_ben, self.counter),
        )
        self.assertFalse(appointment.outside_availability)
        # Searching again no longer offers it.
        wizard.action_search_slots()
        self.assertNotIn(MONDAY_9, wizard.line_ids.mapped("start"))

    @users("meetings_receptionist")
    def test_slot_taken_meanwhile(self):
        wizard = self._open_wizard(agent=self.agent_ben, counter=self.counter)
        line = wizard.line_ids.filtered(lambda line: line.start == MONDAY_9)
        action = line.action_book()
        # A colleague books the same slot before this one is saved.
        self._book(MONDAY_9, agent=self.agent_ben)
        with self.assertRaisesRegex(UserError, "booked meanwhile"):
            line.action_book()
        appointment_form = Form(self.env["school.appointment"].with_context(**action["context"]))
        appointment_form.visitor_partner_id = self.visitor
        with self.assertRaisesRegex(UserError, "already"):
            appointment_form.save()
