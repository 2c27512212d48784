from odoo import api, models


class ResLang(models.Model):
    _inherit = "res.lang"

    @api.model
    def _school_install_languages(self, codes):
        """Install the given languages as Odoo's language wizard does (activate them and load
        the translations of every installed module), unless they are active already: the run
        and test commands install them with ``--load-language`` before any module, the demo
        data calls this for a plain ``-i`` install, whose people speak them.

        :param list codes: language codes, e.g. ``["fr_BE", "nl_BE"]``
        :return: the languages installed by this call
        """
        languages = self.with_context(active_test=False).search([("code", "in", codes), ("active", "=", False)])
        if languages:
            self.env["base.language.install"].create({"lang_ids": [(6, 0, languages.ids)]}).lang_install()
        return languages
