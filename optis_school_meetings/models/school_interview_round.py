import time
from datetime import timedelta

import pytz
from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..tools import planner
from .school_interview_wish import PRIORITY_SELECTION


class SchoolInterviewRound(models.Model):
    """Planning of a parent-teacher evening from wishes, instead of first come, first served.

    Families and teachers state their wishes while the round is open; the administrator
    closes it, computes a plan (``tools/planner.py``: fair, as many wishes as possible,
    short evenings), reviews it (requested against granted, with the reason of every
    unplaced wish), edits and computes again, then publishes: every planned wish becomes an
    ordinary booking through the interview engine (``school.interview._book``: same rules,
    same mails). Interviews already booked in the evening, and wishes pinned by hand, are
    kept where they are.

    The state and what the planner decided are written by the round's own actions only
    (``school.booking.guard.mixin``).
    """

    _name = "school.interview.round"
    _inherit = ["mail.thread", "school.booking.guard.mixin"]
    _description = "Parent-Teacher Interview Planning Round"
    _order = "id desc"
    # ``company_id`` is related: writing it would move the evening to another school.
    _booking_engine_fields = (
        "state",
        "period_id",
        "company_id",
        "computed_on",
        "plan_seconds",
        "reminder_sent",
        "computing",
    )

    period_id = fields.Many2one(
        "school.interview.period", string="Interview Period", required=True, ondelete="cascade", index=True
    )
    name = fields.Char(related="period_id.name")
    company_id = fields.Many2one(related="period_id.company_id", store=True, index=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("open", "Wishes Open"),
            ("closed", "Wishes Closed"),
            ("computed", "Computed"),
            ("published", "Published"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
    )
    wishes_open = fields.Datetime(string="Wishes From", help="Families give their wishes from this moment.")
    wishes_close = fields.Datetime(string="Wishes Until", help="Families cannot change their wishes after this moment.")
    reminder_days = fields.Integer(
        string="Remind Before (days)",
        default=2,
        help="Guardians who have not given any wish get a reminder this many days before the wishes close.",
    )
    reminder_sent = fields.Boolean(readonly=True, copy=False)
    wish_ids = fields.One2many("school.interview.wish", "round_id", string="Wishes")
    family_block_ids = fields.One2many(
        "school.interview.family.block", "round_id", string="Families' Unavailable Times"
    )
    computed_on = fields.Datetime(readonly=True, copy=False)
    computing = fields.Boolean(
        readonly=True,
        copy=False,
        help="The plan is being computed by a background job; its result comes in the chatter.",
    )
    plan_seconds = fields.Float(string="Computed In (s)", readonly=True, copy=False, digits=(16, 2))

    # Requested against granted
    wish_count = fields.Integer(compute="_compute_counts", string="Requested")
    planned_count = fields.Integer(compute="_compute_counts", string="Granted")
    unplaced_count = fields.Integer(compute="_compute_counts", string="Not Placed")
    required_count = fields.Integer(compute="_compute_counts", string="Required")
    required_planned_count = fields.Integer(compute="_compute_counts", string="Required Granted")

    _sql_constraints = [
        (
            "wishes_dates_valid",
            "CHECK(wishes_open IS NULL OR wishes_close IS NULL OR wishes_open < wishes_close)",
            "Wishes must close after they open.",
        ),
    ]

    def _compute_counts(self):
        groups = self.env["school.interview.wish"]._read_group(
            [("round_id", "in", self.ids), ("priority", "!=", "none")], ["round_id", "priority", "result"], ["__count"]
        )
        counts = {}
        for round_, priority, result, count in groups:
            counts.setdefault(round_.id, []).append((priority, result, count))
        for round_ in self:
            rows = counts.get(round_.id, [])
            round_.wish_count = sum(count for _priority, _result, count in rows)
            round_.planned_count = sum(count for _priority, result, count in rows if result in ("planned", "booked"))
            round_.unplaced_count = sum(count for _priority, result, count in rows if result == "unplaced")
            round_.required_count = sum(count for priority, _result, count in rows if priority == "required")
            round_.required_planned_count = sum(
                count for priority, result, count in rows if priority == "required" and result in ("planned", "booked")
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_booking_engine_fields(set(vals) - {"period_id"})
        return super().create(vals_list)

    def write(self, vals):
        self._check_booking_engine_fields(set(vals))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_published(self):
        if not self._in_booking_engine() and "published" in self.mapped("state"):
            raise UserError(_("A published planning round cannot be deleted: its interviews are booked."))

    def _check_wishes_editable(self):
        """Wishes and unavailable times change until the round is published.

        :raise UserError: a round of ``self`` is published
        """
        if "published" in self.mapped("state"):
            raise UserError(
                _("The plan of %(period)s is published: wishes can no longer change.", period=self[:1].name)
            )

    def _is_open_for_wishes(self, now=None):
        """Whether families may give or change their wishes now."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        return (
            self.state == "open"
            and (not self.wishes_open or self.wishes_open <= now)
            and (not self.wishes_close or now < self.wishes_close)
        )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def _set_state(self, state, allowed):
        for round_ in self:
            if round_.state not in allowed:
                raise UserError(
                    _(
                        "%(period)s: this step is not possible in state %(state)s.",
                        period=round_.name,
                        state=dict(self._fields["state"]._description_selection(self.env))[round_.state],
                    )
                )
        self._booking_engine().write({"state": state})

    def action_open_wishes(self):
        self._set_state("open", ("draft", "closed"))

    def action_close_wishes(self):
        self._set_state("closed", ("open",))

    def action_reset_draft(self):
        self._set_state("draft", ("open", "closed", "computed"))

    def action_compute(self):
        """Compute the plan in a background job (OCA queue_job), never inside the web
        request: every wish gets a time or the reason it has none, and the outcome (or the
        error) is posted in the chatter. Computing again after edits keeps the booked
        interviews and the pinned wishes."""
        self.check_access("write")
        for round_ in self:
            if round_.state not in ("closed", "computed"):
                raise UserError(_("Close the wishes of %(period)s before computing its plan.", period=round_.name))
            if round_.computing:
                raise UserError(_("The plan of %(period)s is already being computed.", period=round_.name))
        self._booking_engine().write({"computing": True})
        for round_ in self:
            round_.with_delay(
                channel="root.optis", description=_("Interview plan of %(period)s", period=round_.name)
            )._compute_plan_job()
            round_.message_post(body=_("The plan is being computed in the background; its result will be posted here."))
        return True

    def _compute_plan_job(self):
        """Job: compute the plan of a round and post the outcome, or the error, in its chatter.

        :return: a summary for the job's result
        """
        self.ensure_one()
        if not self.computing:
            return "nothing to compute"
        try:
            with self.env.cr.savepoint():
                self._compute_plan()
        except UserError as error:
            self.message_post(body=_("The plan could not be computed: %(error)s", error=error.args[0]))
            return "refused"
        finally:
            self._booking_engine().write({"computing": False})
        return f"plan computed in {self.plan_seconds:.1f} s"

    def action_publish(self):
        """Book every planned wish through the interview engine; the families get the
        usual mails. A wish the booking rules refuse stays unplaced, with their reason."""
        self.ensure_one()
        self.check_access("write")
        if self.state != "computed" or self.computing:
            raise UserError(_("Compute the plan of %(period)s before publishing it.", period=self.name))
        self._publish_plan()

    def action_view_wishes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optis_school_meetings.school_interview_wish_action")
        action["domain"] = [("round_id", "=", self.id)]
        action["context"] = {"default_round_id": self.id, "search_default_group_result": 1}
        return action

    # ------------------------------------------------------------
    # Planning
    # ------------------------------------------------------------

    def _prepare_problem(self):
        """The round as a :class:`planner.Problem`: the evening's grid in minutes, the
        teachers (room, blocked times), the families (guardians of siblings together; their
        unavailable times), the wishes, and the interviews already booked as pinned meetings.

        :return: (problem, {wish key: wish record}, grid [(start, stop)])
        """
        self.ensure_one()
        period = self.period_id
        grid = period._get_slot_grid()
        origin = period.start

        def minutes(moment):
            return int((moment - origin).total_seconds() // 60)

        slots = [(minutes(start), minutes(stop)) for start, stop in grid]

        def overlapping(start, stop):
            return frozenset(
                index for index, (slot_start, slot_stop) in enumerate(grid) if slot_start < stop and start < slot_stop
            )

        teachers = []
        for participation in period.participation_ids:
            blocked = frozenset().union(*(overlapping(block.start, block.stop) for block in participation.block_ids))
            room = (
                None
                if participation.location_mode == "video"
                else (participation.room or f"teacher-{participation.id}")
            )
            teachers.append(planner.Teacher(participation.id, room=room, unavailable=blocked))

        wishes = self.wish_ids.filtered(lambda wish: wish.priority != "none" and not wish.interview_id)
        booked = self.env["school.interview"].search([("period_id", "=", period.id), ("state", "=", "booked")])
        # Families: the guardians who attend together, joined through shared guardians (siblings).
        households = {wish: period._get_household(wish.student_id, wish.guardian_id)[0] for wish in wishes}
        families = _Families()
        for attendees in [*households.values(), *(interview.attendee_ids.partner_id for interview in booked)]:
            families.join(attendees.ids)
        grid_index = {start: index for index, (start, _stop) in enumerate(grid)}
        problem_wishes, records = [], {}
        for interview in booked:
            key = f"interview-{interview.id}"
            problem_wishes.append(
                planner.Wish(
                    key,
                    families.find(interview.attendee_ids.partner_id.ids[0]),
                    interview.participation_id.id,
                    child=interview.student_id.id,
                    pinned_slot=grid_index.get(interview.start),
                )
            )
        for wish in wishes:
            key = f"wish-{wish.id}"
            records[key] = wish
            problem_wishes.append(
                planner.Wish(
                    key,
                    families.find(households[wish].ids[0]),
                    wish.participation_id.id,
                    child=wish.student_id.id,
                    priority=wish.priority,
                    rank=wish.sequence,
                    pinned_slot=grid_index.get(wish.pinned_start) if wish.pinned_start else None,
                )
            )
        unavailable = {}
        for block in self.family_block_ids:
            if block.guardian_id.id in families.parent:
                family = families.find(block.guardian_id.id)
                unavailable[family] = unavailable.get(family, frozenset()) | overlapping(block.start, block.stop)
        # An interview already booked says the family comes then, whatever it said before.
        for wish in problem_wishes:
            if wish.pinned_slot is not None and wish.key.startswith("interview-") and wish.family in unavailable:
                unavailable[wish.family] = unavailable[wish.family] - {wish.pinned_slot}
        problem = planner.Problem(
            slots=slots,
            teachers=teachers,
            families=[
                planner.Family(family, unavailable=unavailable.get(family, frozenset())) for family in families.roots()
            ],
            wishes=problem_wishes,
            walking_gap=period.walking_gap_minutes,
        )
        return problem, records, grid

    def _compute_plan(self):
        self.ensure_one()
        self._link_booked_wishes()
        problem, records, grid = self._prepare_problem()
        started = time.perf_counter()
        try:
            result = planner.plan(problem)
        except ValueError as error:
            raise UserError(
                _("The pinned interviews of %(period)s clash: %(error)s", period=self.name, error=str(error))
            ) from error
        seconds = time.perf_counter() - started
        engine = self.env["school.interview.wish"]._booking_engine()
        # One write per distinct result (time or reason), not one per wish.
        groups = {}
        for key, wish in records.items():
            if key in result.assignments:
                outcome = ("planned", grid[result.assignments[key]][0], False)
            else:
                outcome = ("unplaced", False, result.unplaced[key])
            groups.setdefault(outcome, []).append(wish.id)
        for (outcome, start, reason), wish_ids in groups.items():
            engine.browse(wish_ids).write(
                {"result": outcome, "planned_start": start, "reason": reason, "refusal": False}
            )
        # "Not needed" on both sides: nothing to plan.
        not_needed = self.wish_ids.filtered(lambda wish: wish.priority == "none" and not wish.interview_id)
        engine.browse(not_needed.ids).write({"result": "pending", "planned_start": False, "reason": False})
        self._booking_engine().write(
            {"state": "computed", "computed_on": fields.Datetime.now(), "plan_seconds": seconds}
        )
        figures = planner.plan_figures(problem, result)
        planned = [key for key in records if key in result.assignments]
        required = [key for key, wish in records.items() if wish.priority == "required"]
        self.message_post(
            body=Markup("<p>%s</p>")
            % _(
                "Plan computed in %(seconds)s s: %(planned)s of %(requested)s wishes granted "
                "(%(required_planned)s of %(required)s required); average wait of a family between "
                "interviews %(idle)s min.",
                seconds=round(seconds, 1),
                planned=len(planned),
                requested=len(records),
                required_planned=len(set(planned) & set(required)),
                required=len(required),
                idle=round(figures["average_idle"]),
            )
        )

    def _link_booked_wishes(self):
        """A wish of a child and teacher who already have a booked interview in the evening
        (booked by hand) is granted by it, when the evening allows one interview per teacher
        and child: it is not planned twice."""
        self.ensure_one()
        if not self.period_id.one_per_teacher_per_child:
            return
        booked = {
            (interview.student_id.id, interview.participation_id.id): interview
            for interview in self.env["school.interview"].search(
                [("period_id", "=", self.period_id.id), ("state", "=", "booked")]
            )
        }
        for wish in self.wish_ids.filtered(lambda wish: not wish.interview_id):
            interview = booked.get((wish.student_id.id, wish.participation_id.id))
            if interview:
                wish._booking_engine().write(
                    {
                        "result": "booked",
                        "interview_id": interview.id,
                        "planned_start": interview.start,
                        "reason": False,
                    }
                )

    def _publish_plan(self):
        self.ensure_one()
        interviews = self.env["school.interview"]
        wishes = self.wish_ids.filtered(lambda wish: wish.result == "planned" and not wish.interview_id)
        refused = 0
        for wish in wishes.sorted(lambda wish: (wish.planned_start, wish.id)):
            try:
                with self.env.cr.savepoint():
                    interview = interviews._book(
                        wish.participation_id, wish.planned_start, wish.student_id, wish.guardian_id
                    )
            except UserError as error:
                refused += 1
                wish._booking_engine().write(
                    {"result": "unplaced", "reason": "refused", "refusal": str(error.args[0])[:250]}
                )
                continue
            wish._booking_engine().write({"result": "booked", "interview_id": interview.id})
        self._booking_engine().write({"state": "published"})
        self.message_post(
            body=Markup("<p>%s</p>")
            % _(
                "Plan published: %(booked)s interviews booked, %(refused)s refused by the booking rules.",
                booked=len(wishes) - refused,
                refused=refused,
            )
        )

    # ------------------------------------------------------------
    # Families' wishes (the portal)
    # ------------------------------------------------------------

    def _get_family_rows(self, guardian, children):
        """What a guardian answers for ``children``: per child, the teachers they may ask
        for (the child's teachers when the evening says so), with the guardian's answer.

        :param guardian: ``res.partner``
        :param children: the guardian's children (``res.partner``) at the evening's school
        :return: list of ``{child, rows: [(participation, wish or empty)]}``
        """
        self.ensure_one()
        period = self.period_id
        wishes = {
            (wish.student_id.id, wish.participation_id.id): wish
            for wish in self.wish_ids
            if wish.student_id in children
        }
        result = []
        for child in children:
            participations = period.participation_ids
            if period.class_teachers_only:
                school_class = child.school_class_id
                participations = participations.filtered(
                    lambda line, school_class=school_class: line.teacher_id
                    in school_class.teacher_ids | school_class.main_teacher_id
                )
            rows = [
                (participation, wishes.get((child.id, participation.id), self.env["school.interview.wish"]))
                for participation in participations
            ]
            result.append({"child": child, "rows": rows})
        return result

    def _get_guardian_unavailable_slots(self, guardian):
        """Indexes of the evening's interview times ``guardian`` said they cannot come."""
        self.ensure_one()
        blocks = self.family_block_ids.filtered(lambda block: block.guardian_id == guardian)
        return {
            index
            for index, (start, stop) in enumerate(self.period_id._get_slot_grid())
            if any(block.start < stop and start < block.stop for block in blocks)
        }

    def _set_family_wishes(self, guardian, answers, unavailable_slots):
        """Record a guardian's wishes and the times they cannot come (the portal's form).

        Called in sudo by the portal: every value is checked here against the guardian's
        rights, whatever the form sent.

        :param guardian: the logged-in guardian (``res.partner``)
        :param dict answers: {(student id, participation id): priority or ``False`` for no answer}
        :param set unavailable_slots: indexes of the evening's interview times
        :raise UserError: the round is not open for wishes, a child is not the guardian's (with
            meetings rights, at the evening's school), a teacher not one they may ask for, a
            priority or a time unknown
        """
        self.ensure_one()
        if not self._is_open_for_wishes():
            raise UserError(_("Wishes for %(period)s are closed.", period=self.name))
        period = self.period_id
        children = (
            self.env["school.guardian.link"]
            ._get_students_granting(guardian, "grants_meetings")
            .filtered(lambda child: child.company_id == period.company_id)
        )
        allowed = {
            (row_set["child"].id, participation.id): wish
            for row_set in self._get_family_rows(guardian, children)
            for participation, wish in row_set["rows"]
        }
        priorities = {key for key, _label in PRIORITY_SELECTION}
        grid = period._get_slot_grid()
        if any(key not in allowed for key in answers) or any(
            priority and priority not in priorities for priority in answers.values()
        ):
            raise UserError(_("This wish cannot be recorded: reload the page and try again."))
        if any(index not in range(len(grid)) for index in unavailable_slots):
            raise UserError(_("This wish cannot be recorded: reload the page and try again."))
        to_create = []
        for (student_id, participation_id), priority in answers.items():
            wish = allowed[student_id, participation_id]
            if wish:
                if wish.guardian_priority != (priority or False):
                    vals = {"guardian_priority": priority or False}
                    if not wish.guardian_priority or wish.guardian_id == guardian:
                        vals["guardian_id"] = guardian.id
                    wish.write(vals)
            elif priority:
                to_create.append(
                    {
                        "round_id": self.id,
                        "student_id": student_id,
                        "participation_id": participation_id,
                        "guardian_id": guardian.id,
                        "guardian_priority": priority,
                    }
                )
        self.env["school.interview.wish"].create(to_create)
        self._set_guardian_unavailable_slots(guardian, unavailable_slots, grid)

    def _set_guardian_unavailable_slots(self, guardian, unavailable_slots, grid):
        """Replace the guardian's unavailable times by the given interview times (runs of
        consecutive times make one unavailable time)."""
        timezone = pytz.timezone(self.period_id.timezone)

        def local_hour(moment):
            local = pytz.utc.localize(moment).astimezone(timezone)
            return local.hour + local.minute / 60

        self.family_block_ids.filtered(lambda block: block.guardian_id == guardian).unlink()
        runs = []
        for index in sorted(unavailable_slots):
            if runs and runs[-1][1] == index - 1:
                runs[-1][1] = index
            else:
                runs.append([index, index])
        self.env["school.interview.family.block"].create(
            [
                {
                    "round_id": self.id,
                    "guardian_id": guardian.id,
                    "hour_from": local_hour(grid[first][0]),
                    "hour_to": local_hour(grid[last][1]) or 24.0,
                }
                for first, last in runs
            ]
        )

    # ------------------------------------------------------------
    # Reminders
    # ------------------------------------------------------------

    def _get_guardians_to_remind(self):
        """The guardians (meetings rights, with an email) of the school's pupils whose
        children have no wish of a guardian in the round yet.

        :return: ``res.partner``
        """
        self.ensure_one()
        links = (
            self.env["school.guardian.link"]
            .sudo()
            .search(
                [
                    ("grants_meetings", "=", True),
                    ("student_id.company_id", "=", self.company_id.id),
                    ("student_id.school_class_id", "!=", False),
                ]
            )
        )
        answered = self.wish_ids.filtered("guardian_priority").student_id
        children_by_guardian = {}
        for link in links:
            children_by_guardian.setdefault(link.guardian_id, self.env["res.partner"])
            children_by_guardian[link.guardian_id] |= link.student_id
        return self.env["res.partner"].union(
            *(
                guardian
                for guardian, children in children_by_guardian.items()
                if guardian.email and not children & answered
            )
        )

    def _send_wish_reminders(self):
        """Mail every guardian who has not answered yet, once per round; the chatter says how many."""
        template = self.env.ref("optis_school_meetings.mail_template_interview_wish_reminder")
        for round_ in self:
            guardians = round_._get_guardians_to_remind()
            for guardian in guardians:
                template.with_context(lang=guardian.lang).send_mail(
                    round_.id,
                    email_values={"recipient_ids": [Command.set(guardian.ids)], "email_to": False},
                    email_layout_xmlid="mail.mail_notification_light",
                )
            round_._booking_engine().write({"reminder_sent": True})
            round_.message_post(body=_("Reminder of the wishes mailed to %(count)s guardians.", count=len(guardians)))

    @api.model
    def _cron_remind_wishes(self):
        """Remind the guardians who have not answered, ``reminder_days`` before the wishes close."""
        now = fields.Datetime.now()
        rounds = self.search(
            [("state", "=", "open"), ("reminder_sent", "=", False), ("wishes_close", ">", now)]
        ).filtered(lambda round_: round_.wishes_close - timedelta(days=round_.reminder_days) <= now)
        rounds._send_wish_reminders()

    # ------------------------------------------------------------
    # Demo
    # ------------------------------------------------------------

    @api.model
    def _demo_create_round(self, period_id):
        """Demo: a planning round on the period ``period_id`` whose wishes are closed and
        computed: every child of the school wishes to meet their class's teachers (the main
        teacher required, the others wanted or optional), the first family cannot come the
        first hour (the XML ``function`` tag passes the id).

        :return: the round
        """
        period = self.env["school.interview.period"].browse(period_id)
        round_ = self.create({"period_id": period.id})
        students = self.env["res.partner"].search(
            [("is_student", "=", True), ("company_id", "=", period.company_id.id), ("school_class_id", "!=", False)],
            order="id",
        )
        participations = {participation.teacher_id: participation for participation in period.participation_ids}
        vals_list = []
        for index, student in enumerate(students):
            guardian = student.student_guardian_link_ids[:1].guardian_id
            school_class = student.school_class_id
            if not guardian:
                continue
            for position, teacher in enumerate(school_class.main_teacher_id | school_class.teacher_ids):
                if teacher not in participations:
                    continue
                priority = "required" if position == 0 else ("wanted", "optional")[(index + position) % 2]
                vals_list.append(
                    {
                        "round_id": round_.id,
                        "student_id": student.id,
                        "guardian_id": guardian.id,
                        "participation_id": participations[teacher].id,
                        "guardian_priority": priority,
                        "sequence": position,
                    }
                )
        self.env["school.interview.wish"].create(vals_list)
        first_guardian = students[:1].student_guardian_link_ids[:1].guardian_id
        if first_guardian:
            self.env["school.interview.family.block"].create(
                {
                    "round_id": round_.id,
                    "guardian_id": first_guardian.id,
                    "hour_from": period.hour_from,
                    "hour_to": period.hour_from + 1,
                }
            )
        round_.action_open_wishes()
        round_.action_close_wishes()
        # The demo shows a computed plan at once (the action computes in a background job).
        round_._compute_plan()
        return round_


class _Families:
    """Union-find of guardians: the guardians of siblings (or of one child) form one family."""

    def __init__(self):
        self.parent = {}

    def find(self, item):
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def join(self, items):
        items = list(items)
        if not items:
            return
        first = self.find(items[0])
        for item in items[1:]:
            other = self.find(item)
            if other != first:
                self.parent[max(first, other)] = min(first, other)
                first = min(first, other)

    def roots(self):
        return sorted({self.find(item) for item in list(self.parent)})
