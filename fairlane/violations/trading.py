"""Point-trading signals (买分卖分, L-PT 第29条): licences that took the points of many other
owners' vehicles. Each not-revoked penalty decision on a vehicle not registered to the
licence holder (`PenaltyDecision.other_owner`) counts; a licence that took the points of
`threshold` or more other vehicles or owners within the window is shown to the office's
reviewers and supervisors (`rules.trading_signal`). A signal is a lead, not a finding:
staff look at the decisions behind it and open a case through the integrity app.

Names and ID numbers are masked here and nowhere unmasked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role, User
from fairlane.core.errors import InvalidInput, NotFound
from fairlane.core.masking import mask_id_number, mask_name
from fairlane.registry.models import DriverLicence, Office
from fairlane.violations import rules
from fairlane.violations.models import PenaltyDecision

SIGNAL_ROLES: Final = frozenset({Role.REVIEWER, Role.SUPERVISOR})
THRESHOLD_MIN: Final = 2
THRESHOLD_MAX: Final = 50
DAYS_MIN: Final = 1
DAYS_MAX: Final = 3 * 366  # three scoring cycles at most
SIGNALS_SHOWN: Final = 500


def default_threshold() -> int:
    return settings.VIOLATIONS_TRADING_THRESHOLD


def default_window_days() -> int:
    return settings.VIOLATIONS_TRADING_WINDOW_DAYS


@dataclass(frozen=True)
class Signal:
    licence_id: int
    holder: str  # masked name
    licence_number: str  # masked ID number
    issuing_office: str  # the office's code
    other_vehicles: int
    other_owners: int
    points: int  # taken for other owners' vehicles in the window
    decisions: int
    last_decided_at: datetime


@dataclass(frozen=True)
class DecisionRow:
    """One decision behind a signal: whose vehicle's points the licence took."""

    number: str
    violation_reference: str
    plate: str
    owner: str  # masked name
    owner_id_number: str  # masked
    points: int
    fine_fen: int
    office: str  # code of the office that decided
    channel: str
    decided_at: datetime


def filter_clean(threshold: object, days: object) -> tuple[int, int]:
    """The threshold and window from a form or a query string, checked; the defaults for
    values left out. InvalidInput names each bad field."""
    errors: dict[str, str] = {}
    values: dict[str, int] = {}
    for field, raw, default, low, high in (
        ("threshold", threshold, default_threshold(), THRESHOLD_MIN, THRESHOLD_MAX),
        ("days", days, default_window_days(), DAYS_MIN, DAYS_MAX),
    ):
        if raw is None or raw == "":
            values[field] = default
            continue
        try:
            number = int(str(raw).strip())
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            errors[field] = str(
                _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
            )
            continue
        values[field] = number
    if errors:
        raise InvalidInput("invalid", _("Some fields are not valid."), errors)
    return values["threshold"], values["days"]


def is_signal_staff(user: User) -> bool:
    return user.is_active and user.role in SIGNAL_ROLES and user.office_id is not None


def _counted(since: datetime) -> QuerySet[PenaltyDecision]:
    return PenaltyDecision.objects.filter(other_owner=True, revoked_at__isnull=True, decided_at__gte=since)


def _in_office(decisions: QuerySet[PenaltyDecision], office: Office | None) -> QuerySet[PenaltyDecision]:
    """Decisions of the licences the office has to do with: it issued the licence, or it
    made one of the counted decisions. All their counted decisions count, wherever made."""
    if office is None:
        return decisions
    licences = decisions.filter(Q(office=office) | Q(licence__issuing_office=office)).values("licence_id")
    return decisions.filter(licence_id__in=licences)


def point_trading_signals(*, office: Office | None, since: datetime, threshold: int) -> list[Signal]:
    """Licences whose counted decisions since `since` meet `rules.trading_signal`, the most
    other vehicles first. `office` None: all offices."""
    per_licence = (
        _in_office(_counted(since), office)
        .values("licence_id")
        .annotate(
            vehicles=Count("violation__vehicle_id", distinct=True),
            owners=Count("violation__vehicle__owner_id_number", distinct=True),
            taken=Sum("points"),
            decisions=Count("pk"),
            last=Max("decided_at"),
        )
        # Owners are never more than vehicles, so a signal has at least `threshold`
        # vehicles: only those rows come back, and the rule decides among them.
        .filter(vehicles__gte=threshold)
        .order_by("-vehicles", "-owners", "-last")
    )
    rows = [
        row
        for row in per_licence[:SIGNALS_SHOWN]
        if rules.trading_signal(
            other_owners=row["owners"], other_vehicles=row["vehicles"], threshold=threshold
        )
    ]
    licences = DriverLicence.objects.select_related("issuing_office").in_bulk(
        [row["licence_id"] for row in rows]
    )
    return [
        Signal(
            licence_id=row["licence_id"],
            holder=mask_name(licences[row["licence_id"]].holder_name),
            licence_number=mask_id_number(licences[row["licence_id"]].id_number),
            issuing_office=licences[row["licence_id"]].issuing_office.code,
            other_vehicles=row["vehicles"],
            other_owners=row["owners"],
            points=row["taken"] or 0,
            decisions=row["decisions"],
            last_decided_at=row["last"],
        )
        for row in rows
    ]


def since_of(days: int, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=days)


def signals_for_staff(user: User, *, threshold: int, days: int) -> list[Signal]:
    if not is_signal_staff(user):
        return []
    return point_trading_signals(office=user.office, since=since_of(days), threshold=threshold)


def access_signal_licence(user: User, licence_id: int, *, days: int) -> DriverLicence:
    """A licence with counted decisions in the window that concern the user's office, for
    its reviewers and supervisors; otherwise NotFound."""
    if not is_signal_staff(user):
        raise NotFound("not_found", _("No such licence."))
    exists = _in_office(_counted(since_of(days)), user.office).filter(licence_id=licence_id).exists()
    licence = DriverLicence.objects.select_related("issuing_office").filter(pk=licence_id).first()
    if not exists or licence is None:
        raise NotFound("not_found", _("No such licence."))
    return licence


def other_vehicle_decisions(licence: DriverLicence, *, days: int) -> list[DecisionRow]:
    """The counted decisions of `licence` in the window, newest first."""
    decisions = (
        _counted(since_of(days))
        .filter(licence=licence)
        .select_related("violation__vehicle", "office")
        .order_by("-decided_at", "-pk")
    )
    return [
        DecisionRow(
            number=decision.number,
            violation_reference=decision.violation.reference,
            plate=decision.violation.plate,
            owner=mask_name(decision.violation.vehicle.owner_name),
            owner_id_number=mask_id_number(decision.violation.vehicle.owner_id_number),
            points=decision.points,
            fine_fen=decision.fine_fen,
            office=decision.office.code,
            channel=decision.get_channel_display(),
            decided_at=decision.decided_at,
        )
        for decision in decisions
    ]
