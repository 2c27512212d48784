from lxml import etree

from odoo.tests import tagged

from .common import MeetingsCommon

EDITABLE_COLUMNS = (
    "agent_id",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "hour_from",
    "hour_to",
    "appointment_type_ids",
    "date_from",
    "date_to",
)


@tagged("post_install", "-at_install")
class TestAvailabilityList(MeetingsCommon):
    """The Availabilities list as a receptionist opens it: the colleagues' rows are read-only
    (the record rules let a receptionist change their own only), and grouping by agent sums
    no hours."""

    def test_colleagues_rows_read_only_for_a_receptionist(self):
        availabilities = self.env["school.meeting.availability"].with_user(self.user_receptionist)
        action = self.env.ref("optis_school_meetings.school_meeting_availability_action")
        views = availabilities.get_views([(False, "list"), (False, "search")], {"action_id": action.id})
        self.assertIn("can_edit", views["models"]["school.meeting.availability"]["fields"])
        arch = etree.fromstring(views["views"]["list"]["arch"])
        self.assertEqual(arch.get("editable"), "bottom")
        for name in EDITABLE_COLUMNS:
            with self.subTest(column=name):
                (column,) = arch.xpath(f"//field[@name='{name}']")
                self.assertEqual(column.get("readonly"), "not can_edit")

        # What the list reads: Anna's row is hers to change, Ben's is not.
        rows = availabilities.web_search_read(
            [("id", "in", (self.availability_anna | self.availability_ben).ids)],
            {"agent_id": {}, "hour_from": {}, "can_edit": {}},
        )["records"]
        self.assertEqual(
            {row["id"]: row["can_edit"] for row in rows},
            {self.availability_anna.id: True, self.availability_ben.id: False},
        )
        # A row being added is the receptionist's to fill in.
        self.assertTrue(availabilities.new({"agent_id": self.agent_anna.id}).can_edit)
        # The meetings administrator changes everyone's.
        as_admin = (self.availability_anna | self.availability_ben).with_user(self.user_meeting_admin)
        self.assertEqual(as_admin.mapped("can_edit"), [True, True])

    def test_grouped_list_sums_no_hours(self):
        availabilities = self.env["school.meeting.availability"].with_user(self.user_receptionist)
        self.env["school.meeting.availability"].create(
            {"agent_id": self.agent_anna.id, "hour_from": 13.5, "hour_to": 15.0, "monday": True}
        )
        fields_info = availabilities.fields_get(["hour_from", "hour_to"], ["aggregator"])
        self.assertFalse(fields_info["hour_from"].get("aggregator"))
        self.assertFalse(fields_info["hour_to"].get("aggregator"))
        groups = availabilities.read_group(
            [("agent_id", "in", (self.agent_anna | self.agent_ben).ids)], ["hour_from", "hour_to"], ["agent_id"]
        )
        self.assertEqual(
            {group["agent_id"][0]: group["agent_id_count"] for group in groups},
            {self.agent_anna.id: 2, self.agent_ben.id: 1},
        )
        for group in groups:
            self.assertNotIn("hour_from", group, "9:00 + 13:30 is no hour of the day")
            self.assertNotIn("hour_to", group)
