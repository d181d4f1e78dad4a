"""Binding another owner's vehicle (绑定他人机动车): a driver asks, the owner confirms or
refuses in their own signed-in account, and from the confirmation on the driver sees and
may handle that vehicle's new violations. Either side may end it.

The owner confirms with a POST from their own session: accounts offer no one-time SMS code
for anything but registration, and the session already proves the account.
"""

from __future__ import annotations

from typing import Final

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound
from fairlane.core.ratelimit import RateLimit
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send
from fairlane.registry.models import Vehicle
from fairlane.violations import rules
from fairlane.violations.handling import limit_hit
from fairlane.violations.models import BINDING_OPEN, BindingStatus, VehicleBinding

# Each ask sends the owner an SMS: ten tries an hour covers typing errors and the three
# vehicles one may bind.
REQUEST_PER_HOUR: Final = RateLimit("binding-request", 10, 3600)
BINDINGS_PAGE: Final = "/violations/bindings/"


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput("invalid", _("Some fields are not valid."), {field: message})


def _owner_of(vehicle: Vehicle) -> User | None:
    return User.objects.filter(id_number=vehicle.owner_id_number, is_active=True).first()


def bindings_of_driver(user: User) -> QuerySet[VehicleBinding]:
    return (
        VehicleBinding.objects.filter(driver=user).select_related("vehicle").order_by("-requested_at", "-pk")
    )


def bindings_of_owner(user: User) -> QuerySet[VehicleBinding]:
    """Bindings of the vehicles registered to `user`, open ones first."""
    if not user.id_number:
        return VehicleBinding.objects.none()
    return (
        VehicleBinding.objects.filter(vehicle__owner_id_number=user.id_number)
        .select_related("vehicle", "driver")
        .order_by("-requested_at", "-pk")
    )


def access_binding(user: User, binding_id: int, *, lock: bool = False) -> VehicleBinding:
    """A binding the user asked for or whose vehicle they own; NotFound otherwise."""
    found = VehicleBinding.objects.select_related("vehicle", "driver")
    if lock:
        found = found.select_for_update(of=("self",))
    binding = found.filter(pk=binding_id).first()
    if binding is None or not user.id_number:
        raise NotFound("not_found", _("No such binding."))
    if binding.driver_id != user.pk and binding.vehicle.owner_id_number != user.id_number:
        raise NotFound("not_found", _("No such binding."))
    return binding


@transaction.atomic
def binding_request(*, driver: User, plate: str) -> VehicleBinding:
    """The driver asks to bind the vehicle with `plate`. Refused for one's own vehicle, one
    already bound or asked for, past `rules.MAX_BOUND_VEHICLES` open bindings, and when
    the owner has no account to answer in. An unknown plate is a field error, the same
    as one whose owner cannot answer, so the form reveals nothing about other people."""
    limit_hit(REQUEST_PER_HOUR, driver)
    plate = (plate or "").strip().upper()
    if not plate:
        raise _invalid("plate", str(_("Enter the plate number, for example 沪A12345.")))
    if not driver.id_number:
        raise ApiError("no_identity", _("Verify your identity first."), status=403)
    # The driver's row serialises their requests, so two at once cannot pass the count.
    User.objects.select_for_update().filter(pk=driver.pk).values_list("pk").first()
    vehicle = Vehicle.objects.filter(plate=plate).first()
    owner = _owner_of(vehicle) if vehicle is not None else None
    if vehicle is None or (owner is None and vehicle.owner_id_number != driver.id_number):
        raise _invalid(
            "plate",
            str(
                _(
                    "No vehicle whose owner can confirm online has this plate number. Check the number; "
                    "the owner needs an account on this platform."
                )
            ),
        )
    open_bindings = VehicleBinding.objects.filter(driver=driver, status__in=BINDING_OPEN)
    refusals = rules.binding_refusals(
        own_vehicle=vehicle.owner_id_number == driver.id_number,
        open_bindings=open_bindings.count(),
        already_bound=open_bindings.filter(vehicle=vehicle).exists(),
    )
    if refusals:
        raise Conflict(refusals[0].code, refusals[0].message, {"plate": str(refusals[0].message)})
    assert owner is not None  # noqa: S101 - not own vehicle, so the check above found the owner
    try:
        with transaction.atomic():
            binding = VehicleBinding.objects.create(
                driver=driver, vehicle=vehicle, requested_at=timezone.now()
            )
    except IntegrityError:
        message = _("You have already bound this vehicle or asked to.")
        raise Conflict("already_bound", message, {"plate": str(message)}) from None
    audit_record(
        action=AuditAction.BINDING_REQUESTED,
        actor=driver,
        office=vehicle.office,
        obj=binding,
        changes={"status": (None, BindingStatus.REQUESTED), "vehicle": (None, vehicle.pk)},
    )
    notification_send(
        recipient=owner,
        kind=NotificationKind.BINDING_REQUESTED,
        params={"binding_id": binding.pk},
        link=BINDINGS_PAGE,
    )
    return binding


@transaction.atomic
def binding_decide(*, owner: User, binding: VehicleBinding, confirm: bool) -> VehicleBinding:
    """The vehicle's owner confirms or refuses a binding waiting for them. Only the owner;
    the driver is told either way."""
    binding = access_binding(owner, binding.pk, lock=True)
    if binding.vehicle.owner_id_number != owner.id_number:
        raise ApiError("not_owner", _("Only the vehicle's owner answers this request."), status=403)
    if binding.status != BindingStatus.REQUESTED:
        raise Conflict("not_requested", _("This request was answered already."))
    now = timezone.now()
    status = BindingStatus.ACTIVE if confirm else BindingStatus.REFUSED
    binding.status = status
    if confirm:
        binding.confirmed_at = now
    else:
        binding.ended_at = now
    binding.save(update_fields=["status", "confirmed_at", "ended_at"])
    audit_record(
        action=AuditAction.BINDING_DECIDED,
        actor=owner,
        office=binding.vehicle.office,
        obj=binding,
        changes={"status": (BindingStatus.REQUESTED, status)},
    )
    notification_send(
        recipient=binding.driver,
        kind=NotificationKind.BINDING_DECIDED,
        params={"binding_id": binding.pk, "outcome": "confirmed" if confirm else "refused"},
        link=BINDINGS_PAGE,
    )
    return binding


@transaction.atomic
def binding_end(*, actor: User, binding: VehicleBinding) -> VehicleBinding:
    """The driver or the owner ends an open binding (or withdraws a request). Violations
    already handled through it stay handled; the other side is told."""
    binding = access_binding(actor, binding.pk, lock=True)
    if binding.status not in BINDING_OPEN:
        raise Conflict("not_open", _("This binding has already ended."))
    before = binding.status
    binding.status, binding.ended_at = BindingStatus.ENDED, timezone.now()
    binding.save(update_fields=["status", "ended_at"])
    audit_record(
        action=AuditAction.BINDING_ENDED,
        actor=actor,
        office=binding.vehicle.office,
        obj=binding,
        changes={"status": (before, BindingStatus.ENDED)},
    )
    other = _owner_of(binding.vehicle) if actor.pk == binding.driver_id else binding.driver
    if other is not None and other.pk != actor.pk:
        notification_send(
            recipient=other,
            kind=NotificationKind.BINDING_DECIDED,
            params={"binding_id": binding.pk, "outcome": "ended"},
            link=BINDINGS_PAGE,
        )
    return binding
