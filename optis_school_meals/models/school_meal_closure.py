from collections import defaultdict

from odoo import Command, _, fields, models
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
            cancelled = self.env["school.meal.reservation"]
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
                cancelled |= reservation
            closure._school_meal_mail_refunds(cancelled)
            reservations |= cancelled
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if reservations else "info",
                "message": _("%(count)s meals cancelled and refunded.", count=len(reservations)),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _school_meal_mail_refunds(self, reservations):
        """Mail each paying guardian of the children of ``reservations`` once, in their own
        language, listing the meals of all their children cancelled and refunded for this
        closure (a family gets one mail, not one per child or meal).

        :param reservations: the ``school.meal.reservation`` records cancelled
        :return: the guardians mailed (``res.partner``)
        """
        self.ensure_one()
        template = self.env.ref("optis_school_meals.mail_template_school_meal_closure_refund")
        meals_by_guardian = defaultdict(lambda: self.env["school.meal.reservation"].sudo())
        for reservation in reservations.sudo():
            payers = reservation.student_id.student_guardian_link_ids.filtered("is_payer").guardian_id
            for guardian in payers.filtered("email"):
                meals_by_guardian[guardian] |= reservation
        guardians = self.env["res.partner"]
        for guardian, meals in meals_by_guardian.items():
            template.sudo().with_context(
                lang=guardian.lang or meals[:1].student_id.lang, school_meal_reservations=meals
            ).send_mail(
                self.id,
                email_values={"recipient_ids": [Command.set(guardian.ids)]},
                email_layout_xmlid="mail.mail_notification_light",
            )
            guardians |= guardian
        return guardians
