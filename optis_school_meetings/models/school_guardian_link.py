from odoo import fields, models


class SchoolGuardianLink(models.Model):
    _inherit = "school.guardian.link"

    separate_interviews = fields.Boolean(
        help="This guardian lives apart and books parent-teacher interviews on their own, "
        "where the interview period allows it.",
    )
