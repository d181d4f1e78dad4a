"""Publishing slots: who may, on which days, how far ahead, and which slots are then open
for direct booking."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.test import TestCase
from django.utils import timezone, translation
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.bookings.booking import booking_cancel, booking_make
from fairlane.bookings.capacity import SlotSpec, slots_publish
from fairlane.bookings.models import Slot
from fairlane.bookings.selectors import held_back_count, open_slots
from fairlane.bookings.tests.hall import (
    MONDAY,
    Hall,
    at,
    batch_make,
    hall_make,
    person_make,
    slot_publish,
)
from fairlane.core import services as calendar_services
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, InvalidInput
from fairlane.integrity.models import AuditEvent
from fairlane.registry.tests.factories import make_office, make_police_station

pytestmark = pytest.mark.django_db

TOMORROW = MONDAY.date() + timedelta(days=1)
QINGMING_MONDAY = date(2026, 4, 6)  # a public holiday (清明节)
WORKED_SATURDAY = date(2026, 5, 9)  # 调休: worked in place of a May Day holiday
PLAIN_SATURDAY = date(2026, 3, 14)


@dataclass
class World:
    hall: Hall
    other_clerk: User
    citizen: User


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    with translation.override("en"):
        office = make_office()
        yield World(
            hall=hall_make(office=office),
            other_clerk=make_staff(Role.CLERK, office=make_office(code="310001", name="浦东分所"), seed=90),
            citizen=person_make(1),
        )


def audit_actions() -> list[int]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def test_a_clerk_publishes_window_slots(world: World) -> None:
    # given
    specs = [
        SlotSpec(at(TOMORROW, 9), at(TOMORROW, 10), 6),
        SlotSpec(at(TOMORROW, 10), at(TOMORROW, 11), 4, "  "),
    ]

    # when
    slots = slots_publish(actor=world.hall.clerk, service=world.hall.window, slots=specs)

    # then
    stored = list(
        Slot.objects.order_by("starts_at").values_list(
            "starts_at", "ends_at", "capacity", "booked", "site", "batch", "published_at"
        )
    )
    assert stored == [
        (at(TOMORROW, 9), at(TOMORROW, 10), 6, 0, "", None, MONDAY),
        (at(TOMORROW, 10), at(TOMORROW, 11), 4, 0, "", None, MONDAY),
    ]
    event = AuditEvent.objects.get(action=AuditAction.SLOTS_PUBLISHED)
    assert (event.actor_id, event.office_id, event.object_type, event.object_id) == (
        world.hall.clerk.pk,
        world.hall.office.pk,
        "bookings.bookableservice",
        str(world.hall.window.pk),
    )
    assert event.changes == {
        "slots": [None, [slot.pk for slot in slots]],
        "places": [None, 10],
        "first_starts_at": [None, "2026-03-03T01:00:00+00:00"],
    }


def test_supervisors_and_admins_of_the_office_publish_too(world: World) -> None:
    # given
    admin = make_staff(Role.ADMIN, office=world.hall.office, seed=95)

    # when
    for number, actor in enumerate([world.hall.supervisor, admin]):
        slots_publish(
            actor=actor,
            service=world.hall.window,
            slots=[(at(TOMORROW, 9 + number), at(TOMORROW, 10 + number), 3, "")],
        )

    # then
    assert Slot.objects.count() == 2


@pytest.mark.parametrize("who", ["citizen", "other_clerk", "reviewer", "police"])
def test_others_may_not_publish_and_nothing_is_written(world: World, who: str) -> None:
    # given
    office = world.hall.office
    actors = {
        "citizen": world.citizen,
        "other_clerk": world.other_clerk,
        "reviewer": make_staff(Role.REVIEWER, office=office, seed=96),
        "police": make_staff(Role.POLICE, office=office, police_station=make_police_station(), seed=97),
    }
    before = audit_actions()

    # when
    with pytest.raises(ApiError) as refused:
        slots_publish(
            actor=actors[who], service=world.hall.window, slots=[(at(TOMORROW, 9), at(TOMORROW, 10), 3)]
        )

    # then
    assert (refused.value.status, refused.value.code) == (403, "not_office_staff")
    assert Slot.objects.count() == 0
    assert audit_actions() == before


def test_no_slot_on_a_holiday_or_a_plain_weekend_but_on_a_worked_weekend_day(world: World) -> None:
    # given
    days = [QINGMING_MONDAY, PLAIN_SATURDAY, WORKED_SATURDAY]

    # when
    with pytest.raises(InvalidInput) as refused:
        slots_publish(
            actor=world.hall.clerk,
            service=world.hall.window,
            slots=[(at(day, 9), at(day, 10), 3) for day in days],
        )
    published = slots_publish(
        actor=world.hall.clerk,
        service=world.hall.window,
        slots=[(at(WORKED_SATURDAY, 9), at(WORKED_SATURDAY, 10), 3)],
    )

    # then: the whole list was refused, then the worked Saturday alone was published
    assert refused.value.fields == {
        "slots.0.starts_at": "The office does not work on this day.",
        "slots.1.starts_at": "The office does not work on this day.",
    }
    assert list(Slot.objects.values_list("pk", flat=True)) == [published[0].pk]


def test_a_holiday_set_in_the_calendar_closes_the_day(world: World) -> None:
    # given: the administrator makes tomorrow a holiday
    admin = make_staff(Role.ADMIN, office=world.hall.office, seed=95)
    with TestCase.captureOnCommitCallbacks(execute=True):
        calendar_services.calendar_day_set(
            actor=admin,
            day=TOMORROW,
            kind="holiday",
            name_zh="测试假日",
            name_en="Test holiday",
        )

    # when
    with pytest.raises(InvalidInput) as refused:
        slot_publish(world.hall, TOMORROW)

    # then
    assert refused.value.fields == {"slots.0.starts_at": "The office does not work on this day."}
    assert Slot.objects.count() == 0


def test_exam_sessions_are_published_at_least_ten_days_ahead(world: World) -> None:
    # given
    day9, day10 = MONDAY.date() + timedelta(days=9), MONDAY.date() + timedelta(days=10)

    # when
    with pytest.raises(InvalidInput) as refused:
        slot_publish(world.hall, day9, service=world.hall.exam)
    slot = slot_publish(world.hall, day10, service=world.hall.exam, capacity=12)

    # then
    assert refused.value.fields == {
        "slots.0.starts_at": "Exam sessions are published at least 10 days ahead."
    }
    assert list(Slot.objects.values_list("pk", "site", "capacity")) == [(slot.pk, "浦东考场", 12)]


def test_one_wrong_slot_refuses_the_whole_list(world: World) -> None:
    # given
    specs = [(at(TOMORROW, 9), at(TOMORROW, 10), 3), (at(TOMORROW, 10), at(TOMORROW, 11), 0)]
    before = audit_actions()

    # when
    with pytest.raises(InvalidInput) as refused:
        slots_publish(actor=world.hall.clerk, service=world.hall.window, slots=specs)

    # then
    assert refused.value.fields == {"slots.1.capacity": "Enter a whole number of places from 1 to 10000."}
    assert Slot.objects.count() == 0
    assert audit_actions() == before


def test_a_malformed_slot_is_named(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        slots_publish(actor=world.hall.clerk, service=world.hall.window, slots=[(at(TOMORROW, 9),)])
    assert refused.value.fields == {"slots.0": "Give a start, an end, a capacity and a site."}
    assert Slot.objects.count() == 0


def test_a_slot_overlapping_a_published_one_is_refused(world: World) -> None:
    # given
    slot_publish(world.hall, TOMORROW, hour=9)

    # when
    with pytest.raises(InvalidInput) as refused:
        slots_publish(
            actor=world.hall.clerk,
            service=world.hall.window,
            slots=[(at(TOMORROW, 9, 30), at(TOMORROW, 10, 30), 2)],
        )
    slots_publish(
        actor=world.hall.clerk, service=world.hall.window, slots=[(at(TOMORROW, 10), at(TOMORROW, 11), 2)]
    )

    # then: the overlapping one was refused, the touching one published
    assert refused.value.fields == {"slots.0.starts_at": "This overlaps another slot at the same site."}
    assert list(Slot.objects.order_by("starts_at").values_list("starts_at", flat=True)) == [
        at(TOMORROW, 9),
        at(TOMORROW, 10),
    ]


def test_the_same_time_is_free_for_another_service(world: World) -> None:
    # given
    slot_publish(world.hall, TOMORROW + timedelta(days=10), service=world.hall.exam, site="A")

    # when
    slot_publish(world.hall, TOMORROW + timedelta(days=10), service=world.hall.exam, site="B")
    slot_publish(world.hall, TOMORROW + timedelta(days=10))

    # then
    assert Slot.objects.count() == 3


# --- Which slots are open for direct booking ---------------------------------------------------


def test_open_slots_are_from_tomorrow_with_places_and_outside_unallocated_batches(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: slots for tomorrow and the day after; then it is tomorrow
    hall = world.hall
    slot_publish(hall, TOMORROW, hour=9)  # today by then: closed
    full = slot_publish(hall, TOMORROW + timedelta(days=1), hour=9)
    free = slot_publish(hall, TOMORROW + timedelta(days=1), hour=10, capacity=2)
    in_open_batch = slot_publish(hall, TOMORROW + timedelta(days=1), hour=11)
    in_allocated_batch = slot_publish(hall, TOMORROW + timedelta(days=1), hour=13)
    batch_make(hall.window, [in_open_batch])
    batch_make(hall.window, [in_allocated_batch], allocated_at=timezone.now())
    booking_make(actor=world.citizen, slot=full)
    time_machine.move_to(at(TOMORROW, 8), tick=False)

    # when
    found = list(open_slots(hall.window))

    # then
    places = [(slot.pk, slot.places_left) for slot in found]  # type: ignore[attr-defined]
    assert places == [(free.pk, 2), (in_allocated_batch.pk, 1)]


def test_a_cancelled_place_is_held_back_until_a_newer_batch_offers_it(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: the only place of a slot booked, then cancelled
    slot = slot_publish(world.hall, TOMORROW + timedelta(days=2))
    booking = booking_make(actor=world.citizen, slot=slot)
    time_machine.move_to(MONDAY + timedelta(hours=1), tick=False)
    booking_cancel(actor=world.citizen, booking=booking)

    # when: then the slot joins a batch that is allocated after the cancellation
    held_before = (held_back_count(slot), list(open_slots(world.hall.window)))
    time_machine.move_to(MONDAY + timedelta(hours=2), tick=False)
    batch_make(world.hall.window, [slot], allocated_at=timezone.now())

    # then
    slot.refresh_from_db()
    assert held_before == (1, [])
    assert (slot.booked, held_back_count(slot)) == (0, 0)
    places = [(s.pk, s.places_left) for s in open_slots(world.hall.window)]  # type: ignore[attr-defined]
    assert places == [(slot.pk, 1)]
