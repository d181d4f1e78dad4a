"""The end of scoring cycles: every licence whose cycle ended moves into its current one
through `points.cycle_roll`, which clears or carries the points as the rules say.

Run daily by `manage.py close_scoring_cycles`. Idempotent and safe to run twice at once:
each licence is locked while it is looked at, and one already in its current cycle is left
as it is, so a second run (or a parallel one) finds nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from fairlane.registry.models import DriverLicence
from fairlane.violations import points, rules

CHUNK = 500
SHORTEST_YEAR = timedelta(days=365)


@dataclass(frozen=True)
class CyclesClosed:
    examined: int  # licences whose stored cycle had ended when they were listed
    rolled: int  # of those, moved on by this run (the rest: by a parallel run)


def _roll_one(pk: int, today: date) -> bool:
    with transaction.atomic():
        licence = points.licence_locked(DriverLicence(pk=pk))
        if licence.cycle_start >= rules.cycle_start_on(licence.first_issued_on, today):
            return False  # a parallel run was first
        points.cycle_roll(licence=licence, today=today)
        return True


def cycles_close(*, today: date | None = None, chunk: int = CHUNK) -> CyclesClosed:
    """Close every ended cycle as of `today`, `chunk` licences at a time, each licence in
    its own transaction (one failing does not undo the others)."""
    today = today or timezone.localdate()
    # A cycle lasts a year, so only a cycle that started a year ago or more can have ended.
    candidates = DriverLicence.objects.filter(cycle_start__lte=today - SHORTEST_YEAR).order_by("pk")
    examined = rolled = 0
    last = 0
    while True:
        rows = list(
            candidates.filter(pk__gt=last).values_list("pk", "first_issued_on", "cycle_start")[:chunk]
        )
        if not rows:
            break
        last = rows[-1][0]
        for pk, first_issued_on, cycle_start in rows:
            if cycle_start >= rules.cycle_start_on(first_issued_on, today):
                continue
            examined += 1
            rolled += _roll_one(pk, today)
    return CyclesClosed(examined=examined, rolled=rolled)
