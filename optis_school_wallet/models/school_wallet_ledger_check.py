import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, format_amount

_logger = logging.getLogger(__name__)


class SchoolWalletLedgerCheck(models.Model):
    """The result of one check of a school's wallets: every stored balance against the
    sum of its operations, and every student's wallets against the general ledger (the
    wallet liability account on the student, plus the operations not posted yet).
    Differences are reported, never fixed: a bursar looks into them and records a
    correction (Correct Balance) where one is due."""

    _name = "school.wallet.ledger.check"
    _inherit = ["school.wallet.engine.mixin"]
    _description = "Wallet Ledger Check"
    _order = "date desc, id desc"
    _rec_name = "date"
    _engine_create_only = True

    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    company_id = fields.Many2one("res.company", string="School", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one("res.users", string="Checked By", readonly=True, help="Empty: the nightly check.")
    wallet_count = fields.Integer(string="Wallets Checked", readonly=True)
    line_ids = fields.One2many("school.wallet.ledger.check.line", "check_id", string="Differences", readonly=True)
    difference_count = fields.Integer(string="Number of Differences", readonly=True)
    is_balanced = fields.Boolean(string="All Balanced", readonly=True)

    @api.depends("date", "company_id")
    def _compute_display_name(self):
        for check in self:
            check.display_name = _(
                "Ledger check of %(school)s, %(date)s",
                school=check.company_id.name,
                date=fields.Datetime.to_string(check.date),
            )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    @api.model
    def action_check_ledger(self):
        """Menu of the bursars: check the wallets of the user's current schools now.

        :return: the check (a list when several schools are checked)
        :raise AccessError: the user is not a bursar
        """
        if not self.env.user.has_group("optis_school.group_school_bursar"):
            raise AccessError(_("Only bursars check the wallet ledger."))
        checks = self.browse()
        for company in self.env.companies:
            checks |= self._run(company)
        action = self.env["ir.actions.act_window"]._for_xml_id("optis_school_wallet.school_wallet_ledger_check_action")
        if len(checks) == 1:
            action.update({"res_id": checks.id, "view_mode": "form", "views": [(False, "form")]})
        else:
            action["domain"] = [("id", "in", checks.ids)]
        return action

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    @api.model
    def _run(self, company):
        """Check the wallets of ``company`` and store the result with one line per difference.

        :param company: the ``res.company`` (school)
        :return: the new ``school.wallet.ledger.check`` (in the caller's environment)
        """
        wallet_count, differences = self._find_differences(company)
        check_sudo = (
            self.sudo()
            ._engine()
            .create(
                {
                    "company_id": company.id,
                    "user_id": False if self.env.su else self.env.user.id,
                    "wallet_count": wallet_count,
                    "difference_count": len(differences),
                    "is_balanced": not differences,
                    "line_ids": [fields.Command.create(values) for values in differences],
                }
            )
        )
        for values in differences:
            _logger.warning(
                "Wallet ledger of %s: %s %s (wallet %s, student %s): recorded %s, expected %s",
                company.name,
                values["kind"],
                values["description"],
                values["wallet_id"],
                values["student_id"],
                values["amount_recorded"],
                values["amount_expected"],
            )
        return check_sudo.with_env(self.env)

    @api.model
    def _find_differences(self, company):
        """Compare, in SQL: each stored wallet balance with the sum of its operations; each
        student's wallet operations with the wallet liability of the general ledger on the
        student plus the operations not posted yet. Nothing is changed.

        :return: ``(wallet count, list of values of check lines)``
        """
        currency = company.currency_id
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT wallet.id, wallet.student_id, wallet.balance, COALESCE(SUM(operation.amount), 0)
                  FROM school_wallet wallet
             LEFT JOIN school_wallet_operation operation ON operation.wallet_id = wallet.id
                 WHERE wallet.company_id = %s
              GROUP BY wallet.id
              ORDER BY wallet.id
                """,
                company.id,
            )
        )
        # numeric columns come back as Decimal: compare floats, rounded by the currency.
        wallet_rows = [
            (wallet_id, student_id, float(stored or 0.0), float(ledger))
            for wallet_id, student_id, stored, ledger in self.env.cr.fetchall()
        ]
        differences = [
            {
                "kind": "balance",
                "wallet_id": wallet_id,
                "student_id": student_id,
                "amount_recorded": stored,
                "amount_expected": ledger,
                "description": _("Stored balance"),
            }
            for wallet_id, student_id, stored, ledger in wallet_rows
            if currency.compare_amounts(stored, ledger)
        ]
        account = company.sudo().school_wallet_account_id
        if not account:
            return len(wallet_rows), differences
        # Per student: what the wallets' operations say, and what is still to post.
        self.env.cr.execute(
            SQL(
                """
                SELECT student_id, SUM(amount), COALESCE(SUM(amount) FILTER (WHERE move_id IS NULL), 0)
                  FROM school_wallet_operation
                 WHERE company_id = %s
              GROUP BY student_id
                """,
                company.id,
            )
        )
        operations = {
            student_id: (float(total), float(to_post)) for student_id, total, to_post in self.env.cr.fetchall()
        }
        # The liability is a credit: minus the balance of the posted lines.
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id, -SUM(balance)
                  FROM account_move_line
                 WHERE account_id = %s AND company_id = %s AND parent_state = 'posted'
              GROUP BY partner_id
                """,
                account.id,
                company.id,
            )
        )
        liabilities = {partner_id: float(liability) for partner_id, liability in self.env.cr.fetchall()}
        for student_id in sorted(set(operations) | set(liabilities), key=lambda key: key or 0):
            total, to_post = operations.get(student_id, (0.0, 0.0))
            recorded = liabilities.get(student_id, 0.0) + to_post
            if currency.compare_amounts(recorded, total):
                differences.append(
                    {
                        "kind": "general_ledger",
                        "wallet_id": False,
                        "student_id": student_id or False,
                        "amount_recorded": recorded,
                        "amount_expected": total,
                        "description": _("General ledger liability + operations to post"),
                    }
                )
        return len(wallet_rows), differences

    # ------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------

    @api.model
    def _cron_check_ledger(self):
        """Nightly: check the wallets of every school that has wallets; the results (and
        their differences) are listed in Wallets > Ledger Checks and logged."""
        self.env.cr.execute("SELECT DISTINCT company_id FROM school_wallet")
        companies = self.env["res.company"].browse(row[0] for row in self.env.cr.fetchall())
        for company in companies:
            check = self.sudo()._run(company)
            if not check.is_balanced:
                _logger.warning(
                    "Wallet ledger check of %s: %s differences (%s)",
                    company.name,
                    check.difference_count,
                    format_amount(self.env, sum(check.line_ids.mapped("difference")), company.currency_id),
                )
