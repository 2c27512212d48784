import sys
import time

import pytest

from odoo import Command
from odoo.tests import TransactionCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from . import invariants
from .write_sweep import WriteSweep, sample_records

# role: (demo user, groups of the user created when the demo has none)
ROLES = {
    "bursar": ("optis_school.demo_user_bursar", "base.group_user,optis_school.group_school_bursar"),
    "teacher": ("optis_school.demo_user_teacher", "base.group_user,optis_school.group_school_teacher"),
    "school_admin": (None, "base.group_user,optis_school.group_school_admin"),
    "receptionist": (None, "base.group_user,optis_school_meetings.group_meeting_receptionist"),
    "meeting_admin": (None, "base.group_user,optis_school_meetings.group_meeting_admin"),
    "parent": ("optis_school.demo_user_parent1", "base.group_portal"),
}
# The sweep means something only where the demo gives it records to forge.
MODELS_THAT_NEED_SAMPLES = (
    "school.wallet",
    "school.wallet.operation",
    "school.wallet.sale",
    "school.wallet.sale.line",
    "school.teacher",
    "school.interview",
    "school.interview.attendee",
    "school.appointment",
    "school.interview.round",
    "school.interview.wish",
)
CHECKS = {
    "wallet balance": invariants.wallet_balance_violations,
    "general ledger": invariants.general_ledger_violations,
    "operation": invariants.operation_violations,
    "sale": invariants.sale_violations,
    "interview": invariants.interview_violations,
    "interview wish": invariants.interview_wish_violations,
    "appointment": invariants.appointment_violations,
    "meal": invariants.meal_violations,
}


@tagged("post_install", "-at_install")
class TestWriteSweep(TransactionCase):
    """Every role writes, creates and deletes every field of every OPTIS model with forged
    values (see ``write_sweep.py``), with forged context keys, as over RPC; then nothing
    that must never happen did: money, accounts and bookings stay whole."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        started = time.monotonic()
        cls.users = {role: cls._role_user(role, xmlid, groups) for role, (xmlid, groups) in ROLES.items()}
        # One swept sale refunded the normal way before: writing its state back must not refund it twice.
        cls.refunded_sale = sample_records(cls.env, "school.wallet.sale", cls.env.ref("base.main_company"))[:1]
        cls.refunded_sale.with_user(cls.users["bursar"]).action_refund()
        cls.sweep = WriteSweep(cls.env, cls.users)
        teacher_group = cls.env.ref("optis_school.group_school_teacher")
        cls.teacher_groups = teacher_group | teacher_group.trans_implied_ids
        cls.baseline = {name: check(cls.env) for name, check in CHECKS.items()}
        cls.users_before = invariants.snapshot_users(cls.env)  # before each role's phase
        # violation -> after what it was first seen: a later write (e.g. of another role going
        # through an engine) may repair what an earlier one broke; it still happened.
        cls.violations = {name: {} for name in [*CHECKS, "user"]}

        # The teacher form sets the password of the teacher's own user, when it is no administrator.
        teachers = cls.env["school.teacher"].with_context(active_test=False).search([("user_id", "!=", False)])
        administrators = cls.env.ref("base.group_erp_manager") | cls.env.ref("optis_school.group_school_admin")
        cls.teacher_users = teachers.user_id.filtered(lambda user: not user.groups_id & administrators)

        for run, phase in (
            (cls.sweep.run_writes, "writes"),
            (cls.sweep.run_creates, "creates"),
            (cls.sweep.run_unlinks, "deletions"),
        ):
            run(after_role=lambda role, phase=phase: cls._after(role, phase))
        cls.duration = time.monotonic() - started

    @classmethod
    def _after(cls, role, phase):
        """After each role's writes, creates and deletions: refund the swept sales as a bursar,
        then record what the invariants see."""
        cls._refund_swept_sales(f"{role} {phase}")
        found = {name: check(cls.env) for name, check in CHECKS.items()}
        # Users: what this role's phase changed, judged against this role's own rights.
        found["user"] = invariants.user_violations(
            cls.env, cls.users_before, cls.teacher_groups, acting_user=cls.users[role], password_users=cls.teacher_users
        )
        cls.users_before = invariants.snapshot_users(cls.env)
        for name, violations in found.items():
            for violation in violations:
                if violation not in cls.baseline.get(name, ()):
                    cls.violations[name].setdefault(violation, f"{role} {phase}")

    @classmethod
    def _refund_swept_sales(cls, after):
        """What a bursar then does with the sales that were swept: refund them, twice (as two
        bursars clicking at once would); the refunds are kept when accepted."""
        bursar_env = cls.env(user=cls.users["bursar"], su=False)
        for sale in cls.sweep.samples["school.wallet.sale"]:
            if not sale.exists():
                continue
            # An archived wallet refuses the refund: the bursar puts it back first.
            cls.sweep.attempt(
                "bursar",
                sale._name,
                f"unarchive wallet of sale {sale.id} after {after}",
                sale.with_env(bursar_env).wallet_id.action_unarchive,
            )
            for attempt in ("refund", "refund again"):
                cls.sweep.attempt(
                    "bursar",
                    sale._name,
                    f"{attempt} sale {sale.id} after {after}",
                    sale.with_env(bursar_env).action_refund,
                )

    @classmethod
    def _role_user(cls, role, xmlid, groups):
        user = xmlid and cls.env.ref(xmlid, raise_if_not_found=False)
        if user:
            return user
        company = cls.env.ref("base.main_company")
        return mail_new_test_user(
            cls.env,
            login=f"sweep_{role}",
            groups=groups,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
            tz="Europe/Brussels",
        )

    @pytest.fixture(autouse=True)
    def _terminal(self, capsys):
        self._capsys = capsys

    def _accepted(self, *model_names):
        return "\n".join(
            f"  {role} {model_name}: {', '.join(sorted({what.split(' after ')[0] for what in whats}))}"
            for (role, model_name), whats in sorted(self.sweep.accepted.items())
            if not model_names or model_name in model_names
        )

    def _assert_holds(self, name, *model_names, extra=""):
        violations = [f"after {phase}: {violation}" for violation, phase in self.violations[name].items()]
        self.assertFalse(
            violations,
            f"{len(violations)} {name} violation(s) in the sweep:\n  "
            + "\n  ".join(violations[:40])
            + f"\nwrites accepted on these models:\n{self._accepted(*model_names)}"
            + extra,
        )

    def test_sweep_covers_the_models(self):
        with self._capsys.disabled():
            sys.stdout.write(f"\n[sweep] {self.duration:.1f}s\n")
            for line in self.sweep.summary_lines():
                sys.stdout.write(f"[sweep] {line}\n")
        for model_name in MODELS_THAT_NEED_SAMPLES:
            self.assertIn(model_name, self.sweep.models)
            self.assertTrue(self.sweep.samples[model_name], f"no demo record of {model_name} to sweep")
        self.assertIn("password", self.sweep.models["school.teacher"], "fields with an inverse are swept")
        self.assertIn("balance", self.sweep.models["school.wallet"], "stored computed fields are swept")

    def test_refusals_are_errors_of_the_models_or_constraints(self):
        # A guard says no with an access, user or validation error; anything else is a crash
        # (a 500 over RPC), and a sweep of crashes would prove nothing.
        self.assertFalse(self.sweep.crashes, "\n".join(self.sweep.crashes[:20]))

    def test_demo_holds_the_invariants_before_the_sweep(self):
        self.assertEqual({name: [] for name in CHECKS}, self.baseline)

    def test_wallet_balances_are_their_ledger(self):
        self._assert_holds("wallet balance", "school.wallet", "school.wallet.operation")

    def test_ledger_is_the_general_ledger(self):
        self._assert_holds(
            "general ledger", "school.wallet", "school.wallet.operation", "account.move", "account.bank.statement.line"
        )

    def test_operations_belong_to_their_wallet(self):
        self._assert_holds("operation", "school.wallet", "school.wallet.operation")

    def test_sales_are_refunded_once_for_at_most_their_total(self):
        refusals = "\n".join(
            f"  {what}: {why.splitlines()[0]}"
            for (_role, model_name, what), why in sorted(self.sweep.refusals.items())
            if model_name == "school.wallet.sale" and "refund" in what
        )
        self._assert_holds(
            "sale",
            "school.wallet.sale",
            "school.wallet.sale.line",
            "school.wallet.operation",
            extra=f"\nrefunds refused:\n{refusals}",
        )

    def test_planning_rounds_keep_their_results(self):
        self._assert_holds("interview wish", "school.interview.round", "school.interview.wish", "school.interview")

    def test_meals_are_debited_and_refunded_once(self):
        self._assert_holds("meal", "school.meal.reservation", "school.wallet.operation", "school.wallet")

    def test_no_user_gained_rights_password_or_login(self):
        self._assert_holds("user", "school.teacher", "res.partner", "res.company", "school.meeting.agent")

    def test_no_interview_overlaps(self):
        self._assert_holds(
            "interview",
            "school.interview",
            "school.interview.attendee",
            "school.interview.period",
            "school.interview.teacher",
        )

    def test_no_appointment_overlaps(self):
        self._assert_holds("appointment", "school.appointment", "school.meeting.counter", "school.appointment.type")
