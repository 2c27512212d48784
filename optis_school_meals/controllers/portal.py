import uuid
from datetime import date, timedelta

from odoo import fields, http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from odoo.addons.optis_parent_portal.controllers.child import OptisParentChildHome

from ..exceptions import SchoolMealDietWarning


class OptisMealPortal(OptisParentChildHome):
    """The meal calendar of a child in the parent portal: the month, a day's menu, booking
    and cancelling (paid from and refunded to the wallet at once).

    The child is one of the user's (``_school_child``: a 404 for any other id); the pages
    need the school's meal booking on and money rights on the child's link (a 404
    otherwise). Reservations and menus are searched as the user (record rules); booking
    and cancelling are the model's (``_school_meal_book``, ``_school_meal_cancel``), which
    check the caller again. Success comes back as a short code in the URL; a refusal shows
    the model's message on the day's page.
    """

    def _prepare_child_home_values(self, child):
        """The child's home also lists this week's booked meals (Monday to Sunday of the
        school's today), searched as the user: one query, whatever the history."""
        values = super()._prepare_child_home_values(child)
        reservations = self._as_user("school.meal.reservation")
        week_meals = reservations.browse()
        if values["rights"]["money"] and child.company_id.school_meal_booking and reservations.has_access("read"):
            today = child.company_id._school_meal_today()
            monday = today - timedelta(days=today.weekday())
            week_meals = reservations.search(
                [
                    ("student_id", "=", child.id),
                    ("state", "=", "booked"),
                    ("date", ">=", monday),
                    ("date", "<=", monday + timedelta(days=6)),
                ],
                order="date, id",
            )
        values["week_meals"] = week_meals.sudo()
        return values

    def _school_meal_child(self, child_id):
        """The user's child ``child_id`` (sudo) whose meals they manage; a 404 otherwise."""
        child = self._school_child(child_id)
        guardian = request.env.user.partner_id
        if not child.company_id.school_meal_booking or not child._school_guardian_rights(guardian)["money"]:
            raise request.not_found()
        return child

    @staticmethod
    def _school_meal_parse_day(value):
        try:
            return date.fromisoformat(value) if value else None
        except (TypeError, ValueError):
            return None

    def _school_meal_balance_wallets(self, child):
        """The child's wallets that pay meals, as the user (record rules)."""
        company = child.company_id
        wallet_types = company.school_meal_wallet_type_id
        menu_products = request.env["product.template"].sudo().search([("school_meal_ok", "=", True)])
        wallet_types |= menu_products.school_meal_wallet_type_id.filtered(lambda wtype: wtype.company_id == company)
        return self._as_user("school.wallet").search(
            [("student_id", "=", child.id), ("wallet_type_id", "in", wallet_types.ids)]
        )

    @http.route("/my/school/child/<int:child_id>/meals", type="http", auth="user", website=True)
    def portal_school_child_meals(self, child_id, month=None, **_kwargs):
        """The month calendar of the child's meals: bookable days green, today orange,
        booked meals blue, closed days grey; each service day opens its menu; a form books
        an article on chosen weekdays of the month.

        :param int child_id: one of the user's children
        :param str month: any day of the month shown (YYYY-MM-DD); this month by default
        :return: the page; 404 for any other id, without money rights or meal booking
        """
        child = self._school_meal_child(child_id)
        return self._school_meal_render_month(child, self._school_meal_parse_day(month))

    @http.route(
        "/my/school/child/<int:child_id>/meals/pattern", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_school_child_meal_pattern(self, child_id, month=None, product_id=None, **post):
        """Book an article on chosen weekdays of the month (every Monday and Thursday...):
        each day debits the wallet; the days refused are listed with the model's reasons.

        :param int child_id: one of the user's children
        :param str month: any day of the month (YYYY-MM-DD)
        :param str product_id: an article of the month's menus
        :param post: ``weekday_0`` ... ``weekday_4`` for the weekdays ticked,
            ``diet_confirmed`` when the parent confirmed an allergy or diet warning
        :return: the month's page with what was booked and refused; 404 for any other child
            or an unreadable month
        """
        child = self._school_meal_child(child_id)
        shown = self._school_meal_parse_day(month)
        if not shown:
            raise request.not_found()
        weekdays = [weekday for weekday in range(5) if post.get(f"weekday_{weekday}")]
        product = request.env["product.product"].sudo().browse(int(product_id) if str(product_id).isdigit() else 0)
        if not product.exists() or not weekdays:
            return self._school_meal_render_month(child, shown, pattern={"booked": 0, "refusals": []})
        try:
            reservations, refusals = request.env["school.meal.reservation"]._school_meal_book_pattern(
                child, shown, weekdays, product, diet_confirmed=bool(post.get("diet_confirmed"))
            )
        except SchoolMealDietWarning as warning:
            return self._school_meal_render_month(
                child, shown, error=str(warning), pattern_confirm={"product": product, "weekdays": weekdays}
            )
        except (UserError, AccessError) as error:
            return self._school_meal_render_month(child, shown, error=str(error))
        return self._school_meal_render_month(child, shown, pattern={"booked": len(reservations), "refusals": refusals})

    @http.route(
        "/my/school/child/<int:child_id>/meals/absence", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_school_child_meal_absence(self, child_id, month=None, date_from=None, date_to=None, **_kwargs):
        """Declare the child absent: the meals of those days still before their cut-off are
        cancelled and refunded (``school.meal.absence._school_meal_declare``).

        :param int child_id: one of the user's children
        :param str month: the month shown (YYYY-MM-DD)
        :param str date_from: first day (YYYY-MM-DD)
        :param str date_to: last day (YYYY-MM-DD)
        :return: the month's page with the meals refunded or the model's message; 404 for
            any other child
        """
        child = self._school_meal_child(child_id)
        shown = self._school_meal_parse_day(month)
        try:
            absence = request.env["school.meal.absence"]._school_meal_declare(
                child, self._school_meal_parse_day(date_from), self._school_meal_parse_day(date_to)
            )
        except (UserError, AccessError) as error:
            return self._school_meal_render_month(child, shown, error=str(error))
        return self._school_meal_render_month(child, shown, absence={"refunded": len(absence.reservation_ids)})

    def _school_meal_render_month(
        self, child, month=None, error=None, pattern=None, pattern_confirm=None, absence=None
    ):
        today = child.company_id._school_meal_today()
        shown = (month or today).replace(day=1)
        next_month = date(shown.year + shown.month // 12, shown.month % 12 + 1, 1)
        previous_month = date(shown.year - (shown.month == 1), (shown.month - 2) % 12 + 1, 1)
        reservations = self._as_user("school.meal.reservation").search(
            [
                ("student_id", "=", child.id),
                ("state", "=", "booked"),
                ("date", ">=", fields.Date.subtract(shown, days=7)),
                ("date", "<=", fields.Date.add(next_month, days=7)),
            ]
        )
        menus = self._as_user("school.meal.menu").search(
            [("company_id", "=", child.company_id.id), ("date", ">=", shown), ("date", "<", next_month)]
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "child": child,
                "month": shown,
                "month_articles": menus.sudo().product_ids,
                "error": error,
                "pattern": pattern,
                "pattern_confirm": pattern_confirm,
                "absence": absence,
                "previous_month": previous_month,
                "next_month": next_month,
                "weeks": child._school_meal_calendar(shown, reservations.sudo()),
                "wallets": self._school_meal_balance_wallets(child).sudo(),
                "page_name": "school_meals",
            }
        )
        return request.render("optis_school_meals.portal_school_child_meals", values)

    @http.route("/my/school/child/<int:child_id>/meals/day", type="http", auth="user", website=True)
    def portal_school_child_meal_day(self, child_id, day=None, success=None, **_kwargs):
        """The menu of a day: the articles to book, the meals booked (to cancel), the balance.

        :param int child_id: one of the user's children
        :param str day: the day (YYYY-MM-DD)
        :param str success: code of the message to show (``booked``, ``cancelled``)
        :return: the page; 404 for any other id or an unreadable day
        """
        child = self._school_meal_child(child_id)
        meal_day = self._school_meal_parse_day(day)
        if not meal_day:
            raise request.not_found()
        return self._school_meal_render_day(child, meal_day, success=success)

    def _school_meal_render_day(self, child, meal_day, success=None, error=None, warning_product=None):
        company = child.company_id
        menu = self._as_user("school.meal.menu").search(
            [("company_id", "=", company.id), ("date", "=", meal_day)], limit=1
        )
        reservations = self._as_user("school.meal.reservation").search(
            [("student_id", "=", child.id), ("date", "=", meal_day), ("state", "=", "booked")]
        )
        cutoff = company._school_meal_cutoff(meal_day)
        service = bool(company._school_meal_service_days(meal_day, meal_day, child.school_class_id))
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "child": child,
                "meal_day": meal_day,
                "menu": menu.sudo(),
                "service": service,
                "open": service and fields.Datetime.now() < cutoff,
                "cutoff": cutoff,
                "timezone": company._school_meal_timezone().zone,
                "reservations": reservations.sudo(),
                "wallets": self._school_meal_balance_wallets(child).sudo(),
                "request_token": uuid.uuid4().hex,
                "success": success,
                "error": error,
                "warning_product": warning_product,
                "page_name": "school_meals",
            }
        )
        return request.render("optis_school_meals.portal_school_child_meal_day", values)

    @http.route("/my/school/child/<int:child_id>/meals/book", type="http", auth="user", website=True, methods=["POST"])
    def portal_school_child_meal_book(self, child_id, day=None, product_id=None, request_token=None, **post):
        """Book an article of the day's menu: the wallet is debited at once.

        :param int child_id: one of the user's children
        :param str day: the day (YYYY-MM-DD)
        :param str product_id: an article of the day's menu
        :param str request_token: the form's token: a form submitted twice books once
        :param post: ``diet_confirmed`` when the parent confirmed an allergy or diet warning
        :return: a redirection to the day with ``?success=booked``, or the day's page with
            the model's message; 404 for any other child or an unreadable day
        """
        child = self._school_meal_child(child_id)
        meal_day = self._school_meal_parse_day(day)
        if not meal_day:
            raise request.not_found()
        product = request.env["product.product"].sudo().browse(int(product_id) if str(product_id).isdigit() else 0)
        if not product.exists():
            return self._school_meal_render_day(child, meal_day, error="")
        token = request_token if request_token and len(request_token) <= 64 else None
        try:
            request.env["school.meal.reservation"]._school_meal_book(
                child, meal_day, product, request_token=token, diet_confirmed=bool(post.get("diet_confirmed"))
            )
        except SchoolMealDietWarning as warning:
            return self._school_meal_render_day(child, meal_day, error=str(warning), warning_product=product)
        except (UserError, AccessError) as error:
            return self._school_meal_render_day(child, meal_day, error=str(error))
        return request.redirect(f"/my/school/child/{child.id}/meals/day?day={meal_day.isoformat()}&success=booked")

    @http.route(
        "/my/school/child/<int:child_id>/meals/cancel", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_school_child_meal_cancel(self, child_id, reservation_id=None, **_kwargs):
        """Cancel a booked meal before the cut-off: the wallet is refunded at once.

        :param int child_id: one of the user's children
        :param str reservation_id: a booked meal of this child
        :return: a redirection to the day with ``?success=cancelled``, or the day's page with
            the model's message; 404 for any other child or a meal that is not this child's
        """
        child = self._school_meal_child(child_id)
        reservation = self._as_user("school.meal.reservation").search(
            [
                ("id", "=", int(reservation_id) if str(reservation_id).isdigit() else 0),
                ("student_id", "=", child.id),
            ]
        )
        if not reservation:
            raise request.not_found()
        try:
            reservation._school_meal_cancel()
        except (UserError, AccessError) as error:
            return self._school_meal_render_day(child, reservation.date, error=str(error))
        return request.redirect(
            f"/my/school/child/{child.id}/meals/day?day={reservation.date.isoformat()}&success=cancelled"
        )
