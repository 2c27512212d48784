from datetime import date, datetime

from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import WalletCommon


@tagged("post_install", "-at_install")
class TestWalletPosting(WalletCommon):
    """Meals and sales are written without a journal entry and posted in batches by the
    scheduled action (or the bursar's button): one entry per school and day."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Europe/Brussels"
        cls.canteen_income = cls.env["account.account"].create(
            {"name": "Canteen income", "code": "700900", "account_type": "income"}
        )
        cls.general_income = cls.type_general.income_account_id
        cls.type_meals.income_account_id = cls.canteen_income
        cls.wallet_bob_meals = cls.student_bob._school_wallet_get(cls.type_meals)
        cls.wallets = cls.wallet_ada_general | cls.wallet_ada_meals | cls.wallet_bob_general | cls.wallet_bob_meals
        for wallet in cls.wallets:
            wallet._credit(50.0, "topup_cash", date=datetime(2026, 1, 5, 8, 0))
        cls.students = cls.student_ada | cls.student_bob

    def _wallet_entries(self):
        return self.env["account.move"].search([("journal_id", "=", self.wallet_journal.id)])

    def _to_post(self):
        return self.env["school.wallet.operation"].search([("move_id", "=", False)])

    def _entry_balances(self, move):
        """{(account, partner): balance} of an entry's lines."""
        balances = {}
        for line in move.line_ids:
            key = (line.account_id, line.partner_id)
            balances[key] = round(balances.get(key, 0.0) + line.balance, 2)
        return balances

    def test_meals_and_sales_are_written_without_an_entry(self):
        entries = self._wallet_entries()
        meal = self.wallet_ada_meals._debit(4.5, "meal")
        sale = self.wallet_ada_general._debit(2.0, "sale")
        self.assertFalse((meal | sale).move_id)
        self.assertEqual((meal | sale).mapped("posting_state"), ["to_post", "to_post"])
        self.assertEqual(meal.counterpart_account_id, self.canteen_income)
        self.assertEqual(sale.counterpart_account_id, self.general_income)
        self.assertEqual(self._wallet_entries(), entries)
        # The balance counts them at once; the next debit is checked against it.
        self.assertEqual(self.wallet_ada_meals.balance, 45.5)
        with self.assertRaisesRegex(UserError, "Insufficient balance"):
            self.wallet_ada_general._debit(48.01, "sale")

        # Every other type still posts its own entry.
        others = (
            self.wallet_ada_general._debit(3.0, "photo_order")
            | self.wallet_ada_general._credit(1.0, "correction", reason="Coin kept by the machine")
            | self.wallet_ada_general._credit(2.0, "refund")
            | self.wallet_ada_general._credit(5.0, "topup_transfer")
            | self.wallet_ada_general._transfer_to(self.wallet_ada_meals, 4.0)
        )
        for operation in others:
            self.assertEqual(operation.move_id.state, "posted", operation.operation_type)
            self.assertEqual(operation.posting_state, "posted")
        self.assertEqual(len(self._wallet_entries() - entries), 5)
        self.assertEqual(self._to_post(), meal | sale)

    def test_device_sale_is_posted_later(self):
        self.student_ada.student_number = "ADA-1"
        device = self.env["school.wallet.device"].create(
            {
                "name": "Vending hall",
                "kind": "vending",
                "company_id": self.company.id,
                "wallet_type_id": self.type_general.id,
            }
        )
        payload = {"reference": "VM-1", "student_number": "ADA-1", "items": [{"article": "Water", "unit_price": 1.5}]}
        sale, created = self.env["school.wallet.sale"]._register_from_device(device, payload)
        self.assertTrue(created)
        self.assertFalse(sale.operation_id.move_id)
        self.assertEqual(sale.balance_after, 48.5)
        self.post_pending_operations()
        self.assertEqual(sale.operation_id.move_id.state, "posted")
        self.assertEqual(
            self._entry_balances(sale.operation_id.move_id),
            {(self.wallet_account, self.student_ada): 1.5, (self.general_income, self.env["res.partner"]): -1.5},
        )

    def test_cron_posts_one_entry_per_school_and_day(self):
        """Days are the school's days (Brussels: 23:30 UTC is the next day), lines are summed
        per student on the wallet account and per counterpart account."""
        entries = self._wallet_entries()
        day_1 = (
            self.wallet_ada_meals._debit(4.5, "meal", date=datetime(2026, 1, 12, 11, 30))
            | self.wallet_bob_meals._debit(4.5, "meal", date=datetime(2026, 1, 12, 11, 45))
            | self.wallet_ada_general._debit(2.0, "sale", date=datetime(2026, 1, 12, 14, 0))
            # 23:30 in Brussels: still the 12th.
            | self.wallet_bob_general._debit(1.2, "sale", date=datetime(2026, 1, 12, 22, 30))
        )
        day_2 = (
            # 00:30 on the 13th in Brussels.
            self.wallet_ada_general._debit(0.9, "sale", date=datetime(2026, 1, 12, 23, 30))
            | self.wallet_ada_meals._debit(4.5, "meal", date=datetime(2026, 1, 13, 11, 30))
        )
        photo = self.wallet_ada_general._debit(3.0, "photo_order", date=datetime(2026, 1, 12, 9, 0))

        self.post_pending_operations()

        new_entries = self._wallet_entries() - entries - photo.move_id
        self.assertEqual(len(new_entries), 2)
        self.assertEqual(
            set(day_1.move_id.ids), set(new_entries.filtered(lambda move: move.date == date(2026, 1, 12)).ids)
        )
        entry_1, entry_2 = day_1.move_id, day_2.move_id
        self.assertEqual(len(entry_1), 1)
        self.assertEqual(len(entry_2), 1)
        self.assertRecordValues(
            entry_1 | entry_2,
            [
                {"date": date(2026, 1, 12), "journal_id": self.wallet_journal.id, "state": "posted"},
                {"date": date(2026, 1, 13), "journal_id": self.wallet_journal.id, "state": "posted"},
            ],
        )
        no_partner = self.env["res.partner"]
        self.assertEqual(
            self._entry_balances(entry_1),
            {
                (self.wallet_account, self.student_ada): 6.5,
                (self.wallet_account, self.student_bob): 5.7,
                (self.canteen_income, no_partner): -9.0,
                (self.general_income, no_partner): -3.2,
            },
        )
        self.assertEqual(
            self._entry_balances(entry_2),
            {
                (self.wallet_account, self.student_ada): 5.4,
                (self.canteen_income, no_partner): -4.5,
                (self.general_income, no_partner): -0.9,
            },
        )
        self.assertEqual(len(entry_1.line_ids), 4)
        self.assertEqual(set((day_1 | day_2).mapped("posting_state")), {"posted"})
        # The photo order kept its own entry.
        self.assertNotIn(photo.move_id, entry_1 | entry_2)
        self.assertFalse(self._to_post())
        self.assert_ledger_matches_general_ledger(self.students)

    def test_posting_twice_posts_once(self):
        meals = self.wallet_ada_meals._debit(4.5, "meal") | self.wallet_bob_meals._debit(4.5, "meal")
        self.post_pending_operations()
        entry = meals.move_id
        self.assertEqual(len(entry), 1)
        entries = self._wallet_entries()

        self.post_pending_operations()
        self.assertEqual(self._wallet_entries(), entries)
        self.assertEqual(meals.move_id, entry)
        self.assertFalse(meals._post_pending())

        # What comes after goes in a new entry of the next run.
        later = self.wallet_ada_meals._debit(4.5, "meal")
        self.post_pending_operations()
        self.assertEqual(len(self._wallet_entries() - entries), 1)
        self.assertNotEqual(later.move_id, entry)
        self.assertEqual(self._liability_balance(self.student_ada), -(50.0 + 50.0 - 9.0))

    def test_refused_debit_leaves_nothing(self):
        operations = self.env["school.wallet.operation"].search([])
        entries = self._wallet_entries()
        with self.assertRaisesRegex(UserError, "Insufficient balance"):
            self.wallet_ada_general._debit(50.01, "sale")
        with self.assertRaisesRegex(UserError, "Insufficient balance"):
            # Meals: overdraft limit 5.
            self.wallet_ada_meals._debit(55.01, "meal")
        self.student_ada.student_number = "ADA-1"
        device = self.env["school.wallet.device"].create(
            {"name": "Canteen", "kind": "canteen", "company_id": self.company.id, "wallet_type_id": self.type_meals.id}
        )
        payload = {"reference": "C-1", "student_number": "ADA-1", "items": [{"article": "Lunch", "unit_price": 60.0}]}
        with self.assertRaisesRegex(UserError, "Insufficient balance"):
            self.env["school.wallet.sale"]._register_from_device(device, payload)
        self.assertFalse(self.env["school.wallet.sale"].search([("device_id", "=", device.id)]))
        self.assertEqual(self.env["school.wallet.operation"].search([]), operations)
        self.assertFalse(self._to_post())
        self.post_pending_operations()
        self.assertEqual(self._wallet_entries(), entries)
        self.assertEqual(self.wallet_ada_general.balance, 50.0)

    def _other_school_meal(self, name):
        """A second school with its wallet accounting, and a meal of one of its students to post.

        :return: (the ``res.company``, the meal ``school.wallet.operation``)
        """
        other = self.setup_other_company(name=name)["company"]
        other._school_wallet_setup_accounting()
        other_type = self.env["school.wallet.type"].create({"name": "General", "company_id": other.id})
        other._school_wallet_setup_accounting()
        other_student = self.env["res.partner"].create({"name": "Eve", "is_student": True, "company_id": other.id})
        other_wallet = other_student._school_wallet_get(other_type).with_company(other)
        other_wallet._credit(10.0, "topup_cash")
        other_meal = other_wallet._debit(4.5, "meal")
        return other, other_meal

    def test_failed_posting_keeps_the_operations_to_post(self):
        meal = self.wallet_ada_meals._debit(4.5, "meal")
        other, other_meal = self._other_school_meal("Configured School")
        journal = self.wallet_journal
        self.company.school_wallet_journal_id = False
        with self.assertRaisesRegex(UserError, "cannot be posted"), self.env.cr.savepoint():
            meal._post_pending()
        # The scheduled posting goes on with the other schools and says what it left.
        with self.assertLogs("odoo.addons.optis_school_wallet.models.school_wallet_operation", "WARNING") as logs:
            self.post_pending_operations()
        self.assertIn("cannot be posted", logs.output[0])
        self.assertEqual(other_meal.move_id.state, "posted")
        self.assertEqual(self._to_post(), meal)
        self.company.school_wallet_journal_id = journal
        self.post_pending_operations()
        self.assertEqual(meal.move_id.state, "posted")

    def test_ledger_matches_the_general_ledger_with_pending_and_posted_types(self):
        self.wallet_ada_meals._debit(4.5, "meal")
        self.wallet_ada_general._debit(2.5, "sale")
        self.wallet_ada_general._debit(7.5, "photo_order")
        self.wallet_ada_general._transfer_to(self.wallet_ada_meals, 10.0)
        self.wallet_ada_meals._debit(14.0, "meal")
        self.wallet_ada_meals._credit(1.25, "correction", reason="Dessert not served")
        self.wallet_bob_general._debit(5.0, "refund", counterpart_account=self.cash_account)
        self.wallet_bob_meals._debit(4.5, "meal")
        self.wallet_bob_general._credit(2.0, "topup_cash")
        ada_wallets = 100.0 - 4.5 - 2.5 - 7.5 - 14.0 + 1.25
        bob_wallets = 100.0 - 5.0 - 4.5 + 2.0
        # Before the posting: the general ledger lacks the meals and sales.
        self.assertAlmostEqual(self._to_post_total(self.student_ada), -21.0)
        self.assertAlmostEqual(self._liability_balance(self.student_ada), -(ada_wallets + 21.0))
        self.assertAlmostEqual(self._liability_balance(self.student_bob), -(bob_wallets + 4.5))
        # Checks "general ledger + to post == wallets", posts, then "general ledger == wallets".
        self.assert_ledger_matches_general_ledger(self.students | self.student_cid)
        self.assertAlmostEqual(self._liability_balance(self.student_ada), -ada_wallets)
        self.assertAlmostEqual(self._liability_balance(self.student_bob), -bob_wallets)

    def test_a_locked_day_is_posted_on_the_first_open_day(self):
        meal = self.wallet_ada_meals._debit(4.5, "meal", date=datetime(2026, 1, 20, 11, 30))
        self.company.fiscalyear_lock_date = date(2026, 1, 31)
        self.post_pending_operations()
        self.assertEqual(meal.move_id.date, date(2026, 2, 1))
        self.assertEqual(meal.move_id.state, "posted")

    def test_bursar_posts_with_the_button(self):
        other, other_meal = self._other_school_meal("Other School")
        meals = self.wallet_ada_meals._debit(4.5, "meal") | self.wallet_bob_meals._debit(4.5, "meal")

        arch = self.env["school.wallet.operation"].with_user(self.user_bursar).get_views([(False, "list")])
        button = etree.fromstring(arch["views"]["list"]["arch"]).find(".//header/button")
        self.assertEqual(button.get("name"), "action_post_pending_operations")
        with self.assertRaises(AccessError):
            self.env["school.wallet.operation"].with_user(self.user_teacher).action_post_pending_operations()
        self.assertFalse(meals.move_id)

        # Whatever the selection, every operation to post of the bursar's school.
        action = meals[:1].with_user(self.user_bursar).action_post_pending_operations()
        self.assertEqual(action["params"]["message"], "2 operations posted in 1 journal entries.")
        self.assertEqual(len(meals.move_id), 1)
        self.assertEqual(meals.move_id.state, "posted")
        # Not the other school's, which the bursar does not work in.
        self.assertFalse(other_meal.move_id)
        action = self.env["school.wallet.operation"].with_user(self.user_bursar).action_post_pending_operations()
        self.assertEqual(action["params"]["message"], "No wallet operation to post.")
        # The scheduled action posts every school, each in its own journal.
        self.post_pending_operations()
        self.assertEqual(other_meal.move_id.company_id, other)
        self.assertEqual(other_meal.move_id.journal_id, other.school_wallet_journal_id)
        self.assertNotEqual(other_meal.move_id, meals.move_id)

    def test_the_entry_of_an_operation_is_set_once(self):
        meal = self.wallet_ada_meals._debit(4.5, "meal")
        topup = self.wallet_ada_general.operation_ids
        # A bursar may edit the note, never link an entry.
        with self.assertRaisesRegex(UserError, "never change"):
            meal.with_user(self.user_bursar).write({"move_id": topup.move_id.id})
        meal.with_user(self.user_bursar).note = "Menu of the day"
        self.post_pending_operations()
        entry = meal.move_id
        for vals in ({"move_id": False}, {"move_id": topup.move_id.id}, {"counterpart_account_id": False}):
            with self.assertRaisesRegex(UserError, "never change"):
                meal.sudo().write(vals)
        self.assertEqual(meal.move_id, entry)
        self.assertEqual(meal.counterpart_account_id, self.canteen_income)
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            meal.sudo().unlink()
