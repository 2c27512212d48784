from datetime import datetime, timedelta, timezone

from odoo import _, api, fields, models
from odoo.exceptions import MissingError, UserError, ValidationError
from odoo.tools import SQL, float_round, format_amount

SALE_STATES = [
    ("paid", "Paid"),
    ("partially_refunded", "Partially Refunded"),
    ("refunded", "Refunded"),
]
# What a device may send at most in one sale: a guard against malformed payloads.
MAX_SALE_ITEMS = 100


class SchoolWalletSale(models.Model):
    """A purchase at a school point of sale, paid from a student wallet. Sales come
    from the devices through ``_register_from_device``; each one is one wallet debit."""

    _name = "school.wallet.sale"
    _inherit = ["school.wallet.engine.mixin"]
    _description = "Point of Sale Purchase"
    _order = "date desc, id desc"
    _rec_name = "device_reference"
    _check_company_auto = True
    # Written by the device API (``_register_from_device``) and refunds (``_refund``) only.
    _engine_create_only = True
    _engine_unlink_only = True

    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    device_id = fields.Many2one("school.wallet.device", required=True, readonly=True, index=True, ondelete="restrict")
    device_reference = fields.Char(required=True, readonly=True, help="The device's own reference of the sale.")
    company_id = fields.Many2one(related="device_id.company_id", store=True, index=True)
    state = fields.Selection(
        SALE_STATES,
        compute="_compute_refund",
        store=True,
        precompute=True,
        required=True,
        help="From the refunds of the sale.",
    )

    # Buyer
    wallet_id = fields.Many2one(
        "school.wallet", required=True, readonly=True, index=True, ondelete="restrict", check_company=True
    )
    student_id = fields.Many2one(related="wallet_id.student_id", store=True, index=True)
    currency_id = fields.Many2one(related="wallet_id.currency_id")

    # Money
    line_ids = fields.One2many("school.wallet.sale.line", "sale_id", string="Articles", readonly=True)
    amount_total = fields.Monetary(string="Total", readonly=True)
    balance_after = fields.Monetary(readonly=True, help="Wallet balance right after the sale, as told to the device.")
    operation_id = fields.Many2one("school.wallet.operation", string="Wallet Debit", readonly=True, copy=False)
    refund_operation_ids = fields.One2many("school.wallet.operation", "refunded_sale_id", string="Refunds")
    amount_refunded = fields.Monetary(
        compute="_compute_refund", store=True, precompute=True, help="Sum of the refund operations of the sale."
    )

    _sql_constraints = [
        (
            "device_reference_uniq",
            "unique(device_id, device_reference)",
            "A device sends each of its references once.",
        ),
        ("amount_total_positive", "CHECK(amount_total > 0)", "A sale has a positive total."),
    ]

    @api.depends("amount_total", "refund_operation_ids.amount")
    def _compute_refund(self):
        for sale in self:
            refunded = sum(sale.refund_operation_ids.mapped("amount"))
            sale.amount_refunded = refunded
            if sale.currency_id.compare_amounts(refunded, 0) <= 0:
                sale.state = "paid"
            elif sale.currency_id.compare_amounts(refunded, sale.amount_total) < 0:
                sale.state = "partially_refunded"
            else:
                sale.state = "refunded"

    @api.depends("device_id", "device_reference")
    def _compute_display_name(self):
        for sale in self:
            sale.display_name = f"{sale.device_id.name} / {sale.device_reference}"

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_refund(self):
        """Open the refund wizard of the sale (amount: what is left to refund)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Refund"),
            "res_model": "school.wallet.sale.refund",
            "view_mode": "form",
            "target": "new",
            "context": {"default_sale_id": self.id},
        }

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    def _get_amount_left_to_refund(self):
        """What is left to refund: the total minus the refund operations, read from the
        ledger in SQL (not from the stored ``amount_refunded``).

        :return: the amount, >= 0
        """
        self.ensure_one()
        amount_total = self.amount_total
        self.env["school.wallet.operation"].flush_model(["refunded_sale_id", "amount"])
        self.env.cr.execute(
            SQL(
                "SELECT COALESCE(SUM(amount), 0) FROM school_wallet_operation WHERE refunded_sale_id = %s",
                self.id,
            )
        )
        refunded = self.env.cr.fetchone()[0]
        return self.currency_id.round(amount_total - refunded)

    def _refund(self, amount=None, reason=None):
        """Give (part of) the amount of this sale back to its wallet: a refund operation whose
        origin is the sale, capped at what is left to refund.

        Race-safe: the sale row is locked first and what is left is read from the ledger
        afterwards; the refund then rewrites the sale row (its refunded amount and state),
        so a second refund waiting on the lock fails with a serialization error when this
        one commits, and is retried on a snapshot that sees this refund.

        :param float amount: the amount to refund; by default what is left
        :param str reason: why, noted on the operation
        :return: the refund ``school.wallet.operation``
        :raise UserError: nothing left to refund, amount not in (0, left]
        """
        self.ensure_one()
        self.env.cr.execute(
            SQL("SELECT id FROM %s WHERE id = %s FOR NO KEY UPDATE", SQL.identifier(self._table), self.id)
        )
        currency = self.currency_id
        left = self._get_amount_left_to_refund()
        if currency.compare_amounts(left, 0) <= 0:
            raise UserError(_("The sale %(sale)s is already refunded.", sale=self.display_name))
        amount = left if amount is None else currency.round(amount)
        if currency.compare_amounts(amount, 0) <= 0 or currency.compare_amounts(amount, left) > 0:
            raise UserError(
                _(
                    "A refund of %(sale)s must be positive and at most %(left)s, what is left to refund.",
                    sale=self.display_name,
                    left=format_amount(self.env, left, currency),
                )
            )
        note = _("Refund of %(sale)s", sale=self.display_name)
        operation = self.wallet_id.sudo()._credit(
            amount,
            "refund",
            payment_method="wallet",
            origin=self,
            origin_ref=self.device_reference,
            note=f"{note}: {reason}" if reason else note,
        )
        self.flush_recordset(["amount_refunded", "state"])
        return operation.with_env(self.env)

    @api.model
    def _register_from_device(self, device, payload):
        """Record a sale sent by a device and debit the student's wallet, once per device
        reference: a replayed reference returns the sale written the first time.

        Concurrent requests of one device are serialised on the device row (its
        ``last_seen`` is rewritten first): under REPEATABLE READ the second request fails
        with a serialization error once the first commits, and Odoo retries it on a
        snapshot that sees the first sale, which it then returns.

        :param device: the authenticated ``school.wallet.device`` (active)
        :param dict payload: ``reference`` (str), ``student_number`` or ``wallet_communication``
            (str), ``items``: list of ``{"article": str, "quantity": number, "unit_price": number}``
        :return: ``(sale, created)``: the ``school.wallet.sale`` and whether this call wrote it
        :raise ValidationError: malformed payload
        :raise MissingError: no student with this number (or no wallet) in the device's school
        :raise UserError: insufficient balance, archived wallet
        """
        device.ensure_one()
        device = device.sudo()
        device._touch()
        reference, items, date = self._parse_device_payload(payload)
        sale = self.sudo().search([("device_id", "=", device.id), ("device_reference", "=", reference)], limit=1)
        if sale:
            return sale, False
        wallet = self._find_device_wallet(device, payload)
        currency = wallet.currency_id
        total = currency.round(sum(item["quantity"] * item["price_unit"] for item in items))
        if currency.compare_amounts(total, 0) <= 0:
            raise ValidationError(_("The total of a sale must be positive."))
        with self.env.cr.savepoint():
            sale = (
                self.sudo()
                ._engine()
                .create(
                    {
                        "date": date,
                        "device_id": device.id,
                        "device_reference": reference,
                        "wallet_id": wallet.id,
                        "amount_total": total,
                        "line_ids": [fields.Command.create(item) for item in items],
                    }
                )
            )
            operation = wallet._debit(
                total,
                "sale",
                date=date,
                payment_method="wallet",
                origin=sale,
                origin_ref=reference,
                note=", ".join(f"{item['quantity']:g} x {item['article']}" for item in items),
            )
            sale.write({"operation_id": operation.id, "balance_after": wallet.balance})
        return sale.with_env(self.sudo().env), True

    @api.model
    def _parse_device_payload(self, payload):
        """Check the shape of a device payload.

        :return: (reference, list of sale line values, sale datetime in UTC)
        :raise ValidationError: a field is missing or has the wrong type
        """
        if not isinstance(payload, dict):
            raise ValidationError(_("The body must be a JSON object."))
        reference = payload.get("reference")
        if not isinstance(reference, str) or not reference.strip() or len(reference) > 64:
            raise ValidationError(_("'reference' must be a non-empty string of at most 64 characters."))
        items = payload.get("items")
        if not isinstance(items, list) or not items or len(items) > MAX_SALE_ITEMS:
            raise ValidationError(_("'items' must be a list of 1 to %(max)s articles.", max=MAX_SALE_ITEMS))
        lines = []
        for item in items:
            if not isinstance(item, dict):
                raise ValidationError(_("Every item must be an object."))
            article, quantity, price = item.get("article"), item.get("quantity", 1), item.get("unit_price")
            numbers_ok = all(
                isinstance(value, int | float) and not isinstance(value, bool) for value in (quantity, price)
            )
            if not isinstance(article, str) or not article.strip() or not numbers_ok or quantity <= 0 or price < 0:
                raise ValidationError(
                    _("Every item needs an 'article' (text), a positive 'quantity' and a 'unit_price' >= 0.")
                )
            lines.append(
                {
                    "article": article.strip()[:128],
                    "quantity": float_round(quantity, precision_digits=3),
                    "price_unit": price,
                }
            )
        return reference.strip(), lines, self._parse_device_date(payload.get("date"))

    @api.model
    def _parse_device_date(self, value):
        """When the sale happened: devices that were offline send their sales later.

        :param value: ISO 8601 string (naive means UTC), or None for now
        :return: naive UTC datetime
        :raise ValidationError: unreadable or in the future
        """
        now = fields.Datetime.now()
        if value is None:
            return now
        try:
            date = datetime.fromisoformat(value)
        except (TypeError, ValueError) as error:
            raise ValidationError(_("'date' must be an ISO 8601 date and time.")) from error
        if date.tzinfo:
            date = date.astimezone(timezone.utc).replace(tzinfo=None)
        if date > now + timedelta(minutes=5):
            raise ValidationError(_("The date of a sale cannot be in the future."))
        return date.replace(microsecond=0)

    @api.model
    def _find_device_wallet(self, device, payload):
        """The wallet a device payload points to, in the device's school.

        :raise ValidationError: neither a student number nor a wallet communication
        :raise MissingError: unknown student or wallet
        """
        wallet_model = self.env["school.wallet"].sudo()
        communication = payload.get("wallet_communication")
        student_number = payload.get("student_number")
        if isinstance(communication, str) and communication.strip():
            wallet = wallet_model._find_by_communication(communication)
            if not wallet or wallet.company_id != device.company_id:
                raise MissingError(_("No wallet with the communication %(ref)s.", ref=communication))
            return wallet
        if not isinstance(student_number, str) or not student_number.strip():
            raise ValidationError(_("Identify the student with 'student_number' or 'wallet_communication'."))
        student = (
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("is_student", "=", True),
                    ("student_number", "=", student_number.strip()),
                    ("company_id", "=", device.company_id.id),
                ],
                limit=1,
            )
        )
        if not student:
            raise MissingError(_("No student with the number %(number)s.", number=student_number))
        wallet = wallet_model.search(
            [("student_id", "=", student.id), ("wallet_type_id", "=", device.wallet_type_id.id)], limit=1
        )
        if not wallet:
            raise MissingError(
                _(
                    "%(student)s has no %(type)s wallet.",
                    student=student.name,
                    type=device.wallet_type_id.name,
                )
            )
        return wallet

    def _get_device_response(self, created):
        """The JSON body answered to the device for this sale (the same on a replay)."""
        self.ensure_one()
        return {
            "sale_id": self.id,
            "reference": self.device_reference,
            "student": self.student_id.name,
            "amount": self.amount_total,
            "balance": self.balance_after,
            "currency": self.currency_id.name,
            "state": self.state,
            "replayed": not created,
        }
