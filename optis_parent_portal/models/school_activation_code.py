from odoo import api, models

from odoo.addons.optis_school.models.school_activation_code import CODE_ALPHABET, CODE_GROUP, CODE_LENGTH

# Longer than any way of typing a code (16 symbols, separators, spaces): refused unread.
TYPED_CODE_MAX_LENGTH = 64


class SchoolActivationCode(models.Model):
    _inherit = "school.activation.code"

    @api.model
    def _format_typed_code(self, text):
        """The printed form (``K7QM-4XPD-R2TZ-9HWN``) of a code taken from a link or a form,
        or ``""`` when ``text`` cannot be a code: only this is put back in a page.

        :param str text: the code as typed or as found in the link
        :return: str
        """
        if not isinstance(text, str) or len(text) > TYPED_CODE_MAX_LENGTH:
            return ""
        normalized = self._normalize_code(text)
        if len(normalized) != CODE_LENGTH or any(symbol not in CODE_ALPHABET for symbol in normalized):
            return ""
        return "-".join(normalized[index : index + CODE_GROUP] for index in range(0, CODE_LENGTH, CODE_GROUP))

    @api.model
    def _is_parent_registration_open(self, code=None):
        """Whether a new parent may open an account with ``code``: the setting of the code's
        school decides; for a code that is not known (yet), whether any school takes them.

        :param str code: the code as typed or as found in the link
        :return: bool
        """
        formatted = self._format_typed_code(code)
        activation_code = (
            self.sudo().search([("code", "=", self._normalize_code(formatted))], limit=1)
            if formatted
            else self.browse()
        )
        if activation_code:
            return activation_code.company_id.school_parent_registration
        return bool(self.env["res.company"].sudo().search_count([("school_parent_registration", "=", True)], limit=1))
