import logging
from contextlib import contextmanager
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models

_logger = logging.getLogger(__name__)


class SchoolActivationAttempt(models.Model):
    """Failed activation code entries, used to throttle guessing.

    Failures are written in their own transaction: the error shown to the
    parent rolls the request back, the record of the failure must stay.
    """

    _name = "school.activation.attempt"
    _description = "Failed Activation Code Attempt"
    _order = "attempt_date desc, id desc"
    _log_access = False

    key = fields.Char(required=True, index=True, help="partner:<id> or ip:<address>")
    attempt_date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    reason = fields.Char()

    @api.model
    def _get_limits(self):
        params = self.env["ir.config_parameter"].sudo()
        max_attempts = int(params.get_param("optis_school.activation_max_attempts", 5))
        window_minutes = int(params.get_param("optis_school.activation_lockout_minutes", 15))
        return max_attempts, timedelta(minutes=window_minutes)

    @api.model
    def _is_locked_out(self, keys):
        """Whether any of ``keys`` has reached the failure limit in the window.

        :param list keys: throttling keys (``partner:<id>``, ``ip:<address>``)
        :return: bool
        """
        max_attempts, window = self._get_limits()
        since = fields.Datetime.now() - window
        with self._attempt_env() as env:
            groups = env["school.activation.attempt"]._read_group(
                [("key", "in", keys), ("attempt_date", ">", since)], ["key"], ["__count"]
            )
        return any(count >= max_attempts for _key, count in groups)

    @api.model
    def _record_failure(self, keys, reason):
        _logger.warning("Activation code refused for %s: %s", ", ".join(keys), reason)
        with self._attempt_env() as env:
            env["school.activation.attempt"].create(
                [{"key": key, "reason": reason, "attempt_date": fields.Datetime.now()} for key in keys]
            )

    @contextmanager
    def _attempt_env(self):
        """Yield an environment on a cursor of its own, committed on exit, so
        that failures survive the rollback of the request that raised the
        error. In test mode the registry hands back the shared test cursor."""
        with self.env.registry.cursor() as cursor:
            yield api.Environment(cursor, SUPERUSER_ID, {})

    @api.autovacuum
    def _gc_old_attempts(self):
        self.search([("attempt_date", "<", fields.Datetime.now() - timedelta(days=30))]).unlink()
