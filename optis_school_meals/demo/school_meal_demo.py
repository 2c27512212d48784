# One job per file: this part of school.meal.menu lives apart on purpose.
# pylint: disable=consider-merging-classes-inherited
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)


class SchoolMealMenu(models.Model):
    """Demo menus and reservations, booked through the engine (wallet debits)."""

    _inherit = "school.meal.menu"

    def _register_hook(self):
        super()._register_hook()
        # Runs after the chart of accounts of a new database is loaded (see optis_school_wallet).
        if getattr(self.pool, "_school_meal_demo_pending", False):
            del self.pool._school_meal_demo_pending
            self._demo_create_meals()

    @api.model
    def _demo_create_meals(self):
        """Demo: menus for the school days of the next four weeks and a few meals booked for
        the demo students of the first school, through ``_school_meal_book`` (paid from their
        meal wallets), and one absence refunding a student's meals of a day. Called from the
        demo data only; does nothing when menus exist."""
        company = self.env.ref("base.main_company")
        articles = [
            self.env.ref(f"optis_school_meals.demo_product_{name}", raise_if_not_found=False)
            for name in ("hot_meal", "vegetarian", "soup", "sandwich", "fruit")
        ]
        if not all(articles) or self.sudo().search_count([("company_id", "=", company.id)], limit=1):
            return
        if not company.sudo().school_wallet_account_id:
            self.pool._school_meal_demo_pending = True
            return
        env = self.sudo().with_company(company).env
        products = env["product.product"].browse([article.product_variant_id.id for article in articles])
        today = fields.Date.context_today(self)
        days = company._school_meal_service_days(today, today + timedelta(days=28))
        menus = env["school.meal.menu"].create(
            [{"date": day, "company_id": company.id, "product_ids": [fields.Command.set(products.ids)]} for day in days]
        )
        students = (
            env["ir.model.data"]
            .search([("module", "=", "optis_school"), ("model", "=", "res.partner")])
            .mapped(lambda data: env["res.partner"].browse(data.res_id))
            .filtered(lambda partner: partner.exists() and partner.is_student and partner.company_id == company)
            .sorted("id")
        )
        bookable = [menu for menu in menus if fields.Datetime.now() < company._school_meal_cutoff(menu.date)]
        reservations = env["school.meal.reservation"]
        for index, student in enumerate(students[:6]):
            for menu in bookable[index % 2 : 6 : 2]:
                for product in (products[1] if student.diet_regime == "vegetarian" else products[0], products[2]):
                    try:
                        with env.cr.savepoint():
                            reservations._school_meal_book(student, menu.date, product, diet_confirmed=True)
                    except UserError:
                        continue  # a demo meal the wallet cannot pay is left out
        if bookable and students:
            # Recorded by the administrator, a bursar of the demo school.
            admin_env = env(user=self.env.ref("base.user_admin").id, su=False)
            try:
                with env.cr.savepoint():
                    admin_env["school.meal.absence"].create(
                        {
                            "student_id": students[0].id,
                            "company_id": company.id,
                            "date_from": bookable[0].date,
                            "date_to": bookable[0].date,
                            "reason": "Flu",
                        }
                    )
            except (AccessError, UserError) as error:
                _logger.info("No demo meal absence: %s", error)
