from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date


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

    def _school_meal_cancel_meals(self):
        """Cancel and refund the meals booked for the students on the days of these
        absences (``school.meal.reservation._school_meal_cancel``), by the school's policy:
        before the cut-off only (the meals whose cut-off passed are served and paid), or
        always (past the cut-off too, as a bursar).

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
            if company.school_meal_absence_refund == "before_cutoff":
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
