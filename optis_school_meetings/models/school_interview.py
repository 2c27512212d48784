import uuid
from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime

# Changing one of these moves the interview: the booking rules are checked again.
SLOT_FIELDS = ("participation_id", "start", "student_id", "guardian_id", "location_mode")


class SchoolInterview(models.Model):
    """A parent-teacher interview: one child, one teacher, one slot of an interview period.

    Every creation and every move goes through ``_check_and_lock_booking``: the teacher's
    participation row, the child and the attending guardians are locked (rewritten), then
    every rule of the period is checked on a fresh snapshot. The database refuses two
    booked interviews of one teacher, or of one guardian, at the same time (exclusion
    constraints here and on ``school.interview.attendee``).
    """

    _name = "school.interview"
    _description = "Parent-Teacher Interview"
    _inherit = ["mail.thread"]
    _order = "start, teacher_name, id"

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
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        interview_model = self.with_context(mail_create_nosubscribe=True)
        interviews = self.browse()
        # One at a time: each booking must see the previous one.
        for given_vals in vals_list:
            vals = {"state": "booked", **given_vals}
            if vals["state"] == "booked":
                vals.update(
                    self._check_and_lock_booking(
                        self.env["school.interview.teacher"].browse(vals.get("participation_id")),
                        fields.Datetime.to_datetime(vals.get("start")),
                        self.env["res.partner"].browse(vals.get("student_id")),
                        self.env["res.partner"].browse(vals.get("guardian_id")),
                        vals.get("location_mode"),
                        as_parent=self.env.context.get("interview_as_parent", not self._is_interview_staff()),
                    )
                )
            interview = super(SchoolInterview, interview_model).create([vals]).with_env(self.env)
            interview._close_waiting_entries()
            interviews |= interview
        interviews._notify_family("booked")
        return interviews

    def write(self, vals):
        if not (set(SLOT_FIELDS) & set(vals)):
            return super().write(vals)
        if "cancelled" in self.mapped("state"):
            raise UserError(_("A cancelled interview cannot be changed; book a new one."))
        as_parent = self.env.context.get("interview_as_parent", not self._is_interview_staff())
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
            super(SchoolInterview, interview).write(interview_vals)
        self._notify_family("moved")
        return True

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
        return self.with_context(interview_as_parent=as_parent).create(
            {
                "participation_id": participation.id,
                "start": start,
                "student_id": student.id,
                "guardian_id": guardian.id,
                "location_mode": location_mode or "in_person",
            }
        )

    def _move(self, start, participation=None, as_parent=False):
        """Move the interview to another slot (and teacher); the family is told."""
        self.ensure_one()
        vals = {"start": start}
        if participation:
            vals["participation_id"] = participation.id
        return self.with_context(interview_as_parent=as_parent).write(vals)

    @api.model
    def _get_household(self, period, student, guardian):
        """Who attends an interview booked by ``guardian`` about ``student``.

        The child's guardians form one family, unless the period allows separate interviews
        and the guardian lives apart (``separate_interviews`` on the guardian link): then the
        guardian attends alone.

        :return: (attendees, separate guardian or an empty recordset)
        :raise UserError: ``guardian`` is not a guardian of ``student``
        """
        links = student.sudo().student_guardian_link_ids
        link = links.filtered(lambda link: link.guardian_id == guardian)
        if not link:
            raise UserError(
                _("%(guardian)s is not a guardian of %(student)s.", guardian=guardian.name, student=student.name)
            )
        if period.allow_separate_parents and link[0].separate_interviews:
            return guardian, guardian
        household = links.filtered(
            lambda link: link.is_legally_responsible
            and not (period.allow_separate_parents and link.separate_interviews)
        ).guardian_id
        return (household | guardian).sorted("id"), self.env["res.partner"]

    @api.model
    def _check_and_lock_booking(
        self, participation, start, student, guardian, location_mode, as_parent=False, exclude=None
    ):
        """Lock what the booking depends on, then check every rule of the period.

        Locks, always in this order so that two bookings cannot deadlock: the teacher's
        participation row, then the child and the attending guardians in id order. Each lock
        rewrites its row (``school.booking.lock.mixin``): a concurrent booking of the same
        teacher or family waits, then retries on a snapshot that sees this one.

        :param exclude: the interview being moved
        :return: the values to write (stop, attendees, separate guardian, mode, video link)
        :raise UserError: a rule refuses the booking
        """
        if not (participation and start and student and guardian):
            raise UserError(_("An interview needs a teacher, a time, a child and a guardian."))
        period = participation.sudo().period_id
        self._check_booking_open(period, participation, student, as_parent)
        attendees, separate_guardian = self._get_household(period, student, guardian)
        stop = start + timedelta(minutes=period.meeting_minutes)
        mode = (
            {"in_person": "in_person", "video": "video"}.get(participation.location_mode)
            or location_mode
            or "in_person"
        )

        participation.sudo()._lock_for_booking()
        (student | attendees).sorted("id").sudo()._lock_for_booking()

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
        self._check_teacher_free(participation, start, others)
        family = others.filtered(lambda other: other.attendee_ids.partner_id & attendees)
        self._check_family_free(participation, start, stop, mode, attendees, family)
        self._check_limits(participation, student, separate_guardian, others, family)

        vals = {
            "stop": stop,
            "location_mode": mode,
            "separate_guardian_id": separate_guardian.id,
            "attendee_ids": [Command.clear()] + [Command.create({"partner_id": partner.id}) for partner in attendees],
        }
        if mode == "video" and not (exclude and exclude.video_url):
            vals["video_url"] = f"{period.video_base_url.rstrip('/')}/optis-{uuid.uuid4().hex}"
        return vals

    @api.model
    def _check_booking_open(self, period, participation, student, as_parent):
        """The period takes bookings (from parents: published, between the booking dates, and
        only with the child's teachers when the period says so)."""
        if period.state == "closed" or (period.state == "draft" and as_parent):
            raise UserError(_("%(period)s is not open for booking.", period=period.name))
        if as_parent and not period._is_booking_open():
            raise UserError(_("Booking for %(period)s is closed.", period=period.name))
        if not student.is_student:
            raise UserError(_("%(name)s is not a student.", name=student.name))
        # A family with children in two schools posts the id of either: only the period's
        # school has interviews about its own pupils, whoever books.
        if student.sudo().company_id != period.company_id:
            raise UserError(
                _(
                    "%(student)s is not a pupil of %(school)s.",
                    student=student.name,
                    school=period.company_id.name,
                )
            )
        if as_parent and period.class_teachers_only:
            school_class = student.sudo().school_class_id
            if participation.teacher_id not in (school_class.teacher_ids | school_class.main_teacher_id):
                raise UserError(
                    _(
                        "%(teacher)s does not teach %(student)s.",
                        teacher=participation.teacher_id.name,
                        student=student.name,
                    )
                )

    @api.model
    def _check_teacher_free(self, participation, start, others):
        """``start`` is one of the teacher's interview times, not blocked and not booked.
        The refusal lists the teacher's next free times, for the person booking by phone."""
        period = participation.period_id
        free_starts = {slot_start for slot_start, _stop in participation._get_free_slots(taken={})}
        taken = others.filtered(lambda other: other.teacher_id == participation.teacher_id and other.start == start)
        if start in free_starts and not taken:
            return
        booked = {other.start for other in others if other.teacher_id == participation.teacher_id}
        free = sorted(free_starts - booked)
        if start not in free_starts:
            message = _(
                "%(time)s is not one of the interview times of %(teacher)s.",
                time=self._format_time(start, period),
                teacher=participation.teacher_id.name,
            )
        else:
            message = _(
                "%(teacher)s already has an interview at %(time)s.",
                teacher=participation.teacher_id.name,
                time=self._format_time(start, period),
            )
        hint = (
            _("Free times: %(times)s.", times=", ".join(self._format_hour(moment, period) for moment in free[:12]))
            if free
            else _(
                "%(teacher)s has no free time left: the family may join the waiting list.",
                teacher=participation.teacher_id.name,
            )
        )
        raise UserError("\n".join((message, hint)))

    @api.model
    def _check_family_free(self, participation, start, stop, mode, attendees, family):
        """The attending guardians have no other interview at the time, nor too close to it
        in another room (the walking gap).

        :param family: the other booked interviews of the period these guardians attend
        """
        period = participation.period_id
        gap = timedelta(minutes=period.walking_gap_minutes)
        for other in family:
            if other.start < stop and start < other.stop:
                raise UserError(
                    _(
                        "%(family)s already has an interview with %(teacher)s at %(time)s.",
                        family=", ".join((other.attendee_ids.partner_id & attendees).mapped("name")),
                        teacher=other.teacher_id.name,
                        time=self._format_time(other.start, period),
                    )
                )
            different_room = "video" in (mode, other.location_mode) or other.room != participation.room
            if gap and different_room and other.start < stop + gap and start < other.stop + gap:
                raise UserError(
                    _(
                        "Leave %(minutes)s minutes between the interview with %(teacher)s at %(time)s and the next one "
                        "to change rooms.",
                        minutes=period.walking_gap_minutes,
                        teacher=other.teacher_id.name,
                        time=self._format_time(other.start, period),
                    )
                )

    @api.model
    def _check_limits(self, participation, student, separate_guardian, others, family):
        """One interview per teacher and child, and the period's limits per child and family."""
        period = participation.period_id
        child_interviews = others.filtered(
            lambda other: other.student_id == student and other.separate_guardian_id == separate_guardian
        )
        if period.one_per_teacher_per_child and child_interviews.filtered(
            lambda other: other.teacher_id == participation.teacher_id
        ):
            raise UserError(
                _(
                    "%(student)s's family already has an interview with %(teacher)s.",
                    student=student.name,
                    teacher=participation.teacher_id.name,
                )
            )
        if period.max_per_child and len(child_interviews) >= period.max_per_child:
            raise UserError(
                _(
                    "At most %(count)s interviews per child: %(student)s has them all.",
                    count=period.max_per_child,
                    student=student.name,
                )
            )
        if period.max_per_family and len(family) >= period.max_per_family:
            raise UserError(
                _(
                    "At most %(count)s interviews per family in %(period)s.",
                    count=period.max_per_family,
                    period=period.name,
                )
            )

    @api.model
    def _is_interview_staff(self):
        return self.env.su or self.env.user.has_group("optis_school_meetings.group_meeting_receptionist")

    @api.model
    def _format_hour(self, moment, period):
        return format_datetime(self.env, moment, tz=period.timezone, dt_format="HH:mm")

    @api.model
    def _format_time(self, moment, period):
        return format_datetime(self.env, moment, tz=period.timezone, dt_format="short")

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
            interview.write({"state": "cancelled"})
        self._notify_family("cancelled")
        for interview in self:
            self.env["school.interview.wait"].sudo()._offer_freed_slot(interview.participation_id, interview.start)
        return True

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
