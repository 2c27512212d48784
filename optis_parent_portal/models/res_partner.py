import csv
import io
import json
import zipfile

from markupsafe import Markup

from odoo import Command, _, fields, models
from odoo.exceptions import AccessError, ValidationError

from odoo.addons.optis_school.models.res_partner import DIET_REGIMES

from .school_privacy_request import ANONYMIZE_GROUP

MEDICAL_NOTES_MAX_LENGTH = 2000
CONTACT_PREFERENCE_FIELDS = ("contact_by_email", "contact_by_sms", "contact_by_paper")


class ResPartner(models.Model):
    """A child's health data (diet, allergies, medical notes) as their parents change them
    in the portal, when the school allows it; a guardian's own contact preferences."""

    _inherit = "res.partner"

    def _school_guardian_rights(self, guardian):
        """What the guardian links between ``guardian`` and this student grant.

        :param guardian: ``res.partner``
        :return: dict ``{"portal": bool, "money": bool, "meetings": bool}`` (any link granting)
        """
        self.ensure_one()
        links = (
            self.env["school.guardian.link"]
            .sudo()
            .search([("student_id", "=", self.id), ("guardian_id", "=", guardian.id)])
        )
        return {
            "portal": any(links.mapped("grants_portal_account")),
            "money": any(links.mapped("grants_money")),
            "meetings": any(links.mapped("grants_meetings")),
        }

    def _school_parent_may_edit_health(self, guardian):
        """Whether ``guardian`` may change this student's health data in the portal: the
        school allows parents to, and a link of theirs grants meetings rights (legally
        responsible or in charge: the guardians who care for the child)."""
        self.ensure_one()
        return bool(
            self.is_student
            and self.sudo().company_id.school_parent_edit_health
            and self._school_guardian_rights(guardian)["meetings"]
        )

    def _school_parent_update_health(self, guardian, diet_regime, allergen_ids, medical_notes):
        """Change this student's health data for ``guardian`` and log it on the chatter.

        Written in sudo (parents may not write their children's contacts): only these three
        fields, after the checks below.

        :param guardian: ``res.partner`` of the parent (the caller's own contact)
        :param str diet_regime: a key of ``DIET_REGIMES``
        :param list allergen_ids: ids of active ``school.allergen``
        :param str medical_notes: at most ``MEDICAL_NOTES_MAX_LENGTH`` characters
        :return: True when something changed
        :raise AccessError: the school does not allow it, or no link of ``guardian`` grants it
        :raise ValidationError: an unknown diet or allergen, notes too long
        """
        self.ensure_one()
        if not self._school_parent_may_edit_health(guardian):
            raise AccessError(_("You may not change the health data of this child."))
        diets = dict(DIET_REGIMES)
        if diet_regime not in diets:
            raise ValidationError(_("Choose one of the diets of the list."))
        notes = (medical_notes or "").strip()
        if len(notes) > MEDICAL_NOTES_MAX_LENGTH:
            raise ValidationError(
                _("The medical notes are limited to %(count)s characters.", count=MEDICAL_NOTES_MAX_LENGTH)
            )
        allergens = self.env["school.allergen"].sudo().search([("id", "in", list(set(allergen_ids)))])
        if len(allergens) != len(set(allergen_ids)):
            raise ValidationError(_("Choose allergies of the list."))

        student = self.sudo()
        diet_labels = dict(self._fields["diet_regime"]._description_selection(self.env))
        changes = []
        if student.diet_regime != diet_regime:
            changes.append(
                _(
                    "Diet: %(old)s → %(new)s",
                    old=diet_labels.get(student.diet_regime, ""),
                    new=diet_labels[diet_regime],
                )
            )
        if student.allergen_ids != allergens:
            changes.append(
                _(
                    "Allergies: %(old)s → %(new)s",
                    old=", ".join(student.allergen_ids.mapped("name")) or "-",
                    new=", ".join(allergens.mapped("name")) or "-",
                )
            )
        # The notes themselves stay out of the chatter: only school administrators read them.
        if (student.medical_notes or "") != notes:
            changes.append(_("Medical notes changed"))
        if not changes:
            return False
        student.write(
            {"diet_regime": diet_regime, "allergen_ids": [Command.set(allergens.ids)], "medical_notes": notes}
        )
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            _("Health data changed by %(guardian)s in the portal:", guardian=guardian.name),
            Markup().join(Markup("<li>%s</li>") % change for change in changes),
        )
        student.message_post(body=body, author_id=guardian.id, subtype_xmlid="mail.mt_note")
        return True

    def _school_parent_set_contact_preferences(self, preferences):
        """The logged-in guardian chooses how the school contacts them (their own contact only).

        Written in sudo (portal users may not write contacts): only the fields of
        ``CONTACT_PREFERENCE_FIELDS``, on the caller's own contact.

        :param dict preferences: ``{field name: bool}``; a field left out is unticked
        :raise AccessError: this is not the caller's own contact
        :raise ValidationError: another field is named
        """
        self.ensure_one()
        if self != self.env.user.partner_id:
            raise AccessError(_("You may only change your own contact preferences."))
        if set(preferences) - set(CONTACT_PREFERENCE_FIELDS):
            raise ValidationError(_("Only the contact preferences can be changed here."))
        self.sudo().write({name: bool(preferences.get(name)) for name in CONTACT_PREFERENCE_FIELDS})

    # ------------------------------------------------------------
    # Privacy: the parent's data export, the anonymisation of the student fields
    # ------------------------------------------------------------

    def _school_privacy_export(self):
        """The caller's own data as a zip of JSON and CSV files: their contact, their guardian
        links, their children (health data with meetings rights), the wallets and operations of
        the children whose link grants money, their interviews and desk appointments.

        Wallets, operations and interviews are searched as the caller (access rights and record
        rules), on the caller's own children only, and so are their desk appointments; what
        parents may not read directly (their links, their children's contacts) is read in sudo
        for the caller's own contact only.

        :return: ``bytes`` of the zip file
        :raise AccessError: this is not the caller's own contact
        """
        self.ensure_one()
        user = self.env.user
        if self != user.partner_id:
            raise AccessError(_("You may only download your own data."))
        files = {"contact.json": json_dumps(self._school_privacy_contact())}
        links = self.env["school.guardian.link"].sudo().search([("guardian_id", "=", self.id)])
        files["guardian_links.csv"] = csv_bytes(
            [
                "child",
                "school",
                "relationship",
                "legally_responsible",
                "in_charge",
                "pays",
                "receives_mail",
                "portal_account",
                "sees_money",
                "sees_meetings",
            ],
            [
                [
                    link.student_id.name,
                    link.company_id.name,
                    link.relationship,
                ]
                + [
                    int(link[name])
                    for name in (
                        "is_legally_responsible",
                        "is_in_charge",
                        "is_payer",
                        "receives_mail",
                        "grants_portal_account",
                        "grants_money",
                        "grants_meetings",
                    )
                ]
                for link in links
            ],
        )
        children = links.filtered("grants_portal_account").student_id
        health_children = links.filtered("grants_meetings").student_id
        files["children.csv"] = csv_bytes(
            ["child", "school", "class", "birthdate", "diet", "allergies", "medical_notes"],
            [
                [child.name, child.company_id.name, child.school_class_id.name]
                + (
                    [
                        child.birthdate and child.birthdate.isoformat(),
                        child.diet_regime,
                        ", ".join(child.allergen_ids.mapped("name")),
                        child.medical_notes,
                    ]
                    if child in health_children
                    else ["", "", "", ""]
                )
                for child in children
            ],
        )
        companies = {"allowed_company_ids": user.company_ids.ids}
        wallets = self.env["school.wallet"].with_context(**companies)
        operations = self.env["school.wallet.operation"].with_context(**companies)
        money_children = links.filtered("grants_money").student_id
        if wallets.has_access("read") and operations.has_access("read"):
            wallets = wallets.search([("student_id", "in", money_children.ids)], order="student_id, wallet_type_id")
            operations = operations.search([("wallet_id", "in", wallets.ids)], order="date, id")
        else:
            wallets, operations = wallets.browse(), operations.browse()
        files["wallets.csv"] = csv_bytes(
            ["child", "wallet", "balance", "currency", "structured_communication"],
            [
                [wallet.student_id.name, wallet.wallet_type_id.name, wallet.balance, wallet.currency_id.name]
                + [wallet.communication]
                for wallet in wallets.sudo()
            ],
        )
        files["wallet_operations.csv"] = csv_bytes(
            ["date", "child", "wallet", "type", "payment_method", "reference", "amount", "currency"],
            [
                [
                    fields.Datetime.to_string(operation.date),
                    operation.student_id.name,
                    operation.wallet_type_id.name,
                    operation.operation_type,
                    operation.payment_method,
                    operation.origin_ref,
                    operation.amount,
                    operation.currency_id.name,
                ]
                for operation in operations.sudo()
            ],
        )
        interviews = self.env["school.interview"].with_context(**companies)
        if interviews.has_access("read"):
            attended = self.env["school.interview.attendee"].sudo().search([("partner_id", "=", self.id)])
            interviews = interviews.search(
                [
                    ("id", "in", attended.interview_id.ids),
                    ("student_id", "in", health_children.ids),
                ],
                order="start, id",
            )
        else:
            interviews = interviews.browse()
        files["interviews.csv"] = csv_bytes(
            ["start", "stop", "child", "teacher", "state", "room"],
            [
                [
                    fields.Datetime.to_string(interview.start),
                    fields.Datetime.to_string(interview.stop),
                    interview.student_id.name,
                    interview.teacher_name,
                    interview.state,
                    interview.room,
                ]
                for interview in interviews.sudo()
            ],
        )
        # Desk appointments: those the caller booked as visitor (record rules for parents).
        appointments = self.env["school.appointment"].with_context(**companies)
        if appointments.has_access("read"):
            appointments = appointments.search([("visitor_partner_id", "=", self.id)], order="start, id")
        else:
            appointments = appointments.browse()
        files["appointments.csv"] = csv_bytes(
            ["start", "stop", "type", "school", "state"],
            [
                [
                    fields.Datetime.to_string(appointment.start),
                    fields.Datetime.to_string(appointment.stop),
                    appointment.appointment_type_id.name,
                    appointment.company_id.name,
                    appointment.state,
                ]
                for appointment in appointments.sudo()
            ],
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():
                archive.writestr(name, content)
        return buffer.getvalue()

    def _school_privacy_contact(self):
        """The contact data of this guardian, as exported (read as the caller: their own)."""
        self.ensure_one()
        return {
            "name": self.name,
            "first_name": self.first_name or "",
            "last_name": self.last_name or "",
            "email": self.email or "",
            "phone": self.phone or "",
            "mobile": self.mobile or "",
            "street": self.street or "",
            "street2": self.street2 or "",
            "zip": self.zip or "",
            "city": self.city or "",
            "country": self.country_id.code or "",
            "language": self.lang or "",
            "contact_by_email": self.contact_by_email,
            "contact_by_sms": self.contact_by_sms,
            "contact_by_paper": self.contact_by_paper,
        }

    def _prepare_partner_anonymized_vals(self, anonymized_name, anonymized_email):
        # OCA privacy_partner_to_be_forgotten clears the contact; the OPTIS person, student and
        # guardian fields are personal data too (health data first of all).
        values = super()._prepare_partner_anonymized_vals(anonymized_name, anonymized_email)
        values.update(
            {
                "first_name": False,
                "last_name": False,
                "birthdate": False,
                "student_number": False,
                "diet_regime": "standard",
                "allergen_ids": [Command.clear()],
                "medical_notes": False,
                "contact_by_email": False,
                "contact_by_sms": False,
                "contact_by_paper": False,
            }
        )
        return values

    def anonymize_partner_data(self):
        # The OCA method is public (any user who writes contacts reaches it over RPC): only its
        # anonymisation group, or the erasure request's own flow (in sudo, after that check).
        if not self.env.su and not self.env.user.has_group(ANONYMIZE_GROUP):
            raise AccessError(_("You don't have permission to anonymize partners."))
        return super().anonymize_partner_data()


def json_dumps(data):
    return json.dumps(data, indent=2, ensure_ascii=False, default=str).encode("utf-8")


def csv_bytes(header, rows):
    """A CSV file (UTF-8 with a BOM, for spreadsheets); a text cell never starts a formula."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return output.getvalue().encode("utf-8-sig")


def csv_cell(value):
    if value is False or value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return f"'{value}"
    return value
