from odoo import _, fields, models
from odoo.exceptions import UserError

from ..exceptions import SchoolMealDietWarning

MEAL_CATEGORIES = [
    ("hot_meal", "Hot Meal"),
    ("soup", "Soup"),
    ("sandwich", "Sandwich"),
    ("fruit", "Fruit"),
]


class ProductTemplate(models.Model):
    _inherit = "product.template"

    school_meal_ok = fields.Boolean(string="Meal Article", help="Can be put on the school's meal menus.")
    school_meal_category = fields.Selection(MEAL_CATEGORIES, string="Meal Category")
    school_meal_allergen_ids = fields.Many2many(
        "school.allergen",
        "product_template_school_allergen_rel",
        "product_tmpl_id",
        "allergen_id",
        string="Allergens",
    )
    school_meal_diet_ids = fields.Many2many(
        "school.meal.diet",
        "product_template_school_meal_diet_rel",
        "product_tmpl_id",
        "diet_id",
        string="Suits the Diets",
        help="The diets this article suits; a student with another diet than Standard is warned or blocked.",
    )
    school_meal_wallet_type_id = fields.Many2one(
        "school.wallet.type",
        string="Paid From",
        help="The wallet that pays the article (in its school); empty or another school's: the school's meal wallet.",
    )


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _school_meal_conflicts(self, student):
        """What makes this article unsuitable for ``student``: allergens, diet.

        :param student: ``res.partner`` (student)
        :return: list of sentences, empty when none
        """
        self.ensure_one()
        conflicts = []
        allergens = self.school_meal_allergen_ids & student.allergen_ids
        if allergens:
            conflicts.append(
                _(
                    "%(article)s contains %(allergens)s, to which %(student)s is allergic.",
                    article=self.name,
                    allergens=", ".join(allergens.mapped("name")),
                    student=student.name,
                )
            )
        diet = student.diet_regime
        if diet and diet != "standard" and diet not in self.school_meal_diet_ids.mapped("code"):
            conflicts.append(
                _(
                    "%(article)s does not suit the diet of %(student)s (%(diet)s).",
                    article=self.name,
                    student=student.name,
                    diet=dict(student._fields["diet_regime"]._description_selection(self.env))[diet],
                )
            )
        return conflicts

    def _school_meal_check_diet(self, student, confirmed=False):
        """The conflicts of this article with ``student``'s allergies and diet, as the school's
        policy wants them.

        :param bool confirmed: the person booking saw the warning
        :return: list of sentences (empty when none, or confirmed under the warning policy)
        :raise UserError: a conflict, and the school blocks
        :raise SchoolMealDietWarning: a conflict not confirmed yet, and the school warns
        """
        conflicts = self._school_meal_conflicts(student)
        if conflicts and student.company_id.school_meal_diet_policy == "block":
            raise UserError("\n".join(conflicts))
        if conflicts and not confirmed:
            raise SchoolMealDietWarning("\n".join(conflicts))
        return conflicts

    def _school_meal_wallet(self, student):
        """The wallet of ``student`` that pays this article: of the article's wallet type when
        it is of the student's school, else of the school's meal wallet type.

        :raise UserError: no wallet type
        """
        self.ensure_one()
        company = student.company_id
        wallet_type = self.school_meal_wallet_type_id.filtered(lambda wallet_type: wallet_type.company_id == company)
        wallet_type = wallet_type or company.school_meal_wallet_type_id
        if not wallet_type:
            raise UserError(_("%(school)s has no meal wallet type.", school=company.name))
        return student._school_wallet_get(wallet_type)
