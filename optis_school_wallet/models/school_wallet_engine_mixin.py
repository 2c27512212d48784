from odoo import _, api, models
from odoo.exceptions import UserError

# The wallet engine's permission to write ledger fields. Only Python code can hold this
# object: a context sent over XML-RPC or JSON-RPC is made of strings, numbers, lists and
# dicts, never of this very object, so a caller cannot forge the permission (a plain flag
# such as ``{"school_wallet_engine": True}`` in an RPC context is refused).
_ENGINE = object()
ENGINE_CONTEXT_KEY = "school_wallet_engine"


def _model_name(records):
    return records.env["ir.model"].sudo()._get(records._name).name


def engine(records):
    """``records``, allowed to write their guarded fields: for the engine's code only."""
    return records.with_context(**{ENGINE_CONTEXT_KEY: _ENGINE})


def engine_running(env):
    """Whether ``env`` is the engine's (see ``engine``)."""
    return env.context.get(ENGINE_CONTEXT_KEY) is _ENGINE


def check_engine_fields(records, names, operation="write"):
    """Refuse to write ``names`` on ``records`` outside the engine.

    :param records: the records written, or the model created (it names the error)
    :param set names: the guarded fields of the values
    :param str operation: ``write`` or ``create``
    :raise AccessError: the user may not do ``operation`` at all (checked first)
    :raise UserError: some fields are guarded and the engine is not running
    """
    if names and not engine_running(records.env):
        records.check_access(operation)
        raise UserError(
            _(
                "%(model)s: %(fields)s never change by hand, only through the wallet operations. "
                "To fix a balance, use Correct Balance on the wallet.",
                model=_model_name(records),
                fields=", ".join(sorted(records._fields[name]._description_string(records.env) for name in names)),
            )
        )


class SchoolWalletEngineMixin(models.AbstractModel):
    """Fields that carry money or its state, written by the wallet engine only.

    Odoo enforces neither ``readonly`` nor ``compute`` on ``write``: every user reaches
    ``write``, ``create`` and ``unlink`` over RPC, and ``sudo()`` skips the access rights.
    A model inheriting this mixin refuses to change its guarded fields (and, as configured,
    to create or delete its records) unless the call comes from the engine's own code,
    which runs on ``self._engine()``. The ORM's recompute of stored computed fields
    (e.g. a wallet's balance) does not go through ``write`` and is not affected.
    """

    _name = "school.wallet.engine.mixin"
    _description = "Written by the Wallet Engine Only"

    # Fields only the engine writes: None = every stored field but ``_engine_free_fields``.
    _engine_fields = None
    _engine_free_fields = ()
    # Records only the engine creates or deletes.
    _engine_create_only = False
    _engine_unlink_only = False

    @api.model_create_multi
    def create(self, vals_list):
        if not self._engine_running():
            if self._engine_create_only:
                # Access rights first: a user without them gets the usual access error.
                self.check_access("create")
                raise UserError(_("%(model)s records are written by the wallet engine only.", model=_model_name(self)))
            for vals in vals_list:
                check_engine_fields(self, self._engine_protected_fields(vals), "create")
        return super().create(vals_list)

    def write(self, vals):
        if not self._engine_running():
            check_engine_fields(self, self._engine_protected_fields(vals))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_engine(self):
        if self._engine_unlink_only and not self._engine_running():
            raise UserError(
                _(
                    "%(model)s records cannot be deleted. To fix a balance, use Correct Balance on the wallet.",
                    model=_model_name(self),
                )
            )

    # ------------------------------------------------------------
    # Engine
    # ------------------------------------------------------------

    def _engine(self):
        """These records, allowed to write their guarded fields: for the engine's code only."""
        return engine(self)

    def _engine_running(self):
        return engine_running(self.env)

    def _engine_protected_fields(self, vals):
        """The fields of ``vals`` only the engine may write on these records.

        :param dict vals: values of a ``create`` or ``write``
        :return: set of field names
        """
        if self._engine_fields is not None:
            return set(self._engine_fields).intersection(vals)
        return {
            name
            for name in vals
            if name in self._fields
            and self._fields[name].store
            and name not in self._engine_free_fields
            and name not in models.MAGIC_COLUMNS
        }
