"""Immediate booking of leftover places, cancellation, no-shows and strikes.

A booking belongs to the person it was made for, for good: no service here takes another
person, and the database refuses to change `Booking.person` (protection.py).

Cancelled places go into the next batch, never straight back online. Cancelling gives
the place back (`Slot.booked - 1`) while `capacity` stays as published, but the freed
place is *held back*: `selectors._held_back` counts the slot's cancellations made after
its batch was allocated (or any, for a slot in no batch), and immediate booking offers
only `capacity - booked - held_back`. The place is offered again only when the slot
joins a newer batch, whose allocation hands out `capacity - booked`. So a place cannot
be "cancelled to" a buyer who is watching the site at the right moment.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.agencies import acting
from fairlane.agencies.models import Authorisation
from fairlane.bookings import exams, policy  # the module: exams.py imports this one in turn
from fairlane.bookings.limits import (
    BOOK_PER_HOUR,
    CANCEL_PER_HOUR,
    bookable_person_check,
    limit_hit,
    window_booking_limit_check,
)
from fairlane.bookings.models import (
    BatchStatus,
    BookableService,
    Booking,
    BookingStatus,
    ServiceKind,
    Slot,
    Strike,
    StrikeKind,
)
from fairlane.bookings.selectors import (
    held_back_count,
    is_office_booking_staff,
    person_barred_until,
    strikes_counting,
)
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send

REASON_MAX_LENGTH = 200  # the audit trail keeps a reason of at most 200 characters
STRIKES_PAGE = "/bookings/strikes/"  # appeals:mine, where a person sees and appeals their strikes
# Strikes staff record by hand; a no-show is recorded by `booking_no_show`.
STRIKES_BY_HAND = frozenset({StrikeKind.OUTSIDE_TIME, StrikeKind.NOT_THE_PERSON})


def may_book_for(actor: User, person: User, service: BookableService | None = None) -> bool:
    """The one place that decides who may book for whom: the person themself, and a
    licensed agent while an authorisation of the person in force covers the service's item
    (exam seats have no item an agent can be authorised for: in person only)."""
    return actor.pk == person.pk or acting_authorisation(actor, person, service) is not None


def acting_authorisation(actor: User, person: User, service: BookableService | None) -> Authorisation | None:
    """The authorisation under which `actor` books `service` for `person` now, if any
    (locked inside a transaction, so a revocation committed first wins)."""
    if service is None or not service.item_code or actor.pk == person.pk:
        return None
    return acting.authorisation_for(
        actor, person, item_code=service.item_code, lock=transaction.get_connection().in_atomic_block
    )


def _person_check(actor: User, person: User, service: BookableService, now: datetime) -> None:
    if not may_book_for(actor, person, service):
        raise ApiError("not_for_others", _("You can book only for yourself."), status=403)
    bookable_person_check(person, now)


def _slot_check(slot: Slot, now: datetime) -> None:
    if slot.published_at > now:
        raise NotFound("not_found", _("No such slot."))
    if slot.batch is not None and slot.batch.status != BatchStatus.ALLOCATED:
        raise Conflict(
            "in_batch",
            _(
                "The places of this slot are allocated by lottery among the requests of its batch: request it there."
            ),
        )
    if not policy.before_the_day(timezone.localdate(slot.starts_at), timezone.localdate(now)):
        raise Conflict("too_late", _("Places can be booked only until the day before."))


@transaction.atomic
def booking_make(*, actor: User, slot: Slot, person: User | None = None) -> Booking:
    """Book a leftover place of `slot` for `person` (the actor themself unless given).

    Only slots outside a batch or of an allocated batch, until the day before, for a
    person who is not barred and holds no other active booking of the service (the
    database's partial unique constraint decides races). The place is taken by a
    conditional UPDATE on the locked slot, and the database's `booked <= capacity` check
    backs it: of many people racing for the last place exactly one gets it."""
    person = actor if person is None else person
    limit_hit(BOOK_PER_HOUR, actor)
    now = timezone.now()
    slot = (
        Slot.objects.select_for_update(of=("self",))
        .select_related("service__office", "batch")
        .get(pk=slot.pk)
    )
    service = slot.service
    _person_check(actor, person, service, now)
    _slot_check(slot, now)
    window_booking_limit_check(person, service, now)
    if Booking.objects.filter(person=person, service=service, status=BookingStatus.ACTIVE).exists():
        raise _already_booked()
    if service.kind == ServiceKind.EXAM:  # a leftover exam seat follows the exam booking rules
        exams.exam_request_check(
            person=person, service=service, slot_days=[timezone.localdate(slot.starts_at)], now=now
        )
    # Read after the lock: a cancellation committed meanwhile is counted.
    free = slot.capacity - held_back_count(slot)
    taken = Slot.objects.filter(pk=slot.pk, booked__lt=free).update(booked=F("booked") + 1)
    if not taken:
        raise Conflict("full", _("This slot is full. Choose another one."))
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                person=person,
                service=service,
                slot=slot,
                source=Booking.Source.IMMEDIATE,
                status=BookingStatus.ACTIVE,
                created_at=now,
            )
    except IntegrityError:  # a booking of the same service committed in parallel
        raise _already_booked() from None
    audit_record(
        action=AuditAction.BOOKING_MADE,
        actor=actor,
        on_behalf_of=None if person.pk == actor.pk else person,
        office=service.office,
        obj=booking,
        changes={
            "slot": (None, slot.pk),
            "source": (None, Booking.Source.IMMEDIATE),
            "status": (None, BookingStatus.ACTIVE),
        },
    )
    authorisation = acting_authorisation(actor, person, service)
    if authorisation is not None:
        acting.agent_acted(authorisation=authorisation, action="booking_made", item_code=service.item_code)
    return booking


def _already_booked() -> Conflict:
    return Conflict(
        "already_booked",
        _("You already hold a booking for this service. Cancel it first to book another time."),
    )


def _lock(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("slot", "service__office", "person")
        .get(pk=booking.pk)
    )


def _reason_clean(reason: str, *, required: bool) -> str:
    reason = reason.strip()
    if required and not reason:
        raise InvalidInput("invalid", _("Some fields are not valid."), {"reason": str(_("Give a reason."))})
    if len(reason) > REASON_MAX_LENGTH:
        raise InvalidInput(
            "invalid",
            _("Some fields are not valid."),
            {"reason": str(_("At most %(limit)d characters.") % {"limit": REASON_MAX_LENGTH})},
        )
    return reason


@transaction.atomic
def booking_cancel(*, actor: User, booking: Booking, reason: str = "") -> Booking:
    """Cancel an active booking, by its person or by booking staff of the office (with a
    reason), until the day before the slot (L-DL 第46条). The place goes into the next
    batch, not back to immediate booking (see the module's docstring)."""
    booking = _lock(booking)
    by_person = actor.pk == booking.person_id
    if by_person:
        limit_hit(CANCEL_PER_HOUR, actor)
    elif not is_office_booking_staff(actor, booking.service.office_id):
        raise ApiError("not_yours", _("Only the person who holds the booking may cancel it."), status=403)
    reason = _reason_clean(reason, required=not by_person)
    if booking.status != BookingStatus.ACTIVE:
        raise Conflict("not_active", _("This booking is no longer active."))
    now = timezone.now()
    if not policy.before_the_day(timezone.localdate(booking.slot.starts_at), timezone.localdate(now)):
        raise Conflict("too_late", _("A booking can be cancelled only until the day before."))
    Slot.objects.select_for_update().filter(pk=booking.slot_id).update(booked=F("booked") - 1)
    booking.status, booking.ended_at = BookingStatus.CANCELLED, now
    booking.save(update_fields=["status", "ended_at"])
    audit_record(
        action=AuditAction.BOOKING_CANCELLED,
        actor=actor,
        office=booking.service.office,
        obj=booking,
        reason=reason,
        changes={"status": (BookingStatus.ACTIVE, BookingStatus.CANCELLED)},
    )
    notification_send(
        recipient=booking.person,
        kind=NotificationKind.BOOKING_CANCELLED,
        params={**slot_time_params(booking.slot), "booking_id": booking.pk, "by_office": not by_person},
        link=f"/bookings/mine/{booking.pk}/",  # bookings:booking_detail
    )
    return booking


def slot_time_params(slot: Slot) -> dict[str, str | int]:
    """The slot's local start as notification values: day, hour and two-digit minute."""
    starts = timezone.localtime(slot.starts_at)
    return {"day": starts.date().isoformat(), "hour": starts.hour, "minute": f"{starts.minute:02d}"}


def _staff_check(actor: User, booking: Booking) -> None:
    if not is_office_booking_staff(actor, booking.service.office_id):
        raise ApiError("not_office_staff", _("Only booking staff of the office may record this."), status=403)


@transaction.atomic
def booking_no_show(*, actor: User, booking: Booking) -> Booking:
    """Record that the person did not come, by booking staff once the slot has ended: the
    booking ends as a no-show and, unless it already has one, earns a strike. (A person
    turned away for coming at the wrong time has their strike already.)"""
    booking = _lock(booking)
    _staff_check(actor, booking)
    if booking.status != BookingStatus.ACTIVE:
        raise Conflict("not_active", _("This booking is no longer active."))
    now = timezone.now()
    if now < booking.slot.ends_at:
        raise Conflict("not_over", _("A no-show can be recorded only after the slot has ended."))
    booking.status, booking.ended_at = BookingStatus.NO_SHOW, now
    booking.save(update_fields=["status", "ended_at"])
    audit_record(
        action=AuditAction.BOOKING_MISSED,
        actor=actor,
        office=booking.service.office,
        obj=booking,
        changes={"status": (BookingStatus.ACTIVE, BookingStatus.NO_SHOW)},
    )
    if not booking.strikes.exists():
        _strike_add(actor=actor, booking=booking, kind=StrikeKind.NO_SHOW, reason="")
    return booking


@transaction.atomic
def strike_record(*, actor: User, booking: Booking, kind: str, reason: str) -> Strike:
    """Record, with a reason, that the person came outside the booked time (from the slot's
    day on) or that the booking was made in someone else's name. A booking earns at most
    one strike."""
    booking = _lock(booking)
    _staff_check(actor, booking)
    if kind not in STRIKES_BY_HAND:
        raise InvalidInput(
            "invalid",
            _("Some fields are not valid."),
            {"kind": str(_("Choose: came outside the booked time, or booked in someone else's name."))},
        )
    reason = _reason_clean(reason, required=True)
    if kind == StrikeKind.OUTSIDE_TIME:
        if booking.status == BookingStatus.CANCELLED:
            raise Conflict("not_active", _("This booking was cancelled: nobody was expected."))
        slot_day = timezone.localdate(booking.slot.starts_at)
        if timezone.localdate() < slot_day:
            raise Conflict(
                "not_yet", _("Coming outside the booked time can be recorded from the slot's day on.")
            )
    if booking.strikes.exists():
        raise Conflict("already_struck", _("This booking already has a strike."))
    return _strike_add(actor=actor, booking=booking, kind=StrikeKind(kind), reason=reason)


def _strike_add(*, actor: User, booking: Booking, kind: StrikeKind, reason: str) -> Strike:
    now = timezone.now()
    strike = Strike.objects.create(person_id=booking.person_id, booking=booking, kind=kind, at=now)
    until = person_barred_until(booking.person, now=now)
    audit_record(
        action=AuditAction.STRIKE_RECORDED,
        actor=actor,
        office=booking.service.office,
        obj=strike,
        reason=reason,
        changes={
            "booking": (None, booking.pk),
            "kind": (None, kind),
            "barred_until": (None, until.astimezone(UTC).isoformat() if until else None),
        },
    )
    notification_send(
        recipient=booking.person,
        kind=NotificationKind.STRIKE_RECORDED,
        params={
            "booking_id": booking.pk,
            "strike_kind": str(kind),
            "strikes": strikes_counting(booking.person, now=now),
            "limit": policy.STRIKES_TO_BAR,
            "barred": until is not None,
            "until": timezone.localdate(until).isoformat() if until else "-",
        },
        link=STRIKES_PAGE,
    )
    return strike
