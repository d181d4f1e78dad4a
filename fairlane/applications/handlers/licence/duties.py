"""When a licence review or a health certificate falls due, and who owes one (L-DL 第72条,
第74条). The deferrals and the certificate submission check against them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

from django.utils.translation import gettext_lazy as _

from fairlane.applications.handlers.base import ALL, Problem
from fairlane.applications.handlers.licence.shared import holder_age
from fairlane.registry import rules as registry_rules
from fairlane.registry.models import DriverLicence

# L-DL 第72条: holders of these classes are reviewed after every scoring cycle with points.
LARGE_CLASSES: Final = frozenset({"A1", "A2", "A3", "B1", "B2"})
# 第72条, 第74条: review and health certificate are due within 30 days after a scoring cycle.
DAYS_AFTER_CYCLE: Final = 30


def cycle_deadline(cycle_start: date, today: date) -> date:
    """The next day (today or later) by which a review or health certificate is due: 30 days
    after the end of the scoring cycle that ended in the last 30 days, or else of the
    current one. `cycle_start` is the start of the current cycle."""
    day = today - timedelta(days=DAYS_AFTER_CYCLE)
    if day < cycle_start:
        end = cycle_start - timedelta(days=1)
    else:
        end = registry_rules.scoring_cycle_end(cycle_start, day)
    return end + timedelta(days=DAYS_AFTER_CYCLE)


HEALTH_CHECK_AGE: Final = 70  # L-DL 第74条: a yearly certificate from 70
DISABLED_CLASS: Final = "C5"  # and every 3 years for this class


def health_certificate_duty(licence: DriverLicence, today: date) -> bool:
    """Whether the holder must hand in health certificates (L-DL 第74条): aged 70 on the
    day the next one is due, or holding the disabled-adapted class."""
    deadline = cycle_deadline(licence.cycle_start, today)
    return DISABLED_CLASS in licence.classes.split() or holder_age(licence, deadline) >= HEALTH_CHECK_AGE


NO_HEALTH_DUTY = Problem(
    ALL,
    _(
        "Only drivers aged 70 or over and holders of the disabled-adapted car class (C5) hand in "
        "health certificates between renewals."
    ),
)
