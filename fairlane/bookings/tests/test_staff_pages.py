"""Office staff booking pages: the office's services, publishing slots (errors per row),
opening a batch (its commitment shown), and the day's bookings with "did not come" and
strikes. Staff of another office, or without a booking role, see nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import PASSWORD, make_staff
from fairlane.bookings.booking import booking_make
from fairlane.bookings.models import Batch, Booking, BookingStatus, Slot, Strike
from fairlane.bookings.tests.hall import MONDAY, Hall, hall_make, person_make, slot_publish
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY.date() + timedelta(days=1)


@dataclass
class World:
    hall: Hall
    slot: Slot  # Tuesday 9:00, two places
    booking: Booking  # the citizen's, on that slot
    citizen: User


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    cache.clear()
    hall = hall_make()
    slot = slot_publish(hall, TUESDAY, capacity=2)
    citizen = person_make(1, "王小明")
    yield World(hall=hall, slot=slot, booking=booking_make(actor=citizen, slot=slot), citizen=citizen)
    cache.clear()


def staff_client(user: User) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    device = TOTPDevice.objects.get(user=user)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    response = client.post(
        "/accounts/login/", {"username": user.phone, "password": PASSWORD, "otp_token": code}
    )
    assert response.status_code == 302
    return client


def text_of(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def test_the_home_page_lists_the_office_services_and_the_nav_links_to_it(world: World) -> None:
    # when
    response = staff_client(world.hall.clerk).get("/staff/bookings/")

    # then
    page = text_of(response)
    assert response.status_code == 200
    assert f'href="/staff/bookings/services/{world.hall.window.pk}/slots/"' in page
    assert f'href="/staff/bookings/services/{world.hall.exam.pk}/batches/new/"' in page
    assert '<a href="/staff/bookings/" aria-current="page">Bookings</a>' in page
    assert response["Cache-Control"] == "no-store"


def test_staff_without_a_booking_role_or_of_another_office_see_nothing(world: World) -> None:
    # given
    reviewer = make_staff(Role.REVIEWER, office=world.hall.office, seed=801)
    stranger = make_staff(Role.CLERK, office=make_office(code="310999", name="另一分所"), seed=802)
    service = world.hall.window.pk

    # when / then
    assert staff_client(reviewer).get("/staff/bookings/").status_code == 404
    client = staff_client(stranger)
    for path in (
        f"/staff/bookings/services/{service}/slots/",
        f"/staff/bookings/services/{service}/batches/new/",
        f"/staff/bookings/services/{service}/day/",
    ):
        assert client.get(path).status_code == 404
    assert client.post(f"/staff/bookings/bookings/{world.booking.pk}/no-show/").status_code == 404
    assert (
        client.post(
            f"/staff/bookings/bookings/{world.booking.pk}/strike/", {"kind": "not_the_person", "reason": "x"}
        ).status_code
        == 404
    )
    assert Strike.objects.count() == 0
    world.booking.refresh_from_db()
    assert world.booking.status == BookingStatus.ACTIVE


def test_a_citizen_sees_nothing(world: World) -> None:
    client = Client()
    client.force_login(world.citizen)
    assert client.get("/staff/bookings/").status_code == 404


def rows(*values: tuple[str, str, str, str, str]) -> dict[str, str]:
    data = {"slots-TOTAL_FORMS": "8", "slots-INITIAL_FORMS": "0"}
    for index, (day, start, end, capacity, site) in enumerate(values):
        data.update(
            {
                f"slots-{index}-day": day,
                f"slots-{index}-start": start,
                f"slots-{index}-end": end,
                f"slots-{index}-capacity": capacity,
                f"slots-{index}-site": site,
            }
        )
    return data


def test_slots_are_published_from_the_rows_that_are_filled_in(world: World) -> None:
    # when
    response = staff_client(world.hall.clerk).post(
        f"/staff/bookings/services/{world.hall.window.pk}/slots/",
        rows(("2026-03-04", "09:00", "10:00", "5", ""), ("2026-03-04", "10:00", "11:00", "3", "")),
        follow=True,
    )

    # then
    assert "2 slots published." in text_of(response)
    published = Slot.objects.filter(service=world.hall.window).exclude(pk=world.slot.pk).order_by("starts_at")
    assert [(s.starts_at.isoformat(), s.capacity, s.batch_id) for s in published] == [
        ("2026-03-04T01:00:00+00:00", 5, None),
        ("2026-03-04T02:00:00+00:00", 3, None),
    ]


def test_a_wrong_row_shows_its_error_and_nothing_is_published(world: World) -> None:
    # given: the second row falls on a Saturday
    before = Slot.objects.count()

    # when
    response = staff_client(world.hall.clerk).post(
        f"/staff/bookings/services/{world.hall.window.pk}/slots/",
        rows(("2026-03-04", "09:00", "10:00", "5", ""), ("2026-03-07", "09:00", "10:00", "5", "")),
    )

    # then
    page = text_of(response)
    assert response.status_code == 422
    row = page[page.index('id="row-1"') : page.index('id="row-2"')]
    assert "The office does not work on this day." in row
    assert "The office does not work on this day." not in page[: page.index('id="row-1"')]
    assert Slot.objects.count() == before


def test_an_exam_row_without_a_site_is_refused(world: World) -> None:
    # when
    response = staff_client(world.hall.clerk).post(
        f"/staff/bookings/services/{world.hall.exam.pk}/slots/",
        rows(("2026-03-16", "09:00", "11:00", "20", "")),
    )

    # then
    assert response.status_code == 422
    assert "Name the exam site." in text_of(response)
    assert not Slot.objects.filter(service=world.hall.exam).exists()


def test_a_batch_is_opened_and_its_commitment_shown(world: World) -> None:
    # given
    friday = slot_publish(world.hall, MONDAY.date() + timedelta(days=4), capacity=4)
    client = staff_client(world.hall.clerk)
    form = client.get(f"/staff/bookings/services/{world.hall.window.pk}/batches/new/")

    # when
    response = client.post(
        f"/staff/bookings/services/{world.hall.window.pk}/batches/new/",
        {"opens_at": "2026-03-02T10:00", "closes_at": "2026-03-03T17:00", "slots": [friday.pk]},
        follow=True,
    )

    # then
    batch = Batch.objects.get()
    assert f'value="{friday.pk}"' in text_of(form)
    assert response.redirect_chain == [(f"/staff/bookings/batches/{batch.pk}/", 302)]
    page = text_of(response)
    assert f'<dd class="mono break" id="commitment">{batch.commitment}</dd>' in page
    assert list(batch.slots.values_list("pk", flat=True)) == [friday.pk]


def test_a_batch_closing_too_late_is_refused_next_to_the_field(world: World) -> None:
    # given
    friday = slot_publish(world.hall, MONDAY.date() + timedelta(days=4), capacity=4)

    # when
    response = staff_client(world.hall.clerk).post(
        f"/staff/bookings/services/{world.hall.window.pk}/batches/new/",
        {"opens_at": "2026-03-02T10:00", "closes_at": "2026-03-06T08:00", "slots": [friday.pk]},
    )

    # then
    assert response.status_code == 422
    assert re.search(r'id="id_closes_at_error">\s*<p class="field__error">', text_of(response))
    assert "The window must close before the day of the first slot." in text_of(response)
    assert Batch.objects.count() == 0


def test_the_day_shows_masked_names_and_a_no_show_is_recorded(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: Tuesday after the slot
    time_machine.move_to(MONDAY + timedelta(days=1, hours=2), tick=False)
    client = staff_client(world.hall.clerk)
    url = f"/staff/bookings/services/{world.hall.window.pk}/day/?day=2026-03-03"
    page = text_of(client.get(url))

    # when
    response = client.post(f"/staff/bookings/bookings/{world.booking.pk}/no-show/", follow=True)

    # then
    assert "王*明" in page
    assert world.citizen.name not in page
    assert "Did not come" in page
    assert response.redirect_chain == [(url, 302)]
    assert f"Recorded: booking {world.booking.pk} did not come." in text_of(response)
    world.booking.refresh_from_db()
    assert world.booking.status == BookingStatus.NO_SHOW
    assert list(Strike.objects.values_list("booking_id", "kind")) == [(world.booking.pk, "no_show")]


def test_a_no_show_before_the_slot_ended_is_refused(world: World) -> None:
    # when
    response = staff_client(world.hall.clerk).post(
        f"/staff/bookings/bookings/{world.booking.pk}/no-show/", follow=True
    )

    # then
    assert "A no-show can be recorded only after the slot has ended." in text_of(response)
    world.booking.refresh_from_db()
    assert world.booking.status == BookingStatus.ACTIVE
    assert Strike.objects.count() == 0


def test_a_strike_is_recorded_with_its_reason(world: World) -> None:
    # when
    response = staff_client(world.hall.clerk).post(
        f"/staff/bookings/bookings/{world.booking.pk}/strike/",
        {"kind": "not_the_person", "reason": "Booked for a paying customer"},
        follow=True,
    )

    # then
    assert f"Strike recorded for booking {world.booking.pk}." in text_of(response)
    assert list(Strike.objects.values_list("booking_id", "kind")) == [(world.booking.pk, "not_the_person")]


def test_a_strike_without_a_reason_is_refused(world: World) -> None:
    # when
    response = staff_client(world.hall.clerk).post(
        f"/staff/bookings/bookings/{world.booking.pk}/strike/",
        {"kind": "not_the_person", "reason": ""},
        follow=True,
    )

    # then
    assert "This field is required." in text_of(response)
    assert Strike.objects.count() == 0


def test_the_staff_pages_refuse_a_get_that_would_change_something(world: World) -> None:
    client = staff_client(world.hall.clerk)
    assert client.get(f"/staff/bookings/bookings/{world.booking.pk}/no-show/").status_code == 405
    assert client.get(f"/staff/bookings/bookings/{world.booking.pk}/strike/").status_code == 405
