"""Parent-teacher evening planner: turns wishes into a plan, without the ORM.

The input is a :class:`Problem`: the evening's slots (a grid common to every teacher, in
minutes), the teachers (room, unavailable slots, one meeting at a time), the families (the
guardians of one or more siblings, planned together; their unavailable slots), the wishes
(family, teacher, child, priority) and the pinned meetings. :func:`plan` returns a
:class:`Plan`: a slot per placed wish, a reason code per unplaced wish.

Hard constraints (never violated, see :func:`check_plan`):

- a teacher has one meeting at a time, only in their available slots;
- a family has one meeting at a time, only in its available slots, and leaves
  ``walking_gap`` minutes between two meetings in different rooms;
- pinned meetings are kept where they are.

Objectives, in this order:

1. fairness: wishes are placed in rounds, every family's first required wish before
   anyone's second, then the second ones, ..., then the wanted ones, then the optional
   ones. A wish of one round never takes the place of a wish of an earlier round: an
   unplaced wish finds, at every slot both sides have free, a meeting of its own round or
   an earlier one (or a pinned one) in the way (:func:`fairness_violations`);
2. as many wishes as possible, weighted by priority: a wish that does not fit directly
   moves a meeting in its way to another free slot (an augmenting move);
3. each family's idle time and span: the first meeting of a family goes where its other
   teachers are free, the next ones next to it, then a local search moves and swaps
   meetings (same teacher) while the total idle time goes down;
4. teachers' load: within a round, the families with the fewest granted wishes go first,
   then the wishes of the least loaded teachers.

Why a heuristic and not CP-SAT on the whole evening: at a big school's scale (1,000
families, 60 teachers, 36 slots, 4,000 wishes: 144,000 booleans, plus the family
no-overlap and walking gaps) a lexicographic CP-SAT model does not prove its layers
within a minute on two cores; this heuristic plans it in seconds and, on small
instances, matches the CP-SAT optimum of weighted satisfied wishes or comes within a few
per cent (see :func:`solve_exact` and the tests). The figures: docs/PERFORMANCE.md.

:func:`plan_greedy` is the first-come baseline (families book one after the other, each
wish at the earliest free slot), as booking by hand gives, for comparison.
"""

import dataclasses
import random
from dataclasses import dataclass, field
from itertools import pairwise

REQUIRED, WANTED, OPTIONAL = "required", "wanted", "optional"
PRIORITIES = (REQUIRED, WANTED, OPTIONAL)
# Weights of the priority-weighted count of satisfied wishes (objective 2).
PRIORITY_WEIGHTS = {REQUIRED: 100, WANTED: 10, OPTIONAL: 1}

# Reasons of an unplaced wish (short codes: the models translate them).
REASON_TEACHER_UNAVAILABLE = "teacher_unavailable"  # the teacher has no available slot at all
REASON_FAMILY_UNAVAILABLE = "family_unavailable"  # the family is unavailable whenever the teacher is
REASON_TEACHER_FULL = "teacher_full"  # every slot the family could take is taken at the teacher's
REASON_FAMILY_BUSY = "family_busy"  # the teacher's free slots clash with the family's other meetings
REASON_UNKNOWN = "unknown_teacher"  # the wish names a teacher or family not in the problem
REASONS = (
    REASON_TEACHER_UNAVAILABLE,
    REASON_FAMILY_UNAVAILABLE,
    REASON_TEACHER_FULL,
    REASON_FAMILY_BUSY,
    REASON_UNKNOWN,
)

PINNED_ROUND = -1


@dataclass(frozen=True)
class Teacher:
    """A teacher of the evening: one meeting at a time, in ``room``.

    :param key: any hashable id
    :param room: where they receive (two teachers in the same room need no walking gap);
        ``None`` for a place of its own (a video call)
    :param unavailable: indexes of the slots they do not take (away, breaks)
    """

    key: object
    room: object = None
    unavailable: frozenset = frozenset()


@dataclass(frozen=True)
class Family:
    """The guardians who attend together (all the siblings' meetings).

    :param unavailable: indexes of the slots they cannot come
    """

    key: object
    unavailable: frozenset = frozenset()


@dataclass(frozen=True)
class Wish:
    """A family wants to meet a teacher about a child.

    :param rank: order of the wish among the family's wishes of the same priority (lower
        first); the order of the input breaks ties
    :param pinned_slot: slot index of a meeting fixed by hand: kept, never moved
    """

    key: object
    family: object
    teacher: object
    child: object = None
    priority: str = REQUIRED
    rank: int = 0
    pinned_slot: int = None


@dataclass
class Problem:
    """An evening to plan.

    :param slots: ``[(start, stop)]`` in minutes, sorted, not overlapping
    :param walking_gap: minutes between two meetings of a family in different rooms
    """

    slots: list
    teachers: list
    families: list
    wishes: list
    walking_gap: int = 0


@dataclass
class Plan:
    """The result: ``assignments`` {wish key: slot index}, ``unplaced`` {wish key: reason}."""

    assignments: dict = field(default_factory=dict)
    unplaced: dict = field(default_factory=dict)
    rounds: dict = field(default_factory=dict)


class _State:
    """The plan being built: who holds each teacher's and family's slots."""

    def __init__(self, problem):
        self.problem = problem
        self.slots = problem.slots
        self.slot_count = len(problem.slots)
        self.gap = problem.walking_gap
        self.teachers = {teacher.key: teacher for teacher in problem.teachers}
        self.families = {family.key: family for family in problem.families}
        self.wishes = {wish.key: wish for wish in problem.wishes}
        self.wishes_by_family = {}
        for wish in problem.wishes:
            self.wishes_by_family.setdefault(wish.family, []).append(wish)
        self.rounds = _rounds(problem.wishes)
        self.teacher_free = {
            key: [index not in teacher.unavailable for index in range(self.slot_count)]
            for key, teacher in self.teachers.items()
        }
        self.family_free = {
            key: [index not in family.unavailable for index in range(self.slot_count)]
            for key, family in self.families.items()
        }
        self.teacher_holder = {key: [None] * self.slot_count for key in self.teachers}
        # {family: {slot: wish key}}
        self.family_meetings = {key: {} for key in self.families}
        self.assignments = {}
        self.load = dict.fromkeys(self.teachers, 0)
        # Slots too close to ``index`` for a meeting in another room: (other index) pairs.
        self.near = [
            [
                other
                for other in range(self.slot_count)
                if other != index
                and self.slots[other][0] < self.slots[index][1] + self.gap
                and self.slots[index][0] < self.slots[other][1] + self.gap
            ]
            for index in range(self.slot_count)
        ]

    def room(self, wish_key):
        return self.teachers[self.wishes[wish_key].teacher].room

    def family_blockers(self, family, index, room, ignore=()):
        """The family's meetings that forbid a meeting at ``index`` in ``room``."""
        meetings = self.family_meetings[family]
        blockers = []
        holder = meetings.get(index)
        if holder is not None and holder not in ignore:
            blockers.append(holder)
        if self.gap:
            for other in self.near[index]:
                holder = meetings.get(other)
                if holder is None or holder in ignore:
                    continue
                other_room = self.room(holder)
                if room is None or other_room is None or other_room != room:
                    blockers.append(holder)
        return blockers

    def family_can(self, family, index, room, ignore=()):
        return self.family_free[family][index] and not self.family_blockers(family, index, room, ignore)

    def place(self, wish_key, index):
        wish = self.wishes[wish_key]
        self.teacher_holder[wish.teacher][index] = wish_key
        self.family_meetings[wish.family][index] = wish_key
        self.assignments[wish_key] = index
        self.load[wish.teacher] += 1

    def remove(self, wish_key):
        wish = self.wishes[wish_key]
        index = self.assignments.pop(wish_key)
        self.teacher_holder[wish.teacher][index] = None
        del self.family_meetings[wish.family][index]
        self.load[wish.teacher] -= 1
        return index

    def candidates(self, wish_key):
        """Slots where the wish fits now."""
        wish = self.wishes[wish_key]
        room = self.teachers[wish.teacher].room
        free = self.teacher_free[wish.teacher]
        holders = self.teacher_holder[wish.teacher]
        return [
            index
            for index in range(self.slot_count)
            if free[index] and holders[index] is None and self.family_can(wish.family, index, room)
        ]

    def family_idle(self, indexes):
        """Idle minutes of a family meeting at ``indexes``: the time between its meetings."""
        if len(indexes) < 2:
            return 0
        ordered = sorted(indexes)
        return sum(self.slots[after][0] - self.slots[before][1] for before, after in pairwise(ordered))

    def is_pinned(self, wish_key):
        return self.rounds[wish_key] == PINNED_ROUND


def _rounds(wishes):
    """{wish key: fairness round}: a family's k-th required wish is in round k-1, then the
    wanted ones, then the optional ones; pinned wishes in ``PINNED_ROUND``."""
    by_family = {}
    for order, wish in enumerate(wishes):
        by_family.setdefault((wish.family, wish.priority), []).append((wish.rank, order, wish))
    depth = {priority: 0 for priority in PRIORITIES}
    for (_family, priority), family_wishes in by_family.items():
        depth[priority] = max(depth[priority], len(family_wishes))
    offset = {}
    start = 0
    for priority in PRIORITIES:
        offset[priority] = start
        start += depth[priority]
    rounds = {}
    for (_family, priority), family_wishes in by_family.items():
        for position, (_rank, _order, wish) in enumerate(sorted(family_wishes, key=lambda item: item[:2])):
            rounds[wish.key] = PINNED_ROUND if wish.pinned_slot is not None else offset[priority] + position
    return rounds


# ------------------------------------------------------------
# The planner
# ------------------------------------------------------------


def plan(problem, seed=0, improve=True):
    """Plan the evening: fairness rounds, augmenting moves, then idle-time compaction.

    :param Problem problem: the evening
    :param int seed: breaks ties between families (the same seed gives the same plan)
    :param bool improve: run the compaction (idle time) after placing
    :return: :class:`Plan`
    :raise ValueError: a pinned meeting breaks a hard constraint
    """
    state = _State(problem)
    rng = random.Random(seed)
    _place_pinned(state)
    valid = [
        wish.key
        for wish in problem.wishes
        if wish.pinned_slot is None and wish.teacher in state.teachers and wish.family in state.families
    ]
    by_round = {}
    for key in valid:
        by_round.setdefault(state.rounds[key], []).append(key)
    granted = dict.fromkeys(state.families, 0)
    tie = {family: rng.random() for family in state.families}
    for round_index in sorted(by_round):
        keys = by_round[round_index]
        # The families with the fewest granted wishes first, then the least loaded teachers.
        keys.sort(
            key=lambda key: (
                granted[state.wishes[key].family],
                state.load[state.wishes[key].teacher],
                tie[state.wishes[key].family],
            )
        )
        for key in keys:
            if _insert(state, key, round_index):
                granted[state.wishes[key].family] += 1
    _retry_unplaced(state, valid)
    if improve:
        _compact(state)
        _retry_unplaced(state, valid)
        _compact(state, passes=2)
    result = Plan(assignments=dict(state.assignments), rounds=dict(state.rounds))
    for wish in problem.wishes:
        if wish.key not in state.assignments:
            result.unplaced[wish.key] = _reason(state, wish)
    return result


def _place_pinned(state):
    for wish in state.problem.wishes:
        if wish.pinned_slot is None:
            continue
        index = wish.pinned_slot
        if wish.teacher not in state.teachers or wish.family not in state.families:
            raise ValueError(f"Pinned meeting {wish.key!r}: unknown teacher or family.")
        if not 0 <= index < state.slot_count or state.teacher_holder[wish.teacher][index] is not None:
            raise ValueError(f"Pinned meeting {wish.key!r}: the teacher's slot is taken or does not exist.")
        if not state.family_can(wish.family, index, state.teachers[wish.teacher].room) or (
            not state.teacher_free[wish.teacher][index]
        ):
            raise ValueError(f"Pinned meeting {wish.key!r}: the teacher or the family is not available then.")
        state.place(wish.key, index)


def _insert(state, key, round_index, evict=False):
    """Place the wish: directly, else by moving a meeting in its way to another free slot,
    else (``evict``) by taking the place of meetings of later rounds, which are then placed
    again if they can. :return: whether it is placed."""
    candidates = state.candidates(key)
    if candidates:
        state.place(key, _best_slot(state, key, candidates))
        return True
    if _insert_by_move(state, key):
        return True
    return evict and _insert_by_eviction(state, key, round_index)


def _in_way(state, wish, index):
    """The meetings that keep ``wish`` out of ``index`` (the teacher's and the family's),
    or ``None`` when one side is not available then."""
    if not (state.teacher_free[wish.teacher][index] and state.family_free[wish.family][index]):
        return None
    in_way = set(state.family_blockers(wish.family, index, state.teachers[wish.teacher].room))
    holder = state.teacher_holder[wish.teacher][index]
    if holder is not None:
        in_way.add(holder)
    return in_way


def _insert_by_move(state, key):
    """Place the wish where a single meeting is in the way, moving that one elsewhere."""
    wish = state.wishes[key]
    for index in range(state.slot_count):
        in_way = _in_way(state, wish, index)
        if not in_way or len(in_way) != 1:
            continue
        (blocker,) = in_way
        if not state.is_pinned(blocker) and _relocate(state, blocker, forbid=index, then=(key, index)):
            return True
    return False


def _insert_by_eviction(state, key, round_index):
    """Place the wish where only meetings of later rounds are in the way; those are placed
    again if they can."""
    wish = state.wishes[key]
    for index in range(state.slot_count):
        in_way = _in_way(state, wish, index)
        if in_way is None or any(state.rounds[other] <= round_index for other in in_way):
            continue
        for other in in_way:
            state.remove(other)
        state.place(key, index)
        for other in sorted(in_way, key=lambda other: state.rounds[other]):
            _insert(state, other, state.rounds[other], evict=True)
        return True
    return False


def _relocate(state, blocker, forbid, then):
    """Move ``blocker`` to another slot where it fits, and place ``then`` (key, index) in
    the freed place; undo when either does not fit."""
    origin = state.remove(blocker)
    key, index = then
    wish = state.wishes[key]
    room = state.teachers[wish.teacher].room
    if state.teacher_holder[wish.teacher][index] is None and state.family_can(wish.family, index, room):
        state.place(key, index)
        targets = [target for target in state.candidates(blocker) if target not in (forbid, origin)]
        if targets:
            state.place(blocker, _best_slot(state, blocker, targets))
            return True
        state.remove(key)
    state.place(blocker, origin)
    return False


def _best_slot(state, key, candidates):
    """The candidate slot that keeps the family's evening shortest; for its first meeting,
    where the teachers of its other wishes are the least busy."""
    wish = state.wishes[key]
    meetings = state.family_meetings[wish.family]
    if meetings:
        taken = list(meetings)
        return min(candidates, key=lambda index: (state.family_idle([*taken, index]), index))
    others = [
        other.teacher
        for other in state.wishes_by_family.get(wish.family, ())
        if other.key != key and other.key not in state.assignments and other.teacher in state.teachers
    ]

    def busy(index):
        return sum(
            1
            for teacher in others
            for near in (index - 2, index - 1, index + 1, index + 2)
            if 0 <= near < state.slot_count and state.teacher_holder[teacher][near] is not None
        )

    return min(candidates, key=lambda index: (busy(index), index))


def _retry_unplaced(state, valid):
    """Every unplaced wish, in round order, tries again and may take the place of meetings
    of later rounds (the fairness rule holds whatever the moves made before)."""
    for _pass in range(3):
        changed = False
        unplaced = sorted(
            (key for key in valid if key not in state.assignments), key=lambda key: (state.rounds[key], str(key))
        )
        for key in unplaced:
            if key not in state.assignments and _insert(state, key, state.rounds[key], evict=True):
                changed = True
        if not changed:
            return


def _compact(state, passes=4):
    """Local search on the families' idle time: move a meeting to a free slot of its
    teacher, or swap it with another family's meeting of the same teacher, while the total
    idle time of the families concerned goes down."""
    slot_count = state.slot_count
    for _pass in range(passes):
        improved = 0
        for family, meetings in state.family_meetings.items():
            if len(meetings) < 2 or state.family_idle(list(meetings)) == 0:
                continue
            for index in sorted(meetings):
                key = meetings.get(index)
                if key is None or state.is_pinned(key):
                    continue
                if _improve_meeting(state, family, key, slot_count):
                    improved += 1
        if not improved:
            return


def _improve_meeting(state, family, key, slot_count):
    wish = state.wishes[key]
    room = state.teachers[wish.teacher].room
    origin = state.assignments[key]
    meetings = state.family_meetings[family]
    others = [index for index in meetings if index != origin]
    before = state.family_idle([*others, origin])
    teacher_free = state.teacher_free[wish.teacher]
    holders = state.teacher_holder[wish.teacher]
    family_free = state.family_free[family]
    low, high = min(others), max(others)
    # Worth trying: near the family's other meetings only.
    targets = [
        index
        for index in range(max(0, low - 3), min(slot_count, high + 4))
        if index != origin and teacher_free[index] and family_free[index]
    ]
    targets.sort(key=lambda index: state.family_idle([*others, index]))
    for target in targets:
        gain = before - state.family_idle([*others, target])
        if gain <= 0:
            return False
        if not state.family_can(family, target, room, ignore=(key,)):
            continue
        holder = holders[target]
        if holder is None:
            state.remove(key)
            state.place(key, target)
            return True
        if state.is_pinned(holder):
            continue
        other_wish = state.wishes[holder]
        other_family = other_wish.family
        if other_family == family or not state.family_free[other_family][origin]:
            continue
        other_meetings = [index for index in state.family_meetings[other_family] if index != target]
        loss = state.family_idle([*other_meetings, origin]) - state.family_idle([*other_meetings, target])
        if gain - loss <= 0:
            continue
        state.remove(key)
        state.remove(holder)
        if state.family_can(other_family, origin, room) and state.family_can(family, target, room):
            state.place(key, target)
            state.place(holder, origin)
            return True
        state.place(key, origin)
        state.place(holder, target)
    return False


def _reason(state, wish):
    if wish.teacher not in state.teachers or wish.family not in state.families:
        return REASON_UNKNOWN
    teacher_free = state.teacher_free[wish.teacher]
    family_free = state.family_free[wish.family]
    if not any(teacher_free):
        return REASON_TEACHER_UNAVAILABLE
    both = [index for index in range(state.slot_count) if teacher_free[index] and family_free[index]]
    if not both:
        return REASON_FAMILY_UNAVAILABLE
    holders = state.teacher_holder[wish.teacher]
    if all(holders[index] is not None for index in both):
        return REASON_TEACHER_FULL
    return REASON_FAMILY_BUSY


# ------------------------------------------------------------
# The first-come baseline
# ------------------------------------------------------------


def plan_greedy(problem, seed=0):
    """First come, first served: the families book one after the other in a random order,
    each its wishes by priority, each at the earliest slot free on both sides.

    :return: :class:`Plan`
    """
    state = _State(problem)
    _place_pinned(state)
    rng = random.Random(seed)
    order = list(state.families)
    rng.shuffle(order)
    by_family = {}
    for wish in problem.wishes:
        if wish.pinned_slot is None and wish.teacher in state.teachers and wish.family in state.families:
            by_family.setdefault(wish.family, []).append(wish)
    for family in order:
        for wish in sorted(by_family.get(family, ()), key=lambda wish: state.rounds[wish.key]):
            candidates = state.candidates(wish.key)
            if candidates:
                state.place(wish.key, candidates[0])
    result = Plan(assignments=dict(state.assignments), rounds=dict(state.rounds))
    for wish in problem.wishes:
        if wish.key not in state.assignments:
            result.unplaced[wish.key] = _reason(state, wish)
    return result


# ------------------------------------------------------------
# Checks and figures
# ------------------------------------------------------------


def check_plan(problem, result):
    """Every hard constraint the plan breaks (an empty list for a valid plan).

    :return: list of messages
    """
    state = _State(problem)
    violations = []
    teacher_slots = {}
    family_slots = {}
    for wish in problem.wishes:
        index = result.assignments.get(wish.key)
        if wish.pinned_slot is not None and index != wish.pinned_slot:
            violations.append(f"pinned {wish.key!r} moved or dropped")
        if index is None:
            continue
        if wish.teacher not in state.teachers or wish.family not in state.families:
            violations.append(f"{wish.key!r} placed with an unknown teacher or family")
            continue
        if not 0 <= index < state.slot_count:
            violations.append(f"{wish.key!r} at a slot out of the evening")
            continue
        if not state.teacher_free[wish.teacher][index]:
            violations.append(f"{wish.key!r}: teacher unavailable")
        if not state.family_free[wish.family][index]:
            violations.append(f"{wish.key!r}: family unavailable")
        if (wish.teacher, index) in teacher_slots:
            violations.append(f"{wish.key!r}: teacher double-booked")
        teacher_slots[wish.teacher, index] = wish.key
        family_slots.setdefault(wish.family, []).append((index, state.teachers[wish.teacher].room, wish.key))
    for family, meetings in family_slots.items():
        violations += _family_violations(problem, family, meetings)
    return violations


def _family_violations(problem, family, meetings):
    """Overlaps and missing walking gaps between the meetings [(slot, room, wish key)] of a family."""
    violations = []
    for position, (index, room, key) in enumerate(meetings):
        start, stop = problem.slots[index]
        for other_index, other_room, other_key in meetings[position + 1 :]:
            other_start, other_stop = problem.slots[other_index]
            if start < other_stop and other_start < stop:
                violations.append(f"family {family!r}: {key!r} and {other_key!r} overlap")
            elif (
                problem.walking_gap
                and (room is None or other_room is None or room != other_room)
                and start < other_stop + problem.walking_gap
                and other_start < stop + problem.walking_gap
            ):
                violations.append(f"family {family!r}: no walking gap between {key!r} and {other_key!r}")
    return violations


def fairness_violations(problem, result):
    """Unplaced wishes that a meeting of a later round keeps out: at some slot both the
    teacher and the family have free, everything in the way belongs to later rounds.

    :return: list of (unplaced wish key, slot index)
    """
    state = _State(problem)
    for key, index in sorted(result.assignments.items(), key=lambda item: item[1]):
        state.place(key, index)
    found = []
    for wish in problem.wishes:
        if wish.key in result.assignments or wish.teacher not in state.teachers or wish.family not in state.families:
            continue
        round_index = state.rounds[wish.key]
        for index in range(state.slot_count):
            in_way = _in_way(state, wish, index)
            if in_way is not None and all(state.rounds[other] > round_index for other in in_way):
                found.append((wish.key, index))
                break
    return found


def required_bound(problem):
    """How many required wishes a plan can place at most: per teacher, no more than their
    available slots (a bound, not always reached).

    :return: int
    """
    demand = {}
    for wish in problem.wishes:
        if wish.priority == REQUIRED:
            demand[wish.teacher] = demand.get(wish.teacher, 0) + 1
    slot_count = len(problem.slots)
    teachers = {teacher.key: teacher for teacher in problem.teachers}
    return sum(
        min(count, slot_count - len(teachers[key].unavailable)) for key, count in demand.items() if key in teachers
    )


def plan_figures(problem, result):
    """What a plan gives: satisfied wishes per priority, required placed (%), families'
    idle time (average minutes, over the families with two meetings or more), longest wait
    between two meetings of a family, teachers' load (min, max).

    :return: dict
    """
    wishes = {wish.key: wish for wish in problem.wishes}
    satisfied = dict.fromkeys(PRIORITIES, 0)
    requested = dict.fromkeys(PRIORITIES, 0)
    for wish in problem.wishes:
        requested[wish.priority] += 1
        if wish.key in result.assignments:
            satisfied[wish.priority] += 1
    by_family = {}
    load = {teacher.key: 0 for teacher in problem.teachers}
    for key, index in result.assignments.items():
        by_family.setdefault(wishes[key].family, []).append(index)
        load[wishes[key].teacher] = load.get(wishes[key].teacher, 0) + 1
    idles, spans, longest = [], [], 0
    for indexes in by_family.values():
        ordered = sorted(indexes)
        gaps = [problem.slots[after][0] - problem.slots[before][1] for before, after in pairwise(ordered)]
        spans.append(problem.slots[ordered[-1]][1] - problem.slots[ordered[0]][0])
        if gaps:
            idles.append(sum(gaps))
            longest = max(longest, *gaps)
    return {
        "requested": requested,
        "satisfied": satisfied,
        "weighted": sum(PRIORITY_WEIGHTS[priority] * count for priority, count in satisfied.items()),
        "required_ratio": satisfied[REQUIRED] / requested[REQUIRED] if requested[REQUIRED] else 1.0,
        "average_idle": sum(idles) / len(idles) if idles else 0.0,
        "average_span": sum(spans) / len(spans) if spans else 0.0,
        "longest_wait": longest,
        "load_min": min(load.values()) if load else 0,
        "load_max": max(load.values()) if load else 0,
    }


# ------------------------------------------------------------
# The proven optimum (small instances)
# ------------------------------------------------------------


def solve_exact(problem, time_limit=20.0, weights=None):
    """The plan of the most priority-weighted satisfied wishes, proven by OR-Tools CP-SAT
    (for comparing the planner on small instances).

    :param dict weights: {wish key: weight}, ``PRIORITY_WEIGHTS`` by default
    :return: (Plan, optimal: bool, objective value)
    """
    from ortools.sat.python import cp_model

    state = _State(problem)
    model = cp_model.CpModel()
    variables = _exact_model(state, model)
    weights = weights or {wish.key: PRIORITY_WEIGHTS[wish.priority] for wish in problem.wishes}
    model.maximize(sum(weights[key] * variable for (key, _index), variable in variables.items()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    result = Plan(rounds=dict(state.rounds))
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        result.assignments = {key: index for (key, index), variable in variables.items() if solver.value(variable)}
    result.unplaced = {wish.key: REASON_TEACHER_FULL for wish in problem.wishes if wish.key not in result.assignments}
    return result, status == cp_model.OPTIMAL, solver.objective_value


def _exact_model(state, model):
    """The hard constraints as a CP-SAT model: one boolean per (wish, slot) both sides have free.

    :return: {(wish key, slot index): boolean variable}
    """
    variables = {}
    for wish in state.problem.wishes:
        if wish.teacher not in state.teachers or wish.family not in state.families:
            continue
        for index in range(state.slot_count):
            if state.teacher_free[wish.teacher][index] and state.family_free[wish.family][index]:
                variables[wish.key, index] = model.new_bool_var(f"x_{len(variables)}")
    by_wish, by_teacher, by_family = {}, {}, {}
    for (key, index), variable in variables.items():
        wish = state.wishes[key]
        by_wish.setdefault(key, []).append(variable)
        by_teacher.setdefault((wish.teacher, index), []).append(variable)
        by_family.setdefault(wish.family, []).append((index, state.teachers[wish.teacher].room, variable))
    for wish in state.problem.wishes:
        if wish.pinned_slot is not None:
            model.add(variables[wish.key, wish.pinned_slot] == 1)
        model.add_at_most_one(by_wish.get(wish.key, []))
    for options in by_teacher.values():
        model.add_at_most_one(options)
    for options in by_family.values():
        for position, (index, room, variable) in enumerate(options):
            for other_index, other_room, other_variable in options[position + 1 :]:
                rooms_differ = room is None or other_room is None or room != other_room
                if index == other_index or (rooms_differ and other_index in state.near[index]):
                    model.add_bool_or([variable.Not(), other_variable.Not()])
    return variables


# ------------------------------------------------------------
# Generated instances (tests, benchmark)
# ------------------------------------------------------------


def generate_problem(
    seed,
    families=30,
    teachers=6,
    slot_count=12,
    slot_minutes=5,
    wishes_per_family=(1, 5),
    sibling_ratio=0.25,
    walking_gap=5,
    rooms_shared=0.2,
    unavailability=0.1,
    pinned=0,
    popularity=(0.5, 1.5),
):
    """A random evening: families of one or more children, wishes for their teachers
    (about a third required), some unavailable slots on both sides, some pinned meetings.

    :param tuple popularity: range of the teachers' relative demand

    :return: :class:`Problem`
    """
    rng = random.Random(seed)
    slots = [(index * slot_minutes, (index + 1) * slot_minutes) for index in range(slot_count)]
    teacher_list = []
    rooms = [f"R{index}" for index in range(teachers)]
    for index in range(teachers):
        room = rooms[index - 1] if index and rng.random() < rooms_shared else rooms[index]
        unavailable = set()
        if rng.random() < unavailability * 3:
            start = rng.randrange(slot_count)
            unavailable.update(range(start, min(slot_count, start + rng.randint(1, max(1, slot_count // 6)))))
        teacher_list.append(Teacher(key=f"T{index}", room=room, unavailable=frozenset(unavailable)))
    weights = [rng.uniform(*popularity) for _teacher in teacher_list]
    family_list, wish_list = [], []
    for family_index in range(families):
        key = f"F{family_index}"
        unavailable = set()
        if rng.random() < unavailability:
            start = rng.randrange(slot_count)
            unavailable.update(range(start, min(slot_count, start + rng.randint(1, max(1, slot_count // 4)))))
        family_list.append(Family(key=key, unavailable=frozenset(unavailable)))
        children = 1 + sum(1 for _ in range(3) if rng.random() < sibling_ratio)
        count = rng.randint(*wishes_per_family)
        chosen = set()
        for _attempt in range(count * 3):
            if len(chosen) >= count:
                break
            child = f"{key}C{rng.randrange(children)}"
            teacher = rng.choices(teacher_list, weights=weights)[0].key
            chosen.add((child, teacher))
        for rank, (child, teacher) in enumerate(sorted(chosen)):
            priority = rng.choices(PRIORITIES, weights=(35, 40, 25))[0]
            wish_list.append(
                Wish(key=f"{key}W{rank}", family=key, teacher=teacher, child=child, priority=priority, rank=rank)
            )
    problem = Problem(
        slots=slots, teachers=teacher_list, families=family_list, wishes=wish_list, walking_gap=walking_gap
    )
    if pinned:
        # Pin a few meetings where a first-come plan put them: always a feasible pin.
        baseline = plan_greedy(problem, seed=seed)
        keys = [wish.key for wish in wish_list if wish.key in baseline.assignments]
        chosen_keys = set(rng.sample(keys, min(pinned, len(keys))))
        problem.wishes = [
            dataclasses.replace(wish, pinned_slot=baseline.assignments[wish.key]) if wish.key in chosen_keys else wish
            for wish in wish_list
        ]
    return problem
