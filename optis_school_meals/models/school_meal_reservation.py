from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_amount, format_date, format_datetime

RESERVATION_STATES = [
    ("booked", "Booked"),
    ("cancelled", "Cancelled"),
]


class SchoolMealDietWarning(UserError):
    """The article conflicts with the child's allergies or diet and the school warns: the
    booking goes through once the person booking confirms it."""


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
        """Book ``product`` for ``student`` on ``day`` and debit the wallet at once.

        Race-safe and idempotent: the paying wallet is locked first (``_lock_for_update``),
        then the same request and the same article that day are looked for, the balance is
        read from the ledger, and the reservation and its debit are written in one savepoint.
        A concurrent booking on the same wallet waits for the lock and is retried on a
        snapshot that sees this one: a form submitted twice books once, a wallet is never
        overdrawn.

        Runs in sudo after checking the caller: a bursar of the school (past the cut-off
        too, logged on the reservation), or a guardian with money rights before the cut-off.

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
        student.ensure_one()
        product.ensure_one()
        is_bursar = self._school_meal_check_booker(student)
        student_sudo, product_sudo = student.sudo(), product.sudo()
        company = student_sudo.company_id
        company._school_meal_check_enabled()
        self_sudo = self.sudo()
        if request_token:
            done = self_sudo.search([("request_token", "=", request_token)], limit=1)
            if done:
                return self._school_meal_replayed(done, student_sudo)
        menu = self_sudo._school_meal_check_day(student_sudo, day)
        if product_sudo not in menu.product_ids:
            raise UserError(
                _(
                    "%(article)s is not on the menu of %(day)s.",
                    article=product_sudo.name,
                    day=format_date(self.env, day),
                )
            )
        now = fields.Datetime.now()
        cutoff = company._school_meal_cutoff(day)
        late = now >= cutoff
        if late and not is_bursar:
            raise UserError(
                _(
                    "The booking of the meals of %(day)s closed on %(cutoff)s.",
                    day=format_date(self.env, day),
                    cutoff=format_datetime(
                        self.env, cutoff, tz=company._school_meal_timezone().zone, dt_format="short"
                    ),
                )
            )
        conflicts = product_sudo._school_meal_conflicts(student_sudo)
        if conflicts and company.school_meal_diet_policy == "block":
            raise UserError("\n".join(conflicts))
        if conflicts and not diet_confirmed:
            raise SchoolMealDietWarning("\n".join(conflicts))
        wallet_type = product_sudo.school_meal_wallet_type_id.filtered(
            lambda wallet_type: wallet_type.company_id == company
        )
        wallet_type = wallet_type or company.school_meal_wallet_type_id
        if not wallet_type:
            raise UserError(_("%(school)s has no meal wallet type.", school=company.name))
        wallet = student_sudo._school_wallet_get(wallet_type)
        price = wallet.currency_id.round(product_sudo.lst_price)
        with self.env.cr.savepoint():
            wallet._lock_for_update()
            if request_token:
                # Checked again under the lock: the other submission may have committed since.
                done = self_sudo.search([("request_token", "=", request_token)], limit=1)
                if done:
                    return self._school_meal_replayed(done, student_sudo)
            if not company.school_meal_same_article_twice and self_sudo.search_count(
                [
                    ("student_id", "=", student_sudo.id),
                    ("date", "=", day),
                    ("product_id", "=", product_sudo.id),
                    ("state", "=", "booked"),
                ],
                limit=1,
            ):
                raise UserError(
                    _(
                        "%(article)s is already booked for %(student)s on %(day)s.",
                        article=product_sudo.name,
                        student=student_sudo.name,
                        day=format_date(self.env, day),
                    )
                )
            self_sudo._school_meal_check_balance(wallet, price, product_sudo)
            # No "created" message, no follower: a booking is written in volume.
            reservation = (
                self_sudo.with_context(mail_create_nolog=True, mail_create_nosubscribe=True, tracking_disable=True)
                ._engine()
                .create(
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
                )
            )
            operation = wallet._debit(
                price,
                "meal",
                payment_method="wallet",
                origin=reservation,
                origin_ref=format_date(self.env, day),
                note=product_sudo.name,
            )
            reservation.write({"operation_id": operation.id})
        if late:
            reservation.message_post(
                body=_("Booked after the cut-off by %(user)s.", user=self.env.user.name),
                message_type="notification",
            )
        return reservation.with_env(self.env)

    @api.model
    def _school_meal_replayed(self, reservation, student):
        """The reservation a form submitted again already booked, without a second charge.

        :raise UserError: the form booked for another student (a forged token)
        """
        if reservation.student_id != student:
            raise UserError(_("This booking form was already used: open the menu again."))
        return reservation.with_env(self.env)

    @api.model
    def _school_meal_check_day(self, student, day):
        """The menu of ``day`` for ``student``: meal booking on, a service day of the student's
        school and class, with a menu.

        :return: the ``school.meal.menu``
        :raise UserError: no service or no menu that day
        """
        company = student.company_id
        if not company._school_meal_service_days(day, day, student.school_class_id):
            raise UserError(_("No meals are served on %(day)s.", day=format_date(self.env, day)))
        menu = self.env["school.meal.menu"].sudo().search([("company_id", "=", company.id), ("date", "=", day)])
        if not menu.product_ids:
            raise UserError(_("There is no menu on %(day)s yet.", day=format_date(self.env, day)))
        return menu

    @api.model
    def _school_meal_check_balance(self, wallet, price, product):
        """Refuse a meal the wallet cannot pay, naming the balance and the price. Call it
        after locking the wallet: the balance is read from the ledger.

        :raise UserError: insufficient balance
        """
        balance = wallet._get_ledger_balances()[wallet.id]
        limit = wallet.wallet_type_id.overdraft_limit
        if wallet.currency_id.compare_amounts(balance - price, -limit) < 0:
            raise UserError(
                _(
                    "Insufficient balance: %(article)s costs %(price)s and the %(wallet)s wallet of %(student)s "
                    "has %(balance)s.",
                    article=product.name,
                    price=format_amount(self.env, price, wallet.currency_id),
                    wallet=wallet.wallet_type_id.name,
                    student=wallet.student_id.name,
                    balance=format_amount(self.env, balance, wallet.currency_id),
                )
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
