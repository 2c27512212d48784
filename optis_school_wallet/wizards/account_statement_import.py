import hashlib
import json

from odoo import models


class AccountStatementImport(models.TransientModel):
    _inherit = "account.statement.import"

    def _complete_stmts_vals(self, stmts_vals, journal, account_number):
        """Give every imported transaction an import id, so that importing the same file
        twice credits nothing twice: OCA's import skips the transactions whose id exists
        (unique constraint on the statement line). CODA lines carry one; CAMT.053 lines
        do not, so they get a fingerprint of the statement and of the transaction."""
        for st_vals in stmts_vals:
            for index, line_vals in enumerate(st_vals.get("transactions", [])):
                if line_vals.get("unique_import_id"):
                    continue
                fingerprint = json.dumps(
                    [
                        st_vals.get("name"),
                        str(st_vals.get("date") or ""),
                        index,
                        str(line_vals.get("date") or ""),
                        line_vals.get("amount"),
                        line_vals.get("payment_ref"),
                        line_vals.get("ref"),
                        line_vals.get("account_number"),
                    ],
                    default=str,
                )
                line_vals["unique_import_id"] = "optis-" + hashlib.sha256(fingerprint.encode()).hexdigest()[:32]
        return super()._complete_stmts_vals(stmts_vals, journal, account_number)
