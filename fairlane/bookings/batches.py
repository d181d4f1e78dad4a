"""Batches: a published window for requests, then one allocation by the published rules and
a lottery whose seed the office committed to when the window opened.

`batch_open` attaches slots to a new batch and publishes the commitment; people send one
request each with `booking_request_submit` while the window is open; `batch_allocate` runs
once after it closed, books the winners and publishes everything needed to check it
(`verification`). Sending more requests buys nothing: one per person per batch, and the
lottery key of a request depends only on the seed and its random pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.agencies import acting
from fairlane.bookings import lottery, policy, rules
from fairlane.bookings.booking import acting_authorisation, may_book_for
from fairlane.bookings.exams import exam_request_check
from fairlane.bookings.limits import bookable_person_check, limit_hit, window_booking_limit_check
from fairlane.bookings.models import (
    Batch,
    BatchStatus,
    BookableService,
    Booking,
    BookingRequest,
    BookingStatus,
    ExamSubject,
    ServiceKind,
    Slot,
)
from fairlane.bookings.selectors import is_office_booking_staff
from fairlane.catalogue.selectors import published_item
from fairlane.core import workdays
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound
from fairlane.core.ratelimit import RateLimit
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send

# The exam booking window closes when the results are fixed, 3 working days before the
# exam (china-dmv-facts §2.12).
EXAM_CLOSE_WORKING_DAYS: Final = 3
MAX_PREFERENCES: Final = 3
# One request per batch is all anyone needs; retries after a refusal fit easily.
REQUEST_PER_HOUR: Final = RateLimit("batch-request", 10, 3600)
PSEUDONYM_BYTES: Final = 8  # 16 hex characters, the width of BookingRequest.pseudonym


class Phase(StrEnum):
    """Where a batch stands at a given moment (its status alone does not say whether the
    window has opened or closed yet)."""

    UPCOMING = "upcoming"  # the commitment is published; requests from opens_at
    OPEN = "open"  # taking requests
    CLOSED = "closed"  # the window closed; allocation runs next
    ALLOCATED = "allocated"  # seed, inputs and result published


def batch_phase(batch: Batch, now: datetime) -> Phase:
    if batch.status == BatchStatus.ALLOCATED:
        return Phase.ALLOCATED
    if now < batch.opens_at:
        return Phase.UPCOMING
    return Phase.OPEN if now < batch.closes_at else Phase.CLOSED


def secret_seed(batch: Batch) -> bytes:
    """The batch's secret seed: HMAC-SHA256(FAIRLANE_LOTTERY_KEY, "batch:<id>").

    Derived rather than stored, so the database holds nothing secret until it is revealed
    (`Batch.seed`). This is safe because:

    - the office cannot pick a seed to suit itself: the commitment (SHA-256 of this seed) is
      published and recorded on the audit chain when the window opens, and the revealed seed
      must match it;
    - nobody can predict the result from the seed alone: allocation uses
      `lottery.final_seed(seed, entropy)`, where the entropy is the hash of all the requests,
      known only once the window has closed;
    - nobody outside the office can compute the seed: the key is a server secret
      (FAIRLANE_LOTTERY_KEY, falling back to SECRET_KEY).

    Limits: anyone holding the key knows every future seed, and could try to steer the
    entropy with requests of their own (each needs a real, verified identity, one request
    per person). Batch ids must never be reused under the same key (e.g. a database restored
    from an old copy), or an already revealed seed would come back.
    """
    key = getattr(settings, "FAIRLANE_LOTTERY_KEY", settings.SECRET_KEY)
    key_bytes = key if isinstance(key, bytes) else str(key).encode()
    return hmac.new(key_bytes, f"batch:{batch.pk}".encode(), hashlib.sha256).digest()


def _invalid(fields: dict[str, str]) -> InvalidInput:
    return InvalidInput("invalid", _("Some fields are not valid."), fields)


# --- Opening a batch ------------------------------------------------------------------------


def _window_errors(
    service: BookableService, opens_at: object, closes_at: object, first_start: datetime | None, now: datetime
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for field, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if not isinstance(value, datetime) or timezone.is_naive(value):
            errors[field] = str(_("Give a date and a time with its time zone."))
    if errors:
        return errors
    assert isinstance(opens_at, datetime) and isinstance(closes_at, datetime)  # noqa: S101 - checked above
    if closes_at <= opens_at:
        errors["closes_at"] = str(_("The window must close after it opens."))
    elif closes_at <= now:
        errors["closes_at"] = str(_("The window must close in the future."))
    elif first_start is not None:
        close_day, first_day = timezone.localdate(closes_at), timezone.localdate(first_start)
        if service.kind == ServiceKind.EXAM:
            if workdays.add_working_days_from(close_day, EXAM_CLOSE_WORKING_DAYS) > first_day:
                errors["closes_at"] = str(
                    _(
                        "For exams the window must close at least %(days)d working days before the first session."
                    )
                    % {"days": EXAM_CLOSE_WORKING_DAYS}
                )
        elif not policy.before_the_day(first_day, close_day):
            errors["closes_at"] = str(_("The window must close before the day of the first slot."))
    return errors


def _slot_errors(
    service: BookableService, slots: list[Slot], asked: list[int], now: datetime
) -> dict[str, str]:
    if not asked:
        return {"slots": str(_("Choose at least one slot."))}
    wrong = str(_("Choose each slot once, from this service's published slots."))
    if len(set(asked)) != len(asked) or len(slots) != len(asked):
        return {"slots": wrong}
    for slot in slots:
        if slot.service_id != service.pk or slot.published_at > now:
            return {"slots": wrong}
        if slot.starts_at <= now:
            return {"slots": str(_("A slot that has started cannot be put in a batch."))}
        # A slot of an allocated batch may join a new one: its places given back by
        # cancellation are offered again there, never straight back online.
        if slot.batch is not None and slot.batch.status != BatchStatus.ALLOCATED:
            return {"slots": str(_("A slot is already in a batch that has not been allocated yet."))}
    return {}


@transaction.atomic
def batch_open(
    *,
    actor: User,
    service: BookableService,
    slots: Sequence[Slot],
    opens_at: datetime,
    closes_at: datetime,
) -> Batch:
    """A new batch of `slots` of `service` taking requests from `opens_at` until
    `closes_at`, for booking staff of the service's office. Publishes the commitment to the
    batch's secret seed. The slots must be published, not started, and in no batch still
    waiting for its allocation; the window must close before the day of the first slot,
    for exams at least 3 working days before it."""
    if not is_office_booking_staff(actor, service.office_id):
        raise ApiError(
            "not_office_staff", _("Only booking staff of the service's office may open a batch."), status=403
        )
    now = timezone.now()
    asked = [slot.pk for slot in slots]
    locked = list(
        Slot.objects.select_for_update(of=("self",))
        .select_related("batch")
        .filter(pk__in=asked)
        .order_by("starts_at", "pk")
    )
    errors = _slot_errors(service, locked, asked, now)
    errors.update(_window_errors(service, opens_at, closes_at, locked[0].starts_at if locked else None, now))
    if errors:
        raise _invalid(errors)
    batch = Batch.objects.create(service=service, opens_at=opens_at, closes_at=closes_at, commitment="")
    batch.commitment = lottery.commitment_of(secret_seed(batch))
    batch.save(update_fields=["commitment"])
    Slot.objects.filter(pk__in=asked).update(batch=batch)
    audit_record(
        action=AuditAction.BATCH_OPENED,
        actor=actor,
        office=service.office,
        obj=batch,
        changes={
            "slots": (None, sorted(asked)),
            "opens_at": (None, opens_at),
            "closes_at": (None, closes_at),
            "commitment": (None, batch.commitment),
        },
    )
    return batch


# --- Requests -------------------------------------------------------------------------------


def _preference_errors(batch: Batch, preferences: object) -> dict[str, str]:
    if (
        not isinstance(preferences, list | tuple)
        or not all(type(slot) is int for slot in preferences)
        or not 1 <= len(preferences) <= MAX_PREFERENCES
    ):
        return {"preferences": str(_("Choose one to three slots, best first."))}
    if len(set(preferences)) != len(preferences):
        return {"preferences": str(_("Choose each slot only once."))}
    in_batch = set(Slot.objects.filter(batch=batch, pk__in=preferences).values_list("pk", flat=True))
    if in_batch != set(preferences):
        return {"preferences": str(_("Choose only slots of this batch."))}
    return {}


def _requester_check(actor: User, batch: Batch, now: datetime) -> None:
    """`actor` here is the person the request is for."""
    bookable_person_check(actor, now)
    window_booking_limit_check(actor, batch.service, now)
    if BookingRequest.objects.filter(batch=batch, person=actor).exists():
        raise Conflict(
            "already_requested", _("You already sent a request for this batch. One is all it takes.")
        )
    if Booking.objects.filter(
        person=actor, service_id=batch.service_id, status=BookingStatus.ACTIVE
    ).exists():
        raise Conflict(
            "already_booked",
            _("You already hold a booking for this service. Cancel it first to request another time."),
        )


@transaction.atomic
def booking_request_submit(
    *,
    actor: User,
    batch: Batch,
    preferences: Sequence[int],
    person: User | None = None,
) -> BookingRequest:
    """The request of `person` (the actor themself unless given: an agent acting inside an
    authorisation, `booking.may_book_for`) in `batch`: one to three of its slots, best first, while
    the window is open. One request per person per batch (the database's unique constraint
    backs the check); none for a person who holds an active booking of the service or is
    barred. The request gets a random pseudonym, which is all that is ever published.

    For exams the person must be a learner whom the exam booking rules allow to ask for
    these slots (`exams.exam_request_check`); the ranking time (排序时间) and priority come
    from their records only, never from what anyone typed."""
    person = actor if person is None else person
    limit_hit(REQUEST_PER_HOUR, actor)
    # The lock orders requests against the allocation: none slips in once it has read them.
    batch = Batch.objects.select_for_update(of=("self",)).select_related("service__office").get(pk=batch.pk)
    if not may_book_for(actor, person, batch.service):
        raise ApiError("not_for_others", _("You can book only for yourself."), status=403)
    now = timezone.now()
    phase = batch_phase(batch, now)
    if phase == Phase.UPCOMING:
        raise Conflict("not_open_yet", _("This batch does not take requests yet."))
    if phase != Phase.OPEN:
        raise Conflict("window_closed", _("This batch no longer takes requests."))
    _requester_check(person, batch, now)
    errors = _preference_errors(batch, preferences)
    if errors:
        raise _invalid(errors)
    ranking_time, priority = None, False
    if batch.service.kind == ServiceKind.EXAM:
        days = {
            timezone.localdate(starts)
            for starts in Slot.objects.filter(pk__in=preferences).values_list("starts_at", flat=True)
        }
        ranking_time, priority = exam_request_check(
            person=person, service=batch.service, slot_days=days, now=now
        )
    request = BookingRequest.objects.create(
        batch=batch,
        person=person,
        requested_by=None if person.pk == actor.pk else actor,
        pseudonym=secrets.token_hex(PSEUDONYM_BYTES),
        preferences=list(preferences),
        ranking_time=ranking_time,
        priority=priority,
        created_at=now,
    )
    audit_record(
        action=AuditAction.BOOKING_REQUESTED,
        actor=actor,
        on_behalf_of=None if person.pk == actor.pk else person,
        office=batch.service.office,
        obj=request,
        changes={"batch": (None, batch.pk), "preferences": (None, list(preferences))},
    )
    authorisation = acting_authorisation(actor, person, batch.service)
    if authorisation is not None:
        acting.agent_acted(
            authorisation=authorisation, action="booking_requested", item_code=batch.service.item_code
        )
    notification_send(
        recipient=person,
        kind=NotificationKind.BOOKING_REQUESTED,
        params={"batch_id": batch.pk},
        link=f"/bookings/batches/{batch.pk}/",
    )
    return request


# --- Allocation -----------------------------------------------------------------------------


def _rule_request(request: BookingRequest) -> rules.Request:
    return rules.Request(
        id=request.pseudonym,
        preferences=tuple(request.preferences),
        ranking_time=request.ranking_time,
        priority=request.priority,
    )


def _at_window_limit(people: list[int], now: datetime) -> set[int]:
    """Of `people`, those who made `policy.WINDOW_BOOKINGS_PER_PERIOD` window appointments in
    the rolling period up to `now` — e.g. by winning places in other batches since they sent
    their request here."""
    since = now - timedelta(days=policy.WINDOW_BOOKING_PERIOD_DAYS)
    counts = (
        Booking.objects.filter(
            person_id__in=people, service__kind=ServiceKind.WINDOW, created_at__gt=since, created_at__lte=now
        )
        .values("person_id")
        .annotate(made=Count("pk"))
        .filter(made__gte=policy.WINDOW_BOOKINGS_PER_PERIOD)
    )
    return {row["person_id"] for row in counts}


@transaction.atomic
def batch_allocate(*, batch: Batch, now: datetime) -> Batch:
    """Run the batch's allocation once its window has closed; a second run changes nothing.

    The inputs are all its requests, except those of people who meanwhile got a booking of
    the service — for exams, of the subject at any office — or reached the rolling limit of
    window appointments (published as `withdrawn`), and the places left in each slot (capacity -
    booked). Books each winner, reveals the seed and publishes the record
    (`lottery.published_data`)."""
    batch = Batch.objects.select_for_update(of=("self",)).select_related("service__office").get(pk=batch.pk)
    if batch.status == BatchStatus.ALLOCATED:
        return batch
    if now < batch.closes_at:
        raise Conflict("window_open", _("The batch still takes requests: allocation runs after it closes."))
    service = batch.service
    slots = list(Slot.objects.select_for_update(of=("self",)).filter(batch=batch).order_by("pk"))
    capacities = {slot.pk: max(0, slot.capacity - slot.booked) for slot in slots}
    requests = list(batch.requests.select_related("person", "requested_by").order_by("pk"))
    ranked = service.kind == ServiceKind.EXAM
    # An exam seat of the same subject at any office counts: a learner who requested in two
    # offices' batches keeps the seat they got first and drops out of the other lottery.
    same_service = (
        Q(service__exam_subject=service.exam_subject, service__kind=ServiceKind.EXAM)
        if ranked
        else Q(service=service)
    )
    people = [r.person_id for r in requests]
    holders = set(
        Booking.objects.filter(same_service, status=BookingStatus.ACTIVE, person_id__in=people).values_list(
            "person_id", flat=True
        )
    )
    if not ranked:  # and those who reached the rolling limit of window appointments meanwhile
        holders |= _at_window_limit(people, now)
    # and those an agent asked for whose authorisation is no longer in force
    holders |= _agents_no_longer_authorised(batch, requests)
    taking_part = [request for request in requests if request.person_id not in holders]
    inputs = [_rule_request(request) for request in taking_part]
    seed = secret_seed(batch)
    entropy = lottery.entropy_of(inputs)
    assignment = rules.allocate(inputs, capacities, lottery.final_seed(seed, entropy), ranked=ranked)

    Booking.objects.bulk_create(
        [
            Booking(
                person_id=request.person_id,
                service=service,
                slot_id=assignment[request.pseudonym],
                request=request,
                source=Booking.Source.ALLOCATION,
                status=BookingStatus.ACTIVE,
                created_at=now,
            )
            for request in taking_part
            if request.pseudonym in assignment
        ]
    )
    for slot_id, taken in Counter(assignment.values()).items():
        Slot.objects.filter(pk=slot_id).update(booked=F("booked") + taken)

    published = lottery.published_data(inputs, capacities, assignment, ranked=ranked)
    published["withdrawn"] = sorted(r.pseudonym for r in requests if r.person_id in holders)
    batch.seed, batch.entropy, batch.published = seed.hex(), entropy, published
    batch.status, batch.allocated_at = BatchStatus.ALLOCATED, now
    batch.save(update_fields=["seed", "entropy", "published", "status", "allocated_at"])
    audit_record(
        action=AuditAction.BATCH_ALLOCATED,
        office=service.office,
        obj=batch,
        changes={
            "status": (BatchStatus.OPEN, BatchStatus.ALLOCATED),
            "requests": (None, len(inputs)),
            "allocated": (None, len(assignment)),
            "seed": (None, batch.seed),
            "entropy": (None, entropy),
        },
    )
    for request in taking_part:
        notification_send(
            recipient=request.person,
            kind=NotificationKind.BOOKING_RESULT,
            params={"batch_id": batch.pk, "won": request.pseudonym in assignment},
            link=f"/bookings/batches/{batch.pk}/",
        )
    return batch


def _agents_no_longer_authorised(batch: Batch, requests: list[BookingRequest]) -> set[int]:
    """The people whose request an agent made and may no longer carry through (a revocation
    takes effect in the allocation that runs after it); each refusal goes on the audit trail."""
    refused: set[int] = set()
    for request in requests:
        agent = request.requested_by
        if agent is None or acting_authorisation(agent, request.person, batch.service) is not None:
            continue
        refused.add(request.person_id)
        audit_record(
            action=AuditAction.AGENT_ACTION_REFUSED,
            actor=agent,
            on_behalf_of=request.person,
            office=batch.service.office,
            obj=request,
            reason=f"booking_requested {batch.service.item_code}"[:200],
        )
    return refused


def batches_due(now: datetime) -> QuerySet[Batch]:
    """The batches whose window has closed and whose allocation has not run yet."""
    return Batch.objects.filter(status=BatchStatus.OPEN, closes_at__lte=now).order_by("closes_at", "pk")


# --- Reads ----------------------------------------------------------------------------------


def public_batches() -> QuerySet[Batch]:
    """Every batch: all of it is public from the moment it opens (nothing personal in it)."""
    return Batch.objects.select_related("service__office").order_by("-opens_at", "-pk")


def access_public_batch(batch_id: int) -> Batch:
    batch = public_batches().filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("not_found", _("No such batch."))
    return batch


def batch_slots(batch: Batch) -> list[Slot]:
    """The slots the batch offers; once allocated, those it allocated (a slot may since
    have joined a newer batch for its places given back)."""
    if batch.status == BatchStatus.ALLOCATED:
        ids = [int(slot_id) for slot_id in batch.published.get("capacities", {})]
        return list(Slot.objects.filter(pk__in=ids).order_by("starts_at", "site", "pk"))
    return list(batch.slots.order_by("starts_at", "site", "pk"))


def places_offered(batch: Batch, slot: Slot) -> int:
    """The places of `slot` the batch hands out: capacity - booked while it takes requests,
    then the capacity its allocation used."""
    if batch.status == BatchStatus.ALLOCATED:
        return int(batch.published.get("capacities", {}).get(str(slot.pk), 0))
    return max(0, slot.capacity - slot.booked)


def service_label(service: BookableService) -> str:
    """What the service is called, in the active language."""
    if service.kind == ServiceKind.EXAM:
        return str(ExamSubject(service.exam_subject).label)
    published = published_item(service.item_code)
    if published is None:
        return service.item_code
    name = published.item.name
    return name.zh if (get_language() or settings.LANGUAGE_CODE).startswith("zh") else name.en


class Outcome(StrEnum):
    WAITING = "waiting"  # the batch has not been allocated yet
    ALLOCATED = "allocated"  # the request got a place
    NOT_ALLOCATED = "not_allocated"  # no place was left for it
    WITHDRAWN = "withdrawn"  # left out: the person got a booking of the service meanwhile


def request_outcome(request: BookingRequest) -> Outcome:
    batch = request.batch
    if batch.status != BatchStatus.ALLOCATED:
        return Outcome.WAITING
    if Booking.objects.filter(request=request).exists():
        return Outcome.ALLOCATED
    if request.pseudonym in batch.published.get("withdrawn", []):
        return Outcome.WITHDRAWN
    return Outcome.NOT_ALLOCATED


def request_of(person: User, batch: Batch) -> BookingRequest | None:
    """The person's request in the batch, with its booking if allocation gave one."""
    return BookingRequest.objects.filter(batch=batch, person=person).select_related("booking__slot").first()
