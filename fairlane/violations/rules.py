"""Pure rules for violations, points, fines and point reduction. No database: functions take
plain values and return values or the reasons something is refused.

Sources as in reference/china-dmv-facts.md: L-PT 记分管理办法, L-VP 违法行为处理程序规定,
L-RTSL 道路交通安全法, L-APL 行政处罚法.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fairlane.registry.models import LicenceStatus
from fairlane.registry.rules import add_months, add_years

FULL_SCORE: Final = 12  # L-PT 第3条
NOTIFY_WITHIN_DAYS: Final = 5  # L-VP 第20条: the violator is told within 5 days of entry
HANDLE_WITHIN_DAYS: Final = 30  # L-VP 第20条: … and asked to handle it within 30 days
SIMPLE_PROCEDURE_MAX_FINE_FEN: Final = 20_000  # L-RTSL 第107条: a fine of ¥200 or less on the spot
PAY_WITHIN_DAYS: Final = 15  # L-RTSL 第108条, L-APL 第67条
LATE_FEE_PERCENT_PER_DAY: Final = 3  # L-RTSL 第109条, L-APL 第72条; capped at the fine (L-VP 第60条)
OBJECTION_REVIEW_WORKING_DAYS: Final = 5  # L-VP 第5条
MAX_BOUND_VEHICLES: Final = 3  # vehicles not in one's own name (facts §2.7, 🟡)
PROBATION_MONTHS: Final = 12  # L-DL 第76条

# 学法减分, L-PT 第25–27条.
REDUCTION_MAX_PER_CYCLE: Final = 6
REDUCTION_PER_ONLINE_STUDY: Final = 1
STUDY_SECONDS_REQUIRED: Final = 30 * 60  # 30 minutes …
STUDY_WINDOW: Final = timedelta(days=3)  # … within 3 days
# The page sends a heartbeat every 30 seconds; a gap longer than this counts only this much,
# so time with the page closed or asleep earns nothing.
HEARTBEAT_CREDIT_CAP: Final = timedelta(seconds=60)
QUIZ_QUESTIONS: Final = 10
QUIZ_PASS_MARK: Final = 9  # correct answers needed
CYCLES_LOOKED_BACK: Final = 3  # 第26条: "the last three scoring cycles"

# 满分教育, L-PT 第18条: classes whose holders study 30 days instead of 7.
HEAVY_CLASSES: Final = frozenset({"A1", "A2", "A3", "B1", "B2"})
FULL_SCORE_DAYS: Final = {False: (7, 7, 60), True: (30, 30, 120)}  # heavy → (base, step, cap)

# Licence statuses with which a driver may still handle a violation online: the licence is
# valid and neither detained, suspended nor over the points limit.
HANDLING_LICENCE_STATUSES: Final = frozenset({LicenceStatus.NORMAL})


@dataclass(frozen=True)
class Refusal:
    """Why something may not be done: a stable code for the API and words for the person."""

    code: str
    message: str | Promise


# ---------------------------------------------------------------------------------------
# Deadlines and money
# ---------------------------------------------------------------------------------------


def handle_by(notified_on: date) -> date:
    """Last day of the 30 days to handle a violation, counted from the day of the notice."""
    return notified_on + timedelta(days=HANDLE_WITHIN_DAYS)


def fine_due_on(decided_on: date) -> date:
    """Last day to pay a fine without a late fee: 15 days after the decision."""
    return decided_on + timedelta(days=PAY_WITHIN_DAYS)


def late_fee_fen(*, fine_fen: int, due_on: date, paid_on: date) -> int:
    """The late fee on paying `fine_fen` on `paid_on`: 3 % of the fine for each day after
    `due_on`, rounded half up to the fen, and never more than the fine itself."""
    if fine_fen < 0:
        raise ValueError("a fine is never negative")
    days = max(0, (paid_on - due_on).days)
    uncapped = (fine_fen * LATE_FEE_PERCENT_PER_DAY * days + 50) // 100
    return min(uncapped, fine_fen)


def is_simple_procedure(*, procedure: str, fine_fen: int) -> bool:
    """A warning or a fine of ¥200 or less under a code the simple procedure covers."""
    return procedure == "simple" and fine_fen <= SIMPLE_PROCEDURE_MAX_FINE_FEN


# ---------------------------------------------------------------------------------------
# Scoring cycles and points
# ---------------------------------------------------------------------------------------


def cycle_start_on(first_issued_on: date, today: date) -> date:
    """First day of the 12-month scoring cycle that contains `today`. Cycles run from the
    day the licence was first issued, one after another without gaps (L-PT 第3条)."""
    if today < first_issued_on:
        return first_issued_on
    years = max(0, today.year - first_issued_on.year - 1)
    while add_years(first_issued_on, years + 1) <= today:
        years += 1
    return add_years(first_issued_on, years)


def next_cycle_start(first_issued_on: date, cycle_start: date) -> date:
    """First day of the cycle after the one that starts on `cycle_start`. Counted from the
    first issue date, so a licence first issued on 29 February starts its cycles on
    28 February in common years and on 29 February again in leap years."""
    return add_years(first_issued_on, cycle_start.year - first_issued_on.year + 1)


def cycle_end(first_issued_on: date, cycle_start: date) -> date:
    """Last day of the cycle that starts on `cycle_start`."""
    return next_cycle_start(first_issued_on, cycle_start) - timedelta(days=1)


def earlier_cycle_starts(first_issued_on: date, cycle_start: date, count: int) -> list[date]:
    """`cycle_start` and the starts of the `count - 1` cycles before it, newest first."""
    years = cycle_start.year - first_issued_on.year
    return [cycle_start] + [add_years(first_issued_on, years - n) for n in range(1, count)]


def carry_over(*, net_by_decision: Mapping[int | None, int], unpaid: frozenset[int]) -> dict[int | None, int]:
    """What a closing cycle passes to the next, from its net points per decision (None for
    what no decision caused, such as reductions).

    Under 12 points everything is cleared except the points of decisions whose fine is still
    unpaid (L-PT 第15条). At 12 or more nothing is cleared: only passing the full-score
    study clears them (第23条), so every entry goes on."""
    total = sum(net_by_decision.values())
    if total >= FULL_SCORE:
        return {key: points for key, points in net_by_decision.items() if points}
    return {key: points for key, points in net_by_decision.items() if key in unpaid and points > 0}


def full_score_study_days(*, classes: str, occurrence: int, points: int) -> int:
    """Days of full-score study: 7 (30 for heavy classes), plus 7 (30) for each further full
    score in the cycle or each further 12 points, at most 60 (120) (L-PT 第18条)."""
    heavy = any(code in HEAVY_CLASSES for code in classes.split())
    base, step, cap = FULL_SCORE_DAYS[heavy]
    further = max(occurrence - 1, points // FULL_SCORE - 1, 0)
    return min(base + step * further, cap)


def full_score_extra_subjects(*, occurrence: int, points: int) -> str:
    """Driving tests to pass besides the theory test (L-PT 第22条): the road test (3) after a
    second full score or 24–35 points; the site and road tests (2 and 3) after a third or
    36 points and more."""
    if occurrence >= 3 or points >= 3 * FULL_SCORE:
        return "2 3"
    if occurrence == 2 or points >= 2 * FULL_SCORE:
        return "3"
    return ""


# ---------------------------------------------------------------------------------------
# Handling a violation
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandlingCase:
    """Everything the online-handling rules look at."""

    today: date
    violation_status: str
    camera: bool
    procedure: str  # of the violation's code
    fine_fen: int
    points: int
    occurred_at: datetime
    licence_status: str
    licence_valid_until: date | None  # None: long-term
    points_now: int  # in the licence's current cycle
    own_vehicle: bool  # registered to the licence holder
    bound_since: datetime | None  # another's vehicle: when its owner confirmed the binding


def licence_usable(status: str, valid_until: date | None, today: date) -> bool:
    return status in HANDLING_LICENCE_STATUSES and (valid_until is None or valid_until >= today)


def online_handling_refusals(case: HandlingCase) -> list[Refusal]:
    """Why the driver may not handle this violation online; empty when they may."""
    found: list[Refusal] = []
    if case.violation_status != "unhandled":
        return [Refusal("not_unhandled", _("This violation is not waiting to be handled."))]
    if not case.own_vehicle:
        if case.bound_since is None:
            found.append(
                Refusal(
                    "not_bound",
                    _("This vehicle is not registered to you: bind it first, with its owner's consent."),
                )
            )
        elif case.occurred_at < case.bound_since:
            found.append(
                Refusal(
                    "before_binding",
                    _(
                        "It happened before the vehicle was bound to you: only later violations can be handled."
                    ),
                )
            )
    if not case.camera:
        found.append(Refusal("not_camera", _("Only camera-recorded violations can be handled online.")))
    if not is_simple_procedure(procedure=case.procedure, fine_fen=case.fine_fen):
        found.append(
            Refusal(
                "general_procedure",
                _("A fine over ¥200 or a heavier penalty is decided at a window, not online."),
            )
        )
    if not licence_usable(case.licence_status, case.licence_valid_until, case.today):
        found.append(
            Refusal(
                "licence_not_valid",
                _(
                    "Your licence is not valid, or it is detained or over the points limit: handle it at a window."
                ),
            )
        )
    if case.points_now >= FULL_SCORE and not case.own_vehicle:
        # L-PT 第14条: at 12 points no other vehicle's violation may be handled at all.
        found.append(
            Refusal(
                "full_score_other_vehicle",
                _("You have 12 points in this cycle, so you may not handle another vehicle's violations."),
            )
        )
    elif case.points_now + case.points >= FULL_SCORE:
        found.append(
            Refusal(
                "would_reach_full_score",
                _(
                    "Handling it would bring you to %(points)d points in this cycle: "
                    "12 points or more are handled at a window."
                )
                % {"points": case.points_now + case.points},
            )
        )
    return found


def window_handling_refusals(*, violation_status: str, points_now: int, own_vehicle: bool) -> list[Refusal]:
    """At a window only the 12-point rule of L-PT 第14条 limits who takes the points."""
    if violation_status != "unhandled":
        return [Refusal("not_unhandled", _("This violation is not waiting to be handled."))]
    if points_now >= FULL_SCORE and not own_vehicle:
        return [
            Refusal(
                "full_score_other_vehicle",
                _("This driver has 12 points in the cycle and may not handle another vehicle's violations."),
            )
        ]
    return []


def binding_refusals(*, own_vehicle: bool, open_bindings: int, already_bound: bool) -> list[Refusal]:
    """Why a driver may not ask to bind a vehicle."""
    if own_vehicle:
        return [
            Refusal("own_vehicle", _("This vehicle is registered to you: it is already yours to handle."))
        ]
    if already_bound:
        return [Refusal("already_bound", _("You have already bound this vehicle or asked to."))]
    if open_bindings >= MAX_BOUND_VEHICLES:
        return [
            Refusal(
                "too_many_bindings",
                _("You may bind at most %(count)d vehicles not registered to you.")
                % {"count": MAX_BOUND_VEHICLES},
            )
        ]
    return []


# ---------------------------------------------------------------------------------------
# Point reduction (学法减分)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReductionCase:
    """Everything the point-reduction rules look at (L-PT 第25–26条)."""

    today: date
    licence_status: str
    licence_valid_until: date | None
    first_issued_on: date
    points_now: int
    reduced_this_cycle: int  # points already taken off by study in this cycle
    unhandled_violations: int  # of vehicles the driver owns, or recorded against them
    unpaid_fines: int
    full_score_studies_recent: int  # in this cycle and the previous one
    barring_offences_recent: int  # decisions under a barring code in the last 3 cycles
    falsified_studies_recent: int  # education faked in the last 3 cycles
    owned_vehicles_overdue: int  # inspection overdue, or due for scrapping and not deregistered


def on_probation(first_issued_on: date, today: date) -> bool:
    return today < add_months(first_issued_on, PROBATION_MONTHS)


def reduction_refusals(case: ReductionCase) -> list[Refusal]:
    """Why the driver may not reduce points by study now; empty when they may."""
    found: list[Refusal] = []
    if case.points_now <= 0:
        found.append(Refusal("no_points", _("You have no points in this cycle to reduce.")))
    if case.points_now >= FULL_SCORE:
        found.append(Refusal("full_score", _("With 12 points or more you attend full-score study instead.")))
    if case.reduced_this_cycle >= REDUCTION_MAX_PER_CYCLE:
        found.append(
            Refusal(
                "cycle_limit",
                _("You have already reduced %(count)d points in this cycle, the most allowed.")
                % {"count": REDUCTION_MAX_PER_CYCLE},
            )
        )
    if case.unhandled_violations:
        found.append(Refusal("unhandled", _("Handle your outstanding violations first.")))
    if case.unpaid_fines:
        found.append(Refusal("unpaid_fines", _("Pay your outstanding fines first.")))
    if not licence_usable(case.licence_status, case.licence_valid_until, case.today):
        found.append(
            Refusal("licence_not_valid", _("Your licence is not valid, or it is detained or suspended."))
        )
    if on_probation(case.first_issued_on, case.today):
        found.append(Refusal("probation", _("Drivers on probation cannot reduce points.")))
    if case.full_score_studies_recent >= 2:
        found.append(
            Refusal(
                "full_score_twice",
                _("Two or more full-score studies in this or the previous cycle bar point reduction."),
            )
        )
    if case.barring_offences_recent:
        found.append(
            Refusal(
                "barring_offence",
                _(
                    "A penalty in the last three cycles for hit-and-run, drink-driving, false plates "
                    "or trading points bars point reduction."
                ),
            )
        )
    if case.falsified_studies_recent:
        found.append(
            Refusal("falsified", _("Faked education in the last three cycles bars point reduction."))
        )
    if case.owned_vehicles_overdue:
        found.append(
            Refusal(
                "vehicle_overdue",
                _("A vehicle of yours is overdue for inspection or for deregistration: settle that first."),
            )
        )
    return found


def reducible_points(*, points_now: int, reduced_this_cycle: int) -> int:
    """How many points one passed online study removes now: 1, or 0 at the cycle's limit."""
    left = REDUCTION_MAX_PER_CYCLE - reduced_this_cycle
    return max(0, min(REDUCTION_PER_ONLINE_STUDY, left, points_now))


def study_credit(*, last_seen_at: datetime, now: datetime) -> timedelta:
    """Study time a heartbeat at `now` earns: the time since the last one, at most the cap."""
    if now <= last_seen_at:
        return timedelta(0)
    return min(now - last_seen_at, HEARTBEAT_CREDIT_CAP)


def quiz_passed(correct: int) -> bool:
    return correct >= QUIZ_PASS_MARK


# ---------------------------------------------------------------------------------------
# Point-trading signals
# ---------------------------------------------------------------------------------------


def trading_signal(*, other_owners: int, other_vehicles: int, threshold: int) -> bool:
    """A licence that took the points of `threshold` or more other owners, or of as many
    other vehicles, within the window looks like a point seller (分虫) and is shown to staff."""
    return other_owners >= threshold or other_vehicles >= threshold
