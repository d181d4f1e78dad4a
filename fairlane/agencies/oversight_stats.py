"""What the office sees of its agencies: volumes, rejection rate, complaints, disputes, fees
and today's requests against the daily cap, for a period (the last 30 days by default).

Statistics for any number of agencies take three aggregate queries (authorisations,
applications, complaints), grouped by agency: never one query per agency.

What each number counts, for a period from `since` to `until` (both days included):
- authorisations requested (requested_at in it), confirmed (confirmed_at in it), revoked
  (status revoked, ended_at in it), the average agreed fee of those confirmed in it and the
  average fee the citizens said they paid (fee_confirmed_at in it);
- applications filed by the agency's agents (submitted_at in it), how many of those were
  decided (approved or beyond, or rejected) and rejected;
- complaints open now (whenever opened: a backlog has no period), upheld or dismissed in
  it (decided_at), and payment disputes opened in it;
- authorisations requested today (Asia/Shanghai), against the agency's daily cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from django.db.models import Avg, Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.agencies import rules
from fairlane.agencies.models import (
    Agency,
    AgencyKind,
    AgencyMember,
    AgencyStatus,
    Authorisation,
    AuthorisationStatus,
    Ban,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
)
from fairlane.applications.models import Application, ApplicationStatus
from fairlane.core.errors import InvalidInput

DAYS_DEFAULT: Final = 30
DAYS_MAX: Final = 366
# Statuses an application reaches only once the office decided it.
DECIDED: Final = (
    ApplicationStatus.APPROVED,
    ApplicationStatus.PRODUCED,
    ApplicationStatus.DELIVERED,
    ApplicationStatus.COLLECTED,
    ApplicationStatus.CLOSED,
    ApplicationStatus.REJECTED,
)


@dataclass(frozen=True)
class Period:
    since: date
    until: date  # included

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as [start, end) in aware datetimes of the current time zone."""
        return _day_start(self.since), _day_start(self.until + timedelta(days=1))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def last_days(days: int = DAYS_DEFAULT, *, today: date | None = None) -> Period:
    """The `days` days up to and including today."""
    today = today or timezone.localdate()
    return Period(since=today - timedelta(days=days - 1), until=today)


@dataclass(frozen=True)
class Filters:
    status: str  # "" for every status
    kind: str  # "" for every kind
    period: Period


def filters_clean(status: object = None, kind: object = None, days: object = None) -> Filters:
    """The list's filters from query parameters, or InvalidInput naming the bad ones."""
    fields: dict[str, str] = {}
    status_text = str(status or "").strip()
    kind_text = str(kind or "").strip()
    if status_text and status_text not in AgencyStatus.values:
        fields["status"] = str(_("Choose a status from the list."))
    if kind_text and kind_text not in AgencyKind.values:
        fields["kind"] = str(_("Choose a kind from the list."))
    days_value = DAYS_DEFAULT
    days_text = str(days if days is not None else "").strip()
    if days_text:
        if not days_text.isdigit() or not 1 <= int(days_text) <= DAYS_MAX:
            fields["days"] = str(_("A whole number of days from 1 to %(most)d.") % {"most": DAYS_MAX})
        else:
            days_value = int(days_text)
    if fields:
        raise InvalidInput("invalid", _("Some fields are not valid."), fields)
    return Filters(status=status_text, kind=kind_text, period=last_days(days_value))


@dataclass(frozen=True)
class AgencyStats:
    requested: int = 0
    confirmed: int = 0
    revoked: int = 0
    applications: int = 0
    decided: int = 0
    rejected: int = 0
    complaints_open: int = 0
    complaints_upheld: int = 0
    complaints_dismissed: int = 0
    disputes: int = 0
    average_fee_paid_fen: int | None = None
    average_fee_agreed_fen: int | None = None
    requested_today: int = 0
    daily_cap: int = 0

    @property
    def rejection_rate(self) -> float | None:
        return rules.rate(self.rejected, self.decided)

    @property
    def rejection_percent(self) -> int | None:
        rate = self.rejection_rate
        return None if rate is None else round(rate * 100)

    @property
    def cap_reached(self) -> bool:
        return self.requested_today >= self.daily_cap


def _fen(value: object) -> int | None:
    return None if value is None else round(float(str(value)))


def agency_stats(
    agencies: list[Agency], period: Period, *, now: datetime | None = None
) -> dict[int, AgencyStats]:
    """Statistics of each of `agencies` for `period`, by agency id (three queries)."""
    if not agencies:
        return {}
    now = now or timezone.now()
    ids = [agency.pk for agency in agencies]
    start, end = period.bounds()
    today_start = _day_start(timezone.localdate(now))

    def within(field: str) -> Q:
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})

    authorisations = {
        row["agency_id"]: row
        for row in Authorisation.objects.filter(agency_id__in=ids)
        .filter(
            within("requested_at")
            | within("confirmed_at")
            | within("ended_at")
            | within("fee_confirmed_at")
            | Q(requested_at__gte=today_start)
        )
        .values("agency_id")
        .annotate(
            requested=Count("pk", filter=within("requested_at")),
            confirmed=Count("pk", filter=within("confirmed_at")),
            revoked=Count("pk", filter=within("ended_at") & Q(status=AuthorisationStatus.REVOKED)),
            paid=Avg("fee_paid_fen", filter=within("fee_confirmed_at") & Q(fee_paid_fen__isnull=False)),
            agreed=Avg("fee_fen", filter=within("confirmed_at")),
            today=Count("pk", filter=Q(requested_at__gte=today_start)),
        )
        .order_by()
    }
    member_agency = "agent__agency_membership__agency_id"
    applications = {
        row[member_agency]: row
        for row in Application.objects.filter(**{f"{member_agency}__in": ids})
        .filter(within("submitted_at"))
        .values(member_agency)
        .annotate(
            filed=Count("pk"),
            decided=Count("pk", filter=Q(status__in=DECIDED)),
            rejected=Count("pk", filter=Q(status=ApplicationStatus.REJECTED)),
        )
        .order_by()
    }
    complaints = {
        row["agency_id"]: row
        for row in Complaint.objects.filter(agency_id__in=ids)
        .filter(Q(status=ComplaintStatus.OPEN) | within("decided_at") | within("opened_at"))
        .values("agency_id")
        .annotate(
            open=Count("pk", filter=Q(status=ComplaintStatus.OPEN)),
            upheld=Count("pk", filter=within("decided_at") & Q(status=ComplaintStatus.UPHELD)),
            dismissed=Count("pk", filter=within("decided_at") & Q(status=ComplaintStatus.DISMISSED)),
            disputes=Count("pk", filter=within("opened_at") & Q(kind=ComplaintKind.DISPUTED)),
        )
        .order_by()
    }
    result: dict[int, AgencyStats] = {}
    for agency in agencies:
        given = authorisations.get(agency.pk, {})
        filed = applications.get(agency.pk, {})
        complained = complaints.get(agency.pk, {})
        result[agency.pk] = AgencyStats(
            requested=given.get("requested", 0),
            confirmed=given.get("confirmed", 0),
            revoked=given.get("revoked", 0),
            applications=filed.get("filed", 0),
            decided=filed.get("decided", 0),
            rejected=filed.get("rejected", 0),
            complaints_open=complained.get("open", 0),
            complaints_upheld=complained.get("upheld", 0),
            complaints_dismissed=complained.get("dismissed", 0),
            disputes=complained.get("disputes", 0),
            average_fee_paid_fen=_fen(given.get("paid")),
            average_fee_agreed_fen=_fen(given.get("agreed")),
            requested_today=given.get("today", 0),
            daily_cap=agency.daily_cap,
        )
    return result


@dataclass(frozen=True)
class AgencyRow:
    agency: Agency
    stats: AgencyStats


def agency_rows(agencies: list[Agency], period: Period) -> list[AgencyRow]:
    stats = agency_stats(agencies, period)
    return [AgencyRow(agency=agency, stats=stats[agency.pk]) for agency in agencies]


# --- One agency's people, complaints and bans; the published bans -----------------------------

RECENT_COMPLAINTS: Final = 20


def agency_members(agency: Agency) -> list[AgencyMember]:
    """Everyone who works or worked for the agency: managers first, then active ones."""
    return list(
        AgencyMember.objects.filter(agency=agency)
        .select_related("user")
        .order_by("-is_manager", "-active", "pk")
    )


def recent_complaints(agency: Agency) -> list[Complaint]:
    return list(Complaint.objects.filter(agency=agency).order_by("-opened_at", "-pk")[:RECENT_COMPLAINTS])


def agency_bans(agency: Agency) -> list[Ban]:
    return list(Ban.objects.filter(agency=agency).select_related("person").order_by("-starts_on", "-pk"))


def bans_published(*, today: date | None = None) -> QuerySet[Ban]:
    """Every ban, those in force first (the latest first), then past ones. Bans are
    published: the rules want the sanction known."""
    today = today or timezone.localdate()
    in_force = Q(starts_on__lte=today, ends_on__gte=today)
    return (
        Ban.objects.select_related("agency", "person")
        .annotate(in_force=Case(When(in_force, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .order_by("-in_force", "-starts_on", "-pk")
    )
