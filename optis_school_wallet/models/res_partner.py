from odoo import _, fields, models
from odoo.exceptions import UserError


class ResPartner(models.Model):
    _inherit = "res.partner"

    school_wallet_ids = fields.One2many("school.wallet", "student_id", string="Wallets")
    school_wallet_count = fields.Integer(
        string="Wallet Count", compute="_compute_school_wallet_balance", groups="optis_school.group_school_bursar"
    )
    school_wallet_balance = fields.Monetary(
        string="Wallet Balance",
        compute="_compute_school_wallet_balance",
        currency_field="currency_id",
        groups="optis_school.group_school_bursar",
        help="Sum of the balances of the student's wallets, archived ones included.",
    )

    def _compute_school_wallet_balance(self):
        results = {
            student: (count, balance)
            for student, count, balance in self.env["school.wallet"]
            .with_context(active_test=False)
            ._read_group([("student_id", "in", self.ids)], ["student_id"], ["__count", "balance:sum"])
        }
        for partner in self:
            partner.school_wallet_count, partner.school_wallet_balance = results.get(partner, (0, 0.0))

    def action_view_school_wallets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optis_school_wallet.school_wallet_action")
        action["domain"] = [("student_id", "=", self.id)]
        action["context"] = {"default_student_id": self.id}
        return action

    def _school_wallet_get(self, wallet_type):
        """The student's wallet of this type, created when missing.

        :param wallet_type: a ``school.wallet.type`` of the student's school
        :return: the ``school.wallet``
        :raise UserError: the partner is not a student
        """
        self.ensure_one()
        if not self.is_student:
            raise UserError(_("%(name)s is not a student.", name=self.name))
        wallet = (
            self.env["school.wallet"]
            .with_context(active_test=False)
            .search([("student_id", "=", self.id), ("wallet_type_id", "=", wallet_type.id)], limit=1)
        )
        return wallet or self.env["school.wallet"].create({"student_id": self.id, "wallet_type_id": wallet_type.id})
