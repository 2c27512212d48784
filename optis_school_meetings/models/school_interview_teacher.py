from odoo import _, api, fields, models
from odoo.exceptions import UserError


class SchoolInterviewTeacher(models.Model):
    """A teacher taking part in an interview period, in a room or by video.

    The row serializes the bookings of the teacher (``school.booking.lock.mixin``).
    """

    _name = "school.interview.teacher"
    _inherit = ["school.booking.lock.mixin"]
    _description = "Teacher of an Interview Period"
    _order = "period_id, teacher_name, id"
    _rec_name = "teacher_id"

    period_id = fields.Many2one("school.interview.period", required=True, ondelete="cascade", index=True)
    teacher_id = fields.Many2one("school.teacher", required=True, ondelete="restrict", index=True)
    teacher_name = fields.Char(related="teacher_id.name", store=True, string="Teacher Name")
    user_id = fields.Many2one(related="teacher_id.user_id", store=True, string="Teacher User")
    company_id = fields.Many2one(related="period_id.company_id", store=True, index=True)
    room = fields.Char(
        compute="_compute_room", store=True, readonly=False, precompute=True, help="Where the teacher receives parents."
    )
    location_mode = fields.Selection(
        selection=[("in_person", "In the room"), ("video", "By video"), ("choice", "Parent's choice")],
        string="Where",
        required=True,
        default="in_person",
        help="By video: each interview gets a room on the school's video call server (Settings > School); "
        "without a server set, video interviews get no link.",
    )
    block_ids = fields.One2many("school.interview.block", "participation_id", string="Unavailable Times", copy=True)
    interview_ids = fields.One2many("school.interview", "participation_id", string="Interviews")
    booked_count = fields.Integer(compute="_compute_booked_count", string="Booked")
    free_count = fields.Integer(compute="_compute_booked_count", string="Free")

    _sql_constraints = [
        ("teacher_uniq", "unique(period_id, teacher_id)", "A teacher takes part in a period once."),
    ]

    @api.depends("teacher_id.name", "period_id.name")
    def _compute_display_name(self):
        for participation in self:
            participation.display_name = " - ".join(
                part for part in (participation.teacher_id.name, participation.period_id.name) if part
            )

    @api.depends("teacher_id")
    def _compute_room(self):
        for participation in self:
            participation.room = participation.teacher_id.room

    def _compute_booked_count(self):
        taken = self._get_taken_starts()
        for participation in self:
            participation.booked_count = len(taken.get(participation.id, ()))
            participation.free_count = len(participation._get_free_slots(taken)) if participation.period_id.date else 0

    def write(self, vals):
        # The teacher and the period of booked interviews are the booking engine's: changing
        # them here would move the interviews to another teacher or evening unchecked.
        if {"teacher_id", "period_id"} & set(vals) and self._get_taken_starts():
            raise UserError(
                _("A teacher with booked interviews cannot be replaced or moved: move or cancel the interviews first.")
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_booked(self):
        if (
            self.env["school.interview"]
            .sudo()
            .search_count([("participation_id", "in", self.ids), ("state", "=", "booked")], limit=1)
        ):
            raise UserError(_("A teacher with booked interviews cannot be removed: cancel the interviews first."))

    def _get_free_slots(self, taken=None):
        """Free interviews of the teacher: the period's grid minus the blocked times and the
        booked interviews.

        :param taken: {participation id: set of booked starts}, read here when not given
        :return: list of (start, stop), naive UTC
        """
        self.ensure_one()
        if taken is None:
            taken = self._get_taken_starts()
        blocks = [(block.start, block.stop) for block in self.block_ids]
        return self._filter_free(self.period_id._get_slot_grid(), taken.get(self.id, set()), blocks)

    def _get_free_slots_by_participation(self):
        """The free interviews of every participation of ``self`` at once, for pages listing
        many teachers: the booked interviews and the blocked times are read in one query each,
        whatever the number of teachers and children.

        :return: {participation id: list of (start, stop), naive UTC}
        """
        taken = self._get_taken_starts()
        blocks = {}
        for block in (
            self.env["school.interview.block"]
            .sudo()
            .search_fetch([("participation_id", "in", self.ids)], ["participation_id", "start", "stop"])
        ):
            blocks.setdefault(block.participation_id.id, []).append((block.start, block.stop))
        grids = {period.id: period._get_slot_grid() for period in self.period_id if period.date}
        return {
            participation.id: self._filter_free(
                grids.get(participation.period_id.id, []),
                taken.get(participation.id, set()),
                blocks.get(participation.id, []),
            )
            for participation in self
        }

    @staticmethod
    def _filter_free(grid, booked, blocks):
        """The times of ``grid`` neither booked nor overlapping one of ``blocks``.

        :param list grid: the period's (start, stop)
        :param set booked: starts of the booked interviews
        :param list blocks: (start, stop) of the blocked times
        :return: list of (start, stop)
        """
        return [
            (start, stop)
            for start, stop in grid
            if start not in booked
            and not any(block_start < stop and start < block_stop for block_start, block_stop in blocks)
        ]

    def _check_free(self, start, others):
        """``start`` is one of the teacher's interview times, not blocked and not booked.
        The refusal lists the teacher's next free times, for the person booking by phone.

        :param datetime start: naive UTC
        :param others: the booked interviews of the period the booking is checked against
        :raise UserError: the time is not free
        """
        self.ensure_one()
        period = self.period_id
        free_starts = {slot_start for slot_start, _stop in self._get_free_slots(taken={})}
        teacher_starts = {other.start for other in others if other.teacher_id == self.teacher_id}
        if start in free_starts and start not in teacher_starts:
            return
        free = sorted(free_starts - teacher_starts)
        if start not in free_starts:
            message = _(
                "%(time)s is not one of the interview times of %(teacher)s.",
                time=period._format_time(start),
                teacher=self.teacher_id.name,
            )
        else:
            message = _(
                "%(teacher)s already has an interview at %(time)s.",
                teacher=self.teacher_id.name,
                time=period._format_time(start),
            )
        hint = (
            _("Free times: %(times)s.", times=", ".join(period._format_hour(moment) for moment in free[:12]))
            if free
            else _(
                "%(teacher)s has no free time left: the family may join the waiting list.",
                teacher=self.teacher_id.name,
            )
        )
        raise UserError("\n".join((message, hint)))

    def _get_taken_starts(self):
        """{participation id: set of starts of booked interviews}, one query."""
        interviews = (
            self.env["school.interview"]
            .sudo()
            .search_fetch(
                [("participation_id", "in", self.ids), ("state", "=", "booked")], ["participation_id", "start"]
            )
        )
        taken = {}
        for interview in interviews:
            taken.setdefault(interview.participation_id.id, set()).add(interview.start)
        return taken

    def _get_schedule_rows(self):
        """The teacher's evening, for the printed schedule: one row per interview time
        (with the booked interview, or why it is empty) and one per break.

        :return: list of dicts ``{time, interview, label}``
        """
        self.ensure_one()
        period = self.period_id
        booked = {interview.start: interview for interview in self.interview_ids if interview.state == "booked"}

        hhmm = period._format_hour

        rows = []
        previous_stop = None
        for start, stop in period._get_slot_grid():
            if previous_stop and start > previous_stop:
                rows.append({"time": f"{hhmm(previous_stop)}-{hhmm(start)}", "interview": None, "label": _("Break")})
            block = self.block_ids.filtered(
                lambda block, start=start, stop=stop: block.start < stop and start < block.stop
            )
            label = _("Free")
            if block:
                label = " ".join(filter(None, [_("Unavailable"), block[0].reason]))
            rows.append({"time": f"{hhmm(start)}-{hhmm(stop)}", "interview": booked.get(start), "label": label})
            previous_stop = stop
        return rows

    def action_print_schedule(self):
        return self.env.ref("optis_school_meetings.action_report_interview_teacher_schedule").report_action(self)
