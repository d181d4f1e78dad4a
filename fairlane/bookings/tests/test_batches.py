"""Batches: opening one with its seed commitment, requests while the window is open, and the
allocation once it closed — each refusal leaving nothing changed."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.accounts.tests.test_concurrency import run_together
from fairlane.bookings.batches import (
    REQUEST_PER_HOUR,
    batch_allocate,
    batch_open,
    booking_request_submit,
    secret_seed,
)
from fairlane.bookings.booking import booking_make, booking_no_show
from fairlane.bookings.models import (
    Batch,
    BatchStatus,
    Booking,
    BookingRequest,
    BookingStatus,
    Slot,
)
from fairlane.bookings.tests.batch_setup import (
    EXAM_DAY,
    FRIDAY,
    allocated,
    opened,
    requested,
    slots_make,
)
from fairlane.bookings.tests.exam_setup import learner_with_permit
from fairlane.bookings.tests.hall import MONDAY, Hall, at, hall_make, person_make, slot_publish
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.models import Notification
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db


@dataclass
class World:
    hall: Hall
    people: list[User]
    other_clerk: User  # booking staff of another office


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    with translation.override("en"):
        yield World(
            hall=hall_make(),
            people=[person_make(seed) for seed in range(1, 5)],
            other_clerk=make_staff(Role.CLERK, office=make_office(code="310001", name="浦东分所"), seed=90),
        )


def snapshot() -> list[object]:
    """Everything a batch service may write."""
    return [
        list(Batch.objects.order_by("pk").values_list()),
        list(Slot.objects.order_by("pk").values_list("pk", "capacity", "booked", "batch")),
        list(BookingRequest.objects.order_by("pk").values_list()),
        list(Booking.objects.order_by("pk").values_list()),
        list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)),
    ]


def refused(call: Callable[..., object], **kwargs: object) -> ApiError:
    """Call the service, expect a refusal, and check it changed nothing."""
    before = snapshot()
    with pytest.raises(ApiError) as error:
        call(**kwargs)
    assert snapshot() == before
    return error.value


def last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    return event


def lottery_order(batch: Batch) -> list[str]:
    """The pseudonyms in lottery order, computed from the published description alone."""
    final = hashlib.sha256(bytes.fromhex(batch.seed) + bytes.fromhex(batch.entropy)).digest()
    pseudonyms = [item["id"] for item in batch.published["requests"]]
    return sorted(pseudonyms, key=lambda pseudonym: hashlib.sha256(final + pseudonym.encode()).digest())


def canonical_hash(records: list[list[object]]) -> str:
    text = json.dumps(sorted(records, key=lambda record: str(record[0])), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# --- batch_open -------------------------------------------------------------------------------


def test_staff_open_a_batch_and_publish_the_commitment_to_its_seed(world: World) -> None:
    # given
    slots = slots_make(world.hall, [2, 1])
    now = timezone.now()

    # when
    batch = batch_open(
        actor=world.hall.clerk,
        service=world.hall.window,
        slots=slots,
        opens_at=now,
        closes_at=now + timedelta(days=2),
    )

    # then
    batch.refresh_from_db()
    assert (batch.status, batch.seed, batch.entropy, batch.published) == (BatchStatus.OPEN, "", "", {})
    assert (batch.opens_at, batch.closes_at) == (now, now + timedelta(days=2))
    assert batch.commitment == hashlib.sha256(secret_seed(batch)).hexdigest()
    assert list(Slot.objects.filter(batch=batch).order_by("pk").values_list("pk", flat=True)) == [
        slots[0].pk,
        slots[1].pk,
    ]
    event = last_event()
    assert (event.action, event.actor_id, event.office_id, event.object_id) == (
        AuditAction.BATCH_OPENED,
        world.hall.clerk.pk,
        world.hall.office.pk,
        str(batch.pk),
    )
    assert event.changes["slots"] == [None, [slots[0].pk, slots[1].pk]]
    assert event.changes["commitment"] == [None, batch.commitment]


def test_the_secret_seed_comes_from_the_lottery_key(world: World, settings: Any) -> None:
    # given
    batch = opened(world.hall, slots_make(world.hall, [1]))

    # when
    settings.FAIRLANE_LOTTERY_KEY = "lottery-key-a"
    with_key_a = secret_seed(batch)
    settings.FAIRLANE_LOTTERY_KEY = "lottery-key-b"
    with_key_b = secret_seed(batch)

    # then
    assert with_key_a == hmac.new(b"lottery-key-a", f"batch:{batch.pk}".encode(), hashlib.sha256).digest()
    assert with_key_b != with_key_a
    assert len(with_key_a) == 32


@pytest.mark.parametrize("who", ["citizen", "other_office", "reviewer"])
def test_only_booking_staff_of_the_service_office_open_batches(world: World, who: str) -> None:
    # given
    slots = slots_make(world.hall, [1])
    actor = {
        "citizen": world.people[0],
        "other_office": world.other_clerk,
        "reviewer": make_staff(Role.REVIEWER, office=world.hall.office, seed=91),
    }[who]
    now = timezone.now()

    # when
    error = refused(
        batch_open,
        actor=actor,
        service=world.hall.window,
        slots=slots,
        opens_at=now,
        closes_at=now + timedelta(days=1),
    )

    # then
    assert (error.status, error.code) == (403, "not_office_staff")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("none", "Choose at least one slot."),
        ("twice", "Choose each slot once, from this service's published slots."),
        ("other_service", "Choose each slot once, from this service's published slots."),
        ("in_open_batch", "A slot is already in a batch that has not been allocated yet."),
    ],
)
def test_a_batch_takes_free_published_slots_of_its_service(world: World, case: str, message: str) -> None:
    # given
    slot, other = slots_make(world.hall, [1, 1])
    opened(world.hall, [other])
    exam_slot = slots_make(world.hall, [1], day=EXAM_DAY, exam=True)[0]
    chosen = {"none": [], "twice": [slot, slot], "other_service": [slot, exam_slot], "in_open_batch": [other]}
    now = timezone.now()

    # when
    error = refused(
        batch_open,
        actor=world.hall.clerk,
        service=world.hall.window,
        slots=chosen[case],
        opens_at=now,
        closes_at=now + timedelta(days=1),
    )

    # then
    assert (error.status, error.fields) == (422, {"slots": message})


def test_a_slot_that_has_started_cannot_join_a_batch(world: World, time_machine: TimeMachineFixture) -> None:
    # given: a slot from 9:00 on Friday, and it is 9:30
    slot = slots_make(world.hall, [1])[0]
    time_machine.move_to(at(FRIDAY, 9, 30), tick=False)

    # when
    error = refused(
        batch_open,
        actor=world.hall.clerk,
        service=world.hall.window,
        slots=[slot],
        opens_at=at(FRIDAY, 9, 30),
        closes_at=at(FRIDAY, 9, 45),
    )

    # then
    assert error.fields["slots"] == "A slot that has started cannot be put in a batch."


def test_a_slot_of_an_allocated_batch_joins_a_new_one_with_its_places_left(world: World) -> None:
    # given: a slot of two places, one of them allocated in a first batch
    slot = slots_make(world.hall, [2])[0]
    first = opened(world.hall, [slot])
    requested(world.people[0], first, [slot])
    allocated(first)

    # when
    second = opened(world.hall, [slot])
    requested(world.people[1], second, [slot])
    requested(world.people[2], second, [slot])
    second = allocated(second)

    # then
    slot.refresh_from_db()
    assert (slot.batch_id, slot.booked) == (second.pk, 2)
    assert second.published["capacities"] == {str(slot.pk): 1}
    assert len(second.published["assignment"]) == 1
    first.refresh_from_db()
    assert first.published["capacities"] == {str(slot.pk): 2}


@pytest.mark.parametrize(
    ("opens", "closes", "field", "message"),
    [
        (at(FRIDAY, 9), at(FRIDAY, 8), "closes_at", "The window must close after it opens."),
        (
            MONDAY - timedelta(days=2),
            MONDAY - timedelta(days=1),
            "closes_at",
            "The window must close in the future.",
        ),
        (MONDAY, at(FRIDAY, 8), "closes_at", "The window must close before the day of the first slot."),
        (
            MONDAY.replace(tzinfo=None),
            MONDAY + timedelta(days=1),
            "opens_at",
            "Give a date and a time with its time zone.",
        ),
    ],
)
def test_the_window_is_ordered_in_the_future_and_closes_before_the_slots_day(
    world: World, opens: datetime, closes: datetime, field: str, message: str
) -> None:
    # given: slots on Friday from 9:00
    slots = slots_make(world.hall, [1])

    # when
    error = refused(
        batch_open,
        actor=world.hall.clerk,
        service=world.hall.window,
        slots=slots,
        opens_at=opens,
        closes_at=closes,
    )

    # then
    assert (error.status, error.fields) == (422, {field: message})


def test_an_exam_window_closes_at_least_3_working_days_before_the_session(world: World) -> None:
    # given: a session on Monday 16 March 2026
    slots = slots_make(world.hall, [5], day=EXAM_DAY, exam=True)
    thursday, wednesday = EXAM_DAY - timedelta(days=4), EXAM_DAY - timedelta(days=5)

    # when: closing on Thursday 12 (2 working days before), then on Wednesday 11 (3)
    error = refused(
        batch_open,
        actor=world.hall.clerk,
        service=world.hall.exam,
        slots=slots,
        opens_at=MONDAY,
        closes_at=at(thursday, 9),
    )
    batch = opened(world.hall, slots, service=world.hall.exam, closes_at=at(wednesday, 23, 59))

    # then
    assert error.fields == {
        "closes_at": "For exams the window must close at least 3 working days before the first session."
    }
    assert batch.closes_at == at(wednesday, 23, 59)


# --- booking_request_submit ---------------------------------------------------------------------


def test_a_person_sends_a_request_and_gets_a_random_pseudonym(world: World) -> None:
    # given
    first, second = slots_make(world.hall, [1, 1])
    batch = opened(world.hall, [first, second])
    person = world.people[0]

    # when
    request = booking_request_submit(actor=person, batch=batch, preferences=[second.pk, first.pk])

    # then
    request.refresh_from_db()
    assert request.person_id == person.pk
    assert re.fullmatch(r"[0-9a-f]{16}", request.pseudonym)
    assert (request.preferences, request.ranking_time, request.priority) == (
        [second.pk, first.pk],
        None,
        False,
    )
    assert request.created_at == MONDAY
    event = last_event()
    assert (event.action, event.actor_id, event.object_id) == (
        AuditAction.BOOKING_REQUESTED,
        person.pk,
        str(request.pk),
    )
    assert event.changes == {"batch": [None, batch.pk], "preferences": [None, [second.pk, first.pk]]}


def test_a_second_request_of_the_same_person_is_refused_and_never_counted(world: World) -> None:
    # given
    first, second = slots_make(world.hall, [1, 1])
    batch = opened(world.hall, [first, second])
    requested(world.people[0], batch, [first])

    # when
    error = refused(booking_request_submit, actor=world.people[0], batch=batch, preferences=[second.pk])

    # then
    assert (error.status, error.code) == (409, "already_requested")
    assert BookingRequest.objects.filter(batch=batch).count() == 1


def test_requests_are_taken_only_while_the_window_is_open(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: a window from Tuesday 10:00 to Wednesday 10:00
    slot = slots_make(world.hall, [1])[0]
    batch = opened(
        world.hall, [slot], opens_at=MONDAY + timedelta(days=1), closes_at=MONDAY + timedelta(days=2)
    )
    person = world.people[0]

    # when
    early = refused(booking_request_submit, actor=person, batch=batch, preferences=[slot.pk])
    time_machine.move_to(MONDAY + timedelta(days=2), tick=False)
    late = refused(booking_request_submit, actor=person, batch=batch, preferences=[slot.pk])
    allocated(batch)
    after_allocation = refused(booking_request_submit, actor=person, batch=batch, preferences=[slot.pk])

    # then
    assert (early.status, early.code) == (409, "not_open_yet")
    assert (late.status, late.code) == (409, "window_closed")
    assert (after_allocation.status, after_allocation.code) == (409, "window_closed")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("none", "Choose one to three slots, best first."),
        ("four", "Choose one to three slots, best first."),
        ("text", "Choose one to three slots, best first."),
        ("twice", "Choose each slot only once."),
        ("outside", "Choose only slots of this batch."),
    ],
)
def test_a_request_names_one_to_three_slots_of_the_batch(world: World, case: str, message: str) -> None:
    # given
    slots = slots_make(world.hall, [1, 1, 1, 1, 1])
    batch = opened(world.hall, slots[:4])
    ids = [slot.pk for slot in slots]
    preferences = {
        "none": [],
        "four": ids[:4],
        "text": [str(ids[0])],
        "twice": [ids[0], ids[1], ids[0]],
        "outside": [ids[0], ids[4]],
    }[case]

    # when
    error = refused(booking_request_submit, actor=world.people[0], batch=batch, preferences=preferences)

    # then
    assert (error.status, error.fields) == (422, {"preferences": message})


def test_a_person_holding_a_booking_of_the_service_cannot_request(world: World) -> None:
    # given: a booking of a leftover place on Thursday
    booking_make(actor=world.people[0], slot=slot_publish(world.hall, FRIDAY - timedelta(days=1)))
    slot = slots_make(world.hall, [1])[0]
    batch = opened(world.hall, [slot])

    # when
    error = refused(booking_request_submit, actor=world.people[0], batch=batch, preferences=[slot.pk])

    # then
    assert (error.status, error.code) == (409, "already_booked")


def test_a_barred_person_cannot_request(world: World, time_machine: TimeMachineFixture) -> None:
    # given: three no-shows a week apart
    person = world.people[0]
    for week in range(3):
        time_machine.move_to(MONDAY + timedelta(days=7 * week), tick=False)
        day = MONDAY.date() + timedelta(days=7 * week + 1)
        booking = booking_make(actor=person, slot=slot_publish(world.hall, day))
        time_machine.move_to(at(day, 11), tick=False)
        booking_no_show(actor=world.hall.clerk, booking=booking)
    slot = slots_make(world.hall, [1], day=FRIDAY + timedelta(days=21))[0]
    batch = opened(world.hall, [slot])

    # when
    error = refused(booking_request_submit, actor=person, batch=batch, preferences=[slot.pk])

    # then
    assert (error.status, error.code) == (403, "barred")


def test_an_account_without_a_verified_identity_cannot_request(world: World) -> None:
    # given
    slot = slots_make(world.hall, [1])[0]
    batch = opened(world.hall, [slot])
    person = world.people[0]
    person.identity_verified_at = None

    # when
    error = refused(booking_request_submit, actor=person, batch=batch, preferences=[slot.pk])

    # then
    assert (error.status, error.code) == (403, "not_verified")


def test_request_attempts_are_rate_limited(world: World) -> None:
    # given: an hour's allowance used up by refused attempts
    slot = slots_make(world.hall, [1])[0]
    batch = opened(world.hall, [slot])
    for _attempt in range(REQUEST_PER_HOUR.limit):
        refused(booking_request_submit, actor=world.people[0], batch=batch, preferences=[])

    # when
    error = refused(booking_request_submit, actor=world.people[0], batch=batch, preferences=[slot.pk])

    # then
    assert (error.status, error.code) == (429, "throttled")


# --- batch_allocate -----------------------------------------------------------------------------


def test_allocation_waits_until_the_window_has_closed(world: World) -> None:
    # given
    slot = slots_make(world.hall, [1])[0]
    batch = opened(world.hall, [slot])
    requested(world.people[0], batch, [slot])

    # when
    error = refused(batch_allocate, batch=batch, now=batch.closes_at - timedelta(microseconds=1))

    # then
    assert (error.status, error.code) == (409, "window_open")


def test_allocation_books_the_lottery_winners_and_publishes_everything(world: World) -> None:
    # given: four people wanting the same two single places, A before B
    a, b = slots_make(world.hall, [1, 1])
    batch = opened(world.hall, [a, b])
    requests = [requested(person, batch, [a, b]) for person in world.people]

    # when
    batch = allocated(batch)

    # then: the seed is the one committed to, and the hash is that of the canonical requests
    batch.refresh_from_db()
    assert (batch.status, batch.allocated_at) == (BatchStatus.ALLOCATED, batch.closes_at)
    assert batch.seed == secret_seed(batch).hex()
    assert hashlib.sha256(bytes.fromhex(batch.seed)).hexdigest() == batch.commitment
    assert batch.entropy == canonical_hash([[r.pseudonym, [a.pk, b.pk], None, False] for r in requests])
    # the first in lottery order gets A, the second B, the others nothing
    order = lottery_order(batch)
    assert batch.published == {
        "format": 1,
        "ranked": False,
        "requests": [
            {"id": pseudonym, "preferences": [a.pk, b.pk], "ranking_time": None, "priority": False}
            for pseudonym in sorted(r.pseudonym for r in requests)
        ],
        "capacities": {str(a.pk): 1, str(b.pk): 1},
        "assignment": dict(sorted({order[0]: a.pk, order[1]: b.pk}.items())),
        "withdrawn": [],
    }
    by_pseudonym = {r.pseudonym: r for r in requests}
    bookings = Booking.objects.order_by("slot_id")
    assert [
        (
            booking.person_id,
            booking.slot_id,
            booking.request_id,
            booking.source,
            booking.status,
            booking.created_at,
        )
        for booking in bookings
    ] == [
        (
            by_pseudonym[pseudonym].person_id,
            slot.pk,
            by_pseudonym[pseudonym].pk,
            "allocation",
            "active",
            batch.closes_at,
        )
        for pseudonym, slot in ((order[0], a), (order[1], b))
    ]
    assert list(Slot.objects.filter(pk__in=[a.pk, b.pk]).order_by("pk").values_list("booked", flat=True)) == [
        1,
        1,
    ]
    event = last_event()
    assert (event.action, event.actor_id, event.object_id) == (
        AuditAction.BATCH_ALLOCATED,
        None,
        str(batch.pk),
    )
    assert event.changes == {
        "status": ["open", "allocated"],
        "requests": [None, 4],
        "allocated": [None, 2],
        "seed": [None, batch.seed],
        "entropy": [None, batch.entropy],
    }


def test_allocating_again_changes_nothing(world: World) -> None:
    # given
    slot = slots_make(world.hall, [1])[0]
    batch = opened(world.hall, [slot])
    requested(world.people[0], batch, [slot])
    allocated(batch)
    before = snapshot()

    # when
    again = batch_allocate(batch=batch, now=batch.closes_at + timedelta(days=1))

    # then
    assert snapshot() == before
    assert again.allocated_at == batch.closes_at


def test_exam_seats_go_to_priority_then_the_earliest_ranking_time(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: one session of two seats and three learners, ranked by when they passed subject
    # 1 (their last sitting); the third one's permit has less than 6 months left
    records = [
        learner_with_permit(world.hall, person, time_machine, issued_days_ago=days)
        for person, days in zip(world.people[:3], (40, 60, 1000), strict=True)
    ]
    session = slots_make(world.hall, [2], day=EXAM_DAY, exam=True)[0]
    batch = opened(world.hall, [session], service=world.hall.exam)
    late, early, expiring = (requested(person, batch, [session]) for person in world.people[:3])

    # when
    batch = allocated(batch)

    # then: the ranking times and the priority come from the learners' records
    passed_at = [record.sittings.get().sat_at for record in records]
    assert [(r.ranking_time, r.priority) for r in (late, early, expiring)] == [
        (passed_at[0], False),
        (passed_at[1], False),
        (passed_at[2], True),
    ]
    assert batch.published["ranked"] is True
    assert batch.published["assignment"] == dict(
        sorted({early.pseudonym: session.pk, expiring.pseudonym: session.pk}.items())
    )
    assert not Booking.objects.filter(request=late).exists()
    assert {item["id"]: item["ranking_time"] for item in batch.published["requests"]} == {
        request.pseudonym: when.astimezone(UTC).isoformat(timespec="microseconds")
        for request, when in zip((late, early, expiring), passed_at, strict=True)
    }


def test_a_person_who_booked_the_service_meanwhile_is_left_out_and_listed(world: World) -> None:
    # given: a request, then a direct booking of a leftover place of the same service
    slot = slots_make(world.hall, [2])[0]
    batch = opened(world.hall, [slot])
    meanwhile = requested(world.people[0], batch, [slot])
    staying = requested(world.people[1], batch, [slot])
    booking_make(actor=world.people[0], slot=slot_publish(world.hall, FRIDAY - timedelta(days=1)))

    # when
    batch = allocated(batch)

    # then
    assert [item["id"] for item in batch.published["requests"]] == [staying.pseudonym]
    assert batch.published["withdrawn"] == [meanwhile.pseudonym]
    assert batch.published["assignment"] == {staying.pseudonym: slot.pk}
    assert batch.entropy == canonical_hash([[staying.pseudonym, [slot.pk], None, False]])
    assert Booking.objects.filter(person=world.people[0], status=BookingStatus.ACTIVE).count() == 1


def test_a_batch_without_requests_is_allocated_empty(world: World) -> None:
    # given
    slot = slots_make(world.hall, [3])[0]
    batch = opened(world.hall, [slot])

    # when
    batch = allocated(batch)

    # then
    assert batch.entropy == hashlib.sha256(b"[]").hexdigest()
    assert (batch.published["requests"], batch.published["assignment"]) == ([], {})
    assert Booking.objects.count() == 0


def test_allocate_batches_runs_every_batch_whose_window_closed(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: one window closing Tuesday, another Wednesday
    first_slot, second_slot = slots_make(world.hall, [1, 1])
    closing_tuesday = opened(world.hall, [first_slot], closes_at=MONDAY + timedelta(days=1))
    closing_wednesday = opened(world.hall, [second_slot], closes_at=MONDAY + timedelta(days=2))
    requested(world.people[0], closing_tuesday, [first_slot])
    time_machine.move_to(MONDAY + timedelta(days=1, hours=1), tick=False)
    out = StringIO()

    # when
    call_command("allocate_batches", stdout=out)
    call_command("allocate_batches", stdout=StringIO())

    # then
    closing_tuesday.refresh_from_db()
    closing_wednesday.refresh_from_db()
    assert (closing_tuesday.status, closing_wednesday.status) == (BatchStatus.ALLOCATED, BatchStatus.OPEN)
    assert closing_tuesday.allocated_at == MONDAY + timedelta(days=1, hours=1)
    assert out.getvalue() == f"batch {closing_tuesday.pk}: 1 of 1 requests got a place\n"
    assert Booking.objects.count() == 1


# --- On real parallel connections (PostgreSQL) ----------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_request_sent_five_times_at_once_is_taken_once(world: World) -> None:
    # given
    slot = slots_make(world.hall, [1])[0]
    batch = opened(world.hall, [slot])
    person = world.people[0]

    # when
    results = run_together(
        [lambda: booking_request_submit(actor=person, batch=batch, preferences=[slot.pk]) for _ in range(5)]
    )

    # then
    refused = [result for result in results if isinstance(result, ApiError)]
    assert sorted((error.status, error.code) for error in refused) == [(409, "already_requested")] * 4
    assert BookingRequest.objects.filter(batch=batch).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_request_slips_in_while_the_allocation_runs(world: World) -> None:
    # given: eight more people about to send a request as the allocation starts
    slot = slots_make(world.hall, [3])[0]
    batch = opened(world.hall, [slot])
    people = world.people + [person_make(seed) for seed in range(5, 9)]

    def send(person: User) -> Callable[[], object]:
        return lambda: booking_request_submit(actor=person, batch=batch, preferences=[slot.pk])

    # when
    results = run_together([*(send(person) for person in people), lambda: allocated(batch)])

    # then: every request taken is in the published inputs; the others were told it closed
    batch.refresh_from_db()
    taken = {request.pseudonym for request in results if isinstance(request, BookingRequest)}
    refused = [result for result in results if isinstance(result, ApiError)]
    assert {item["id"] for item in batch.published["requests"]} == taken
    assert set(BookingRequest.objects.filter(batch=batch).values_list("pseudonym", flat=True)) == taken
    assert [(error.status, error.code) for error in refused] == [(409, "window_closed")] * (
        len(people) - len(taken)
    )
    assert Booking.objects.count() == min(3, len(taken))


def test_each_requester_is_told_of_the_request_and_of_the_result(world: World) -> None:
    # given: four people for two single places
    a, b = slots_make(world.hall, [1, 1])
    batch = opened(world.hall, [a, b])
    requests = [requested(person, batch, [a, b]) for person in world.people]

    # when
    allocated(batch)

    # then: one "received" and one result each, a place for exactly the two winners
    won = set(Booking.objects.values_list("person_id", flat=True))
    told = sorted(
        (n.recipient_id, n.kind, n.params, n.link)
        for n in Notification.objects.filter(recipient__in=[r.person_id for r in requests])
    )
    link = f"/bookings/batches/{batch.pk}/"
    assert told == sorted(
        [(r.person_id, "booking_requested", {"batch_id": batch.pk}, link) for r in requests]
        + [
            (r.person_id, "booking_result", {"batch_id": batch.pk, "won": r.person_id in won}, link)
            for r in requests
        ]
    )
    assert len(won) == 2
