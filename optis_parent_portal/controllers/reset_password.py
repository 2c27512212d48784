from odoo import _, http
from odoo.http import request

from odoo.addons.auth_signup.controllers.main import AuthSignupHome


class OptisResetPassword(AuthSignupHome):
    """The reset password page answers the same for every address, known or not: Odoo's own
    answer ("No account found for this login") tells a stranger who has an account."""

    @http.route()
    def web_auth_reset_password(self, *args, **kw):
        """:return: auth_signup's page; after a request for a mail, the same message whatever
        the address"""
        # A link to the reset page with an address would send a known address to the login page.
        request.params.pop("signup_email", None)
        kw.pop("signup_email", None)
        asks_for_mail = request.httprequest.method == "POST" and not kw.get("token")
        if asks_for_mail:
            request.update_context(neutral_reset_password=True)
        response = super().web_auth_reset_password(*args, **kw)
        if asks_for_mail and getattr(response, "qcontext", None) and response.qcontext.get("message"):
            response.qcontext["message"] = _(
                "If an account exists for this address, a mail with a link to choose a new password was sent to it."
            )
        return response
