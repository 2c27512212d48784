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
    school_invitation_validity_days = fields.Integer(
        string="Invitation Validity (days)",
        default=14,
        help="Number of days the link of a parent invitation mail stays valid. It works once.",
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
        "Per guardian: every guardian who may have a parent account is invited.",
    )
    # Who may have a parent account: legally responsible guardians always; the school may
    # add the guardians a child lives with, and the guardians it ticks on their link.
    school_portal_in_charge = fields.Boolean(
        string="Parent Accounts for Guardians in Charge",
        help="A guardian the child lives with may have a parent account, even when not legally responsible.",
    )
    school_portal_ticked = fields.Boolean(
        string="Parent Accounts for Guardians Ticked by Hand",
        help="A guardian whose link is ticked 'Parent Account Allowed' may have a parent account.",
    )
    # For the portal record rules: a school's periods are shown to its guardians (see
    # optis_parent_portal). Read in sudo by the rules, never shown.
    school_guardian_link_ids = fields.One2many(
        "school.guardian.link", "company_id", string="Guardian Links", groups="base.group_system"
    )
    school_parent_registration = fields.Boolean(
        string="Parent Registration",
        default=True,
        help="Parents open their portal account themselves with the activation code of their letter.",
    )
    school_parent_edit_health = fields.Boolean(
        string="Parents Edit Health Data",
        help="In the portal, parents change their child's diet, allergies and medical notes; "
        "each change is logged on the child's chatter.",
    )

    _sql_constraints = [
        (
            "school_activation_validity_days_positive",
            "CHECK(school_activation_validity_days > 0)",
            "The validity of activation codes must be at least one day.",
        ),
        (
            "school_invitation_validity_days_positive",
            "CHECK(school_invitation_validity_days > 0)",
            "The validity of invitations must be at least one day.",
        ),
    ]
