from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

PRIORITY_SELECTION = [
    ("required", "Required"),
    ("wanted", "Wanted"),
    ("optional", "Optional"),
    ("none", "Not Needed"),
]
# The strongest priority either side stated is the wish's.
PRIORITY_ORDER = {"required": 0, "wanted": 1, "optional": 2, "none": 3}

REASON_SELECTION = [
    ("teacher_unavailable", "The teacher is not available during the evening"),
    ("family_unavailable", "The family cannot come whenever the teacher is available"),
    ("teacher_full", "The teacher's free times went to wishes of the same or a higher priority"),
    ("family_busy", "The teacher's free times clash with the family's other interviews"),
    ("unknown_teacher", "The teacher does not take part in the evening"),
    ("refused", "The booking rules of the evening refused it when publishing"),
]


# What a teacher without meetings rights may set: their own side of a wish.
TEACHER_WRITE_FIELDS = {"teacher_priority"}
TEACHER_CREATE_FIELDS = {"round_id", "student_id", "guardian_id", "participation_id", "teacher_priority", "sequence"}


class SchoolInterviewWish(models.Model):
    """A family's or a teacher's wish to meet about a child in a planning round.

    One wish per child and teacher: the guardians state their priority, the teacher theirs;
    the strongest of the two is planned (``priority``), "not needed" on both sides is not.
    What the planner decides (``planned_start``, ``result``, ``reason``) and the interview
    it books are written by the round only (``school.booking.guard.mixin``).
    """

    _name = "school.interview.wish"
    _inherit = ["school.booking.guard.mixin"]
    _description = "Parent-Teacher Interview Wish"
    _order = "round_id, sequence, id"
    _booking_engine_fields = (
        "planned_start",
        "result",
        "reason",
        "refusal",
        "interview_id",
        "round_id",
        # Computed from the two sides' priorities.
        "priority",
        # Related fields: writing them would write the round's evening, school or teacher.
        "period_id",
        "company_id",
        "teacher_id",
    )

    round_id = fields.Many2one(
        "school.interview.round", string="Planning Round", required=True, ondelete="cascade", index=True
    )
    period_id = fields.Many2one(related="round_id.period_id", store=True, index=True)
    company_id = fields.Many2one(related="round_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10, help="Order of the family's wishes of one priority: the first ones first.")
    student_id = fields.Many2one(
        "res.partner", string="Child", required=True, index=True, domain=[("is_student", "=", True)]
    )
    guardian_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        domain=[("is_guardian", "=", True)],
        help="The guardian who attends (with the child's other guardians, unless they live apart).",
    )
    participation_id = fields.Many2one(
        "school.interview.teacher",
        string="Teacher",
        required=True,
        index=True,
        ondelete="cascade",
        domain="[('period_id', '=', period_id)]",
    )
    teacher_id = fields.Many2one(related="participation_id.teacher_id", store=True, string="School Teacher")
    guardian_priority = fields.Selection(PRIORITY_SELECTION, string="Family's Priority")
    teacher_priority = fields.Selection(PRIORITY_SELECTION, string="Teacher's Priority")
    priority = fields.Selection(
        PRIORITY_SELECTION,
        compute="_compute_priority",
        store=True,
        help="The strongest of the family's and the teacher's priorities.",
    )
    pinned_start = fields.Datetime(
        string="Pinned At",
        help="An interview time fixed by hand: the planner keeps it and plans around it.",
    )

    # What the planner decided (written by the round only)
    result = fields.Selection(
        [("pending", "Not Planned Yet"), ("planned", "Planned"), ("unplaced", "Not Placed"), ("booked", "Booked")],
        default="pending",
        required=True,
        readonly=True,
        copy=False,
    )
    planned_start = fields.Datetime(readonly=True, copy=False)
    reason = fields.Selection(REASON_SELECTION, readonly=True, copy=False, help="Why the wish was not placed.")
    refusal = fields.Char(readonly=True, copy=False, help="What the booking rules said when publishing.")
    interview_id = fields.Many2one("school.interview", readonly=True, copy=False, ondelete="set null")

    _sql_constraints = [
        ("wish_uniq", "unique(round_id, student_id, participation_id)", "One wish per child and teacher in a round."),
    ]

    @api.depends("guardian_priority", "teacher_priority")
    def _compute_priority(self):
        for wish in self:
            stated = [priority for priority in (wish.guardian_priority, wish.teacher_priority) if priority]
            wish.priority = min(stated, key=PRIORITY_ORDER.get) if stated else "none"

    @api.depends("student_id.name", "participation_id.teacher_id.name")
    def _compute_display_name(self):
        for wish in self:
            wish.display_name = " - ".join(
                part for part in (wish.student_id.name, wish.participation_id.teacher_id.name) if part
            )

    @api.constrains("student_id", "guardian_id", "participation_id", "round_id")
    def _check_family(self):
        for wish in self:
            if wish.participation_id.period_id != wish.round_id.period_id:
                raise ValidationError(_("The teacher of a wish takes part in the round's evening."))
            # Raises when the guardian is not one of the child's.
            wish.round_id.period_id._get_household(wish.student_id, wish.guardian_id)

    @api.constrains("pinned_start", "participation_id")
    def _check_pinned_start(self):
        for wish in self.filtered("pinned_start"):
            grid = {start for start, _stop in wish.round_id.period_id._get_slot_grid()}
            if wish.pinned_start not in grid:
                raise ValidationError(
                    _(
                        "%(time)s is not an interview time of the evening.",
                        time=wish.round_id.period_id._format_time(wish.pinned_start),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # ``round_id`` is chosen at creation; the results are the round's.
            self._check_booking_engine_fields(set(vals) - {"round_id"})
            # (The form sends its empty fields too.)
            self._check_teacher_fields({name for name, value in vals.items() if value}, TEACHER_CREATE_FIELDS)
        wishes = super().create(vals_list)
        wishes.round_id._check_wishes_editable()
        wishes._check_teacher_round_open()
        return wishes

    def write(self, vals):
        self._check_booking_engine_fields(set(vals))
        if not self._in_booking_engine():
            self._check_teacher_fields(set(vals), TEACHER_WRITE_FIELDS)
            self._check_teacher_round_open()
            self.round_id._check_wishes_editable()
            if {"student_id", "guardian_id", "participation_id"} & set(vals) and self.interview_id:
                raise UserError(
                    _("A wish that was booked keeps its child, guardian and teacher: cancel its interview instead.")
                )
        return super().write(vals)

    @api.model
    def _is_teacher_only(self):
        """A teacher without meetings rights: states their own wishes, nothing else."""
        return not self.env.su and not self.env.user.has_group("optis_school_meetings.group_meeting_receptionist")

    @api.model
    def _check_teacher_fields(self, field_names, allowed):
        """A teacher writes only their side of a wish (an explicit allow-list).

        :raise UserError: another field, from a teacher without meetings rights
        """
        if self._is_teacher_only() and field_names - allowed:
            raise UserError(_("Teachers state their own priority only: the school's staff change the rest."))

    def _check_teacher_round_open(self):
        """A teacher changes their wishes while the round is open to wishes only."""
        if self._is_teacher_only() and any(not wish.round_id._is_open_for_wishes() for wish in self):
            raise UserError(_("The wishes of this evening are closed."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_booked(self):
        if self._in_booking_engine():
            return
        if self.interview_id:
            raise UserError(_("A wish that was booked cannot be deleted: cancel its interview instead."))
        self.round_id._check_wishes_editable()
