from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

# The longest absence a parent declares from the portal, in days.
PORTAL_ABSENCE_MAX_DAYS = 31


class SchoolMealAbsence(models.Model):
    """A student away for some days (ill, on a family trip): the meals booked on those days
    are cancelled and refunded through the reservation's own cancellation, as the school's
    policy allows (before the cut-off only, or always)."""

    _name = "school.meal.absence"
    _inherit = ["school.wallet.engine.mixin"]
    _description = "Meal Absence"
    _order = "date_from desc, id desc"
    _check_company_auto = True
    # The meals refunded are the engine's record of what the absence did.
    _engine_fields = ("reservation_ids",)

    student_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        check_company=True,
        ondelete="restrict",
        domain="[('is_student', '=', True)]",
    )
    company_id = fields.Many2one(
        "res.company", string="School", required=True, index=True, default=lambda self: self.env.company
    )
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    reason = fields.Char(help="For example ill, family event.")
    reservation_ids = fields.Many2many("school.meal.reservation", string="Meals Refunded", readonly=True, copy=False)
    reservation_count = fields.Integer(string="Meals Refunded Count", compute="_compute_reservation_count")

    _sql_constraints = [
        ("date_check", "CHECK(date_from <= date_to)", "An absence ends on or after its first day."),
    ]

    @api.depends("reservation_ids")
    def _compute_reservation_count(self):
        for absence in self:
            absence.reservation_count = len(absence.reservation_ids)

    @api.depends("student_id", "date_from", "date_to")
    def _compute_display_name(self):
        for absence in self:
            absence.display_name = _(
                "%(student)s, %(date_from)s - %(date_to)s",
                student=absence.student_id.name,
                date_from=format_date(self.env, absence.date_from),
                date_to=format_date(self.env, absence.date_to),
            )

    @api.model_create_multi
    def create(self, vals_list):
        absences = super().create(vals_list)
        absences._school_meal_cancel_meals()
        return absences

    def write(self, vals):
        # The meals were refunded for these days and this student: another absence is
        # recorded for other days, not this one moved.
        if {"student_id", "company_id", "date_from", "date_to"}.intersection(vals) and not self._engine_running():
            raise UserError(_("The student and the days of an absence do not change: record another absence."))
        return super().write(vals)

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    @api.model
    def _school_meal_declare(self, student, date_from, date_to):
        """A guardian with money rights declares an absence of ``student`` from the portal:
        the meals of those days whose cut-off has not passed are cancelled and refunded.

        Runs in sudo after checking the caller (``_school_meal_check_booker``); the values
        written are the student checked, the days (today or later, at most
        ``PORTAL_ABSENCE_MAX_DAYS``) and a reason naming the guardian, never typed text.

        :param student: ``res.partner`` (student)
        :param date date_from: first day
        :param date date_to: last day
        :return: the ``school.meal.absence`` (sudo)
        :raise AccessError: the caller may not cancel the meals of this student
        :raise UserError: meal booking off, days in the past, reversed or too many
        """
        student.ensure_one()
        self.env["school.meal.reservation"]._school_meal_check_booker(student)
        student_sudo = student.sudo()
        company = student_sudo.company_id
        company._school_meal_check_enabled()
        if not date_from or not date_to or date_from > date_to:
            raise UserError(_("Choose the first and the last day of the absence."))
        if date_from < company._school_meal_today():
            raise UserError(_("An absence is declared for today or later."))
        if (date_to - date_from).days >= PORTAL_ABSENCE_MAX_DAYS:
            raise UserError(_("An absence declared online lasts at most %(days)s days.", days=PORTAL_ABSENCE_MAX_DAYS))
        return self.sudo().create(
            {
                "student_id": student_sudo.id,
                "company_id": company.id,
                "date_from": date_from,
                "date_to": date_to,
                "reason": _("declared by %(guardian)s", guardian=self.env.user.partner_id.name),
            }
        )

    def _school_meal_cancel_meals(self):
        """Cancel and refund the meals booked for the students on the days of these
        absences (``school.meal.reservation._school_meal_cancel``), by the school's policy:
        before the cut-off only (the meals whose cut-off passed are served and paid), or
        always (past the cut-off too, when a bursar records it: a guardian's declaration
        refunds the meals before their cut-off only).

        :return: the ``school.meal.reservation`` records cancelled
        :raise AccessError: the caller may not cancel the meals of the student
        """
        cancelled = self.env["school.meal.reservation"]
        now = fields.Datetime.now()
        for absence in self:
            company = absence.company_id
            reservations = self.env["school.meal.reservation"].search(
                [
                    ("student_id", "=", absence.student_id.id),
                    ("date", ">=", absence.date_from),
                    ("date", "<=", absence.date_to),
                    ("state", "=", "booked"),
                ],
                order="date, id",
            )
            refund_late = company.school_meal_absence_refund == "always" and self.env[
                "school.meal.reservation"
            ]._school_meal_is_bursar(company)
            if not refund_late:
                reservations = reservations.filtered(
                    lambda reservation, company=company: now < company._school_meal_cutoff(reservation.date)
                )
            reason = _("absence (%(reason)s)", reason=absence.reason) if absence.reason else _("absence")
            for reservation in reservations:
                reservation._school_meal_cancel(reason=reason)
            if reservations:
                absence._engine().write({"reservation_ids": [Command.link(rid) for rid in reservations.ids]})
            cancelled |= reservations
        return cancelled
