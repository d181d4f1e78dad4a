"""Exam sites of an office and their daily quotas (L-DL 第54条: the office sets each site's
and each examiner's maximum daily number of exams). Exam sessions are published only at a
registered site, and never beyond its day capacity (capacity.slots_publish); the quotas are
public (第52条, the office directory)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Final

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role, User
from fairlane.bookings import policy
from fairlane.bookings.models import ExamSite, ServiceKind, Slot
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput
from fairlane.registry.models import Office

# Who may set the quotas of an office's exam sites: its supervisors and administrators.
QUOTA_ROLES: Final = frozenset({Role.SUPERVISOR, Role.ADMIN})


def may_set_quotas(user: User, office_id: int) -> bool:
    return user.is_active and user.role in QUOTA_ROLES and user.office_id == office_id


def office_exam_sites(office: Office | int) -> list[ExamSite]:
    """The office's exam sites by name."""
    office_id = office if isinstance(office, int) else office.pk
    return list(ExamSite.objects.filter(office_id=office_id).order_by("name"))


def day_capacity(site: ExamSite) -> int:
    return policy.site_day_capacity(
        site_daily_quota=site.site_daily_quota,
        examiners=site.examiners,
        examiner_daily_quota=site.examiner_daily_quota,
    )


def site_quota(site: ExamSite) -> policy.SiteQuota:
    return policy.SiteQuota(site.name, site.site_daily_quota, site.examiners, site.examiner_daily_quota)


def published_sessions(
    office_id: int, *, sites: list[str], days: list[date]
) -> list[policy.PublishedSession]:
    """The office's published exam sessions at `sites` on `days` (local days)."""
    if not sites or not days:
        return []
    zone = timezone.get_current_timezone()
    rows = Slot.objects.filter(
        service__office_id=office_id,
        service__kind=ServiceKind.EXAM,
        site__in=sites,
        starts_at__gte=datetime.combine(min(days), time.min, tzinfo=zone),
        starts_at__lt=datetime.combine(max(days) + timedelta(days=1), time.min, tzinfo=zone),
    ).values_list("starts_at", "site", "capacity")
    wanted = set(days)
    return [
        policy.PublishedSession(timezone.localdate(starts), site, capacity)
        for starts, site, capacity in rows
        if timezone.localdate(starts) in wanted
    ]


def _future_places_by_day(office_id: int, site: str) -> dict[date, int]:
    """Places published at the site on each day after today."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    start = datetime.combine(tomorrow, time.min, tzinfo=timezone.get_current_timezone())
    places: dict[date, int] = defaultdict(int)
    for starts, capacity in Slot.objects.filter(
        service__office_id=office_id, service__kind=ServiceKind.EXAM, site=site, starts_at__gte=start
    ).values_list("starts_at", "capacity"):
        places[timezone.localdate(starts)] += capacity
    return dict(places)


@transaction.atomic
def exam_site_save(
    *,
    actor: User,
    office: Office,
    name: str,
    site_daily_quota: int,
    examiners: int,
    examiner_daily_quota: int,
) -> ExamSite:
    """Register an exam site of `office`, or change the quotas of the one of that name, for
    a supervisor or an administrator of the office. Quotas that would leave a future day
    with more places published at the site than its new day capacity are refused."""
    if not may_set_quotas(actor, office.pk):
        raise ApiError(
            "not_office_supervisor",
            _("Only a supervisor or an administrator of the office may set exam site quotas."),
            status=403,
        )
    errors = policy.site_quota_errors(
        site_daily_quota=site_daily_quota, examiners=examiners, examiner_daily_quota=examiner_daily_quota
    )
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        errors["name"] = str(_("Name the exam site."))
    elif len(name) > policy.SITE_MAX_LENGTH:
        errors["name"] = str(_("At most %(limit)d characters.") % {"limit": policy.SITE_MAX_LENGTH})
    if errors:
        raise InvalidInput("invalid", _("Some fields are not valid."), errors)
    # Publishers lock the office's sites too: none can add sessions while the quota changes.
    site = ExamSite.objects.select_for_update().filter(office=office, name=name).first()
    new_capacity = policy.site_day_capacity(
        site_daily_quota=site_daily_quota, examiners=examiners, examiner_daily_quota=examiner_daily_quota
    )
    lowering = policy.site_quota_lowering_errors(
        day_capacity=new_capacity, published_by_day=_future_places_by_day(office.pk, name)
    )
    if lowering:
        raise InvalidInput("quota_below_published", _("Some fields are not valid."), lowering)
    before = (
        {
            "site_daily_quota": site.site_daily_quota,
            "examiners": site.examiners,
            "examiner_daily_quota": site.examiner_daily_quota,
        }
        if site
        else {}
    )
    after = {
        "site_daily_quota": site_daily_quota,
        "examiners": examiners,
        "examiner_daily_quota": examiner_daily_quota,
    }
    if site is None:
        try:
            with transaction.atomic():
                site = ExamSite.objects.create(office=office, name=name, **after)
        except IntegrityError:  # registered at the same moment by someone else
            raise Conflict("exam_site_exists", _("This exam site was just registered: try again.")) from None
    elif before == after:
        return site  # nothing changed: nothing to record
    else:
        for field, value in after.items():
            setattr(site, field, value)
        site.save(update_fields=list(after))
    audit_record(
        action=AuditAction.EXAM_SITE_SAVED,
        actor=actor,
        office=office,
        obj=site,
        changes={
            "site": (name if before else None, name),
            **{
                field: (before.get(field), value)
                for field, value in after.items()
                if before.get(field) != value
            },
        },
    )
    return site
