"""The citizen's booking pages: where an item can be booked, one service's batches and
leftover places with "Book", my bookings and requests, one booking, and cancelling it only
after a confirmation page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.bookings.booking import booking_make
from fairlane.bookings.models import Booking, BookingStatus, ServiceKind, Slot, Strike, StrikeKind
from fairlane.bookings.tests.batch_setup import FRIDAY, allocated, opened, requested, slots_make
from fairlane.bookings.tests.hall import MONDAY, Hall, hall_make, person_make, service_make, slot_publish
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

THURSDAY = MONDAY.date() + timedelta(days=3)


@dataclass
class World:
    hall: Hall
    slot: Slot  # Thursday 9:00, two places, in no batch: booked directly
    citizen: User
    other: User


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    cache.clear()
    hall = hall_make()
    yield World(
        hall=hall,
        slot=slot_publish(hall, THURSDAY, capacity=2),
        citizen=person_make(1, "王小明"),
        other=person_make(2, "李小红"),
    )
    cache.clear()


def visitor(user: User | None = None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def text_of(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def service_url(world: World) -> str:
    return f"/bookings/service/{world.hall.window.pk}/"


# --- Where to book --------------------------------------------------------------------------


def test_the_start_page_lists_the_offices_taking_bookings_for_the_item(world: World) -> None:
    # given
    call_command("load_catalogue", verbosity=0)

    # when
    response = visitor().get("/bookings/start/DL-RENEW/")

    # then
    page = text_of(response)
    assert response.status_code == 200
    assert "Book a visit: Renewal on expiry" in page
    assert f'<a href="/bookings/service/{world.hall.window.pk}/">{world.hall.office.name}</a>' in page
    assert f"#{world.slot.pk} 2026-03-05 09:00–10:00" in page


@pytest.mark.parametrize("code", ["NO-SUCH-ITEM", "DL-ELECTRONIC"])
def test_an_unknown_item_or_one_without_visits_is_not_found(world: World, code: str) -> None:
    # given: DL-ELECTRONIC is done online only
    call_command("load_catalogue", verbosity=0)

    # when / then
    assert visitor().get(f"/bookings/start/{code}/").status_code == 404


# --- One service ----------------------------------------------------------------------------


def test_the_service_page_shows_open_batches_and_places_to_book(world: World) -> None:
    # given: a batch of Friday's slots taking requests
    batch = opened(world.hall, slots_make(world.hall, [3]))

    # when
    response = visitor().get(service_url(world))

    # then
    page = text_of(response)
    assert response.status_code == 200
    assert f'<a href="/bookings/batches/{batch.pk}/">Batch {batch.pk}</a>' in page
    assert "2026-03-05 09:00–10:00" in page  # the direct slot
    assert "2026-03-06 09:00" not in page  # the batch's slot is not booked directly
    assert f'href="/accounts/login/?next=/bookings/service/{world.hall.window.pk}/"' in page


def test_booking_needs_a_signed_in_person(world: World) -> None:
    # when
    response = visitor().post(service_url(world), {"slot": world.slot.pk})

    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Booking.objects.count() == 0


def test_a_person_books_a_place_and_sees_the_booking(world: World) -> None:
    # given
    client = visitor(world.citizen)

    # when
    response = client.post(service_url(world), {"slot": world.slot.pk}, follow=True)

    # then
    booking = Booking.objects.get()
    assert (booking.person_id, booking.slot_id, booking.status) == (world.citizen.pk, world.slot.pk, "active")
    assert response.redirect_chain == [(f"/bookings/mine/{booking.pk}/", 302)]
    page = text_of(response)
    assert f"Booked: #{world.slot.pk} 2026-03-05 09:00–10:00." in page
    assert "王*明" in page
    assert response["Cache-Control"] == "no-store"
    world.slot.refresh_from_db()
    assert world.slot.booked == 1


def test_a_full_slot_is_refused_clearly(world: World) -> None:
    # given
    Slot.objects.filter(pk=world.slot.pk).update(capacity=1)
    booking_make(actor=world.other, slot=world.slot)

    # when
    response = visitor(world.citizen).post(service_url(world), {"slot": world.slot.pk})

    # then
    assert response.status_code == 409
    assert "This slot is full. Choose another one." in text_of(response)
    assert Booking.objects.filter(person=world.citizen).count() == 0


def test_a_second_booking_of_the_service_is_refused(world: World) -> None:
    # given
    other_slot = slot_publish(world.hall, THURSDAY, hour=10)
    booking_make(actor=world.citizen, slot=world.slot)

    # when
    response = visitor(world.citizen).post(service_url(world), {"slot": other_slot.pk})

    # then
    page = text_of(response)
    assert response.status_code == 409
    assert "You already hold a booking for this service." in page
    assert 'id="held"' in page
    assert Booking.objects.filter(person=world.citizen).count() == 1


def test_a_barred_person_is_refused(world: World) -> None:
    # given: three strikes this year
    for hour in (9, 10, 11):
        slot = slot_publish(world.hall, MONDAY.date() + timedelta(days=1), hour=hour + 3)
        booking = Booking.objects.create(
            person=world.citizen, service=world.hall.exam, slot=slot, source="immediate",
            status=BookingStatus.NO_SHOW, created_at=timezone.now(),
        )  # fmt: skip
        Strike.objects.create(
            person=world.citizen, booking=booking, kind=StrikeKind.NO_SHOW, at=timezone.now()
        )

    # when
    response = visitor(world.citizen).post(service_url(world), {"slot": world.slot.pk})

    # then
    page = text_of(response)
    assert response.status_code == 403
    assert "you may not book until 2027-03-02" in page
    assert not Booking.objects.filter(person=world.citizen, status=BookingStatus.ACTIVE).exists()


def test_on_the_day_itself_it_is_too_late(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    time_machine.move_to(MONDAY + timedelta(days=3), tick=False)

    # when
    response = visitor(world.citizen).post(service_url(world), {"slot": world.slot.pk})

    # then
    assert response.status_code == 409
    assert "Places can be booked only until the day before." in text_of(response)
    assert Booking.objects.count() == 0


@pytest.mark.parametrize("value", ["", "abc", "99999999"])
def test_a_slot_that_is_not_of_the_service_is_refused(world: World, value: str) -> None:
    # when
    response = visitor(world.citizen).post(service_url(world), {"slot": value})

    # then
    assert response.status_code == 404
    assert "No such slot." in text_of(response)
    assert Booking.objects.count() == 0


def test_a_slot_of_another_service_is_refused(world: World) -> None:
    # given
    other = hall_make(office=make_office(code="310999", name="另一分所"), seed=900)
    slot = slot_publish(other, THURSDAY)

    # when
    response = visitor(world.citizen).post(service_url(world), {"slot": slot.pk})

    # then
    assert response.status_code == 404
    assert Booking.objects.count() == 0


def test_an_unknown_service_is_not_found(world: World) -> None:
    assert visitor().get("/bookings/service/999999/").status_code == 404


# --- My bookings ----------------------------------------------------------------------------


def test_my_bookings_lists_active_ones_first_and_my_requests_with_outcomes(world: World) -> None:
    # given: a cancelled booking, an active one, and a request that got a place on Friday
    cancelled = booking_make(actor=world.citizen, slot=world.slot)
    Booking.objects.filter(pk=cancelled.pk).update(status=BookingStatus.CANCELLED, ended_at=timezone.now())
    active = booking_make(actor=world.citizen, slot=slot_publish(world.hall, THURSDAY, hour=11))
    second = service_make(world.hall.office, kind=ServiceKind.WINDOW, item_code="VH-DEREG-BOOK")
    batch = opened(world.hall, [slot_publish(world.hall, FRIDAY, service=second)], service=second)
    request = requested(world.citizen, batch, list(batch.slots.all()))
    allocated(batch)

    # when
    response = visitor(world.citizen).get("/bookings/mine/")

    # then
    page = text_of(response)
    assert response.status_code == 200
    assert page.index(f'href="/bookings/mine/{active.pk}/"') < page.index(
        f'href="/bookings/mine/{cancelled.pk}/"'
    )
    assert f'<td class="mono">{request.pseudonym}</td>' in page
    assert "You have a place" in page
    assert response["Cache-Control"] == "no-store"


def test_someone_elses_booking_is_not_found(world: World) -> None:
    # given
    booking = booking_make(actor=world.other, slot=world.slot)

    # when / then
    assert visitor(world.citizen).get(f"/bookings/mine/{booking.pk}/").status_code == 404
    assert visitor(world.citizen).get(f"/bookings/mine/{booking.pk}/cancel/").status_code == 404
    assert visitor(world.citizen).post(f"/bookings/mine/{booking.pk}/cancel/").status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACTIVE


# --- Cancelling -----------------------------------------------------------------------------


def test_a_bare_get_of_the_cancel_page_never_cancels(world: World) -> None:
    # given
    booking = booking_make(actor=world.citizen, slot=world.slot)

    # when
    response = visitor(world.citizen).get(f"/bookings/mine/{booking.pk}/cancel/")

    # then
    page = text_of(response)
    assert response.status_code == 200
    assert "The place you give back goes into the next batch" in page
    assert "A booking can be cancelled only until the day before its day." in page
    assert "Yes, cancel the booking" in page
    booking.refresh_from_db()
    world.slot.refresh_from_db()
    assert (booking.status, world.slot.booked) == (BookingStatus.ACTIVE, 1)


def test_the_confirmed_post_cancels(world: World) -> None:
    # given
    booking = booking_make(actor=world.citizen, slot=world.slot)

    # when
    response = visitor(world.citizen).post(f"/bookings/mine/{booking.pk}/cancel/", follow=True)

    # then
    assert response.redirect_chain == [(f"/bookings/mine/{booking.pk}/", 302)]
    assert "Your booking is cancelled. The place goes into the next batch." in text_of(response)
    booking.refresh_from_db()
    world.slot.refresh_from_db()
    assert (booking.status, world.slot.booked) == (BookingStatus.CANCELLED, 0)


def test_cancelling_on_the_day_is_refused(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    booking = booking_make(actor=world.citizen, slot=world.slot)
    time_machine.move_to(MONDAY + timedelta(days=3), tick=False)

    # when
    shown = visitor(world.citizen).get(f"/bookings/mine/{booking.pk}/cancel/")
    sent = visitor(world.citizen).post(f"/bookings/mine/{booking.pk}/cancel/")

    # then
    assert "It is too late to cancel this booking." in text_of(shown)
    assert sent.status_code == 409
    assert "A booking can be cancelled only until the day before." in text_of(sent)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACTIVE


def test_the_pages_need_a_signed_in_person(world: World) -> None:
    for path in ("/bookings/mine/", "/bookings/mine/1/", "/bookings/mine/1/cancel/"):
        response = visitor().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_nav_links_to_my_bookings(world: World) -> None:
    page = text_of(visitor(world.citizen).get("/bookings/mine/"))
    assert '<a href="/bookings/mine/" aria-current="page">My bookings</a>' in page
