from odoo import _, fields, models
from odoo.exceptions import AccessError


class SchoolMealClosure(models.Model):
    """Days without meals: holidays, closures, trips; for the whole school or some classes."""

    _name = "school.meal.closure"
    _description = "Meal Closure"
    _order = "date_from desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, help="For example Christmas holidays, teachers' day, class trip.")
    company_id = fields.Many2one(
        "res.company", string="School", required=True, index=True, default=lambda self: self.env.company
    )
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    class_ids = fields.Many2many(
        "school.class", string="Classes", check_company=True, help="Empty: the whole school is closed."
    )

    _sql_constraints = [
        ("date_check", "CHECK(date_from <= date_to)", "A closure ends on or after its first day."),
    ]

    def action_cancel_meals(self):
        """Bursars: cancel and refund the meals booked on the days of these closures (for
        their classes, or the whole school), past the cut-off too; each cancellation is
        logged on its reservation with the closure's name.

        :return: a notification of the meals cancelled
        :raise AccessError: the user is not a bursar
        """
        if not self.env.user.has_group("optis_school.group_school_bursar"):
            raise AccessError(_("Only bursars cancel the meals of a closure."))
        reservations = self.env["school.meal.reservation"]
        for closure in self:
            domain = [
                ("company_id", "=", closure.company_id.id),
                ("date", ">=", closure.date_from),
                ("date", "<=", closure.date_to),
                ("state", "=", "booked"),
            ]
            if closure.class_ids:
                domain.append(("school_class_id", "in", closure.class_ids.ids))
            for reservation in reservations.search(domain, order="date, id"):
                reservation._school_meal_cancel(reason=closure.name)
                reservations |= reservation
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if reservations else "info",
                "message": _("%(count)s meals cancelled and refunded.", count=len(reservations)),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
