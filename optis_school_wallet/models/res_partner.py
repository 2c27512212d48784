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

    def _school_get_invoice_shares(self):
        """The paying guardians of this student and the percentage each one is invoiced.

        :return: list of ``(guardian, percentage)``, percentages adding up to 100
        :raise UserError: the student has no paying guardian
        """
        self.ensure_one()
        payers = self.student_guardian_link_ids.filtered("is_payer")
        if not payers:
            raise UserError(_("%(student)s has no paying guardian to invoice.", student=self.display_name))
        shares = payers.mapped("invoice_share")
        if any(shares):
            if not all(shares) or abs(sum(shares) - 100.0) > 0.001:
                raise UserError(
                    _(
                        "Set an invoice share on every paying guardian of %(student)s, adding up to 100%%, "
                        "or on none of them.",
                        student=self.display_name,
                    )
                )
            return [(link.guardian_id, link.invoice_share) for link in payers]
        return [(link.guardian_id, 100.0 / len(payers)) for link in payers]

    def _school_create_invoices(self, line_values, invoice_date=None, due_date=None, post=True):
        """Invoice this student: one customer invoice per paying guardian, the amounts split
        by the guardians' shares (the last invoice takes the rounding remainder, so the parts
        add up to the total exactly), the student on every invoice.

        :param list line_values: dicts of ``account.move.line`` values (name, quantity, price_unit,
            product_id, account_id, tax_ids...), for the whole amount
        :param date invoice_date: the invoice date, today by default
        :param date due_date: the due date, from the payment terms by default
        :param bool post: post the invoices
        :return: the invoices (``account.move``)
        """
        self.ensure_one()
        shares = self._school_get_invoice_shares()
        currency = self.company_id.currency_id or self.env.company.currency_id
        invoiced = [0.0] * len(line_values)
        invoice_values = []
        for position, (guardian, percentage) in enumerate(shares):
            last = position == len(shares) - 1
            lines = []
            for index, values in enumerate(line_values):
                total = values.get("price_unit", 0.0) * values.get("quantity", 1.0)
                part = currency.round(total - invoiced[index]) if last else currency.round(total * percentage / 100.0)
                invoiced[index] += part
                lines.append(fields.Command.create({**values, "quantity": 1.0, "price_unit": part}))
            invoice_values.append(
                {
                    "move_type": "out_invoice",
                    "partner_id": guardian.id,
                    "school_student_id": self.id,
                    "company_id": (self.company_id or self.env.company).id,
                    "invoice_date": invoice_date or fields.Date.context_today(self),
                    "invoice_date_due": due_date,
                    "narration": _(
                        "Share of %(percentage)s%% for %(student)s.",
                        percentage=round(percentage, 2),
                        student=self.display_name,
                    )
                    if len(shares) > 1
                    else False,
                    "invoice_line_ids": lines,
                }
            )
        invoices = self.env["account.move"].create(invoice_values)
        if post:
            invoices.action_post()
        return invoices
