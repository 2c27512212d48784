from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common import NOW, MeetingsCommon


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestSlotEngine(MeetingsCommon):
    def test_daylight_saving_change(self):
        """9:00-12:00 in Brussels is 8:00-11:00 UTC before 30 March 2025 and 7:00-10:00 after."""
        slots = self.type_enrolment._get_free_slots(
            datetime(2025, 3, 28), datetime(2025, 4, 1), agent=self.agent_anna, counter=self.counter
        )
        self.assertEqual(
            self._starts(slots),
            [
                datetime(2025, 3, 28, 8),
                datetime(2025, 3, 28, 9),
                datetime(2025, 3, 28, 10),
                # Saturday and Sunday: no availability.
                datetime(2025, 3, 31, 7),
                datetime(2025, 3, 31, 8),
                datetime(2025, 3, 31, 9),
            ],
        )
        self.assertEqual({slot["end"] - slot["start"] for slot in slots}, {datetime(1, 1, 1, 1) - datetime(1, 1, 1)})
        self.assertEqual({slot["remaining"] for slot in slots}, {1})

    def test_buffers(self):
        """With buffers, slots follow each other every duration + buffers, and an appointment
        blocks the slots whose buffers it overlaps."""
        self.type_enrolment.write({"duration": 0.5, "buffer_before": 0.25, "buffer_after": 0.25})
        day = (datetime(2025, 3, 24), datetime(2025, 3, 25))
        # 9:00, 10:00, 11:00 local = 8:00, 9:00, 10:00 UTC.
        slots = self.type_enrolment._get_free_slots(*day, agent=self.agent_anna, counter=self.counter)
        self.assertEqual(
            self._starts(slots), [datetime(2025, 3, 24, 8), datetime(2025, 3, 24, 9), datetime(2025, 3, 24, 10)]
        )
        # 9:40-10:10 local, occupied 9:25-10:25 with its buffers: overlaps the buffers of 9:00 and 10:00.
        self._book(datetime(2025, 3, 24, 8, 40), agent=self.agent_anna)
        slots = self.type_enrolment._get_free_slots(*day, agent=self.agent_anna, counter=self.counter_double)
        self.assertEqual(self._starts(slots), [datetime(2025, 3, 24, 10)])

    def test_partial_unavailability(self):
        """An unavailability of 10:15-10:45 removes only the 10:00 slot of that agent."""
        self.env["school.meeting.unavailability"].create(
            {
                "reason": "Dentist",
                "agent_id": self.agent_anna.id,
                "company_id": self.company.id,
                "start": datetime(2025, 3, 24, 9, 15),
                "stop": datetime(2025, 3, 24, 9, 45),
            }
        )
        slots = self.type_enrolment._get_free_slots(datetime(2025, 3, 24), datetime(2025, 3, 25), counter=self.counter)
        self.assertEqual(
            self._starts(slots, agent=self.agent_anna), [datetime(2025, 3, 24, 8), datetime(2025, 3, 24, 10)]
        )
        self.assertEqual(len(self._starts(slots, agent=self.agent_ben)), 3)

    def test_counter_closed(self):
        self.env["school.meeting.unavailability"].create(
            {
                "reason": "Painting",
                "counter_id": self.counter.id,
                "company_id": self.company.id,
                "start": datetime(2025, 3, 24, 0),
                "stop": datetime(2025, 3, 25, 0),
            }
        )
        slots = self.type_enrolment._get_free_slots(datetime(2025, 3, 24), datetime(2025, 3, 26))
        self.assertNotIn(datetime(2025, 3, 24, 8), self._starts(slots, counter=self.counter))
        self.assertEqual(self._starts(slots, agent=self.agent_anna, counter=self.counter)[0], datetime(2025, 3, 25, 8))
        self.assertIn(datetime(2025, 3, 24, 8), self._starts(slots, counter=self.counter_double))

    def test_counter_capacity_two(self):
        """The double desk holds two appointments at the same time, the desk one."""
        day = (datetime(2025, 3, 24), datetime(2025, 3, 25))
        nine = datetime(2025, 3, 24, 8)
        self._book(nine, agent=self.agent_anna, counter=self.counter_double)
        slots = self.type_enrolment._get_free_slots(*day)
        ben_at_nine = [slot for slot in slots if slot["start"] == nine and slot["agent"] == self.agent_ben]
        self.assertEqual(
            {slot["counter"]: slot["remaining"] for slot in ben_at_nine}, {self.counter: 1, self.counter_double: 1}
        )
        self.assertNotIn(nine, self._starts(slots, agent=self.agent_anna))

        self._book(nine, agent=self.agent_ben, counter=self.counter)
        slots = self.type_enrolment._get_free_slots(*day)
        self.assertNotIn(nine, self._starts(slots))

    def test_counter_capacity_one(self):
        """Anna at the desk at 9:00: Ben is offered 9:00 only at the double desk."""
        nine = datetime(2025, 3, 24, 8)
        self._book(nine, agent=self.agent_anna, counter=self.counter)
        slots = self.type_enrolment._get_free_slots(datetime(2025, 3, 24), datetime(2025, 3, 25))
        self.assertEqual(
            [(slot["counter"], slot["remaining"]) for slot in slots if slot["start"] == nine],
            [(self.counter_double, 2)],
        )

    def test_notice_and_horizon(self):
        """Only slots after now + notice and before now + horizon are offered."""
        self.type_enrolment.write({"min_notice_hours": 48, "horizon_days": 7})
        slots = self.type_enrolment._get_free_slots(datetime(2025, 3, 1), datetime(2025, 4, 30), counter=self.counter)
        starts = self._starts(slots, agent=self.agent_anna)
        # Now is Thursday 20 March 8:00 UTC: Saturday 22 March 8:00 at the earliest, 27 March 8:00 at the latest.
        self.assertEqual(starts[0], datetime(2025, 3, 24, 8))
        self.assertEqual(starts[-1], datetime(2025, 3, 26, 10))

    def test_types_and_validity_dates(self):
        """An availability limited to other types or to other dates offers nothing."""
        other_type = self.type_enrolment.copy({"name": "Other"})
        self.availability_anna.appointment_type_ids = other_type
        self.availability_ben.write({"date_from": "2025-03-26", "date_to": "2025-03-26"})
        slots = self.type_enrolment._get_free_slots(datetime(2025, 3, 24), datetime(2025, 3, 29), counter=self.counter)
        self.assertFalse(self._starts(slots, agent=self.agent_anna))
        self.assertEqual({start.day for start in self._starts(slots, agent=self.agent_ben)}, {26})
        self.counter.appointment_type_ids = other_type
        self.assertFalse(
            self.type_enrolment._get_free_slots(datetime(2025, 3, 24), datetime(2025, 3, 29), counter=self.counter)
        )

    def test_queries_do_not_grow_with_the_range(self):
        """Two searches per call: a day and four weeks cost the same number of queries."""
        self._book(datetime(2025, 3, 24, 8))

        def count_queries(date_to):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            slots = self.type_enrolment._get_free_slots(datetime(2025, 3, 24), date_to)
            return self.env.cr.sql_log_count - before, len(slots)

        day_queries, day_slots = count_queries(datetime(2025, 3, 25))
        month_queries, month_slots = count_queries(datetime(2025, 4, 21))
        self.assertGreater(month_slots, 10 * day_slots)
        self.assertEqual(month_queries, day_queries)
