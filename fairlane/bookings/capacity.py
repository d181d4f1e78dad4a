"""Publishing capacity: the slots an office offers for a bookable service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.bookings import exam_sites, policy
from fairlane.bookings.models import BookableService, ExamSite, ServiceKind, Slot
from fairlane.bookings.policy import SlotSpec
from fairlane.bookings.selectors import is_office_booking_staff
from fairlane.core import workdays
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput

__all__ = ["SlotSpec", "slots_publish"]


@transaction.atomic
def slots_publish(*, actor: User, service: BookableService, slots: Sequence[SlotSpec | tuple]) -> list[Slot]:
    """Publish `slots` — (starts_at, ends_at, capacity, site) each — of `service`, for
    booking staff of the service's office. All or none: on a working day after today,
    exam sessions at least 10 days ahead (L-DL 第52条), a capacity of at least one, and no
    overlap with another slot at the same site. Exam sessions only at a registered exam
    site of the office, and no day's sessions at a site beyond its day capacity (第54条,
    see exam_sites). New slots belong to no batch."""
    if not is_office_booking_staff(actor, service.office_id):
        raise ApiError(
            "not_office_staff", _("Only booking staff of the service's office may publish slots."), status=403
        )
    # One publisher of a service at a time, so two cannot both pass the overlap check.
    service = BookableService.objects.select_for_update().select_related("office").get(pk=service.pk)
    specs = [_spec(index, spec) for index, spec in enumerate(slots)]
    now = timezone.now()
    exam = service.kind == ServiceKind.EXAM
    errors = policy.slot_errors(
        specs,
        existing=_published_near(service, specs),
        now=now,
        exam=exam,
        working_day=workdays.is_office_working_day,
    )
    if exam:
        # the errors above about a session win over those of its site
        errors = {**_site_errors(service, specs), **errors}
    if errors:
        raise InvalidInput("invalid", _("Some fields are not valid."), errors)
    try:
        with transaction.atomic():
            created = Slot.objects.bulk_create(
                [
                    Slot(
                        service=service,
                        starts_at=spec.starts_at,
                        ends_at=spec.ends_at,
                        capacity=spec.capacity,
                        site=spec.site.strip(),
                        published_at=now,
                    )
                    for spec in specs
                ]
            )
    except IntegrityError:  # the unique time per site, should the check above ever miss
        raise Conflict("slot_exists", _("A slot at this site and time is already published.")) from None
    audit_record(
        action=AuditAction.SLOTS_PUBLISHED,
        actor=actor,
        office=service.office,
        obj=service,
        changes={
            "slots": (None, [slot.pk for slot in created]),
            "places": (None, sum(spec.capacity for spec in specs)),
            "first_starts_at": (None, min(spec.starts_at for spec in specs).astimezone(UTC).isoformat()),
        },
    )
    return created


def _site_errors(service: BookableService, specs: list[SlotSpec]) -> dict[str, str]:
    """The office's exam sites, locked so that two publishers (of any exam subject) cannot
    both fill a site's last places of a day, checked against the new sessions."""
    sites = list(ExamSite.objects.select_for_update().filter(office_id=service.office_id).order_by("pk"))
    days = sorted(
        {
            timezone.localdate(spec.starts_at)
            for spec in specs
            if isinstance(spec.starts_at, datetime) and timezone.is_aware(spec.starts_at)
        }
    )
    published = exam_sites.published_sessions(
        service.office_id, sites=[site.name for site in sites], days=days
    )
    return policy.exam_site_errors(
        specs, published=published, sites=[exam_sites.site_quota(site) for site in sites]
    )


def _spec(index: int, value: SlotSpec | tuple) -> SlotSpec:
    try:
        return SlotSpec(*value)
    except TypeError:
        raise InvalidInput(
            "invalid",
            _("Some fields are not valid."),
            {f"slots.{index}": str(_("Give a start, an end, a capacity and a site."))},
        ) from None


def _published_near(service: BookableService, specs: list[SlotSpec]) -> list[policy.Existing]:
    """The service's published slots that could overlap the new ones."""
    times = [
        value
        for spec in specs
        for value in (spec.starts_at, spec.ends_at)
        if isinstance(value, datetime) and timezone.is_aware(value)
    ]
    if not times:
        return []
    nearby = Slot.objects.filter(
        service=service,
        ends_at__gt=min(times) - timedelta(days=1),
        starts_at__lt=max(times) + timedelta(days=1),
    )
    return [policy.Existing(*row) for row in nearby.values_list("starts_at", "ends_at", "site")]
