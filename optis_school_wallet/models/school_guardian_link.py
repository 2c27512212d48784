from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class SchoolGuardianLink(models.Model):
    _inherit = "school.guardian.link"

    invoice_share = fields.Float(
        string="Invoice Share (%)",
        digits=(5, 2),
        help="Part of the student's invoices this paying guardian receives. Empty on every paying guardian: "
        "equal parts.",
    )

    _sql_constraints = [
        (
            "invoice_share_range",
            "CHECK(invoice_share IS NULL OR (invoice_share >= 0 AND invoice_share <= 100))",
            "An invoice share is a percentage between 0 and 100.",
        ),
    ]

    @api.constrains("invoice_share", "is_payer", "student_id")
    def _check_invoice_share(self):
        for student in self.student_id:
            payers = student.student_guardian_link_ids.filtered("is_payer")
            shares = payers.mapped("invoice_share")
            # Checked once every paying guardian has a share: editing shares one at a time
            # must be possible; invoicing refuses a half-set split (see res.partner).
            if shares and all(shares) and abs(sum(shares) - 100.0) > 0.001:
                raise ValidationError(
                    _(
                        "The invoice shares of the paying guardians of %(student)s must add up to 100%% "
                        "(now %(total)s%%).",
                        student=student.display_name,
                        total=round(sum(shares), 2),
                    )
                )
