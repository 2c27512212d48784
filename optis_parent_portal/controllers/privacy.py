from odoo import fields, http
from odoo.exceptions import AccessError
from odoo.http import content_disposition, request

from odoo.addons.portal.controllers.portal import CustomerPortal


class OptisParentPrivacy(CustomerPortal):
    """The parent's privacy page: download their data, ask for the erasure of their data.

    The export is built by ``res.partner._school_privacy_export`` on the caller's own contact;
    the request by ``school.privacy.request._request_erasure``, for the caller only. No id is
    taken from the request. Messages come as short codes in the URL (``?success=requested``).
    """

    @http.route("/my/school/privacy", type="http", auth="user", website=True)
    def portal_school_privacy(self, success=None, error=None, **_kwargs):
        """What the school keeps and why, the data download, the erasure request and its state.

        :param str success: code of the message to show (``requested``)
        :param str error: code of the error to show (``refused``)
        :return: the page
        """
        values = self._prepare_portal_layout_values()
        user = request.env.user
        last_request = (
            request.env["school.privacy.request"]
            .sudo()
            .search([("partner_id", "=", user.partner_id.id)], order="request_date desc, id desc", limit=1)
        )
        values.update(
            {
                "privacy_request": last_request,
                "can_request": user._is_portal(),
                "success": success,
                "error": error,
                "page_name": "school_privacy",
            }
        )
        return request.render("optis_parent_portal.portal_school_privacy", values)

    @http.route("/my/school/privacy/export", type="http", auth="user")
    def portal_school_privacy_export(self, **_kwargs):
        """The caller's data as a zip file of JSON and CSV files.

        :return: an ``application/zip`` file
        """
        content = request.env.user.partner_id._school_privacy_export()
        filename = f"my-data-{fields.Date.context_today(request.env.user).isoformat()}.zip"
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "application/zip"),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )

    @http.route("/my/school/privacy/erasure", type="http", auth="user", website=True, methods=["POST"])
    def portal_school_privacy_erasure(self, **_kwargs):
        """File the caller's erasure request (at most one open at a time).

        :return: a redirection to the privacy page with ``?success=requested``, or
            ``?error=refused`` for a staff account
        """
        try:
            request.env["school.privacy.request"]._request_erasure()
        except AccessError:
            return request.redirect("/my/school/privacy?error=refused")
        return request.redirect("/my/school/privacy?success=requested")
