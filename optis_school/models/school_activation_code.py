import re
import secrets
from datetime import timedelta

from werkzeug.urls import url_encode

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import qr_code_svg_data_uri

# No 0/O, 1/I/L or U/V look-alikes: 29 symbols, log2(29) = 4.86 bits each.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 16  # 16 symbols: 77.7 bits of entropy
CODE_GROUP = 4
REGISTRATION_PATH = "/my/school/activate"


class SchoolActivationCode(models.Model):
    """A one-time code a parent uses to prove they belong to a child.

    Codes are printed on letters (``K7QM-4XPD-R2TZ-9HWN``) and typed on the
    portal; entry ignores case and separators.
    """

    _name = "school.activation.code"
    _description = "Activation Code"
    _order = "create_date desc, id desc"
    _rec_name = "code_display"

    student_id = fields.Many2one(
        "res.partner",
        required=True,
        ondelete="cascade",
        index=True,
        domain=[("is_student", "=", True)],
    )
    guardian_id = fields.Many2one(
        "res.partner", string="Intended Guardian", ondelete="set null", help="Guardian the letter is addressed to."
    )
    company_id = fields.Many2one(related="student_id.company_id", string="School", store=True, index=True)
    code = fields.Char(
        string="Normalized Code",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self._generate_code_value(),
    )
    code_display = fields.Char(string="Code", compute="_compute_code_display")
    state = fields.Selection(
        selection=[
            ("unused", "Unused"),
            ("used", "Used"),
            ("revoked", "Revoked"),
            ("expired", "Expired"),
        ],
        required=True,
        default="unused",
        readonly=True,
        index=True,
    )
    expiration_date = fields.Datetime(
        string="Expires On", required=True, default=lambda self: self._default_expiration()
    )
    used_by_id = fields.Many2one("res.partner", readonly=True, ondelete="set null")
    used_date = fields.Datetime(string="Used On", readonly=True)
    registration_url = fields.Char(compute="_compute_registration_url")

    _sql_constraints = [
        ("code_uniq", "unique(code)", "Activation codes must be unique."),
    ]

    def _default_expiration(self):
        days = self.env.company.school_activation_validity_days or 30
        return fields.Datetime.now() + timedelta(days=days)

    @api.model
    def _generate_code_value(self):
        return "".join(secrets.choice(CODE_ALPHABET) for _index in range(CODE_LENGTH))

    @api.model
    def _normalize_code(self, text):
        """Upper-case ``text`` and drop spaces, dashes and other separators."""
        return re.sub(r"[^A-Z0-9]", "", (text or "").upper())

    @api.depends("code")
    def _compute_code_display(self):
        for activation_code in self:
            value = activation_code.code or ""
            activation_code.code_display = "-".join(
                value[index : index + CODE_GROUP] for index in range(0, len(value), CODE_GROUP)
            )

    @api.depends("code")
    def _compute_registration_url(self):
        for activation_code in self:
            query = url_encode({"code": activation_code.code_display})
            activation_code.registration_url = f"{activation_code.get_base_url()}{REGISTRATION_PATH}?{query}"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        if any(activation_code.state == "used" for activation_code in self):
            raise UserError(_("Used activation codes are kept as a record of who linked which child."))

    @api.model_create_multi
    def create(self, vals_list):
        validity_by_student = {}
        for vals in vals_list:
            if vals.get("code"):
                vals["code"] = self._normalize_code(vals["code"])
            if "expiration_date" not in vals and vals.get("student_id"):
                # Validity follows the student's school, not the user's company.
                student_id = vals["student_id"]
                if student_id not in validity_by_student:
                    student = self.env["res.partner"].browse(student_id)
                    validity_by_student[student_id] = student.company_id.school_activation_validity_days or 30
                vals["expiration_date"] = fields.Datetime.now() + timedelta(days=validity_by_student[student_id])
        return super().create(vals_list)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_revoke(self):
        unused = self.filtered(lambda activation_code: activation_code.state == "unused")
        unused.write({"state": "revoked"})
        return True

    def action_print_letters(self):
        """The letters PDF at once for a few codes; for more than the job threshold
        (``optis_school.letters_job_threshold``, 300), background jobs render it and the
        bursar finds it in the batch's chatter, never rendered inside the web request."""
        batches = self.env["school.letter.batch"]
        if len(self) <= batches._get_job_threshold():
            return self.env.ref("optis_school.action_report_activation_letter").report_action(self)
        batch = batches._enqueue(self)
        return {
            "type": "ir.actions.act_window",
            "res_model": "school.letter.batch",
            "res_id": batch.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    @api.model
    def _create_for_students(self, students, per_guardian=True, count=1, validity_days=None):
        """Create activation codes for ``students``.

        :param students: ``res.partner`` students
        :param bool per_guardian: one code per guardian who receives mail and
            may have a parent account (``grants_portal_account``); a student
            without any guardian gets one code for their parents all the same;
            otherwise ``count`` codes per student
        :param int count: codes per student when not ``per_guardian``
        :param int validity_days: overrides the school's validity
        :return: the new ``school.activation.code`` records
        """
        vals_list = []
        for student in students:
            if per_guardian:
                links = student.student_guardian_link_ids
                guardians = links.filtered(lambda link: link.receives_mail and link.grants_portal_account).guardian_id
                # A student with guardians none of whom may have an account gets no code: an
                # unaddressed code would give its bearer the rights the school refused.
                targets = list(guardians) or ([] if links else [self.env["res.partner"]])
            else:
                targets = [self.env["res.partner"]] * max(count, 1)
            for guardian in targets:
                vals = {"student_id": student.id, "guardian_id": guardian.id}
                if validity_days:
                    vals["expiration_date"] = fields.Datetime.now() + timedelta(days=validity_days)
                vals_list.append(vals)
        return self.create(vals_list)

    @api.model
    def redeem(self, code, partner, remote_addr=None):
        """Redeem ``code`` for ``partner``: link the partner as a guardian of
        the code's student and mark the code used.

        Failures are recorded; after too many in the lockout window for the
        same partner or address, every attempt is refused until it passes.

        :param str code: the code as typed (case and separators are ignored)
        :param partner: ``res.partner`` of the parent redeeming it
        :param str remote_addr: the client's address, for throttling
        :return: the student (``res.partner``) now linked to ``partner``
        :raise UserError: wrong, used, revoked or expired code, or lockout
        :raise AccessError: ``partner`` is not the caller's own contact
        """
        partner.ensure_one()
        # The guardian link is created in sudo: a parent links their own contact only.
        if not self.env.su and partner != self.env.user.partner_id:
            raise AccessError(_("An activation code links the account of the parent who types it only."))
        attempts = self.env["school.activation.attempt"]
        keys = [f"partner:{partner.id}"] + ([f"ip:{remote_addr}"] if remote_addr else [])
        if attempts._is_locked_out(keys):
            attempts._record_failure(keys, "locked out")
            raise UserError(_("Too many wrong codes. Please wait a few minutes before trying again."))
        activation_code = self.sudo().search([("code", "=", self._normalize_code(code))], limit=1)
        error = activation_code._get_redeem_error()
        if error:
            attempts._record_failure(keys, error)
            raise UserError(error)
        activation_code._link_guardian(partner)
        return activation_code.student_id

    def _get_redeem_error(self):
        """Return why this code cannot be redeemed (translated), or None."""
        if not self:
            return _("This activation code is not valid. Check it against your letter and try again.")
        self.ensure_one()
        if self.state == "used":
            return _("This activation code has already been used.")
        if self.state == "revoked":
            return _("This activation code has been revoked by the school.")
        if self.state == "expired" or self.expiration_date < fields.Datetime.now():
            return _("This activation code has expired. Ask the school for a new one.")
        if self.guardian_id and not self._get_intended_link().grants_portal_account:
            return _("This activation code no longer gives access to a parent account. Ask the school.")
        return None

    def _get_intended_link(self):
        """The link of the guardian the code was addressed to (sudo), if still linked."""
        self.ensure_one()
        if not self.guardian_id:
            return self.env["school.guardian.link"]
        return (
            self.env["school.guardian.link"]
            .sudo()
            .search([("student_id", "=", self.student_id.id), ("guardian_id", "=", self.guardian_id.id)])
        )

    def _link_guardian(self, partner):
        self.ensure_one()
        # Lock the code so that two parents cannot use it at the same time.
        self.env.cr.execute("SELECT state FROM school_activation_code WHERE id = %s FOR UPDATE", [self.id])
        if self.env.cr.fetchone()[0] != "unused":
            raise UserError(_("This activation code has already been used."))
        link_model = self.env["school.guardian.link"].sudo()
        link = link_model.search([("student_id", "=", self.student_id.id), ("guardian_id", "=", partner.id)])
        if not link:
            link_model.create(self._prepare_guardian_link_vals(partner))
        self.sudo().write({"state": "used", "used_by_id": partner.id, "used_date": fields.Datetime.now()})
        self.student_id.sudo().message_post(
            body=_(
                "%(guardian)s linked their account with activation code %(code)s.",
                guardian=partner.name,
                code=self.code_display,
            ),
        )

    def _prepare_guardian_link_vals(self, partner):
        """The link of ``partner`` who redeems this code: the flags (hence the portal rights)
        of the guardian the code was addressed to. A code addressed to nobody in particular
        (a student without guardians, or codes per student) was handed out by the school to
        the child's parents: its bearer becomes a legally responsible guardian."""
        self.ensure_one()
        vals = {"student_id": self.student_id.id, "guardian_id": partner.id, "relationship": "other"}
        intended = self._get_intended_link()
        if intended:
            vals.update(
                {
                    "relationship": intended.relationship,
                    "is_legally_responsible": intended.is_legally_responsible,
                    "is_in_charge": intended.is_in_charge,
                    "receives_mail": intended.receives_mail,
                    "is_payer": intended.is_payer,
                    "allow_portal_account": intended.allow_portal_account,
                }
            )
        return vals

    def _get_qr_code_data_uri(self):
        """The registration link as an SVG QR code, for letters (a quiet zone of two
        modules: the letter's white margin adds to it)."""
        self.ensure_one()
        return qr_code_svg_data_uri(self.registration_url, border=2)

    @api.model
    def _cron_expire_codes(self):
        self.search([("state", "=", "unused"), ("expiration_date", "<", fields.Datetime.now())]).write(
            {"state": "expired"}
        )
