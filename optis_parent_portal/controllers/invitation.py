from odoo import http
from odoo.http import request

from .reset_password import OptisResetPassword


class OptisParentInvitation(OptisResetPassword):
    """The link of a school invitation mail (``school.parent.invitation``) is auth_signup's
    (``/web/signup`` or ``/web/reset_password`` with a token). Once used, expired or replaced,
    it explains itself and offers a new invitation by mail instead of auth_signup's "Invalid
    signup token". The page shows short codes only (``reason``); its texts are in the template.
    """

    @http.route()
    def web_auth_signup(self, *args, **kw):
        """:return: the explanation of a refused invitation link, else auth_signup's page"""
        return self._invitation_refused_page(kw.get("token")) or super().web_auth_signup(*args, **kw)

    @http.route()
    def web_auth_reset_password(self, *args, **kw):
        """:return: the explanation of a refused invitation link, else the reset password page"""
        return self._invitation_refused_page(kw.get("token")) or super().web_auth_reset_password(*args, **kw)

    def _invitation_refused_page(self, token):
        if not token:
            return None
        reason = request.env["school.parent.invitation"].sudo()._get_token_refusal(token)
        if not reason:
            return None
        return request.render("optis_parent_portal.portal_school_invitation", {"reason": reason, "token": token})

    @http.route(
        "/my/school/invitation/resend",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        sitemap=False,
    )
    def portal_school_invitation_resend(self, token=None, login=None, **_kwargs):
        """Ask for a new invitation mail, sent to the address of the account (never to an
        address typed here). The answer is the same whether a mail was sent or not.

        :param str token: the token of a refused invitation link (hidden field of its page)
        :param str login: a username typed on this page (GET shows the field)
        :return: the form (GET) or the neutral answer (POST)
        """
        if request.httprequest.method != "POST":
            return request.render("optis_parent_portal.portal_school_invitation", {"reason": "ask", "token": None})
        request.env["school.parent.invitation"].sudo()._request_new(
            token=token, login=login, remote_addr=request.httprequest.remote_addr
        )
        return request.render("optis_parent_portal.portal_school_invitation", {"reason": "sent", "token": None})
