from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

# What the person booking chooses. Changing one of them moves the interview: the booking
# rules are checked again.
BOOKING_INPUT_FIELDS = ("participation_id", "start", "student_id", "guardian_id", "location_mode")


class SchoolInterview(models.Model):
    """A parent-teacher interview: one child, one teacher, one slot of an interview period.

    Every creation and every move goes through ``_check_and_lock_booking``: the teacher's
    participation row, the child and the attending guardians are locked (rewritten), then
    every rule of the period is checked on a fresh snapshot. State, times, people and what
    the engine derives from them are written by the engine only (``_booking_engine_fields``):
    a ``create`` or a move through ``write`` is a booking or a move by the engine, any other
    write of them is refused, and a booked interview is cancelled, never deleted. The database refuses two
    booked interviews of one teacher, or of one guardian, at the same time (exclusion
    constraints here and on ``school.interview.attendee``).
    """

    _name = "school.interview"
    _description = "Parent-Teacher Interview"
    _inherit = ["mail.thread", "school.booking.guard.mixin"]
    _order = "start, teacher_name, id"
    # Written by the booking engine only (``school.booking.guard.mixin``).
    _booking_input_fields = BOOKING_INPUT_FIELDS
    _booking_engine_fields = (
        *BOOKING_INPUT_FIELDS,
        "state",
        "stop",
        "attendee_ids",
        "separate_guardian_id",
        "video_url",
        "from_waiting_list",
        # Related fields: writing them would write the teacher's participation, period or user.
        "period_id",
        "teacher_id",
        "teacher_name",
        "teacher_user_id",
        "company_id",
    )

    name = fields.Char(compute="_compute_name", store=True)
    period_id = fields.Many2one(related="participation_id.period_id", store=True, index=True)
    participation_id = fields.Many2one(
        "school.interview.teacher", string="Teacher", required=True, ondelete="restrict", index=True, tracking=True
    )
    teacher_id = fields.Many2one(related="participation_id.teacher_id", store=True, index=True, string="School Teacher")
    teacher_name = fields.Char(related="participation_id.teacher_name", store=True)
    teacher_user_id = fields.Many2one(related="participation_id.user_id", store=True, string="Teacher User")
    company_id = fields.Many2one(related="participation_id.company_id", store=True, index=True)
    student_id = fields.Many2one(
        "res.partner", string="Child", required=True, index=True, domain=[("is_student", "=", True)], tracking=True
    )
    student_class_id = fields.Many2one(related="student_id.school_class_id", string="Class")
    guardian_id = fields.Many2one(
        "res.partner", string="Booked By", required=True, index=True, domain=[("is_guardian", "=", True)], tracking=True
    )
    separate_guardian_id = fields.Many2one(
        "res.partner",
        string="Separate Interview Of",
        readonly=True,
        help="Set when a guardian living apart booked this interview on their own.",
    )
    attendee_ids = fields.One2many("school.interview.attendee", "interview_id", string="Attendees", readonly=True)
    attendee_names = fields.Char(compute="_compute_attendee_names", string="Family")

    start = fields.Datetime(required=True, index=True, tracking=True)
    stop = fields.Datetime(readonly=True)
    location_mode = fields.Selection(
        selection=[("in_person", "In the room"), ("video", "By video")],
        string="Where",
        required=True,
        default="in_person",
        tracking=True,
    )
    room = fields.Char(related="participation_id.room")
    video_url = fields.Char(string="Video Link", readonly=True, copy=False)
    state = fields.Selection(
        selection=[("booked", "Booked"), ("cancelled", "Cancelled")],
        required=True,
        default="booked",
        tracking=True,
        copy=False,
    )
    from_waiting_list = fields.Boolean(readonly=True, copy=False)
    note = fields.Text()

    _sql_constraints = [
        ("dates_valid", "CHECK(start < stop)", "An interview must end after it starts."),
        # The last guard against a teacher booked twice (needs btree_gist, see hooks.py).
        (
            "teacher_no_overlap",
            "EXCLUDE USING gist (teacher_id WITH =, tsrange(start, stop) WITH &&) "
            "WHERE (((state)::text = 'booked'::text))",
            "This teacher already has an interview at that time.",
        ),
    ]

    @api.depends("teacher_name", "student_id.name")
    def _compute_name(self):
        for interview in self:
            interview.name = " - ".join(part for part in (interview.teacher_name, interview.student_id.name) if part)

    @api.depends("attendee_ids.partner_id.name")
    def _compute_attendee_names(self):
        for interview in self:
            interview.attendee_names = ", ".join(interview.attendee_ids.partner_id.mapped("name"))

    # ------------------------------------------------------------
    # CRUD: the booking engine, whoever calls
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if self._in_booking_engine():
            return super().create(vals_list)
        self._check_booking_input(vals_list)
        return self._create_bookings(vals_list, as_parent=not self._is_interview_staff())

    def write(self, vals):
        if self._in_booking_engine():
            return super().write(vals)
        moved = set(vals) & set(BOOKING_INPUT_FIELDS)
        self._check_booking_engine_fields(set(vals) - moved)
        if not moved:
            return super().write(vals)
        # A move made in the form or over the API: the engine checks the new slot.
        return self._reschedule(vals, as_parent=not self._is_interview_staff())

    # ------------------------------------------------------------
    # Booking engine
    # ------------------------------------------------------------

    @api.model
    def _book(self, participation, start, student, guardian, location_mode=None, as_parent=False):
        """Book an interview of ``guardian`` about ``student`` with the teacher of ``participation``.

        :param participation: the ``school.interview.teacher`` (teacher in a period)
        :param datetime start: naive UTC start of one of the period's interviews
        :param student: the child (``res.partner``)
        :param guardian: the guardian who books (``res.partner``)
        :param str location_mode: ``in_person`` or ``video`` when the teacher lets parents choose
        :param bool as_parent: apply the parents' rules too (booking dates, the child's teachers only)
        :return: the new ``school.interview``
        :raise UserError: any rule of the period refuses it
        """
        return self._create_bookings(
            [
                {
                    "participation_id": participation.id,
                    "start": start,
                    "student_id": student.id,
                    "guardian_id": guardian.id,
                    "location_mode": location_mode or "in_person",
                }
            ],
            as_parent=as_parent,
        )

    def _move(self, start, participation=None, as_parent=False):
        """Move the interview to another slot (and teacher); the family is told."""
        self.ensure_one()
        vals = {"start": start}
        if participation:
            vals["participation_id"] = participation.id
        return self._reschedule(vals, as_parent=as_parent)

    @api.model
    def _create_bookings(self, vals_list, as_parent):
        """Create booked interviews, one at a time so that each sees the previous one, each
        checked and locked by ``_check_and_lock_booking``; the families are told.

        :param list vals_list: values of the interviews (``BOOKING_INPUT_FIELDS``, a note,
            ``from_waiting_list``)
        :param bool as_parent: apply the parents' rules too
        :return: the new ``school.interview`` records
        :raise UserError: a rule refuses one of them (none is created)
        """
        # The families get the mails; the person booking is not made a follower.
        engine = self._booking_engine().with_context(mail_create_nosubscribe=True)
        interviews = self.browse()
        for given_vals in vals_list:
            vals = {**given_vals, "state": "booked"}
            vals.update(
                self._check_and_lock_booking(
                    self.env["school.interview.teacher"].browse(vals.get("participation_id")),
                    fields.Datetime.to_datetime(vals.get("start")),
                    self.env["res.partner"].browse(vals.get("student_id")),
                    self.env["res.partner"].browse(vals.get("guardian_id")),
                    vals.get("location_mode"),
                    as_parent=as_parent,
                )
            )
            interview = engine.create([vals]).with_env(self.env)
            interview._close_waiting_entries()
            interviews |= interview
        interviews._notify_family("booked")
        return interviews

    def _reschedule(self, vals, as_parent):
        """Move the interviews to the slot, teacher, child, guardian or mode of ``vals``,
        every rule checked again; the families are told.

        :param dict vals: ``BOOKING_INPUT_FIELDS`` to change, and other fields to write with them
        :raise UserError: an interview is cancelled, or a rule refuses the new slot
        """
        if "cancelled" in self.mapped("state"):
            raise UserError(_("A cancelled interview cannot be changed; book a new one."))
        for interview in self:
            interview_vals = dict(vals)
            interview_vals.update(
                interview._check_and_lock_booking(
                    self.env["school.interview.teacher"].browse(
                        vals.get("participation_id", interview.participation_id.id)
                    ),
                    fields.Datetime.to_datetime(vals.get("start", interview.start)),
                    self.env["res.partner"].browse(vals.get("student_id", interview.student_id.id)),
                    self.env["res.partner"].browse(vals.get("guardian_id", interview.guardian_id.id)),
                    vals.get("location_mode", interview.location_mode),
                    as_parent=as_parent,
                    exclude=interview,
                )
            )
            interview._booking_engine().write(interview_vals)
        self._notify_family("moved")
        return True

    @api.model
    def _check_and_lock_booking(
        self, participation, start, student, guardian, location_mode, as_parent=False, exclude=None
    ):
        """Lock what the booking depends on, then check every rule of the period.

        Locks, always in this order so that two bookings cannot deadlock: the teacher's
        participation row, then the child and the attending guardians in id order (their
        ``school.booking.partner.lock`` rows). Each lock rewrites its row: a concurrent
        booking of the same teacher or family waits, then retries on a snapshot that sees
        this one.

        :param exclude: the interview being moved
        :return: the values to write (stop, attendees, separate guardian, mode, video link)
        :raise UserError: a rule refuses the booking
        """
        if not (participation and start and student and guardian):
            raise UserError(_("An interview needs a teacher, a time, a child and a guardian."))
        period = participation.sudo().period_id
        period._check_booking_open(participation, student, as_parent)
        attendees, separate_guardian = period._get_household(student, guardian)
        stop = start + timedelta(minutes=period.meeting_minutes)
        mode = (
            {"in_person": "in_person", "video": "video"}.get(participation.location_mode)
            or location_mode
            or "in_person"
        )

        participation.sudo()._lock_for_booking()
        self.env["school.booking.partner.lock"].sudo()._lock_partners(student | attendees)

        # What the rules look at: the teacher's, the child's and the family's booked interviews.
        others = self.sudo().search(
            [
                ("state", "=", "booked"),
                ("period_id", "=", period.id),
                "|",
                "|",
                ("teacher_id", "=", participation.teacher_id.id),
                ("student_id", "=", student.id),
                ("attendee_ids.partner_id", "in", attendees.ids),
            ]
        ) - (exclude or self.browse())
        participation._check_free(start, others)
        family = others.filtered(lambda other: other.attendee_ids.partner_id & attendees)
        period._check_family_free(participation, start, stop, mode, attendees, family)
        period._check_limits(participation, student, separate_guardian, others, family)

        vals = {
            "stop": stop,
            "location_mode": mode,
            "separate_guardian_id": separate_guardian.id,
            "attendee_ids": [Command.clear()] + [Command.create({"partner_id": partner.id}) for partner in attendees],
        }
        if mode != "video":
            vals["video_url"] = False
        elif not (exclude and exclude.video_url):
            vals["video_url"] = period.company_id._get_interview_video_url()
        return vals

    @api.model
    def _is_interview_staff(self):
        return self.env.su or self.env.user.has_group("optis_school_meetings.group_meeting_receptionist")

    # For the templates (reports, portal): times in the period's time zone.
    @api.model
    def _format_hour(self, moment, period):
        return period._format_hour(moment)

    @api.model
    def _format_time(self, moment, period):
        return period._format_time(moment)

    def _close_waiting_entries(self):
        """The family got an interview with the teacher: it waits no more."""
        for interview in self.filtered(lambda interview: interview.state == "booked"):
            self.env["school.interview.wait"].sudo().search(
                [
                    ("participation_id", "=", interview.participation_id.id),
                    ("student_id", "=", interview.student_id.id),
                    ("guardian_id", "in", interview.attendee_ids.partner_id.ids),
                    ("state", "=", "waiting"),
                ]
            ).write({"state": "booked", "interview_id": interview.id})

    # ------------------------------------------------------------
    # Cancel and waiting list
    # ------------------------------------------------------------

    def action_cancel(self):
        return self._cancel(as_parent=not self._is_interview_staff())

    def _cancel(self, as_parent=True):
        """Cancel the interviews, tell the families, and offer each freed slot to the first
        family on the teacher's waiting list.

        :param bool as_parent: parents cancel only while booking is open
        :raise UserError: not booked, or booking closed for a parent
        """
        if any(interview.state != "booked" for interview in self):
            raise UserError(_("Only booked interviews can be cancelled."))
        for interview in self:
            if as_parent and not interview.period_id._is_booking_open():
                raise UserError(
                    _(
                        "Booking for %(period)s is closed: please contact the school to cancel.",
                        period=interview.period_id.name,
                    )
                )
        for interview in self:
            interview.participation_id.sudo()._lock_for_booking()
            interview._booking_engine().write({"state": "cancelled"})
        self._notify_family("cancelled")
        for interview in self:
            self.env["school.interview.wait"].sudo()._offer_freed_slot(interview.participation_id, interview.start)
        return True

    # ------------------------------------------------------------
    # The teacher's printed schedule
    # ------------------------------------------------------------

    @api.model
    def _action_my_interviews(self):
        """ "My Interviews" of the current user, whose calendar opens on their next interview
        evening (the start of the first period to come they take part in), not on today.

        :return: the window action of the user's booked interviews
        """
        action = self.env["ir.actions.act_window"]._for_xml_id("optis_school_meetings.school_interview_my_action")
        periods = (
            self.env["school.interview.teacher"]
            .search([("user_id", "=", self.env.uid), ("period_id.stop", ">=", fields.Datetime.now())])
            .period_id
        )
        context = {"search_default_booked": 1, "search_default_mine": 1}
        if periods:
            context["initial_date"] = fields.Datetime.to_string(min(periods.mapped("start")))
        action["context"] = context
        return action

    def action_print_my_schedule(self):
        """Print the current user's own interview schedule ("My Interviews"): of the periods
        of the selected interviews, or else of every period not over yet. Other teachers'
        schedules are never printed here (and their records are out of a teacher's reach).

        :return: the teacher schedule report action
        :raise UserError: the user takes part in no such period
        """
        if self:
            period_domain = [("period_id", "in", self.period_id.ids)]
        else:
            period_domain = [("period_id.stop", ">=", fields.Datetime.now())]
        participations = self.env["school.interview.teacher"].search([("user_id", "=", self.env.uid), *period_domain])
        if not participations:
            raise UserError(_("You have no interview schedule to print: you take part in no interview period to come."))
        return self.env.ref("optis_school_meetings.action_report_interview_teacher_schedule").report_action(
            participations
        )

    # ------------------------------------------------------------
    # Mails
    # ------------------------------------------------------------

    def _notify_family(self, kind):
        """Mail the attending guardians: booked, moved or cancelled (posted on the interview)."""
        template = self.env.ref(f"optis_school_meetings.mail_template_interview_{kind}", raise_if_not_found=False)
        if not template:
            return
        for interview in self:
            partners = interview.attendee_ids.partner_id.filtered("email")
            if not partners:
                continue
            interview.sudo().message_post_with_source(
                template,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=partners.ids,
                email_layout_xmlid="mail.mail_notification_light",
            )
