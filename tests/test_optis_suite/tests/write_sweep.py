"""The write sweep: every role tries to write, create and delete every field of every
OPTIS model with a forged value, as anybody can over XML-RPC / JSON-RPC.

The models and fields come from the registry (``_fields``), so a new model or field is
swept without new test code. Refusals (access errors, user and validation errors, the
database's constraints) are expected; what was accepted is kept, and the invariants of
``invariants.py`` then decide whether anything that must never happen did.
"""

import logging
import re
from collections import defaultdict
from datetime import timedelta

import psycopg2

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import mute_logger

_logger = logging.getLogger(__name__)

# What a refusal looks like: the models say no, or the database's constraints do (unique,
# check, exclusion, foreign key, not null; a range of bounds in the wrong order). Any other
# error (e.g. a missing column) is a crash, reported apart.
REFUSALS = (AccessError, UserError, ValidationError, psycopg2.IntegrityError, psycopg2.DataError)

# Context keys an RPC caller can send with any call. Guards must never trust them: the sweep
# sends them all, every time. The names are guesses of the flags an engine could set for its
# own writes; keep them in line with the guards' own names.
FORGED_CONTEXT = {
    "school_wallet_engine": True,
    "school_wallet_ledger": True,
    "school_wallet_ledger_write": True,
    "school_wallet_operation_write": True,
    "school_wallet_sale_write": True,
    "optis_wallet_engine": True,
    "wallet_engine": True,
    "school_booking_engine": True,
    "school_interview_engine": True,
    "school_interview_booking": True,
    "school_appointment_engine": True,
    "school_appointment_booking": True,
    "booking_engine": True,
    "school_teacher_user_flow": True,
    "school_teacher_form": True,
    "school_teacher_sync_user": True,
    "interview_as_parent": False,
}

# Never swept: written by the ORM itself.
MAGIC_FIELDS = {"id", "create_uid", "create_date", "write_uid", "write_date", "display_name"}
# Field types the sweep does not forge: files and free structures carry no money or rights.
SKIPPED_TYPES = {"one2many", "binary", "image", "json", "properties", "properties_definition", "reference"}
# Relational fields first: a later write of a scalar then reaches the forged target (e.g. a
# teacher's user set to the administrator, then the teacher's password). The school last: a
# record moved to another school is out of the role's reach for the writes that follow.
TYPE_ORDER = {"many2one": 0, "many2many": 1}


def _sweep_order(field):
    if field.name == "company_id":
        return len(TYPE_ORDER) + 1
    return TYPE_ORDER.get(field.type, len(TYPE_ORDER))


# Forged values of the scalar types, from the value before the sweep.
SCALAR_FORGERS = {
    "monetary": lambda current: (current or 0.0) + 1000,
    "float": lambda current: (current or 0.0) + 1000,
    "integer": lambda current: (current or 0) + 1,
    "many2one_reference": lambda current: (current or 0) + 1,
    "boolean": lambda current: not current,
    "char": lambda current: "forged" if current != "forged" else "forged again",
    "text": lambda current: "forged" if current != "forged" else "forged again",
    "html": lambda current: "forged" if current != "forged" else "forged again",
}
# Times are shifted so that ranges shrink: an end earlier, any other time later (what was
# inside a range, e.g. an interview in its evening, is then outside); by a lot, then, when
# that is refused (e.g. an end before its start), by less.
TIME_SHIFTS = {
    "date": (timedelta(days=7), timedelta(days=1)),
    "datetime": (timedelta(hours=1), timedelta(minutes=20), timedelta(minutes=5)),
}
END_NAMES = re.compile(r"stop|end|_to\b|close|until")

# Models that are not OPTIS models but get fields from the OPTIS addons: the records swept
# (one domain per record, the first match of each).
INHERITED_MODEL_SAMPLES = {
    "res.partner": [[("is_student", "=", True)], [("is_guardian", "=", True)]],
    "res.company": [[]],
    "account.move": [[("school_student_id", "!=", False)]],
    "account.bank.statement.line": [[]],
    "payment.transaction": [[]],
}


def is_optis_module(module):
    return bool(module) and module.startswith("optis_")


def swept_models(env):
    """The OPTIS models (not transient, not abstract) and the other models with OPTIS fields.

    :return: {model name: [field names to sweep]}
    """
    result = {}
    for name in sorted(env.registry):
        model = env[name]
        if model._abstract or model._transient:
            continue
        own_model = is_optis_module(model._original_module)
        if not own_model and name not in INHERITED_MODEL_SAMPLES:
            continue
        names = [
            field.name
            for field in model._fields.values()
            if (field.store or field.inverse)
            and field.name not in MAGIC_FIELDS
            and field.type not in SKIPPED_TYPES
            and (own_model or is_optis_module(field._module))
        ]
        if names:
            result[name] = sorted(names, key=lambda field_name: _sweep_order(model._fields[field_name]))
    return result


def sample_records(env, model_name, main_company, per_model=2):
    """A few records of a model: the first ``per_model`` of the main company and the first
    of another company (a receptionist of one school must not reach the other)."""
    model = env[model_name].sudo().with_context(active_test=False)
    if model_name in INHERITED_MODEL_SAMPLES:
        records = model.browse()
        for domain in INHERITED_MODEL_SAMPLES[model_name]:
            company_domain = [("company_id", "in", [main_company.id, False])] if "company_id" in model._fields else []
            records |= model.search(domain + company_domain, limit=1, order="id")
        return records
    if "company_id" not in model._fields or not model._fields["company_id"].store:
        return model.search([], limit=per_model, order="id")
    return model.search([("company_id", "=", main_company.id)], limit=per_model, order="id") | model.search(
        [("company_id", "not in", [main_company.id, False])], limit=1, order="id"
    )


class WriteSweep:
    """Runs the sweep for a set of users and collects what was accepted.

    :param env: a superuser environment (the test's)
    :param dict users: {role name: res.users}
    """

    def __init__(self, env, users):
        self.env = env
        self.users = users
        self.main_company = env.ref("base.main_company")
        self.models = swept_models(env)
        self.samples = {name: sample_records(env, name, self.main_company) for name in self.models}
        # Every role forges from the values before the sweep: the same forged value each time,
        # not a flag switched back and forth by one role after the other.
        self.originals = {
            (record._name, record.id): {name: record[name] for name in field_names}
            for model_name, field_names in self.models.items()
            for record in self.samples[model_name]
        }
        self.accepted = defaultdict(list)  # (role, model) -> ["write field", "create", "unlink"]
        self.crashes = []  # unexpected exceptions: refusals too, but worth a look
        self.refusals = {}  # (role, model, what) -> why, the last time
        self.attempts = 0
        self._candidate_cache = {}

    # ------------------------------------------------------------
    # Running
    # ------------------------------------------------------------

    def role_env(self, user):
        return self.env(user=user, su=False, context=dict(FORGED_CONTEXT))

    def attempt(self, role, model_name, what, function):
        """Run ``function`` in a savepoint; keep its effects when it is accepted.

        :return: True when accepted
        """
        self.attempts += 1
        try:
            with mute_logger("odoo.sql_db", "odoo.models.unlink"), self.env.cr.savepoint():
                function()
        except REFUSALS as error:
            self.refusals[role, model_name, what] = f"{type(error).__name__}: {error}"
            return False
        except Exception as error:  # a crash is a refusal too, reported apart
            self.crashes.append(f"{role} {model_name} {what}: {type(error).__name__}: {error}")
            return False
        self.accepted[role, model_name].append(what)
        return True

    def run_writes(self, after_role=None):
        """Every role writes every field of every sample record.

        :param after_role: called with the role's name once its writes are done
        """
        for role, user in self.users.items():
            env = self.role_env(user)
            for model_name, field_names in self.models.items():
                model = env[model_name]
                for record in self.samples[model_name]:
                    if not record.exists():
                        continue
                    if not model.has_access("write"):
                        # The ACL refuses every field: prove it on one, spare the others.
                        self._write_field(role, record.with_env(env), field_names[0])
                        continue
                    for field_name in field_names:
                        self._write_field(role, record.with_env(env), field_name)
            if after_role:
                after_role(role)

    def run_creates(self, after_role=None):
        """Every role creates a record of every model its ACL lets it create, with forged values.

        :param after_role: called with the role's name once its creates are done
        """
        for role, user in self.users.items():
            env = self.role_env(user)
            for model_name, field_names in self.models.items():
                model = env[model_name]
                template = self.samples[model_name][:1]
                if not template.exists() or not model.has_access("create"):
                    continue
                copied = template.sudo().copy_data()[0]
                readable = [name for name in field_names if self._user_may(user, model._fields[name])]
                forged = {name: self.forge(template, name, 0) for name in readable}
                forged = {name: value for name, value in forged.items() if value is not None}
                all_forged = {**copied, **forged}
                # The copy as it is, but with the values no copy carries (balances, totals, states).
                copy_forged = {**copied, **{name: value for name, value in forged.items() if name not in copied}}
                for label, given_vals in (("create (all fields forged)", all_forged), ("create (copy)", copy_forged)):
                    vals = {
                        name: value for name, value in given_vals.items() if self._user_may(user, model._fields[name])
                    }
                    if self.attempt(role, model_name, label, lambda model=model, vals=vals: model.create(vals)):
                        break
            if after_role:
                after_role(role)

    def run_unlinks(self, after_role=None):
        """Every role deletes every sample record.

        :param after_role: called with the role's name once its deletions are done
        """
        for role, user in self.users.items():
            env = self.role_env(user)
            for model_name in self.models:
                if model_name in INHERITED_MODEL_SAMPLES:
                    continue
                for record in self.samples[model_name]:
                    if record.exists():
                        self.attempt(role, model_name, "unlink", record.with_env(env).unlink)
            if after_role:
                after_role(role)

    # ------------------------------------------------------------
    # Forged values
    # ------------------------------------------------------------

    def _write_field(self, role, record, field_name):
        """Write the forged value of one field; of a relational field or a time, the first
        candidate accepted."""
        field = record._fields[field_name]
        count = 3 if field.type in TYPE_ORDER else len(TIME_SHIFTS.get(field.type, [None]))
        for candidate in range(count):
            value = self.forge(record.sudo(), field_name, candidate)
            if value is None:
                return
            if self.attempt(
                role,
                record._name,
                f"write {field_name}",
                lambda record=record, value=value: record.write({field_name: value}),
            ):
                return

    @staticmethod
    def _user_may(user, field):
        return not field.groups or user.has_groups(field.groups)

    def forge(self, record, field_name, candidate=0):
        """A plausible forged value of a field, by type, from its current value.

        :param int candidate: for relational fields, which other record (0: the most
            privileged one, 1: another of the same school, 2: one of another school); for
            times, the largest shift first
        :return: the value to write, or None when there is nothing to try
        """
        field = record._fields[field_name]
        current = self.originals[record._name, record.id][field_name]
        if field.type in ("many2one", "many2many"):
            candidates = self._other_records(record, field, current)
            if candidate >= len(candidates):
                return None
            other = candidates[candidate]
            return other.id if field.type == "many2one" else [Command.link(other.id)]
        if field.type == "selection":
            values = [value for value in field.get_values(record.env) if value != current]
            return values[0] if values else None
        if field.type in TIME_SHIFTS:
            # From the value now, not before the sweep: shifted like the others, a time would
            # keep its place in a range that an engine moved along.
            current = record[field_name] or (fields.Date.today() if field.type == "date" else fields.Datetime.now())
            shift = TIME_SHIFTS[field.type][candidate]
            return current - shift if END_NAMES.search(field_name) else current + shift
        forge_scalar = SCALAR_FORGERS.get(field.type)
        return forge_scalar(current) if forge_scalar else None

    def _other_records(self, record, field, current):
        """Records of the comodel to point the field to, the most dangerous first."""
        company = record.env["res.company"]
        if "company_id" in record._fields:
            company = self.originals[record._name, record.id].get("company_id", record.company_id)
        key = (field.comodel_name, tuple(current.ids), company.id)
        if key not in self._candidate_cache:
            comodel = record.env[field.comodel_name].sudo().with_context(active_test=False)
            domain = [("id", "not in", current.ids)]
            if "is_student" in comodel._fields and any(current.mapped("is_student")):
                domain.append(("is_student", "=", True))
            privileged = comodel.browse()
            if comodel._name == "res.users":
                privileged = self.env.ref("base.user_admin")
            elif comodel._name == "res.partner" and not any(current.mapped("is_student")):
                privileged = self.env.ref("base.partner_admin")
            company_field = comodel._fields.get("company_id")
            if company and company_field and company_field.store:
                same = comodel.search(domain + [("company_id", "=", company.id)], limit=1, order="id")
                other = comodel.search(domain + [("company_id", "not in", [company.id, False])], limit=1, order="id")
            elif comodel._name == "res.company":
                same, other = comodel.browse(), comodel.search(domain, limit=1, order="id")
            else:
                same, other = comodel.search(domain, limit=1, order="id"), comodel.browse()
            self._candidate_cache[key] = [rec for rec in (privileged, same, other) if rec and rec != current]
        return self._candidate_cache[key]

    # ------------------------------------------------------------
    # Report
    # ------------------------------------------------------------

    def summary_lines(self):
        lines = [
            f"{len(self.users)} roles, {len(self.models)} models, "
            f"{sum(len(names) for names in self.models.values())} fields, {self.attempts} attempts"
        ]
        for (role, model_name), whats in sorted(self.accepted.items()):
            # "refund sale 3 after bursar writes" -> "refund sale 3": one line per kind of attempt.
            kinds = sorted({what.split(" after ")[0] for what in whats})
            lines.append(f"ACCEPTED {role} {model_name}: {', '.join(kinds)}")
        lines.extend(f"CRASHED {crash}" for crash in self.crashes)
        return lines
