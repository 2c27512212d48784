from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError


class SchoolDocument(models.Model):
    """A document the school gives parents: about one child (a report, a receipt), or for one
    family (a letter to a guardian). Parents read it in the portal once it is published
    (visible to guardians, publication date reached), through the record rules of the portal
    group; the file itself is only streamed by the portal route after that check, and only
    school users read it directly (no public URL, no access token)."""

    _name = "school.document"
    _description = "Document for Parents"
    _order = "publication_date desc, id desc"

    # Content
    name = fields.Char(string="Title", required=True)
    category = fields.Selection(
        selection=[
            ("letter", "Letter"),
            ("report", "School report"),
            ("receipt", "Receipt"),
            ("invoice", "Invoice"),
            ("other", "Other"),
        ],
        required=True,
        default="other",
    )
    file = fields.Binary(attachment=True, required=True, groups="optis_school.group_school_user")
    file_name = fields.Char()

    # Addressees: a child (the guardians with meetings rights), a guardian, or a guardian about a child
    student_id = fields.Many2one(
        "res.partner",
        index=True,
        ondelete="cascade",
        domain=[("is_student", "=", True)],
    )
    guardian_id = fields.Many2one(
        "res.partner",
        string="Family",
        index=True,
        ondelete="cascade",
        domain=[("is_guardian", "=", True)],
        help="Only this guardian sees the document. Empty: every guardian of the student who sees its meetings.",
    )
    company_id = fields.Many2one(
        "res.company",
        string="School",
        required=True,
        index=True,
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
    )

    # Publication
    is_published = fields.Boolean(string="Visible to Guardians", index=True)
    publication_date = fields.Datetime(required=True, default=fields.Datetime.now)
    read_partner_ids = fields.Many2many(
        "res.partner",
        "school_document_read_rel",
        "document_id",
        "partner_id",
        string="Read By",
        readonly=True,
        copy=False,
        groups="optis_school.group_school_user",
    )

    _sql_constraints = [
        (
            "addressee_required",
            "CHECK(student_id IS NOT NULL OR guardian_id IS NOT NULL)",
            "A document is for a student or a family.",
        ),
    ]

    @api.depends("student_id", "guardian_id")
    def _compute_company_id(self):
        for document in self:
            if document.student_id.company_id:
                document.company_id = document.student_id.company_id
            elif not document.company_id:
                document.company_id = document.guardian_id.company_id or self.env.company

    @api.constrains("student_id", "company_id")
    def _check_student_company(self):
        for document in self:
            if document.student_id.company_id and document.student_id.company_id != document.company_id:
                raise ValidationError(_("A student's document belongs to the student's school."))

    def action_publish(self):
        """Make the documents visible to the guardians (from their publication date)."""
        self.write({"is_published": True})

    def action_unpublish(self):
        """Hide the documents from the guardians."""
        self.write({"is_published": False})

    @api.model
    def _get_published_domain(self):
        """The documents guardians may see today: visible, publication date reached (the
        record rules of the portal decide whose; they cannot follow the clock)."""
        return [("is_published", "=", True), ("publication_date", "<=", fields.Datetime.now())]

    @api.model
    def _get_guardian_domain(self, guardian, student=None):
        """The published documents addressed to ``guardian``, and those of their children
        whose link grants meetings rights addressed to no guardian in particular; only those of
        ``student`` and the family documents at its school when given. For parents the record
        rules say the same; staff who are guardians are not under the portal rules, hence the
        domain. Search as the guardian.

        :param guardian: ``res.partner`` of the parent
        :param student: ``res.partner`` student, or None for all their documents
        """
        children = self.env["school.guardian.link"]._get_students_granting(guardian, "grants_meetings")
        domain = self._get_published_domain() + [
            "|",
            ("guardian_id", "=", guardian.id),
            "&",
            ("guardian_id", "=", False),
            ("student_id", "in", children.ids),
        ]
        if student:
            domain += [
                "|",
                ("student_id", "=", student.id),
                "&",
                ("student_id", "=", False),
                ("company_id", "=", student.company_id.id),
            ]
        return domain

    @api.model
    def _get_unread_count(self, guardian, student=None):
        """How many documents of :meth:`_get_guardian_domain` ``guardian`` may read (search as
        the guardian: record rules) and has not opened yet; one query.

        :param guardian: ``res.partner`` of the parent
        :param student: ``res.partner`` student, or None for all their documents
        :return: int
        """
        readable = self._search(self._get_guardian_domain(guardian, student))
        # Who read what is for the school only (parents do not see whether the other parent opened it).
        return self.sudo().search_count([("id", "in", readable), ("read_partner_ids", "not in", guardian.ids)])

    @api.model
    def _open_as_guardian(self, document_id):
        """The guardian (the current user) opens document ``document_id``: it must be one of
        :meth:`_get_guardian_domain` (published, theirs or a child's with meetings rights) and
        readable by them (access rights and record rules); it is then marked read for them.

        :param int document_id: the id asked for
        :return: the document in sudo, to stream its file
        :raise AccessError: not a document the user may open (whatever the reason: missing,
            another family's, not published yet)
        """
        partner = self.env.user.partner_id
        document = self.browse()
        if self.has_access("read"):
            document = self.search([("id", "=", document_id), *self._get_guardian_domain(partner)])
        if not document:
            raise AccessError(_("This document is not available."))
        document.check_access("read")
        document_sudo = document.sudo()
        if partner not in document_sudo.read_partner_ids:
            # The user's own partner only, on a document they were just checked to read.
            document_sudo.read_partner_ids = [fields.Command.link(partner.id)]
        return document_sudo

    @api.model
    def _publish_attachment(self, student, attachment, category, guardian=None, name=None):
        """Publish a generated file (a receipt, an invoice) for ``student``'s guardians: the
        parents find it with the child's documents.

        :param student: ``res.partner`` student
        :param attachment: ``ir.attachment`` whose content is copied (the file store keeps one copy)
        :param str category: a category of the selection
        :param guardian: ``res.partner``: only this guardian sees it (e.g. the payer of a receipt)
        :param str name: the title; the attachment's name by default
        :return: the ``school.document`` created, published now
        """
        return self.sudo().create(
            {
                "name": name or attachment.name,
                "category": category,
                "student_id": student.id,
                "guardian_id": guardian.id if guardian else False,
                "file": attachment.sudo().datas,
                "file_name": attachment.name,
                "is_published": True,
            }
        )
