from odoo import http
from odoo.exceptions import AccessError
from odoo.http import request

from .child import OptisParentChildHome

DOCUMENTS_SHOWN = 5


class OptisParentPortalDocuments(OptisParentChildHome):
    """Documents the school gives parents (reports, letters, receipts), on each child's page.

    What a parent sees is decided by the record rules of the portal group: the published
    documents of the children whose guardian link grants meetings rights, and the documents
    addressed to the parent themselves; the clock (publication date) is the model's domain.
    A file is streamed in sudo only after the document was read as the user: there is no
    public URL and no access token. Opening a document marks it read for the user.
    """

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "school_document_count" in counters:
            documents = self._as_user("school.document")
            values["school_document_count"] = (
                documents._get_unread_count(request.env.user.partner_id)
                if documents.has_access("read") and request.env.user._is_portal()
                else 0
            )
        return values

    def _prepare_child_home_values(self, child):
        values = super()._prepare_child_home_values(child)
        documents = self._as_user("school.document")
        values["unread_document_count"] = (
            documents._get_unread_count(request.env.user.partner_id, child) if documents.has_access("read") else 0
        )
        return values

    @http.route("/my/school/child/<int:child_id>/documents", type="http", auth="user", website=True)
    def portal_school_child_documents(self, child_id, **_kwargs):
        """The published documents of one child, and the user's family documents at its school,
        newest first; the unread ones are marked.

        :param int child_id: one of the user's children
        :return: the page; 404 for any other id
        """
        child = self._school_child(child_id)
        documents = self._as_user("school.document")
        if documents.has_access("read"):
            documents = documents.search(documents._get_guardian_domain(request.env.user.partner_id, child))
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "child": child,
                "documents": documents.sudo(),
                "guardian": request.env.user.partner_id,
                "page_name": "school_child_documents",
            }
        )
        return request.render("optis_parent_portal.portal_school_child_documents", values)

    @http.route("/my/school/document/<int:document_id>", type="http", auth="user", website=True)
    def portal_school_document(self, document_id, download=None, **_kwargs):
        """Open (or download) a document's file; it is marked read for the user.

        :param int document_id: a published document the user may read
        :param str download: ``1`` to save the file rather than open it in the browser
        :return: the file; 404 for a document the user may not read, that is not published, or
            (for staff) that is not theirs as a guardian
        """
        try:
            document_sudo = self._as_user("school.document")._open_as_guardian(document_id)
        except AccessError:
            raise request.not_found() from None
        stream = request.env["ir.binary"]._get_stream_from(document_sudo, "file", filename_field="file_name")
        return stream.get_response(as_attachment=download == "1")
