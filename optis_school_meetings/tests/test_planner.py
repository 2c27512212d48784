"""The interview planner (tools/planner.py): hard constraints, fairness, pinned meetings,
reasons, and the gap to the proven optimum, on hand-made and random evenings."""

from odoo.tests import BaseCase, tagged

from ..tools import planner
from ..tools.planner import (
    OPTIONAL,
    REQUIRED,
    WANTED,
    Family,
    Problem,
    Teacher,
    Wish,
    check_plan,
    fairness_violations,
    generate_problem,
    plan,
    plan_figures,
    plan_greedy,
    solve_exact,
)


def _slots(count, minutes=5):
    return [(index * minutes, (index + 1) * minutes) for index in range(count)]


@tagged("post_install", "-at_install")
class TestPlannerRules(BaseCase):
    def test_first_required_wish_before_anyone_second(self):
        """Three families want the one teacher, who has two slots; the family of two
        children asked first (first in the input) but gets one meeting: the other families'
        first required wishes come before its second."""
        problem = Problem(
            slots=_slots(2),
            teachers=[Teacher("math", room="A")],
            families=[Family("dupont"), Family("martin"), Family("peeters")],
            wishes=[
                Wish("dupont-anna", "dupont", "math", child="anna", priority=REQUIRED),
                Wish("dupont-ben", "dupont", "math", child="ben", priority=REQUIRED),
                Wish("martin-chloe", "martin", "math", child="chloe", priority=REQUIRED),
                Wish("peeters-dirk", "peeters", "math", child="dirk", priority=WANTED),
            ],
        )
        result = plan(problem)
        self.assertEqual(set(result.assignments), {"dupont-anna", "martin-chloe"})
        self.assertEqual(result.unplaced, {"dupont-ben": "teacher_full", "peeters-dirk": "teacher_full"})
        self.assertEqual(fairness_violations(problem, result), [])
        # First come, first served gives the family who came first both slots.
        baseline = plan_greedy(problem, seed=3)
        self.assertEqual(check_plan(problem, baseline), [])

    def test_wanted_wish_never_displaces_required(self):
        """A wanted meeting placed first is moved away (or dropped) for a required one."""
        problem = Problem(
            slots=_slots(1),
            teachers=[Teacher("art", room="A")],
            families=[Family("a"), Family("b")],
            wishes=[
                Wish("a-art", "a", "art", priority=OPTIONAL),
                Wish("b-art", "b", "art", priority=REQUIRED),
            ],
        )
        result = plan(problem)
        self.assertEqual(result.assignments, {"b-art": 0})
        self.assertEqual(result.unplaced, {"a-art": "teacher_full"})

    def test_walking_gap_between_rooms(self):
        """Back-to-back 5-minute meetings of a family are fine in one room; in two rooms
        they need the 5-minute walking gap, so with two slots only one of them fits."""
        same_room = Problem(
            slots=_slots(2),
            teachers=[Teacher("math", room="A"), Teacher("french", room="A")],
            families=[Family("f")],
            wishes=[Wish("f-math", "f", "math"), Wish("f-french", "f", "french")],
            walking_gap=5,
        )
        result = plan(same_room)
        self.assertEqual(len(result.assignments), 2)
        two_rooms = Problem(
            slots=_slots(2),
            teachers=[Teacher("math", room="A"), Teacher("french", room="B")],
            families=[Family("f")],
            wishes=[Wish("f-math", "f", "math"), Wish("f-french", "f", "french")],
            walking_gap=5,
        )
        result = plan(two_rooms)
        self.assertEqual(len(result.assignments), 1)
        self.assertEqual(list(result.unplaced.values()), ["family_busy"])
        self.assertEqual(check_plan(two_rooms, result), [])
        # With a third slot, the family walks during the middle one.
        two_rooms.slots = _slots(3)
        result = plan(two_rooms)
        self.assertEqual(sorted(result.assignments.values()), [0, 2])

    def test_availabilities_and_reasons(self):
        """Teachers away, families unable to come: never planned then, and each unplaced
        wish says why."""
        problem = Problem(
            slots=_slots(4),
            teachers=[
                Teacher("away", room="A", unavailable=frozenset(range(4))),
                Teacher("early", room="B", unavailable=frozenset({2, 3})),
                Teacher("busy", room="C"),
            ],
            families=[Family("late", unavailable=frozenset({0, 1})), Family("f1"), Family("f2")],
            wishes=[
                Wish("late-away", "late", "away"),
                Wish("late-early", "late", "early"),
                Wish("f1-busy", "f1", "busy", pinned_slot=0),
                Wish("f2-busy", "f2", "busy", pinned_slot=1),
                Wish("late-busy", "late", "busy"),
                Wish("ghost", "late", "nobody"),
            ],
        )
        result = plan(problem)
        self.assertEqual(
            result.unplaced,
            {"late-away": "teacher_unavailable", "late-early": "family_unavailable", "ghost": "unknown_teacher"},
        )
        self.assertIn(result.assignments["late-busy"], (2, 3))
        self.assertEqual(check_plan(problem, result), [])

    def test_pinned_meetings_kept(self):
        """Pinned meetings stay where they are, even where moving them would place more
        wishes; a pin that breaks a hard constraint is refused."""
        problem = Problem(
            slots=_slots(2),
            teachers=[Teacher("math", room="A")],
            families=[Family("a", unavailable=frozenset({1})), Family("b")],
            wishes=[Wish("b-math", "b", "math", priority=OPTIONAL, pinned_slot=0), Wish("a-math", "a", "math")],
        )
        result = plan(problem)
        self.assertEqual(result.assignments, {"b-math": 0})
        self.assertEqual(result.unplaced, {"a-math": "teacher_full"})
        problem.wishes.append(Wish("a-math-2", "a", "math", pinned_slot=1))
        with self.assertRaises(ValueError):
            plan(problem)

    def test_compact_evening(self):
        """A family seeing three teachers in one room gets three meetings in a row, not
        scattered over the evening as the first-come baseline leaves them."""
        problem = Problem(
            slots=_slots(12),
            teachers=[Teacher(name, room="hall") for name in ("t1", "t2", "t3")],
            families=[Family("f"), *(Family(f"other{index}") for index in range(6))],
            wishes=[
                *(Wish(f"other{index}-t{index % 3 + 1}", f"other{index}", f"t{index % 3 + 1}") for index in range(6)),
                Wish("f-t1", "f", "t1"),
                Wish("f-t2", "f", "t2"),
                Wish("f-t3", "f", "t3"),
            ],
        )
        result = plan(problem)
        family_slots = sorted(result.assignments[key] for key in ("f-t1", "f-t2", "f-t3"))
        self.assertEqual(family_slots[-1] - family_slots[0], 2)
        self.assertEqual(plan_figures(problem, result)["average_idle"], 0)


@tagged("post_install", "-at_install")
class TestPlannerProperties(BaseCase):
    def test_random_evenings(self):
        """50 random evenings (siblings, shared rooms, unavailabilities, pinned meetings):
        never a hard constraint broken, the fairness rule holds, pinned meetings kept, every
        wish placed or given a reason, the same seed gives the same plan, and never fewer
        weighted wishes than first come, first served."""
        for seed in range(50):
            with self.subTest(seed=seed):
                problem = generate_problem(seed, families=25, teachers=5, slot_count=10, pinned=3)
                result = plan(problem, seed=seed)
                self.assertEqual(check_plan(problem, result), [])
                self.assertEqual(fairness_violations(problem, result), [])
                for wish in problem.wishes:
                    if wish.pinned_slot is not None:
                        self.assertEqual(result.assignments[wish.key], wish.pinned_slot)
                    self.assertNotEqual(wish.key in result.assignments, wish.key in result.unplaced)
                    if wish.key in result.unplaced:
                        self.assertIn(result.unplaced[wish.key], planner.REASONS)
                self.assertEqual(plan(problem, seed=seed).assignments, result.assignments)
                baseline = plan_greedy(problem, seed=seed)
                self.assertEqual(check_plan(problem, baseline), [])
                self.assertGreaterEqual(
                    plan_figures(problem, result)["weighted"], plan_figures(problem, baseline)["weighted"]
                )

    def test_gap_to_proven_optimum(self):
        """On 12 small, tight evenings, CP-SAT proves the most priority-weighted satisfied
        wishes; the planner comes within 2 % on each (measured: 0 % on most, 0.8 % at
        worst) and places as many required wishes as the proven maximum."""
        gaps = []
        for seed in range(12):
            with self.subTest(seed=seed):
                problem = generate_problem(
                    seed, families=10, teachers=3, slot_count=8, wishes_per_family=(1, 4), pinned=1
                )
                result = plan(problem, seed=seed)
                optimum, proven, value = solve_exact(problem, time_limit=10)
                self.assertTrue(proven)
                self.assertEqual(check_plan(problem, optimum), [])
                figures = plan_figures(problem, result)
                gap = (value - figures["weighted"]) / value
                self.assertLessEqual(gap, 0.02)
                gaps.append(gap)
                required_only = {wish.key: int(wish.priority == REQUIRED) for wish in problem.wishes}
                _optimum, proven, required_max = solve_exact(problem, time_limit=10, weights=required_only)
                self.assertTrue(proven)
                self.assertEqual(figures["satisfied"][REQUIRED], required_max)
        self.assertLessEqual(sum(gaps) / len(gaps), 0.005)
