from odoo import fields, http
from odoo.exceptions import AccessError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..models.res_partner import CONTACT_PREFERENCE_FIELDS, MEDICAL_NOTES_MAX_LENGTH

SESSION_CHILD_KEY = "optis_school_child_id"
OPERATIONS_SHOWN = 5
INTERVIEWS_SHOWN = 5
APPOINTMENTS_SHOWN = 5
INVOICES_SHOWN = 5
EVENTS_SHOWN = 5


class OptisParentChildHome(CustomerPortal):
    """Each child's home in the portal: the chooser of a parent's children, the switcher in
    the header of the OPTIS pages, the home of a child and the profile.

    The parent's children are the students whose guardian link with them grants a portal
    account (links read in sudo: parents read neither the links nor their children's
    contacts). Each block of a home is searched as the parent (access rights and record
    rules, which follow the money and meetings rights of their links); a child id that is
    not the parent's answers 404. The child chosen last is remembered in the session.

    Messages come as short codes in the URL (``?success=saved``, ``?error=diet``); their
    texts are in the templates.
    """

    def _prepare_portal_layout_values(self):
        values = super()._prepare_portal_layout_values()
        children = self._school_children()
        values.update({"school_children": children, "school_child": self._school_current_child(children)})
        return values

    def _school_children(self):
        """The user's children (sudo records, by name), whose link grants a portal account."""
        user = request.env.user
        if user._is_public():
            return request.env["res.partner"]
        students = request.env["school.guardian.link"]._get_students_granting(user.partner_id, "grants_portal_account")
        return students.sorted(lambda student: (student.name or "", student.id))

    def _school_current_child(self, children):
        """The child remembered in the session, or the only child; else an empty recordset."""
        child_id = request.session.get(SESSION_CHILD_KEY)
        child = children.filtered(lambda student: student.id == child_id)
        if not child and len(children) == 1:
            child = children
        return child

    def _school_child(self, child_id):
        """The user's child ``child_id`` (sudo), remembered in the session; a 404 for any other id."""
        child = self._school_children().filtered(lambda student: student.id == child_id)
        if not child:
            raise request.not_found()
        request.session[SESSION_CHILD_KEY] = child.id
        return child

    def _as_user(self, model):
        """``model`` as the user, in every school of theirs (record rules apply)."""
        return request.env[model].with_context(allowed_company_ids=request.env.user.company_ids.ids)

    @http.route(["/my/school", "/my/children"], type="http", auth="user", website=True)
    def portal_school_children(self, **_kwargs):
        """The chooser of the user's children; the child's home directly for one child.

        :return: the chooser, a redirection to the only child's home, or to ``/my`` for a
            user who is nobody's guardian
        """
        children = self._school_children()
        if not children:
            return request.redirect("/my")
        if len(children) == 1:
            return request.redirect(f"/my/school/child/{children.id}")
        values = self._prepare_portal_layout_values()
        values.update({"children": children, "page_name": "school_children"})
        return request.render("optis_parent_portal.portal_school_children", values)

    @http.route("/my/school/child/<int:child_id>", type="http", auth="user", website=True)
    def portal_school_child_home(self, child_id, **_kwargs):
        """The home of one child: wallets and last operations (money rights), next interviews
        and booking windows (meetings rights), each linked to its page.

        :param int child_id: one of the user's children
        :return: the page; 404 for any other id
        """
        child = self._school_child(child_id)
        values = self._prepare_portal_layout_values()
        values.update(self._prepare_child_home_values(child))
        return request.render("optis_parent_portal.portal_school_child_home", values)

    def _prepare_child_home_values(self, child):
        """The blocks of ``child``'s home: a fixed number of queries whatever the history
        (each block is one search with a limit)."""
        rights = child._school_guardian_rights(request.env.user.partner_id)
        now = fields.Datetime.now()
        wallets = self._as_user("school.wallet")
        operations = self._as_user("school.wallet.operation")
        if rights["money"] and wallets.has_access("read"):
            wallets = wallets.search([("student_id", "=", child.id)], order="wallet_type_id")
            if wallets and operations.has_access("read"):
                operations = operations.search(
                    [("wallet_id", "in", wallets.ids)], limit=OPERATIONS_SHOWN, order="date desc, id desc"
                )
        invoices = self._as_user("account.move")
        if rights["money"] and invoices.has_access("read"):
            # The child's invoices still to pay that the user may read (Odoo's portal rules:
            # those addressed to them), oldest due first.
            invoices = invoices.search(
                [
                    ("school_student_id", "=", child.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                ],
                limit=INVOICES_SHOWN,
                order="invoice_date_due, id",
            )
        else:
            invoices = invoices.browse()
        interviews = self._as_user("school.interview")
        periods = self._as_user("school.interview.period")
        appointments = self._as_user("school.appointment")
        if rights["meetings"]:
            if appointments.has_access("read") and request.env.user._is_portal():
                # The user's own desk appointments about this child, or at its school about no child.
                appointments = appointments.search(
                    [
                        ("visitor_partner_id", "=", request.env.user.partner_id.id),
                        ("state", "=", "booked"),
                        ("start", ">=", now),
                        "|",
                        ("student_id", "=", child.id),
                        "&",
                        ("student_id", "=", False),
                        ("company_id", "=", child.company_id.id),
                    ],
                    limit=APPOINTMENTS_SHOWN,
                    order="start",
                )
            else:
                appointments = appointments.browse()
            if interviews.has_access("read"):
                # The attendees are read in sudo (parents may not read them), the interviews as the user.
                attended = (
                    request.env["school.interview.attendee"]
                    .sudo()
                    .search(
                        [
                            ("partner_id", "=", request.env.user.partner_id.id),
                            ("interview_id.student_id", "=", child.id),
                            ("interview_id.state", "=", "booked"),
                            ("interview_id.start", ">=", now),
                        ]
                    )
                )
                interviews = interviews.search(
                    [("id", "in", attended.interview_id.ids)], limit=INTERVIEWS_SHOWN, order="start"
                )
            if periods.has_access("read"):
                periods = periods.search(
                    [("company_id", "=", child.company_id.id), ("stop", ">", now)], limit=EVENTS_SHOWN, order="start"
                )
        return {
            "child": child,
            "rights": rights,
            "wallets": wallets.sudo(),
            "operations": operations.sudo(),
            "invoices": invoices.sudo(),
            "interviews": interviews.sudo(),
            "periods": periods.sudo(),
            "appointments": appointments.sudo(),
            "page_name": "school_child_home",
        }

    @http.route("/my/school/profile", type="http", auth="user", website=True)
    def portal_school_profile(self, **_kwargs):
        """The profile of the child chosen last (or the only one); the chooser otherwise.

        :return: a redirection to the child's profile, to the chooser, or to the contact
            details of a user who is nobody's guardian
        """
        children = self._school_children()
        child = self._school_current_child(children)
        if child:
            return request.redirect(f"/my/school/child/{child.id}/profile")
        return request.redirect("/my/school" if children else "/my/account")

    @http.route("/my/school/child/<int:child_id>/profile", type="http", auth="user", website=True)
    def portal_school_child_profile(self, child_id, success=None, error=None, **_kwargs):
        """The guardian's contact details (a link to ``/my/account``) and the child's health
        data, editable when the school allows it.

        :param int child_id: one of the user's children
        :param str success: code of the message to show (``saved``, ``contact``)
        :param str error: code of the error to show (``invalid``, ``refused``)
        :return: the page; 404 for any other id
        """
        child = self._school_child(child_id)
        guardian = request.env.user.partner_id
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "child": child,
                "guardian": guardian,
                "rights": child._school_guardian_rights(guardian),
                "can_edit": child._school_parent_may_edit_health(guardian),
                "diets": child._fields["diet_regime"]._description_selection(request.env),
                "allergens": request.env["school.allergen"].sudo().search([]),
                "medical_notes_max": MEDICAL_NOTES_MAX_LENGTH,
                "success": success,
                "error": error,
                "page_name": "school_child_profile",
            }
        )
        return request.render("optis_parent_portal.portal_school_child_profile", values)

    @http.route(
        "/my/school/child/<int:child_id>/profile/health", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_school_child_health(self, child_id, diet_regime="", medical_notes="", **post):
        """Change the child's diet, allergies and medical notes.

        :param int child_id: one of the user's children
        :param str diet_regime: a diet of the list
        :param str medical_notes: free text, limited in length
        :param post: ``allergen_<id>`` for each allergy ticked
        :return: a redirection to the profile with ``?success=saved``, or ``?error=...``;
            404 for any other id
        """
        child = self._school_child(child_id)
        path = f"/my/school/child/{child.id}/profile"
        allergen_ids = [
            int(name.removeprefix("allergen_"))
            for name in post
            if name.startswith("allergen_") and name.removeprefix("allergen_").isdigit()
        ]
        try:
            child._school_parent_update_health(request.env.user.partner_id, diet_regime, allergen_ids, medical_notes)
        except AccessError:
            return request.redirect(f"{path}?error=refused")
        except ValidationError:
            return request.redirect(f"{path}?error=invalid")
        return request.redirect(f"{path}?success=saved")

    @http.route(
        "/my/school/child/<int:child_id>/profile/contact", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_school_contact_preferences(self, child_id, **post):
        """The guardian's contact preferences (mail, SMS, paper), from the child's profile.

        :param int child_id: one of the user's children (the page to come back to)
        :param post: ``contact_by_email``, ``contact_by_sms``, ``contact_by_paper`` when ticked
        :return: a redirection to the profile with ``?success=contact``; 404 for any other id
        """
        child = self._school_child(child_id)
        request.env.user.partner_id._school_parent_set_contact_preferences(
            {name: bool(post.get(name)) for name in CONTACT_PREFERENCE_FIELDS}
        )
        return request.redirect(f"/my/school/child/{child.id}/profile?success=contact")
