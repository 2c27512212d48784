from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """The low-balance mail says the day the balance runs out (when an addon forecasts it).
    Its template is ``noupdate``: reload it from the file where the school never edited it
    (a template edited since its installation is left as the school wrote it)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    template = env.ref("optis_school_wallet.mail_template_school_wallet_low_balance", raise_if_not_found=False)
    if template and abs((template.write_date - template.create_date).total_seconds()) < 60:
        template.reset_template()
