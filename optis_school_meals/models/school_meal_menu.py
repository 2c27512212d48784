from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date


class SchoolMealMenu(models.Model):
    """The menu of one school day: the articles that can be booked that day."""

    _name = "school.meal.menu"
    _description = "Meal Menu"
    _order = "date desc, id desc"
    _rec_name = "date"
    _check_company_auto = True

    date = fields.Date(required=True, index=True)
    company_id = fields.Many2one(
        "res.company", string="School", required=True, index=True, default=lambda self: self.env.company
    )
    product_ids = fields.Many2many(
        "product.product",
        string="Articles",
        check_company=True,
        domain="[('school_meal_ok', '=', True)]",
        help="The articles parents and bursars can book for this day.",
    )
    reservation_count = fields.Integer(string="Booked Meals", compute="_compute_reservation_count")

    _sql_constraints = [
        ("date_company_uniq", "unique(company_id, date)", "A school has one menu per day."),
    ]

    @api.depends("date", "company_id")
    def _compute_display_name(self):
        for menu in self:
            menu.display_name = _("Menu of %(day)s", day=format_date(self.env, menu.date)) if menu.date else ""

    def _compute_reservation_count(self):
        counts = defaultdict(int)
        for company, day, count in self.env["school.meal.reservation"]._read_group(
            [("company_id", "in", self.company_id.ids), ("date", "in", self.mapped("date")), ("state", "=", "booked")],
            ["company_id", "date:day"],
            ["__count"],
        ):
            counts[company.id, day] = count
        for menu in self:
            menu.reservation_count = counts.get((menu.company_id.id, menu.date), 0)

    @api.constrains("date", "company_id", "product_ids")
    def _check_service_day(self):
        for menu in self:
            if not menu.company_id._school_meal_service_days(menu.date, menu.date):
                raise ValidationError(
                    _(
                        "No meals are served on %(day)s: it is a weekend, a closure or outside the school years.",
                        day=format_date(self.env, menu.date),
                    )
                )
            if menu.product_ids.filtered(lambda product: not product.school_meal_ok):
                raise ValidationError(_("A menu holds meal articles only."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_booked(self):
        if any(menu.reservation_count for menu in self):
            raise UserError(_("A menu with booked meals cannot be deleted: cancel the meals first."))

    def write(self, vals):
        if {"date", "company_id", "product_ids"} & set(vals):
            booked_before = self._get_booked_products()
            result = super().write(vals)
            for menu, products in booked_before.items():
                if menu.date != products["date"] or products["products"] - menu.product_ids:
                    raise UserError(
                        _("Meals are booked on this menu: its day stays and its booked articles stay on it.")
                    )
            return result
        return super().write(vals)

    def _get_booked_products(self):
        """{menu: {"date": date, "products": the articles booked that day}} of the menus with meals."""
        booked = {}
        groups = (
            self.env["school.meal.reservation"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "in", self.company_id.ids),
                    ("date", "in", self.mapped("date")),
                    ("state", "=", "booked"),
                ],
                ["company_id", "date:day"],
                ["product_id:recordset"],
            )
        )
        products_by_day = {(company.id, day): products for company, day, products in groups}
        for menu in self:
            products = products_by_day.get((menu.company_id.id, menu.date))
            if products:
                booked[menu] = {"date": menu.date, "products": products}
        return booked

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_view_reservations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optis_school_meals.school_meal_reservation_action")
        action["domain"] = [("company_id", "=", self.company_id.id), ("date", "=", self.date)]
        action["context"] = {"search_default_booked": 1, "create": False}
        return action

    # ------------------------------------------------------------
    # Kitchen
    # ------------------------------------------------------------

    def _get_kitchen_data(self):
        """What the kitchen prepares on the day of this menu: the booked meals counted per
        article and class, and the children with allergies or a diet, with their articles.
        One grouped query for the counts, one search for the children.

        :return: dict ``articles`` (products), ``classes`` (school.class; an empty record for
            children without a class), ``counts`` {(product id, class id): count},
            ``totals`` {product id: count}, ``class_totals`` {class id: count},
            ``children``: list of (student, class, articles) with allergies or a diet
        """
        self.ensure_one()
        reservations = self.env["school.meal.reservation"]
        domain = [("company_id", "=", self.company_id.id), ("date", "=", self.date), ("state", "=", "booked")]
        counts, totals, class_totals = {}, defaultdict(int), defaultdict(int)
        products, classes = self.env["product.product"], self.env["school.class"]
        for product, school_class, count in reservations._read_group(
            domain, ["product_id", "school_class_id"], ["__count"]
        ):
            counts[product.id, school_class.id] = count
            totals[product.id] += count
            class_totals[school_class.id] += count
            products |= product
            classes |= school_class
        flagged = reservations.search(
            domain
            + [
                "|",
                ("student_id.allergen_ids", "!=", False),
                ("student_id.diet_regime", "not in", [False, "standard"]),
            ],
            order="school_class_id, student_id",
        )
        children = [
            (student, student_reservations[:1].school_class_id, student_reservations.product_id)
            for student, student_reservations in flagged.grouped("student_id").items()
        ]
        return {
            "articles": products.sorted(lambda product: (product.school_meal_category or "", product.name)),
            "classes": classes.sorted("name"),
            "has_no_class": any(class_id is False for _product_id, class_id in counts),
            "counts": counts,
            "totals": totals,
            "class_totals": class_totals,
            "children": children,
        }
