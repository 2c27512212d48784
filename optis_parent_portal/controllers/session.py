from odoo import http
from odoo.http import request

from odoo.addons.web.controllers.session import Session


class OptisSession(Session):
    """Parents leave the portal for their school's website; staff keep Odoo's default."""

    @http.route()
    def logout(self, redirect="/odoo"):
        """:param str redirect: where staff land (Odoo's parameter)
        :return: a redirect to the school's website for a parent, else to ``redirect``"""
        uid = request.session.uid
        if uid and request.db:
            user = request.env(user=uid)["res.users"].sudo().browse(uid).exists()
            website = user._get_logout_url() if user else None
            if website:
                request.session.logout(keep_db=True)
                return request.redirect(website, 303, local=False)
        return super().logout(redirect=redirect)
