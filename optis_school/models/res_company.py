from odoo import fields, models


class ResCompany(models.Model):
    """A company is a school: its name, address, logo, email, phone and website
    are the school's. The website is where the portal sends logged-out parents.
    """

    _inherit = "res.company"

    school_activation_validity_days = fields.Integer(
        string="Activation Code Validity (days)",
        default=30,
        help="Number of days an activation code stays valid after it is generated.",
    )
    school_parent_account_mode = fields.Selection(
        selection=[
            ("guardian", "One account per guardian"),
            ("family", "One account per family"),
        ],
        string="Parent Accounts",
        default="guardian",
        required=True,
        help="Per family: only the guardian in charge of a child is invited. "
        "Per guardian: every guardian who receives mail is invited.",
    )
    school_parent_registration = fields.Boolean(
        string="Parent Registration",
        default=True,
        help="Parents open their portal account themselves with the activation code of their letter.",
    )

    _sql_constraints = [
        (
            "school_activation_validity_days_positive",
            "CHECK(school_activation_validity_days > 0)",
            "The validity of activation codes must be at least one day.",
        ),
    ]
