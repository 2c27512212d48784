from odoo import _, api, fields, models
from odoo.exceptions import UserError


class SchoolMealBook(models.TransientModel):
    """A bursar books meals for a student on a day, past the cut-off too (logged)."""

    _name = "school.meal.book"
    _description = "Book Meals"

    student_id = fields.Many2one("res.partner", required=True, domain="[('is_student', '=', True)]")
    date = fields.Date(required=True, default=fields.Date.context_today)
    menu_id = fields.Many2one("school.meal.menu", compute="_compute_menu_id")
    product_ids = fields.Many2many(
        "product.product", string="Articles", required=True, domain="[('id', 'in', menu_product_ids)]"
    )
    menu_product_ids = fields.Many2many("product.product", compute="_compute_menu_id")
    diet_warning = fields.Text(compute="_compute_diet_warning")
    diet_confirmed = fields.Boolean(string="Book despite the warning")

    @api.depends("student_id", "date")
    def _compute_menu_id(self):
        for wizard in self:
            menu = self.env["school.meal.menu"].search(
                [("company_id", "=", wizard.student_id.company_id.id), ("date", "=", wizard.date)], limit=1
            )
            wizard.menu_id = menu
            wizard.menu_product_ids = menu.product_ids

    @api.depends("student_id", "product_ids")
    def _compute_diet_warning(self):
        for wizard in self:
            conflicts = []
            for product in wizard.product_ids:
                conflicts += product._school_meal_conflicts(wizard.student_id)
            wizard.diet_warning = "\n".join(conflicts) or False

    def action_book(self):
        """Book every article chosen: each one debits the wallet at once.

        :return: a notification of the meals booked
        :raise UserError: a booking refused (nothing is booked then)
        """
        self.ensure_one()
        if not self.product_ids:
            raise UserError(_("Choose the articles to book."))
        reservations = self.env["school.meal.reservation"]
        for product in self.product_ids:
            reservations |= reservations._school_meal_book(
                self.student_id, self.date, product, diet_confirmed=self.diet_confirmed
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "%(count)s meals booked for %(student)s.", count=len(reservations), student=self.student_id.name
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
