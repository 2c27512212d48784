from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_amount, format_date, format_datetime

RESERVATION_STATES = [
    ("booked", "Booked"),
    ("cancelled", "Cancelled"),
]


class SchoolMealReservation(models.Model):
    """A meal booked for a student on a day: booking is paying. The wallet is debited at
    once, in the transaction that writes the reservation (``_school_meal_book``), and a
    cancellation refunds at once (``_school_meal_cancel``). Both are the engine's: the
    money and state fields of a reservation never change by hand."""

    _name = "school.meal.reservation"
    _inherit = ["school.wallet.engine.mixin", "mail.thread"]
    _description = "Meal Reservation"
    _order = "date desc, student_id, id"
    _check_company_auto = True
    # Written by booking and cancelling only; a bursar may add a note.
    _engine_free_fields = ("note",)
    _engine_create_only = True
    _engine_unlink_only = True

    date = fields.Date(required=True, readonly=True, index=True)
    student_id = fields.Many2one("res.partner", required=True, readonly=True, index=True, ondelete="restrict")
    school_class_id = fields.Many2one(
        "school.class", string="Class", readonly=True, index=True, help="The student's class when the meal was booked."
    )
    company_id = fields.Many2one("res.company", string="School", required=True, readonly=True, index=True)
    product_id = fields.Many2one("product.product", string="Article", required=True, readonly=True, ondelete="restrict")
    meal_category = fields.Selection(related="product_id.school_meal_category", string="Category")
    state = fields.Selection(RESERVATION_STATES, required=True, default="booked", readonly=True, index=True)

    # Money
    wallet_id = fields.Many2one("school.wallet", required=True, readonly=True, index=True, ondelete="restrict")
    currency_id = fields.Many2one(related="wallet_id.currency_id")
    amount = fields.Monetary(required=True, readonly=True, help="The price paid from the wallet.")
    operation_id = fields.Many2one("school.wallet.operation", string="Wallet Debit", readonly=True)
    refund_operation_id = fields.Many2one("school.wallet.operation", string="Wallet Refund", readonly=True)

    # Who and when
    booked_by_id = fields.Many2one("res.users", readonly=True)
    cancelled_by_id = fields.Many2one("res.users", readonly=True)
    cancel_date = fields.Datetime(string="Cancelled On", readonly=True)
    late = fields.Boolean(
        string="Past the Cut-off", readonly=True, help="Booked or cancelled by a bursar after the cut-off."
    )
    request_token = fields.Char(
        readonly=True, copy=False, help="The form that asked for the booking: the same form books once."
    )
    diet_warning = fields.Text(readonly=True, help="The allergy or diet warning confirmed when booking.")
    note = fields.Text()

    _sql_constraints = [
        ("amount_positive", "CHECK(amount > 0)", "A meal has a positive price."),
        (
            "cancelled_refunded",
            "CHECK(state = 'booked' OR refund_operation_id IS NOT NULL)",
            "A cancelled meal is refunded.",
        ),
    ]

    def init(self):
        # One form submitted twice (two tabs, a double click) books one meal.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS school_meal_reservation_request_token_uniq "
                "ON %s (request_token) WHERE request_token IS NOT NULL",
                SQL.identifier(self._table),
            )
        )

    @api.depends("student_id", "product_id", "date")
    def _compute_display_name(self):
        for reservation in self:
            reservation.display_name = (
                f"{reservation.student_id.name} - {reservation.product_id.name} - "
                f"{format_date(self.env, reservation.date)}"
            )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_cancel(self):
        """Button of the bursars: cancel and refund, past the cut-off too (logged)."""
        for reservation in self:
            reservation._school_meal_cancel()
        return True

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    @api.model
    def _school_meal_is_bursar(self, company):
        """Whether the user books and cancels for ``company`` as a bursar (past the cut-off)."""
        user = self.env.user
        return user.has_group("optis_school.group_school_bursar") and company in user.company_ids

    @api.model
    def _school_meal_check_booker(self, student):
        """Who may book or cancel for ``student``: a bursar of the student's school, or a
        guardian whose link grants money rights (the wallet is debited).

        :return: True for a bursar, False for a guardian
        :raise AccessError: anybody else
        """
        student = student.sudo()
        if self._school_meal_is_bursar(student.company_id):
            return True
        guardian = self.env.user.partner_id
        students = self.env["school.guardian.link"]._get_students_granting(guardian, "grants_money")
        if student not in students:
            raise AccessError(_("You may not book or cancel the meals of %(student)s.", student=student.name))
        return False

    @api.model
    def _school_meal_book(self, student, day, product, request_token=None, diet_confirmed=False):
        """Book ``product`` for ``student`` on ``day`` and debit the wallet at once (see
        ``_school_meal_book_days``, which does the work for one day here).

        :param student: ``res.partner`` (student)
        :param date day: the day of the meal
        :param product: ``product.product`` on the menu of the day
        :param str request_token: identifies the form submitted: the same token books once
            and returns the reservation of the first submission
        :param bool diet_confirmed: the person booking saw the allergy or diet warning
        :return: the ``school.meal.reservation`` (in the caller's environment)
        :raise AccessError: the caller may not book for this student
        :raise UserError: meal booking off, no service or no menu that day, article not on
            the menu, cut-off passed, already booked, diet blocked, insufficient balance
        :raise SchoolMealDietWarning: the article conflicts and the school warns
        """
        if request_token:
            done = self.sudo().search([("request_token", "=", request_token)], limit=1)
            if done:
                return self._school_meal_replayed(done, student.sudo())
        reservations, refusals = self._school_meal_book_days(
            student, [day], product, diet_confirmed=diet_confirmed, request_token=request_token
        )
        if refusals:
            raise UserError(refusals[0][1])
        return reservations

    @api.model
    def _school_meal_book_days(self, student, days, product, diet_confirmed=False, request_token=None):
        """Book ``product`` for ``student`` on each of ``days`` (one day, or a pattern such
        as every Monday and Thursday of a month) and debit the wallet at once, reporting the
        days that could not be booked and why.

        Race-safe and idempotent: the paying wallet is locked first (``_lock_for_update``),
        then the same request and the articles already booked are looked for, the balance is
        read from the ledger, and the reservations and their wallet debits
        (``school.wallet._debit_batch``) are written in one savepoint. A concurrent booking
        on the same wallet waits for the lock and is retried on a snapshot that sees this
        one: a form submitted twice books once, a wallet is never overdrawn. The days are
        booked in order while the balance covers them.

        Runs in sudo after checking the caller: a bursar of the school (past the cut-off
        too, logged on the reservation), or a guardian with money rights before the cut-off.

        :param student: ``res.partner`` (student)
        :param list days: the days (dates)
        :param product: ``product.product``, on the menus of the days
        :param bool diet_confirmed: the person booking saw the allergy or diet warning
        :param str request_token: see ``_school_meal_book`` (one day only)
        :return: ``(reservations, refusals)``: the ``school.meal.reservation`` records (in
            the caller's environment) and a list of ``(day, reason)``
        :raise AccessError: the caller may not book for this student
        :raise UserError: meal booking off, diet blocked, no meal wallet type
        :raise SchoolMealDietWarning: the article conflicts and the school warns
        """
        student.ensure_one()
        product.ensure_one()
        is_bursar = self._school_meal_check_booker(student)
        student_sudo, product_sudo = student.sudo(), product.sudo()
        company = student_sudo.company_id
        company._school_meal_check_enabled()
        self_sudo = self.sudo()
        days = sorted(set(days))
        if not days:
            return self.browse(), []
        conflicts = product_sudo._school_meal_check_diet(student_sudo, diet_confirmed)
        wallet = product_sudo._school_meal_wallet(student_sudo)
        price = wallet.currency_id.round(product_sudo.lst_price)
        service = set(company._school_meal_service_days(days[0], days[-1], student_sudo.school_class_id))
        menus = self.env["school.meal.menu"].sudo().search([("company_id", "=", company.id), ("date", "in", days)])
        menu_products = {menu.date: menu.product_ids for menu in menus}
        now = fields.Datetime.now()
        with self.env.cr.savepoint():
            wallet._lock_for_update()
            if request_token:
                # Checked again under the lock: the other submission may have committed since.
                done = self_sudo.search([("request_token", "=", request_token)], limit=1)
                if done:
                    return self._school_meal_replayed(done, student_sudo), []
            booked_days = set()
            if not company.school_meal_same_article_twice:
                booked_days = set(
                    self_sudo.search(
                        [
                            ("student_id", "=", student_sudo.id),
                            ("date", "in", days),
                            ("product_id", "=", product_sudo.id),
                            ("state", "=", "booked"),
                        ]
                    ).mapped("date")
                )
            balance = wallet._get_ledger_balances()[wallet.id]
            refusals, to_book = [], []
            for day in days:
                late = now >= company._school_meal_cutoff(day)
                reason = self._school_meal_refusal(
                    student_sudo, day, product_sudo, service, menu_products, late and not is_bursar, booked_days
                )
                if (
                    not reason
                    and wallet.currency_id.compare_amounts(
                        balance - price * (len(to_book) + 1), -wallet.wallet_type_id.overdraft_limit
                    )
                    < 0
                ):
                    reason = self._school_meal_balance_message(
                        wallet, price, product_sudo, balance - price * len(to_book)
                    )
                if reason:
                    refusals.append((day, reason))
                else:
                    to_book.append((day, late))
            if not to_book:
                return self.browse(), refusals
            # No "created" message, no follower: meals are booked in volume.
            reservations = (
                self_sudo.with_context(mail_create_nolog=True, mail_create_nosubscribe=True, tracking_disable=True)
                ._engine()
                .create(
                    [
                        {
                            "date": day,
                            "student_id": student_sudo.id,
                            "school_class_id": student_sudo.school_class_id.id,
                            "company_id": company.id,
                            "product_id": product_sudo.id,
                            "wallet_id": wallet.id,
                            "amount": price,
                            "booked_by_id": self.env.uid,
                            "late": late,
                            "request_token": request_token or False,
                            "diet_warning": "\n".join(conflicts) or False,
                        }
                        for day, late in to_book
                    ]
                )
            )
            operations = wallet._debit_batch(
                [
                    {
                        "amount": price,
                        "payment_method": "wallet",
                        "origin": reservation,
                        "origin_ref": format_date(self.env, reservation.date),
                        "note": product_sudo.name,
                    }
                    for reservation in reservations
                ],
                "meal",
            )
            # One UPDATE for all of them when flushed.
            for reservation, operation in zip(reservations, operations, strict=True):
                reservation.operation_id = operation
            reservations.flush_recordset(["operation_id"])
        for reservation in reservations.filtered("late"):
            reservation.message_post(
                body=_("Booked after the cut-off by %(user)s.", user=self.env.user.name),
                message_type="notification",
            )
        return reservations.with_env(self.env), refusals

    @api.model
    def _school_meal_book_pattern(self, student, month, weekdays, product, diet_confirmed=False):
        """Book ``product`` for ``student`` on the chosen weekdays of a month, from today on
        (e.g. every Monday and Thursday): see ``_school_meal_book_days``.

        :param date month: any day of the month
        :param weekdays: the weekdays (0 = Monday ... 4 = Friday)
        :return: ``(reservations, refusals)``
        """
        student = student.sudo()
        today = student.company_id._school_meal_today()
        first = month.replace(day=1)
        last = first + relativedelta(months=1, days=-1)
        start = max(first, today)
        if start > last:
            return self.browse(), []
        days = [
            day
            for day in student.company_id._school_meal_service_days(start, last, student.school_class_id)
            if day.weekday() in set(weekdays)
        ]
        return self._school_meal_book_days(student, days, product, diet_confirmed=diet_confirmed)

    @api.model
    def _school_meal_refusal(self, student, day, product, service, menu_products, closed, booked_days):
        """Why ``product`` cannot be booked for ``student`` on ``day``, or None.

        :param set service: the service days of the student
        :param dict menu_products: {date: the articles of the menu}
        :param bool closed: the cut-off passed and the caller is no bursar
        :param set booked_days: the days the article is already booked (and may not be twice)
        :return: a sentence, or None
        """
        if day not in service:
            return _("No meals are served on %(day)s.", day=format_date(self.env, day))
        if not menu_products.get(day):
            return _("There is no menu on %(day)s yet.", day=format_date(self.env, day))
        if product not in menu_products[day]:
            return _("%(article)s is not on the menu of %(day)s.", article=product.name, day=format_date(self.env, day))
        if closed:
            company = student.company_id
            return _(
                "The booking of the meals of %(day)s closed on %(cutoff)s.",
                day=format_date(self.env, day),
                cutoff=format_datetime(
                    self.env,
                    company._school_meal_cutoff(day),
                    tz=company._school_meal_timezone().zone,
                    dt_format="short",
                ),
            )
        if day in booked_days:
            return _(
                "%(article)s is already booked for %(student)s on %(day)s.",
                article=product.name,
                student=student.name,
                day=format_date(self.env, day),
            )
        return None

    @api.model
    def _school_meal_replayed(self, reservation, student):
        """The reservation a form submitted again already booked, without a second charge.

        :raise UserError: the form booked for another student (a forged token)
        """
        if reservation.student_id != student:
            raise UserError(_("This booking form was already used: open the menu again."))
        return reservation.with_env(self.env)

    @api.model
    def _school_meal_balance_message(self, wallet, price, product, balance):
        """The refusal of a meal the wallet cannot pay, naming the balance and the price."""
        return _(
            "Insufficient balance: %(article)s costs %(price)s and the %(wallet)s wallet of %(student)s "
            "has %(balance)s.",
            article=product.name,
            price=format_amount(self.env, price, wallet.currency_id),
            wallet=wallet.wallet_type_id.name,
            student=wallet.student_id.name,
            balance=format_amount(self.env, balance, wallet.currency_id),
        )

    def _school_meal_cancel(self, reason=None):
        """Cancel this booked meal and refund it at once to its wallet.

        Before the cut-off: the guardians with money rights and the bursars. After it: the
        bursars only, and the cancellation is logged on the reservation. Race-safe: the
        reservation row is locked and its state read again, so a meal is refunded once.

        :param str reason: why, noted on the refund
        :return: the refund ``school.wallet.operation``
        :raise AccessError: the caller may not cancel for this student
        :raise UserError: already cancelled, cut-off passed
        """
        self.ensure_one()
        is_bursar = self._school_meal_check_booker(self.sudo().student_id)
        reservation = self.sudo()
        reservation.flush_recordset(["state"])
        self.env.cr.execute(
            SQL("SELECT state FROM %s WHERE id = %s FOR NO KEY UPDATE", SQL.identifier(self._table), reservation.id)
        )
        state = self.env.cr.fetchone()[0]
        reservation.invalidate_recordset(["state"])
        if state != "booked":
            raise UserError(_("This meal is already cancelled."))
        company = reservation.company_id
        late = fields.Datetime.now() >= company._school_meal_cutoff(reservation.date)
        if late and not is_bursar:
            raise UserError(
                _(
                    "The meals of %(day)s can no longer be cancelled: ask the school's bursar.",
                    day=format_date(self.env, reservation.date),
                )
            )
        note = _("Refund of the meal %(meal)s", meal=reservation.display_name)
        refund = reservation.wallet_id._credit(
            reservation.amount,
            "refund",
            payment_method="wallet",
            origin=reservation,
            origin_ref=format_date(self.env, reservation.date),
            note=f"{note}: {reason}" if reason else note,
        )
        reservation._engine().write(
            {
                "state": "cancelled",
                "refund_operation_id": refund.id,
                "cancelled_by_id": self.env.uid,
                "cancel_date": fields.Datetime.now(),
                "late": reservation.late or late,
            }
        )
        if late:
            reservation.message_post(
                body=_("Cancelled and refunded after the cut-off by %(user)s.", user=self.env.user.name),
                message_type="notification",
            )
        return refund.with_env(self.env)
