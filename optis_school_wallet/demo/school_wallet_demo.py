# One job per file: this part of school.wallet lives apart on purpose.
# pylint: disable=consider-merging-classes-inherited
from datetime import timedelta

from odoo import _, api, fields, models


class SchoolWallet(models.Model):
    """Demo data written through the wallet engine, so that the demo ledger, balances and
    general ledger agree. Only the demo data calls it (``school_wallet_device_demo.xml``)."""

    _inherit = "school.wallet"

    def _register_hook(self):
        super()._register_hook()
        # Runs after ir.module.module's hook, which loads the chart of a new database.
        if getattr(self.pool, "_school_wallet_demo_pending", False):
            del self.pool._school_wallet_demo_pending
            self._demo_create_history()

    @api.model
    def _demo_create_history(self):
        """Demo: wallets with a few weeks of history for every demo student, written through
        the wallet methods (top-ups, meals, vending machine and canteen sales, a correction)
        and posted, so that balances derive from the ledger and the general ledger agrees.

        Called from the demo data only. In a new database the chart of accounts is loaded
        after every module's data (``account`` loads it in ``_register_hook``): when the
        school cannot post yet, the history is written by ``_register_hook`` below, once the
        chart is there. Does nothing when the demo devices already have sales.
        """
        vending = self.env.ref("optis_school_wallet.demo_device_vending", raise_if_not_found=False)
        canteen = self.env.ref("optis_school_wallet.demo_device_canteen", raise_if_not_found=False)
        if not vending or not canteen or (vending | canteen).sudo().sale_ids:
            return
        company = vending.company_id
        company_sudo = company.sudo()
        if not company_sudo.school_wallet_account_id or not company_sudo.school_wallet_journal_id:
            self.pool._school_wallet_demo_pending = True
            return
        env = self.sudo().with_company(company).env
        students = (
            env["ir.model.data"]
            .search([("module", "=", "optis_school"), ("model", "=", "res.partner")])
            .mapped(lambda data: env["res.partner"].browse(data.res_id))
            .filtered(lambda partner: partner.exists() and partner.is_student and partner.company_id == company)
        )
        vending, canteen = vending.with_env(env), canteen.with_env(env)
        now = fields.Datetime.now().replace(microsecond=0)
        articles = [("Water", 1.0), ("Apple juice", 1.2), ("Muesli bar", 0.9), ("Notebook", 2.5), ("Pen", 1.5)]
        for index, student in enumerate(students.sorted("id")):
            general = student._school_wallet_get(vending.wallet_type_id)
            meals = student._school_wallet_get(canteen.wallet_type_id)
            general._credit(
                30.0 + 5 * (index % 4), "topup_transfer", date=now - timedelta(days=40), payment_method="bank_transfer"
            )
            # Every fourth student ends below the default low-balance threshold.
            meals._credit(
                30.0 if index % 4 == 3 else 40.0,
                "topup_cash",
                date=now - timedelta(days=35),
                payment_method="cash",
                origin_ref=f"DEMO-CASH-{index:03d}",
            )
            for days_ago in (28, 21, 14, 7, 2):
                meals._debit(4.5, "meal", date=now - timedelta(days=days_ago), payment_method="wallet")
            if student.student_number:
                for number, days_ago in enumerate((20, 9, 3, 0)):
                    article, price = articles[(index + number) % len(articles)]
                    device = vending if number % 2 == 0 else canteen
                    env["school.wallet.sale"]._register_from_device(
                        device,
                        {
                            "reference": f"DEMO-{index:03d}-{number}",
                            "student_number": student.student_number,
                            "date": (now - timedelta(days=days_ago, hours=1)).isoformat(),
                            "items": [
                                {
                                    "article": article,
                                    "quantity": 1 if device == canteen else 1 + (index + number) % 2,
                                    "unit_price": price,
                                }
                            ],
                        },
                    )
            if index % 5 == 0:
                general._credit(
                    2.0, "correction", date=now - timedelta(days=5), reason="Coin kept by the vending machine"
                )
        self._demo_create_invoices(students.sorted("id")[:6])
        # As the scheduled posting would: the meals and sales in one entry per day.
        env["school.wallet.operation"].search(
            [("move_id", "=", False), ("company_id", "=", company.id)], order="id"
        )._post_pending()

    def _demo_create_invoices(self, students):
        """Demo: school trip invoices to the paying guardians, one per status parents see:
        paid from the wallet, overdue, open."""
        company = students[:1].company_id
        if not company:
            return
        env = self.sudo().with_company(company).env
        company.sudo().school_wallet_invoice_payment = True
        today = fields.Date.context_today(self)
        for index, student in enumerate(students):
            payer = student.student_guardian_link_ids.filtered("is_payer")[:1].guardian_id
            if not payer:
                continue
            status = ("paid", "overdue", "open")[index % 3]
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": payer.id,
                    "school_student_id": student.id,
                    "invoice_date": today - timedelta(days=45 if status == "overdue" else 5),
                    "invoice_date_due": today - timedelta(days=15)
                    if status == "overdue"
                    else today + timedelta(days=25),
                    "invoice_line_ids": [
                        fields.Command.create({"name": _("School trip to Bruges"), "quantity": 1, "price_unit": 18.0})
                    ],
                }
            )
            invoice.action_post()
            if status == "paid":
                wallets = env["school.wallet"].search([("student_id", "=", student.id)])
                invoice._school_pay_from_wallet(wallets.sorted("balance", reverse=True)[:1])
