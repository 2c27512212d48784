from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import timedelta
from operator import itemgetter

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.resource.models.utils import Intervals

from ..tools import local_to_utc
from .school_meeting_availability import WEEKDAY_FIELDS


class SchoolAppointmentType(models.Model):
    """What a visitor books: a kind of meeting with its duration, buffers and booking rules.

    The slot engine lives here (``_get_free_slots``): a slot is a time where an agent who
    offers the type is available and free, and a counter serving the type has room left.
    """

    _name = "school.appointment.type"
    _description = "Appointment Type"
    _order = "sequence, name, id"

    # Description
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Html(translate=True, help="Shown to the person who books.")
    gdpr_text = fields.Text(
        string="Privacy Notice",
        translate=True,
        help="What the school does with the visitor's data, shown before booking.",
    )
    company_id = fields.Many2one(
        "res.company", string="School", required=True, default=lambda self: self.env.company, index=True
    )
    location_mode = fields.Selection(
        selection=[("in_person", "In person"), ("video", "Video call")],
        required=True,
        default="in_person",
    )
    portal_published = fields.Boolean(
        string="Bookable by Parents",
        help="Parents of the school's students book this type themselves in their portal.",
    )
    ask_student = fields.Boolean(
        string="Ask for the Child",
        help="Parents booking in their portal choose which of their children the appointment is about.",
    )

    # Timing (hours are floats, shown as hh:mm)
    duration = fields.Float(required=True, default=0.5, help="Length of an appointment, in hours.")
    buffer_before = fields.Float(help="Time kept free for the agent before each appointment, in hours.")
    buffer_after = fields.Float(help="Time kept free for the agent after each appointment, in hours.")

    # Booking rules
    min_notice_hours = fields.Float(
        string="Minimum Notice (hours)", default=24.0, help="Slots closer than this to now are not offered."
    )
    horizon_days = fields.Integer(
        string="Booking Horizon (days)", default=30, help="Slots further than this in the future are not offered."
    )
    cancel_cutoff_hours = fields.Float(
        string="Cancellation Cut-off (hours)",
        default=24.0,
        help="Visitors cannot cancel an appointment closer than this to its start; agents always can.",
    )
    reminder_hours = fields.Float(
        string="Reminder (hours before)",
        default=24.0,
        help="The visitor is reminded by mail this long before the appointment; 0 sends no reminder.",
    )

    appointment_ids = fields.One2many("school.appointment", "appointment_type_id", string="Appointments")
    upcoming_appointment_count = fields.Integer(compute="_compute_upcoming_appointment_count")

    _sql_constraints = [
        ("duration_positive", "CHECK(duration > 0)", "The duration of an appointment must be positive."),
        (
            "buffers_positive",
            "CHECK(buffer_before >= 0 AND buffer_after >= 0)",
            "Buffers cannot be negative.",
        ),
        ("min_notice_positive", "CHECK(min_notice_hours >= 0)", "The minimum notice cannot be negative."),
        ("horizon_positive", "CHECK(horizon_days >= 1)", "The booking horizon must be at least one day."),
        ("cancel_cutoff_positive", "CHECK(cancel_cutoff_hours >= 0)", "The cancellation cut-off cannot be negative."),
        ("reminder_positive", "CHECK(reminder_hours >= 0)", "The reminder delay cannot be negative."),
    ]

    def _compute_upcoming_appointment_count(self):
        counts = dict(
            self.env["school.appointment"]._read_group(
                [
                    ("appointment_type_id", "in", self.ids),
                    ("state", "=", "booked"),
                    ("start", ">=", fields.Datetime.now()),
                ],
                ["appointment_type_id"],
                ["__count"],
            )
        )
        for appointment_type in self:
            appointment_type.upcoming_appointment_count = counts.get(appointment_type, 0)

    def write(self, vals):
        self.env["school.appointment"]._check_configuration_frozen(self, "appointment_type_id", vals, ["company_id"])
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_upcoming_appointments(self):
        upcoming = (
            self.env["school.appointment"]
            .sudo()
            .search(
                [
                    ("appointment_type_id", "in", self.ids),
                    ("state", "=", "booked"),
                    ("start", ">=", fields.Datetime.now()),
                ]
            )
        )
        if upcoming:
            raise UserError(
                _(
                    "%(types)s cannot be deleted: %(count)s appointments are still to come. "
                    "Cancel or move them first, or archive the type.",
                    types=", ".join(upcoming.appointment_type_id.mapped("name")),
                    count=len(upcoming),
                )
            )
        # Past, done and cancelled appointments are the school's history: they keep their type.
        with_history = (
            self.env["school.appointment"].sudo().search([("appointment_type_id", "in", self.ids)]).appointment_type_id
        )
        if with_history:
            raise UserError(
                _(
                    "%(types)s cannot be deleted: past or cancelled appointments keep it in their history. "
                    "Archive it instead: it is no longer offered, and the history stays.",
                    types=", ".join(with_history.mapped("name")),
                )
            )

    # ------------------------------------------------------------
    # Slot engine
    # ------------------------------------------------------------

    def _get_free_slots(self, date_from, date_to, agent=None, counter=None, as_visitor=True):
        """Free slots of this type between two moments.

        A slot is offered when an agent who offers the type is available for the whole
        appointment (weekly availabilities in the agent's time zone), the appointment and
        its buffers overlap none of the agent's appointments or unavailabilities, and a
        counter serving the type is open with room left. Slots start at the beginning of
        each availability range and follow each other every duration + buffers. Visitors
        are offered only slots between now + minimum notice and now + booking horizon; staff
        (``as_visitor=False``) every slot from now on.

        Everything is read with two searches (appointments and unavailabilities of the
        range), whatever the number of slots.

        :param datetime date_from: naive UTC start of the range
        :param datetime date_to: naive UTC end of the range
        :param agent: a ``school.meeting.agent`` to restrict to, or all agents offering the type
        :param counter: a ``school.meeting.counter`` to restrict to, or all counters serving the type
        :param bool as_visitor: apply the type's minimum notice and booking horizon (the
            public rules); staff booking in the back office pass False
        :return: list of dicts ``{start, end, agent, counter, remaining}`` (naive UTC datetimes;
            ``remaining`` is the number of places left at the counter), sorted by start
        """
        self.ensure_one()
        lower, upper = self._get_bookable_window(date_from, date_to, as_visitor=as_visitor)
        if lower >= upper:
            return []
        agents = agent or self._get_agents()
        counters = (counter or self._get_counters()).filtered(lambda slot_counter: slot_counter._serves(self))
        if not agents or not counters:
            return []
        data = self._prepare_slot_data(lower, upper, agents, counters)
        duration = timedelta(hours=self.duration)
        before, after = timedelta(hours=self.buffer_before), timedelta(hours=self.buffer_after)
        step = duration + before + after
        # Plain Python in the loops: thousands of slots, one record access or one object
        # too many per slot shows. Agents sorted by id and counters by sequence here, then
        # a stable sort on the start: slots come by start, agent id, counter.
        counter_list = [
            (slot_counter, {}) for slot_counter in counters.sorted(lambda line: (line.sequence, line.id))
        ]  # {start: places left}: the same counter and time comes back for every agent
        slots = []
        append = slots.append
        for slot_agent in agents.sorted("id"):
            blocked = _SortedIntervals(
                data["agent_appointments"][slot_agent.id] + data["agent_unavailabilities"][slot_agent.id]
            )
            for range_start, range_stop, _lines in data["availability"][slot_agent.id]:
                start = range_start
                while start + duration <= range_stop:
                    stop = start + duration
                    if start >= lower and stop <= upper and not blocked.overlaps(start - before, stop + after):
                        for slot_counter, remaining_by_start in counter_list:
                            remaining = remaining_by_start.get(start)
                            if remaining is None:
                                remaining = remaining_by_start[start] = self._get_counter_remaining(
                                    data, slot_counter, start, stop
                                )
                            if remaining > 0:
                                append(
                                    {
                                        "start": start,
                                        "end": stop,
                                        "agent": slot_agent,
                                        "counter": slot_counter,
                                        "remaining": remaining,
                                    }
                                )
                    start += step
        slots.sort(key=itemgetter("start"))
        return slots

    def _get_bookable_window(self, date_from, date_to, now=None, as_visitor=True):
        """The part of [date_from, date_to] a booking may take: for visitors, between the
        minimum notice and the horizon; for staff, from now on.

        The notice and the horizon are the rules of visitors booking themselves; a
        receptionist booking inside an agent's hours is not bound by them.
        """
        self.ensure_one()
        now = now or fields.Datetime.now()
        if not as_visitor:
            return max(date_from, now), date_to
        lower = max(date_from, now + timedelta(hours=self.min_notice_hours))
        upper = min(date_to, now + timedelta(days=self.horizon_days))
        return lower, upper

    def _get_agents(self):
        """Active agents of the school with at least one availability for this type."""
        self.ensure_one()
        agents = self.env["school.meeting.agent"].sudo().search([("company_id", "=", self.company_id.id)])
        return agents.filtered(lambda agent: agent.availability_ids.filtered(lambda line: line._serves(self)))

    def _get_counters(self):
        """Active counters of the school serving this type (a counter without types serves all)."""
        self.ensure_one()
        counters = self.env["school.meeting.counter"].sudo().search([("company_id", "=", self.company_id.id)])
        return counters.filtered(lambda counter: counter._serves(self))

    def _prepare_slot_data(self, lower, upper, agents, counters, exclude=None):
        """Read once what the slots between ``lower`` and ``upper`` depend on.

        :param exclude: ``school.appointment`` records to ignore (the one being moved)
        :return: dict of
            ``availability``: {agent id: Intervals of availability, UTC},
            ``agent_appointments``: {agent id: [(start, stop)] of occupied time (with buffers)},
            ``agent_unavailabilities``: {agent id: [(start, stop)]},
            ``counter_appointments``: {counter id: [(start, stop)] of booked appointments},
            ``counter_unavailabilities``: {counter id: [(start, stop)]}
        """
        self.ensure_one()
        # Wide enough for the buffers of this type and the day boundaries of every time zone.
        margin = timedelta(hours=self.buffer_before + self.buffer_after + self.duration)
        read_from, read_to = lower - margin, upper + margin
        # Plain tuples, read in one query: thousands of slots are checked against them.
        appointment_model = self.env["school.appointment"].sudo()
        columns = ("agent_id", "counter_id", "start", "stop", "occupied_start", "occupied_stop")
        appointment_model.flush_model([*columns, "state"])
        query = appointment_model._search(
            [
                ("state", "!=", "cancelled"),
                ("occupied_start", "<", read_to),
                ("occupied_stop", ">", read_from),
                ("id", "not in", exclude.ids if exclude else []),
                "|",
                ("agent_id", "in", agents.ids),
                ("counter_id", "in", counters.ids),
            ]
        )
        rows = self.env.execute_query(
            query.select(*(SQL.identifier(appointment_model._table, column) for column in columns))
        )
        unavailabilities = (
            self.env["school.meeting.unavailability"]
            .sudo()
            .search(
                [
                    ("start", "<", read_to),
                    ("stop", ">", read_from),
                    "|",
                    ("agent_id", "in", agents.ids),
                    ("counter_id", "in", counters.ids),
                ]
            )
        )
        data = {
            "availability": {},
            "agent_appointments": defaultdict(list),
            "agent_unavailabilities": defaultdict(list),
            "counter_appointments": defaultdict(list),
            "counter_unavailabilities": defaultdict(list),
        }
        for agent_id, counter_id, start, stop, occupied_start, occupied_stop in rows:
            data["agent_appointments"][agent_id].append((occupied_start, occupied_stop))
            data["counter_appointments"][counter_id].append((start, stop))
        for unavailability in unavailabilities:
            interval = (unavailability.start, unavailability.stop)
            if unavailability.agent_id:
                data["agent_unavailabilities"][unavailability.agent_id.id].append(interval)
            else:
                data["counter_unavailabilities"][unavailability.counter_id.id].append(interval)
        utc_cache = {}
        for agent in agents:
            data["availability"][agent.id] = self._get_availability_intervals(agent, read_from, read_to, utc_cache)
        return data

    def _get_availability_intervals(self, agent, date_from, date_to, utc_cache=None):
        """Weekly availabilities of ``agent`` for this type, as UTC intervals.

        Local times are built day by day in the agent's time zone with ``localize``, so a
        range 9:00-12:00 stays 9:00-12:00 local time across a daylight saving change.

        :param dict utc_cache: {(time zone, day, hour): UTC datetime}, shared by the agents
            of one search (they mostly share a time zone and hours)
        :return: ``Intervals`` of naive UTC datetimes, overlapping [date_from, date_to]
        """
        timezone_name = agent._get_timezone()
        timezone = pytz.timezone(timezone_name)
        utc_cache = {} if utc_cache is None else utc_cache
        # Plain values: the loop below runs for every day of the range.
        lines = [
            (
                line,
                {weekday for weekday, field_name in enumerate(WEEKDAY_FIELDS) if line[field_name]},
                line.date_from,
                line.date_to,
                line.hour_from,
                line.hour_to,
            )
            for line in agent.availability_ids
            if line._serves(self)
        ]
        first_day = pytz.utc.localize(date_from).astimezone(timezone).date() - timedelta(days=1)
        last_day = pytz.utc.localize(date_to).astimezone(timezone).date() + timedelta(days=1)

        def to_utc(day, hour):
            key = (timezone_name, day, hour)
            moment = utc_cache.get(key)
            if moment is None:
                moment = utc_cache[key] = local_to_utc(timezone, day, hour)
            return moment

        ranges = []
        day = first_day
        while day <= last_day:
            weekday = day.weekday()
            for line, weekdays, valid_from, valid_to, hour_from, hour_to in lines:
                if weekday in weekdays and (not valid_from or valid_from <= day) and (not valid_to or day <= valid_to):
                    start = to_utc(day, hour_from)
                    stop = to_utc(day, hour_to)
                    if start < date_to and stop > date_from:
                        ranges.append((start, stop, line))
            day += timedelta(days=1)
        return Intervals(ranges)

    def _get_counter_remaining(self, data, counter, start, stop):
        """Places left at ``counter`` for the whole of [start, stop]: capacity minus the
        largest number of appointments there at the same moment; 0 when it is closed."""
        if _overlaps(data["counter_unavailabilities"][counter.id], start, stop):
            return 0
        events = []
        for other_start, other_stop in _counter_appointments_around(data, counter.id, start, stop):
            if other_start < stop and other_stop > start:
                events += [(max(other_start, start), 1), (min(other_stop, stop), -1)]
        busiest = current = 0
        # At equal times the ends (-1) come first: back-to-back appointments do not overlap.
        for _moment, delta in sorted(events):
            current += delta
            busiest = max(busiest, current)
        return counter.capacity - busiest

    def _check_slot(self, start, stop, agent, counter, exclude=None, as_visitor=True):
        """Why an appointment of this type at [start, stop] with ``agent`` at ``counter``
        cannot be booked.

        :param exclude: the appointment being moved, ignored
        :param bool as_visitor: check the type's minimum notice and horizon (visitors booking
            themselves); for staff, only that the time has not passed
        :return: ``(conflicts, outside)``: two lists of messages. Conflicts are never allowed
            (the agent is busy, the counter is full or closed); ``outside`` lists what only an
            explicit out-of-hours booking may ignore (availability, unavailability, notice,
            horizon, a time already passed)
        :raise UserError: never; the caller decides
        """
        self.ensure_one()
        conflicts, outside = [], []
        before, after = timedelta(hours=self.buffer_before), timedelta(hours=self.buffer_after)
        data = self._prepare_slot_data(start, stop, agent, counter, exclude=exclude)
        if not counter._serves(self):
            conflicts.append(_("Counter %(counter)s does not serve %(type)s.", counter=counter.name, type=self.name))
        if _overlaps(data["agent_appointments"][agent.id], start - before, stop + after):
            conflicts.append(_("%(agent)s already has an appointment at that time.", agent=agent.name))
        if _overlaps(data["counter_unavailabilities"][counter.id], start, stop):
            conflicts.append(_("Counter %(counter)s is closed at that time.", counter=counter.name))
        elif self._get_counter_remaining(data, counter, start, stop) <= 0:
            conflicts.append(_("Counter %(counter)s is full at that time.", counter=counter.name))
        if not _contains(data["availability"][agent.id], start, stop):
            outside.append(_("This time is outside the availability of %(agent)s.", agent=agent.name))
        if _overlaps(data["agent_unavailabilities"][agent.id], start - before, stop + after):
            outside.append(_("%(agent)s is unavailable at that time.", agent=agent.name))
        lower, upper = self._get_bookable_window(start, stop, as_visitor=as_visitor)
        if not as_visitor:
            if start < lower:
                outside.append(_("This time has already passed."))
            return conflicts, outside
        if start < lower:
            outside.append(
                _("%(type)s must be booked %(hours)s hours in advance.", type=self.name, hours=self.min_notice_hours)
            )
        if stop > upper:
            outside.append(
                _("%(type)s can be booked at most %(days)s days ahead.", type=self.name, days=self.horizon_days)
            )
        return conflicts, outside


class _SortedIntervals:
    """Time ranges merged into disjoint intervals sorted by time, searched by bisection."""

    __slots__ = ("starts", "stops")

    def __init__(self, ranges):
        self.starts, self.stops = [], []
        for start, stop in sorted(ranges):
            if self.stops and start <= self.stops[-1]:
                self.stops[-1] = max(self.stops[-1], stop)
            else:
                self.starts.append(start)
                self.stops.append(stop)

    def overlaps(self, start, stop):
        """Whether any range overlaps [start, stop) (touching is not overlapping)."""
        index = bisect_right(self.stops, start)
        return index < len(self.starts) and self.starts[index] < stop


def _counter_appointments_around(data, counter_id, start, stop):
    """The (start, stop) of the appointments at a counter that may overlap [start, stop]:
    sorted by start once per search, then found by bisection."""
    index = data.setdefault("counter_index", {}).get(counter_id)
    if index is None:
        appointments = sorted(data["counter_appointments"][counter_id])
        longest = max((other_stop - other_start for other_start, other_stop in appointments), default=timedelta(0))
        index = data["counter_index"][counter_id] = (
            [other_start for other_start, _stop in appointments],
            appointments,
            longest,
        )
    starts, appointments, longest = index
    return appointments[bisect_left(starts, start - longest) : bisect_left(starts, stop)]


def _overlaps(ranges, start, stop):
    """Whether any (start, stop) range overlaps [start, stop) (touching is not overlapping)."""
    return any(other_start < stop and other_stop > start for other_start, other_stop in ranges)


def _contains(intervals, start, stop):
    """Whether one interval contains the whole of [start, stop]."""
    return any(other_start <= start and stop <= other_stop for other_start, other_stop, _records in intervals)
