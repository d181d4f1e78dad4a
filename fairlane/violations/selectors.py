"""Reads of violations, always through what the viewer may see."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.core.errors import NotFound
from fairlane.registry.models import DriverLicence, Vehicle
from fairlane.violations.models import (
    BindingStatus,
    FineStatus,
    Violation,
    ViolationStatus,
)


def _visible_q(user: User) -> Q:
    """A citizen sees the violations of the vehicles registered to them, and those of the
    vehicles they bound that happened after the owner confirmed the binding."""
    own = Q(vehicle__owner_id_number=user.id_number)
    bound = Q(
        vehicle__bindings__driver=user,
        vehicle__bindings__status=BindingStatus.ACTIVE,
        occurred_at__gte=F("vehicle__bindings__confirmed_at"),
    )
    return own | bound


def violations_visible_to(user: User) -> QuerySet[Violation]:
    if not user.id_number:
        return Violation.objects.none()
    return (
        Violation.objects.filter(_visible_q(user))
        .distinct()
        .select_related("vehicle", "code", "office")
        .order_by("-occurred_at", "-pk")
    )


def access_violation(user: User, reference: str) -> Violation:
    violation = violations_visible_to(user).filter(reference=reference).first()
    if violation is None:
        raise NotFound("not_found", _("No such violation."))
    return violation


def violations_for_staff(user: User) -> QuerySet[Violation]:
    """Office staff see the violations that happened in their office's area and those of
    vehicles their office registered."""
    if not user.is_office_staff or user.office_id is None:
        return Violation.objects.none()
    return Violation.objects.filter(
        Q(office_id=user.office_id) | Q(vehicle__office_id=user.office_id)
    ).select_related("vehicle", "code", "office")


def access_violation_for_staff(user: User, reference: str) -> Violation:
    violation = violations_for_staff(user).filter(reference=reference).first()
    if violation is None:
        raise NotFound("not_found", _("No such violation."))
    return violation


def unsettled_of_vehicle(vehicle: Vehicle) -> int:
    """Violations of the vehicle not yet settled: not handled, or handled with the fine
    unpaid. The inspection mark, transfers and deregistration wait for these (L-VR 第54条)."""
    return (
        Violation.objects.filter(vehicle=vehicle)
        .filter(
            Q(status=ViolationStatus.UNHANDLED)
            | Q(status=ViolationStatus.HANDLED, decision__fine__status=FineStatus.UNPAID)
        )
        .count()
    )


def unpaid_fines_of_licence(licence: DriverLicence) -> int:
    return Violation.objects.filter(
        decision__licence=licence, decision__fine__status=FineStatus.UNPAID
    ).count()
