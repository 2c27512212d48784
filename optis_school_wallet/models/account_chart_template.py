from odoo import models


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _post_load_data(self, template_code, company, template_data):
        result = super()._post_load_data(template_code, company, template_data)
        # A fresh database loads its chart after every module is installed, so the
        # post-init hook cannot see it: set the wallets up when the chart arrives.
        (company or self.env.company)._school_wallet_setup_accounting()
        return result
