"""Handlers of the driving-licence items (L-DL, 机动车驾驶证申领和使用规定).

Each item's rules are pure functions of the `Facts` and the cleaned form; `apply` changes
the licence through `licence_update` (shared.py), which puts every change on the audit
trail. renewal.py: 期满换证; exchanges.py: a new card with the same dates; downgrades.py:
fewer classes; deferrals.py: 延期; records.py: health certificate, cancellation, electronic
licence; duties.py: when a review or certificate falls due.
"""

from __future__ import annotations

from fairlane.applications.handlers.base import Handler
from fairlane.applications.handlers.licence.deferrals import HealthDeferral, RenewalDeferral, ReviewDeferral
from fairlane.applications.handlers.licence.downgrades import AgeDowngrade, Downgrade
from fairlane.applications.handlers.licence.exchanges import (
    DamagedReplacement,
    InformationChange,
    LostReplacement,
    TransferIn,
)
from fairlane.applications.handlers.licence.records import Cancellation, ElectronicIssue, HealthSubmission
from fairlane.applications.handlers.licence.renewal import Renewal

HANDLERS: list[Handler] = [
    Renewal(),
    LostReplacement(),
    DamagedReplacement(),
    InformationChange(),
    TransferIn(),
    Downgrade(),
    AgeDowngrade(),
    RenewalDeferral(),
    ReviewDeferral(),
    HealthDeferral(),
    HealthSubmission(),
    Cancellation(),
    ElectronicIssue(),
]
