from markupsafe import Markup

from odoo import Command, _, models
from odoo.exceptions import AccessError, ValidationError

from odoo.addons.optis_school.models.res_partner import DIET_REGIMES

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
