"""Benchmark: the parent-teacher evening planner at a big school's scale (issue 13).

A generated evening (``planner.generate_problem``, seed 2026): 1,000 families (a quarter
with siblings), 60 teachers (some sharing a room, some away part of the evening), about
4,000 wishes (a third required), a 3-hour evening of 5-minute slots, a 5-minute walking
gap between rooms, 20 meetings pinned by hand, families unable to come at some times.

The planner (``planner.plan``) and the first-come baseline (``planner.plan_greedy``: the
families book one after the other, each wish at the earliest free slot) plan it; printed
side by side: time, wishes satisfied per priority, required placed (of all, and of the
capacity bound), average family idle time, longest wait, teachers' load.
Goals: plan <= 60 s on 2 cores, 0 violations, >= 99 % of the required wishes placed, idle
time at most a third of the baseline's. Times are printed, not asserted; the test asserts
the plan's quality. How to run it: docs/PERFORMANCE.md.
"""

import os
import time

import pytest
from perf_output import PerfOutput

from odoo.tests import BaseCase

from odoo.addons.optis_school_meetings.tools import planner

FAMILIES = int(os.environ.get("OPTIS_BENCH_FAMILIES", "1000"))
TEACHERS = int(os.environ.get("OPTIS_BENCH_TEACHERS", "60"))
GOAL_SECONDS = 60


@pytest.mark.perf
class TestPlannerBenchmark(PerfOutput, BaseCase):
    test_tags = {"perf"}

    def test_plan_big_evening(self):
        problem = planner.generate_problem(
            2026,
            families=FAMILIES,
            teachers=TEACHERS,
            slot_count=36,
            slot_minutes=5,
            wishes_per_family=(2, 6),
            walking_gap=5,
            pinned=20,
            popularity=(0.7, 1.3),
        )
        requested = planner.plan_figures(problem, planner.Plan())["requested"]
        self._say(
            f"planner: {len(problem.families)} families, {len(problem.teachers)} teachers, "
            f"{len(problem.slots)} slots of 5 min, {len(problem.wishes)} wishes "
            f"({requested['required']} required, {requested['wanted']} wanted, {requested['optional']} optional)"
        )
        started = time.perf_counter()
        result = planner.plan(problem)
        plan_seconds = time.perf_counter() - started
        started = time.perf_counter()
        baseline = planner.plan_greedy(problem)
        baseline_seconds = time.perf_counter() - started

        bound = planner.required_bound(problem)
        rows = []
        for name, plan_result, seconds in (
            ("planner", result, plan_seconds),
            ("first come", baseline, baseline_seconds),
        ):
            figures = planner.plan_figures(problem, plan_result)
            violations = planner.check_plan(problem, plan_result)
            unfair = planner.fairness_violations(problem, plan_result)
            satisfied = figures["satisfied"]
            self._say(
                f"{name:>10}: {seconds:6.2f} s, violations {len(violations)}, unfair {len(unfair)}, "
                f"satisfied {sum(satisfied.values())} (required {satisfied['required']}, wanted {satisfied['wanted']}, "
                f"optional {satisfied['optional']}), required placed {figures['required_ratio']:.1%} "
                f"({satisfied['required'] / bound:.1%} of the capacity bound {bound}), "
                f"idle {figures['average_idle']:.1f} min, span {figures['average_span']:.1f} min, "
                f"longest wait {figures['longest_wait']} min, load {figures['load_min']}-{figures['load_max']}"
            )
            rows.append((figures, violations, unfair))
        (figures, violations, unfair), (baseline_figures, baseline_violations, _unfair) = rows
        self._say(
            f"planner vs first come: idle {figures['average_idle'] / baseline_figures['average_idle']:.0%} "
            f"of the baseline's (goal <= 33%), plan {plan_seconds:.1f} s (goal <= {GOAL_SECONDS} s)"
        )
        self.assertEqual(violations, [])
        self.assertEqual(baseline_violations, [])
        self.assertEqual(unfair, [])
        for wish in problem.wishes:
            if wish.pinned_slot is not None:
                self.assertEqual(result.assignments[wish.key], wish.pinned_slot)
        self.assertGreaterEqual(figures["required_ratio"], 0.99)
        self.assertLessEqual(figures["average_idle"], baseline_figures["average_idle"] / 3)
        self.assertGreater(figures["weighted"], baseline_figures["weighted"])
