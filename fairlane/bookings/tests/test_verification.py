"""`verify_allocation` and the checks behind it: a published batch checks out, and a changed
seed, a dropped request or a changed result is found."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation
from time_machine import TimeMachineFixture

from fairlane.bookings import lottery, rules
from fairlane.bookings.models import Batch, Booking, BookingRequest
from fairlane.bookings.tests.batch_setup import FRIDAY, allocated, opened, requested, slots_make
from fairlane.bookings.tests.hall import MONDAY, Hall, hall_make, person_make
from fairlane.bookings.verification import batch_check, published_check

pytestmark = pytest.mark.django_db

SEED_MISMATCH = "The revealed seed is not the one committed to when the window opened."
REQUESTS_MISMATCH = "The published requests are not the ones whose hash was taken when the window closed."
RESULT_MISMATCH = "Running the allocation again on the published data gives another result."
NOT_RECEIVED = "The published requests are not the requests the office received."
NOT_BOOKED = "The bookings made are not the published result."


@dataclass
class World:
    hall: Hall
    batch: Batch  # allocated: three requests for two single places
    first_slot_id: int
    second_slot_id: int


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    with translation.override("en"):
        hall = hall_make()
        first, second = slots_make(hall, [1, 1])
        batch = opened(hall, [first, second])
        for seed in range(1, 4):
            requested(person_make(seed), batch, [first, second])
        yield World(hall=hall, batch=allocated(batch), first_slot_id=first.pk, second_slot_id=second.pk)


def tampered(batch: Batch, **fields: object) -> Batch:
    """The batch after someone changed its stored row behind the services' back."""
    Batch.objects.filter(pk=batch.pk).update(**fields)
    batch.refresh_from_db()
    return batch


def verify_command(batch_id: int) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        try:
            call_command("verify_allocation", str(batch_id), stdout=out, stderr=err)
        except SystemExit as exit_:
            return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_a_published_batch_checks_out(world: World) -> None:
    # when
    problems = batch_check(world.batch)
    code, out, err = verify_command(world.batch.pk)

    # then
    assert problems == []
    assert (code, out, err) == (0, f"batch {world.batch.pk}: OK\n", "")


def test_a_changed_seed_is_found(world: World) -> None:
    # given: another seed, as if the office had picked one after seeing the requests
    batch = tampered(world.batch, seed="00" * 32)

    # when
    problems = batch_check(batch)
    code, out, err = verify_command(batch.pk)

    # then: it is not the committed seed (and may give another order too)
    assert problems[0] == SEED_MISMATCH
    assert code == 1
    assert out == ""
    assert f"batch {batch.pk}: {SEED_MISMATCH}\n" in err


def test_a_dropped_request_is_found(world: World) -> None:
    # given: one request left out of the published list
    published = world.batch.published
    dropped = published["requests"].pop(0)
    published["assignment"].pop(dropped["id"], None)
    batch = tampered(world.batch, published=published)

    # when
    problems = batch_check(batch)
    code, _out, err = verify_command(batch.pk)

    # then
    assert problems[0] == REQUESTS_MISMATCH
    assert NOT_RECEIVED in problems
    assert code == 1
    assert f"batch {batch.pk}: {REQUESTS_MISMATCH}\n" in err


def test_a_request_dropped_from_a_recomputed_record_is_found_in_the_records(world: World) -> None:
    # given: the whole record computed again without one request, by someone holding the
    # seed: it checks out on its own, but the office's rows still have the request
    batch = world.batch
    inputs = [
        rules.Request(id=item["id"], preferences=tuple(item["preferences"]))
        for item in batch.published["requests"]
    ]
    dropped, kept = inputs[0], inputs[1:]
    capacities = {int(slot): places for slot, places in batch.published["capacities"].items()}
    entropy = lottery.entropy_of(kept)
    seed = lottery.final_seed(bytes.fromhex(batch.seed), entropy)
    published = lottery.published_data(
        kept, capacities, rules.allocate(kept, capacities, seed, ranked=False), ranked=False
    )
    batch = tampered(batch, published={**published, "withdrawn": []}, entropy=entropy)

    # when
    problems = batch_check(batch)

    # then
    assert published_check(batch) == []
    assert problems[0] == NOT_RECEIVED
    assert BookingRequest.objects.filter(pseudonym=dropped.id).exists()


def test_a_changed_result_is_found(world: World) -> None:
    # given: the two places swapped between their winners
    published = world.batch.published
    assignment = published["assignment"]
    assert sorted(assignment.values()) == [world.first_slot_id, world.second_slot_id]
    published["assignment"] = {
        pseudonym: world.second_slot_id if slot == world.first_slot_id else world.first_slot_id
        for pseudonym, slot in assignment.items()
    }
    batch = tampered(world.batch, published=published)

    # when
    problems = batch_check(batch)
    code, _out, err = verify_command(batch.pk)

    # then
    assert problems == [RESULT_MISMATCH, NOT_BOOKED]
    assert code == 1
    assert err == f"batch {batch.pk}: {RESULT_MISMATCH}\nbatch {batch.pk}: {NOT_BOOKED}\n"


def test_a_booking_moved_to_another_slot_is_found(world: World) -> None:
    # given: a winner's booking moved to the other slot in the database
    booking = Booking.objects.order_by("pk").first()
    assert booking is not None
    other = world.second_slot_id if booking.slot_id == world.first_slot_id else world.first_slot_id
    Booking.objects.filter(pk=booking.pk).update(slot_id=other)

    # when
    problems = batch_check(world.batch)

    # then: the published record still checks out; the records do not match it
    assert published_check(world.batch) == []
    assert problems == [NOT_BOOKED]


def test_unreadable_published_data_is_reported(world: World) -> None:
    # given
    batch = tampered(world.batch, published={"format": 1})

    # when
    problems = batch_check(batch)

    # then
    assert problems == ["The published data, seed or hash cannot be read."] * 2


def test_a_batch_still_open_or_missing_does_not_check_out(world: World) -> None:
    # given
    open_batch = opened(world.hall, slots_make(world.hall, [1], day=FRIDAY + timedelta(days=7)))

    # when
    open_result = verify_command(open_batch.pk)
    missing_result = verify_command(open_batch.pk + 1)

    # then
    assert open_result == (
        1,
        "",
        f"batch {open_batch.pk}: The batch has not been allocated yet: there is nothing to check.\n",
    )
    assert missing_result == (1, "", f"batch {open_batch.pk + 1}: no such batch\n")
