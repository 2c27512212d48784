from odoo import _, api, fields, models
from odoo.exceptions import UserError


class SchoolInvoiceStudents(models.TransientModel):
    """Bursar: invoice a school trip, books or a fee to the selected students; each
    student's paying guardians get their share."""

    _name = "school.invoice.students"
    _description = "Invoice Students"

    student_ids = fields.Many2many(
        "res.partner", string="Students", required=True, domain="[('is_student', '=', True)]"
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    description = fields.Char(required=True)
    product_id = fields.Many2one("product.product", domain="[('sale_ok', '=', True)]")
    amount = fields.Monetary(required=True)
    invoice_date = fields.Date(default=fields.Date.context_today, required=True)
    due_date = fields.Date()
    post = fields.Boolean(string="Post the Invoices", default=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "res.partner" and "student_ids" in fields_list:
            students = self.env["res.partner"].browse(self.env.context.get("active_ids", [])).filtered("is_student")
            values["student_ids"] = [fields.Command.set(students.ids)]
        return values

    def action_create_invoices(self):
        """Create the invoices and show them.

        :return: the action listing the new invoices
        :raise UserError: non-positive amount, a student without paying guardian
        """
        self.ensure_one()
        if self.currency_id.compare_amounts(self.amount, 0) <= 0:
            raise UserError(_("The amount to invoice must be positive."))
        line = {"name": self.description, "quantity": 1.0, "price_unit": self.amount}
        if self.product_id:
            line["product_id"] = self.product_id.id
        invoices = self.env["account.move"]
        for student in self.student_ids:
            invoices |= student.with_company(self.company_id)._school_create_invoices(
                [line], invoice_date=self.invoice_date, due_date=self.due_date, post=self.post
            )
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [("id", "in", invoices.ids)]
        action["context"] = {"default_move_type": "out_invoice"}
        return action
