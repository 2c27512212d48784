from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.auth_signup.models.res_partner import SignupError
from odoo.addons.optis_school.models.school_activation_code import REGISTRATION_PATH

from ..models.res_users import ExistingAccountError, RegistrationClosedError


class OptisParentActivation(http.Controller):
    """The link of the activation letter: a new parent opens their portal account with the
    code of the letter; a parent who is logged in adds another child with another code.

    The page puts nothing from the URL in the page but the code, once its format is checked;
    its own messages are short codes (``error_code``) whose texts are in the template. The
    refusals of a code are the texts of ``school.activation.code.redeem``.
    """

    @http.route(REGISTRATION_PATH, type="http", auth="public", website=True, methods=["GET", "POST"], sitemap=False)
    def portal_school_activate(self, code=None, **post):
        """Register with an activation code, or add a child to the account logged in.

        :param str code: the activation code, from the letter's link or typed
        :param post: ``name``, ``login``, ``password``, ``confirm_password`` of a new parent
        :return: the form (again, with the error), the closed page, or a redirect to the
            child's home once the code is redeemed
        """
        codes = request.env["school.activation.code"]
        formatted_code = codes._format_typed_code(code)
        values = {
            "code": formatted_code,
            # Only about the link: a code typed in the form is judged by the code model.
            "code_malformed": bool(code) and not formatted_code and request.httprequest.method == "GET",
            "error": None,
            "error_code": None,
        }
        if not request.env.user._is_public():
            return self._add_child(code, values)
        if not codes._is_parent_registration_open(code):
            return self._render_closed()
        values.update({"name": post.get("name", ""), "login": post.get("login", "")})
        if request.httprequest.method != "POST":
            return self._render_form(values)
        return self._register(code, post, values)

    def _register(self, code, post, values):
        if not post.get("password") or post.get("password") != post.get("confirm_password"):
            return self._render_form(dict(values, error_code="password_mismatch"))
        signup_values = {
            "name": post.get("name"),
            "login": post.get("login"),
            "password": post.get("password"),
            "lang": request.env.lang,
        }
        try:
            user_sudo, student = (
                request.env["res.users"]
                .sudo()
                ._signup_parent_with_code(signup_values, code, remote_addr=request.httprequest.remote_addr)
            )
        except ExistingAccountError:
            values["error_code"] = "existing_account"
        except RegistrationClosedError:
            return self._render_closed()
        except SignupError:
            values["error_code"] = "signup_failed"
        except UserError as exception:
            values["error"] = exception.args[0]
        else:
            return self._log_in(user_sudo.login, signup_values["password"], student)
        return self._render_form(values)

    def _log_in(self, login, password, student):
        # The session is authenticated on a cursor of its own: it must see the new account.
        request.env.cr.commit()
        request.session.authenticate(request.db, {"login": login, "password": password, "type": "password"})
        if not request.session.uid:
            # A second factor is asked first: the login page carries on.
            return request.redirect("/web/login")
        return request.redirect(self._child_home_url(student))

    def _add_child(self, code, values):
        user = request.env.user
        if not user._is_portal():
            return self._render_form(dict(values, error_code="staff"))
        if request.httprequest.method != "POST":
            return self._render_form(values)
        try:
            student = user._add_child_with_code(code, remote_addr=request.httprequest.remote_addr)
        except UserError as exception:
            return self._render_form(dict(values, error=exception.args[0]))
        return request.redirect(self._child_home_url(student))

    def _child_home_url(self, student):
        """Where a parent lands once a code linked ``student`` to them: the child's home."""
        return f"/my/school/child/{student.id}"

    def _login_url(self, values):
        """The login page, coming back here with the code to apply it."""
        back = f"{REGISTRATION_PATH}?{url_encode({'code': values['code']})}" if values["code"] else REGISTRATION_PATH
        return f"/web/login?{url_encode({'redirect': back})}"

    def _render_form(self, values):
        values.setdefault("login_url", self._login_url(values))
        return request.render("optis_parent_portal.portal_school_activate", values)

    def _render_closed(self):
        return request.render("optis_parent_portal.portal_school_activate_closed", {})
