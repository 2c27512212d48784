from datetime import timedelta

import pytz

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_datetime

from odoo.addons.base.models.res_partner import _tz_get

from ..tools import local_to_utc


class SchoolInterviewPeriod(models.Model):
    """A parent-teacher evening: one day, from one hour to another, cut into interviews
    of the same length with an optional break every few interviews.

    Every active teacher of the school takes part by default (``participation_ids``);
    the administrator removes those who do not and blocks the time a teacher is away.
    The booking rules of the evening (dates, limits, separated parents, walking gap)
    are set and checked here (``_check_*``), called by the booking engine of
    ``school.interview``.
    """

    _name = "school.interview.period"
    _description = "Parent-Teacher Interview Period"
    _inherit = ["mail.thread"]
    _order = "date desc, hour_from, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", string="School", required=True, default=lambda self: self.env.company, index=True
    )
    state = fields.Selection(
        selection=[("draft", "Draft"), ("published", "Published"), ("closed", "Closed")],
        required=True,
        default="draft",
        tracking=True,
        help="Parents book published periods only, between the booking dates.",
    )
    description = fields.Html(translate=True, help="Shown to the parents who book.")

    # When (local time of the school)
    date = fields.Date(required=True, tracking=True)
    hour_from = fields.Float(string="From", required=True, default=16.0, tracking=True)
    hour_to = fields.Float(string="To", required=True, default=20.0, tracking=True)
    meeting_minutes = fields.Integer(
        string="Interview Length (minutes)", required=True, default=10, help="Length of one interview."
    )
    break_every = fields.Integer(
        string="Break Every (interviews)", help="A teacher gets a break after this many interviews; 0 for no break."
    )
    break_minutes = fields.Integer(string="Break Length (minutes)", default=10)
    timezone = fields.Selection(
        _tz_get,
        required=True,
        default=lambda self: self.env.company.partner_id.tz or self.env.user.tz or "UTC",
        help="Time zone of the hours: the school's by default.",
    )
    start = fields.Datetime(compute="_compute_start_stop", store=True, precompute=True, index=True)
    stop = fields.Datetime(compute="_compute_start_stop", store=True, precompute=True)

    # Booking rules
    booking_open = fields.Datetime(string="Booking Opens", help="Parents can book from this moment.")
    booking_close = fields.Datetime(string="Booking Closes", help="Parents cannot book or cancel after this moment.")
    max_per_family = fields.Integer(
        string="Max Interviews per Family", help="0 for no limit. Counts the interviews of all the children."
    )
    max_per_child = fields.Integer(string="Max Interviews per Child", help="0 for no limit.")
    one_per_teacher_per_child = fields.Boolean(
        string="One Interview per Teacher and Child",
        default=True,
        help="A child's family meets each teacher once.",
    )
    class_teachers_only = fields.Boolean(
        string="Teachers of the Child Only",
        default=True,
        help="Parents book only the teachers of their child's class.",
    )
    allow_separate_parents = fields.Boolean(
        string="Separate Interviews for Separated Parents",
        help="A guardian marked as living apart books their own interviews, not shared with the other guardians.",
    )
    walking_gap_minutes = fields.Integer(
        string="Walking Gap (minutes)",
        default=5,
        help="Time kept free between two interviews of one family in different rooms.",
    )

    video_server_url = fields.Char(
        related="company_id.school_video_server_url",
        string="Video Call Server",
        help="Video interviews get a room on this server, set for the school in Settings. "
        "Without one, they get no link.",
    )

    participation_ids = fields.One2many("school.interview.teacher", "period_id", string="Teachers", copy=True)
    interview_ids = fields.One2many("school.interview", "period_id", string="Interviews")
    interview_count = fields.Integer(compute="_compute_counts")
    waiting_count = fields.Integer(compute="_compute_counts")

    _sql_constraints = [
        (
            "hours_valid",
            "CHECK(hour_from >= 0 AND hour_to <= 24 AND hour_from < hour_to)",
            "The period must end after it starts.",
        ),
        ("meeting_positive", "CHECK(meeting_minutes > 0)", "Interviews must last at least one minute."),
        ("breaks_positive", "CHECK(break_every >= 0 AND break_minutes >= 0)", "Breaks cannot be negative."),
        ("limits_positive", "CHECK(max_per_family >= 0 AND max_per_child >= 0)", "Limits cannot be negative."),
        ("walking_gap_positive", "CHECK(walking_gap_minutes >= 0)", "The walking gap cannot be negative."),
        (
            "booking_dates_valid",
            "CHECK(booking_open IS NULL OR booking_close IS NULL OR booking_open < booking_close)",
            "Booking must close after it opens.",
        ),
        # Two evenings of one school never overlap (needs btree_gist, see hooks.py).
        (
            "no_overlap",
            "EXCLUDE USING gist (company_id WITH =, tsrange(start, stop) WITH &&)",
            "Interview periods of a school cannot overlap.",
        ),
    ]

    @api.depends("date", "hour_from", "hour_to", "timezone")
    def _compute_start_stop(self):
        for period in self:
            if period.date:
                period.start = local_to_utc(period.timezone, period.date, period.hour_from)
                period.stop = local_to_utc(period.timezone, period.date, period.hour_to)
            else:
                period.start = period.stop = False

    def _compute_counts(self):
        interviews = dict(
            self.env["school.interview"]._read_group(
                [("period_id", "in", self.ids), ("state", "=", "booked")], ["period_id"], ["__count"]
            )
        )
        waiting = dict(
            self.env["school.interview.wait"]._read_group(
                [("period_id", "in", self.ids), ("state", "=", "waiting")], ["period_id"], ["__count"]
            )
        )
        for period in self:
            period.interview_count = interviews.get(period, 0)
            period.waiting_count = waiting.get(period, 0)

    @api.constrains("booking_close", "start")
    def _check_booking_close(self):
        for period in self:
            if period.booking_close and period.start and period.booking_close > period.start:
                raise ValidationError(_("Booking must close before the interviews start."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_derived_times(vals)
            if not vals.get("timezone") and vals.get("company_id"):
                company = self.env["res.company"].browse(vals["company_id"])
                vals["timezone"] = company.partner_id.tz or self.env.user.tz or "UTC"
        periods = super().create(vals_list)
        # Every active teacher of the school takes part, unless the teachers were given
        # (the form sends an empty list when the tab was not touched).
        for period, vals in zip(periods, vals_list, strict=True):
            if not vals.get("participation_ids"):
                teachers = self.env["school.teacher"].search([("company_id", "=", period.company_id.id)])
                period.participation_ids = [Command.create({"teacher_id": teacher.id}) for teacher in teachers]
        return periods

    def write(self, vals):
        self._check_derived_times(vals)
        # The school too: its interviews would move to another school with it.
        frozen = {"date", "hour_from", "hour_to", "timezone", "meeting_minutes", "break_every", "break_minutes"}
        if (frozen | {"company_id"}) & set(vals):
            if (
                self.env["school.interview"]
                .sudo()
                .search_count([("period_id", "in", self.ids), ("state", "=", "booked")], limit=1)
            ):
                raise UserError(
                    _("The times of a period with booked interviews cannot change: cancel the interviews first.")
                )
        return super().write(vals)

    @api.model
    def _check_derived_times(self, vals):
        """The start and end of a period are computed from its date and hours (the ORM's
        recompute does not go through ``write``): written directly, they would let interviews
        fall outside their period."""
        if {"start", "stop"} & set(vals):
            raise UserError(_("The start and end of a period follow its date and hours: change those instead."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_booked(self):
        if (
            self.env["school.interview"]
            .sudo()
            .search_count([("period_id", "in", self.ids), ("state", "=", "booked")], limit=1)
        ):
            raise UserError(_("A period with booked interviews cannot be deleted: cancel them first."))

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_publish(self):
        self.write({"state": "published"})

    def action_close(self):
        self.write({"state": "closed"})

    def action_reset_draft(self):
        self.write({"state": "draft"})

    def action_view_interviews(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optis_school_meetings.school_interview_action")
        action["domain"] = [("period_id", "=", self.id)]
        # The calendar opens on the evening (its start, shown in the user's time zone), not on today.
        action["context"] = {
            "default_period_id": self.id,
            "search_default_booked": 1,
            "initial_date": fields.Datetime.to_string(self.start),
        }
        return action

    def action_view_waiting_list(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optis_school_meetings.school_interview_wait_action")
        action["domain"] = [("period_id", "=", self.id)]
        action["context"] = {"default_period_id": self.id}
        return action

    def action_print_teacher_schedules(self):
        self.ensure_one()
        return self.env.ref("optis_school_meetings.action_report_interview_teacher_schedule").report_action(
            self.participation_ids
        )

    def action_print_family_schedules(self):
        self.ensure_one()
        guardians = self.interview_ids.filtered(lambda interview: interview.state == "booked").attendee_ids.partner_id
        if not guardians:
            raise UserError(_("No interview is booked in %(period)s yet.", period=self.name))
        return self.env.ref("optis_school_meetings.action_report_interview_family_schedule").report_action(
            guardians, data={"period_id": self.id}
        )

    # ------------------------------------------------------------
    # Booking rules (enforced by ``school.interview``)
    # ------------------------------------------------------------

    def _check_booking_open(self, participation, student, as_parent):
        """The period takes bookings (from parents: published, between the booking dates, and
        only with the child's teachers when the period says so).

        :raise UserError: it does not
        """
        self.ensure_one()
        if self.state == "closed" or (self.state == "draft" and as_parent):
            raise UserError(_("%(period)s is not open for booking.", period=self.name))
        if as_parent and not self._is_booking_open():
            raise UserError(_("Booking for %(period)s is closed.", period=self.name))
        if not student.is_student:
            raise UserError(_("%(name)s is not a student.", name=student.name))
        # A family with children in two schools posts the id of either: only the period's
        # school has interviews about its own pupils, whoever books.
        if student.sudo().company_id != self.company_id:
            raise UserError(
                _("%(student)s is not a pupil of %(school)s.", student=student.name, school=self.company_id.name)
            )
        if as_parent and self.class_teachers_only:
            school_class = student.sudo().school_class_id
            if participation.teacher_id not in (school_class.teacher_ids | school_class.main_teacher_id):
                raise UserError(
                    _(
                        "%(teacher)s does not teach %(student)s.",
                        teacher=participation.teacher_id.name,
                        student=student.name,
                    )
                )

    def _get_household(self, student, guardian):
        """Who attends an interview booked by ``guardian`` about ``student``.

        The child's guardians form one family, unless the period allows separate interviews
        and the guardian lives apart (``separate_interviews`` on the guardian link): then the
        guardian attends alone.

        :return: (attendees, separate guardian or an empty recordset)
        :raise UserError: ``guardian`` is not a guardian of ``student``
        """
        self.ensure_one()
        links = student.sudo().student_guardian_link_ids
        link = links.filtered(lambda link: link.guardian_id == guardian)
        if not link:
            raise UserError(
                _("%(guardian)s is not a guardian of %(student)s.", guardian=guardian.name, student=student.name)
            )
        if self.allow_separate_parents and link[0].separate_interviews:
            return guardian, guardian
        household = links.filtered(
            lambda link: link.is_legally_responsible and not (self.allow_separate_parents and link.separate_interviews)
        ).guardian_id
        return (household | guardian).sorted("id"), self.env["res.partner"]

    def _check_family_free(self, participation, start, stop, mode, attendees, family):
        """The attending guardians have no other interview at the time, nor too close to it
        in another room (the walking gap).

        :param family: the other booked interviews of the period these guardians attend
        :raise UserError: they have
        """
        self.ensure_one()
        gap = timedelta(minutes=self.walking_gap_minutes)
        for other in family:
            if other.start < stop and start < other.stop:
                raise UserError(
                    _(
                        "%(family)s already has an interview with %(teacher)s at %(time)s.",
                        family=", ".join((other.attendee_ids.partner_id & attendees).mapped("name")),
                        teacher=other.teacher_id.name,
                        time=self._format_time(other.start),
                    )
                )
            different_room = "video" in (mode, other.location_mode) or other.room != participation.room
            if gap and different_room and other.start < stop + gap and start < other.stop + gap:
                raise UserError(
                    _(
                        "Leave %(minutes)s minutes between the interview with %(teacher)s at %(time)s and the next one "
                        "to change rooms.",
                        minutes=self.walking_gap_minutes,
                        teacher=other.teacher_id.name,
                        time=self._format_time(other.start),
                    )
                )

    def _check_limits(self, participation, student, separate_guardian, others, family):
        """One interview per teacher and child, and the period's limits per child and family.

        :param others: the other booked interviews of the period of the teacher, the child or the family
        :param family: those the attending guardians attend
        :raise UserError: a limit is reached
        """
        self.ensure_one()
        child_interviews = others.filtered(
            lambda other: other.student_id == student and other.separate_guardian_id == separate_guardian
        )
        if self.one_per_teacher_per_child and child_interviews.filtered(
            lambda other: other.teacher_id == participation.teacher_id
        ):
            raise UserError(
                _(
                    "%(student)s's family already has an interview with %(teacher)s.",
                    student=student.name,
                    teacher=participation.teacher_id.name,
                )
            )
        if self.max_per_child and len(child_interviews) >= self.max_per_child:
            raise UserError(
                _(
                    "At most %(count)s interviews per child: %(student)s has them all.",
                    count=self.max_per_child,
                    student=student.name,
                )
            )
        if self.max_per_family and len(family) >= self.max_per_family:
            raise UserError(
                _(
                    "At most %(count)s interviews per family in %(period)s.",
                    count=self.max_per_family,
                    period=self.name,
                )
            )

    def _format_hour(self, moment):
        """``moment`` (naive UTC) as hh:mm in the period's time zone.

        Without Babel: the pattern has no word of any language, and the booking page shows
        one per free time (``format_datetime`` costs about 8 times as much).
        """
        self.ensure_one()
        if not self.timezone:
            return format_datetime(self.env, moment, dt_format="HH:mm")
        return pytz.utc.localize(moment).astimezone(pytz.timezone(self.timezone)).strftime("%H:%M")

    def _format_time(self, moment):
        """``moment`` (naive UTC) as a short date and time in the period's time zone."""
        self.ensure_one()
        return format_datetime(self.env, moment, tz=self.timezone, dt_format="short")

    # ------------------------------------------------------------
    # Slots
    # ------------------------------------------------------------

    def _get_slot_grid(self):
        """The interviews of the evening, the same for every teacher: [(start, stop)] in UTC,
        one interview after the other, with a break after every ``break_every`` interviews."""
        self.ensure_one()
        length = timedelta(minutes=self.meeting_minutes)
        pause = timedelta(minutes=self.break_minutes)
        slots = []
        start = self.start
        while start + length <= self.stop:
            slots.append((start, start + length))
            start += length
            if self.break_every and self.break_minutes and len(slots) % self.break_every == 0:
                start += pause
        return slots

    def _is_booking_open(self, now=None):
        """Whether parents may book or cancel now."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        return (
            self.state == "published"
            and (not self.booking_open or self.booking_open <= now)
            and (not self.booking_close or now < self.booking_close)
            and now < self.start
        )

    # ------------------------------------------------------------
    # Demo
    # ------------------------------------------------------------

    def _demo_book_interviews(self, limit=16):
        """Demo: the teacher of the fewest children is away after the first half hour, fully
        booked, with two families waiting; the two teachers of the most children take video
        calls and let parents choose; the first families book their children's teachers."""
        self.ensure_one()
        interviews = self.env["school.interview"]
        students = self.env["res.partner"].search(
            [("is_student", "=", True), ("company_id", "=", self.company_id.id), ("school_class_id", "!=", False)],
            order="id",
        )
        # The teachers of the most children get the most bookings: one by video, one at the parents' choice.
        taught = {
            participation: len(
                students.filtered(
                    lambda student, teacher=participation.teacher_id: teacher
                    in student.school_class_id.main_teacher_id | student.school_class_id.teacher_ids
                )
            )
            for participation in self.participation_ids
        }
        first, *others = sorted(
            self.participation_ids, key=lambda participation: (taught[participation], participation.id)
        )
        first.block_ids = [
            Command.create({"hour_from": self.hour_from + 0.5, "hour_to": self.hour_to, "reason": "Sports tournament"})
        ]
        if len(others) >= 2:
            others[-1].location_mode = "choice"
            others[-2].location_mode = "video"

        def book(participation, student, mode=None):
            guardian = student.student_guardian_link_ids[:1].guardian_id
            for start, _stop in participation._get_free_slots() if guardian else []:
                try:
                    with self.env.cr.savepoint():
                        return interviews._book(participation, start, student, guardian, location_mode=mode)
                except UserError:
                    continue
            return interviews

        for student in students:
            if first._get_free_slots():
                interviews |= book(first, student)
        for index, student in enumerate(students):
            school_class = student.school_class_id
            for participation in self.participation_ids:
                teacher = participation.teacher_id
                if (
                    participation != first
                    and teacher in school_class.main_teacher_id | school_class.teacher_ids
                    and len(interviews) < limit
                ):
                    interviews |= book(participation, student, mode="video" if index % 2 else "in_person")
        for student in students[-2:]:
            guardian = student.student_guardian_link_ids[:1].guardian_id
            if guardian and not first._get_free_slots():
                self.env["school.interview.wait"]._join(first, student, guardian)
        return interviews
