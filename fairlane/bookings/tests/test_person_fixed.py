"""A booking never changes its person: not by the ORM, not by raw SQL, not in the admin,
not through a service or the API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client, RequestFactory
from django.utils import timezone, translation
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import api_token, make_staff
from fairlane.bookings.booking import booking_make
from fairlane.bookings.models import (
    Batch,
    BookableService,
    Booking,
    BookingRequest,
    BookingStatus,
    Slot,
    Strike,
)
from fairlane.bookings.tests.exam_setup import learner_with_permit
from fairlane.bookings.tests.hall import MONDAY, Hall, batch_make, hall_make, person_make, slot_publish
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.core.errors import ApiError
from fairlane.integrity.models import AuditEvent

pytestmark = pytest.mark.django_db


@dataclass
class World:
    hall: Hall
    holder: User
    buyer: User
    booking: Booking


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    with translation.override("en"):
        hall = hall_make()
        holder, buyer = person_make(1, "王小明"), person_make(2, "李小红")
        learner_with_permit(hall, holder, time_machine)  # subject 2 is open to them
        slot = slot_publish(hall, timezone.localdate() + timedelta(days=14), service=hall.exam)
        yield World(hall=hall, holder=holder, buyer=buyer, booking=booking_make(actor=holder, slot=slot))


def person_of(booking: Booking) -> int:
    return Booking.objects.values_list("person", flat=True).get(pk=booking.pk)


def moves_refused(world: World) -> list[type[Exception]]:
    """Try every way the ORM and SQL offer to move the booking to the buyer."""
    booking, buyer = world.booking, world.buyer
    attempts = [
        lambda: Booking.objects.filter(pk=booking.pk).update(person=buyer),
        lambda: Booking.objects.filter(pk=booking.pk).update(person_id=buyer.pk, status=BookingStatus.ACTIVE),
        lambda: Booking(
            pk=booking.pk,
            person=buyer,
            service_id=booking.service_id,
            slot_id=booking.slot_id,
            source=booking.source,
            status=booking.status,
            created_at=booking.created_at,
        ).save(),
        lambda: connection.cursor().execute(
            "UPDATE bookings_booking SET person_id = %s WHERE id = %s", [buyer.pk, booking.pk]
        ),
    ]
    raised: list[type[Exception]] = []
    for attempt in attempts:
        with pytest.raises(DatabaseError) as error, transaction.atomic():
            attempt()
        raised.append(type(error.value))
    return raised


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite trigger; PostgreSQL's is tested below")
def test_the_database_refuses_to_move_a_booking_to_someone_else(world: World) -> None:
    # when
    raised = moves_refused(world)

    # then
    assert raised == [IntegrityError] * 4
    assert person_of(world.booking) == world.holder.pk


@pytest.mark.postgres
def test_postgresql_refuses_it_too(world: World) -> None:
    # when
    raised = moves_refused(world)

    # then
    assert connection.vendor == "postgresql"
    assert all(issubclass(kind, DatabaseError) for kind in raised) and len(raised) == 4
    assert person_of(world.booking) == world.holder.pk


def test_writing_the_same_person_again_is_no_move(world: World) -> None:
    # when: an UPDATE that names the person without changing it, as save() does
    Booking.objects.filter(pk=world.booking.pk).update(person=world.holder, status=BookingStatus.CANCELLED)

    # then
    assert Booking.objects.values_list("person", "status").get(pk=world.booking.pk) == (
        world.holder.pk,
        BookingStatus.CANCELLED,
    )


def test_a_batch_request_never_changes_its_person_either(world: World) -> None:
    # given
    batch = batch_make(world.hall.window, [])
    request = BookingRequest.objects.create(
        batch=batch, person=world.holder, pseudonym="r-0001", preferences=[], created_at=timezone.now()
    )

    # when
    with pytest.raises(DatabaseError), transaction.atomic():
        BookingRequest.objects.filter(pk=request.pk).update(person=world.buyer)

    # then
    assert BookingRequest.objects.values_list("person", flat=True).get() == world.holder.pk


def test_the_admin_offers_no_way_to_change_anything(world: World) -> None:
    # given
    request = RequestFactory().get("/admin/")
    request.user = world.hall.clerk

    # when
    permissions = {
        model.__name__: (
            admin.site._registry[model].has_add_permission(request),
            admin.site._registry[model].has_change_permission(request, None),
            admin.site._registry[model].has_delete_permission(request, None),
        )
        for model in (BookableService, Batch, Slot, BookingRequest, Booking, Strike)
    }

    # then
    names = ["BookableService", "Batch", "Slot", "BookingRequest", "Booking", "Strike"]
    assert permissions == dict.fromkeys(names, (False, False, False))
    assert sorted(admin.site._registry[Booking].get_readonly_fields(request)) == sorted(
        field.name for field in Booking._meta.fields
    )


def test_even_a_superuser_cannot_post_a_new_person_in_the_admin(world: World, client: Client) -> None:
    # given: an administrator with every permission, signed in with the second factor
    superuser = make_staff(Role.ADMIN, office=world.hall.office, seed=120)
    User.objects.filter(pk=superuser.pk).update(is_superuser=True)
    staff_login(client, superuser)
    url = f"/admin/bookings/booking/{world.booking.pk}/change/"

    # when
    shown = client.get(url)
    posted = client.post(url, {"person": world.buyer.pk, "status": BookingStatus.ACTIVE})

    # then: the page shows it read-only; the post is refused
    assert shown.status_code == 200
    assert b'name="person"' not in shown.content
    assert posted.status_code == 403
    assert person_of(world.booking) == world.holder.pk


def test_no_service_books_for_someone_else(world: World) -> None:
    # given
    slot = slot_publish(world.hall, timezone.localdate() + timedelta(days=1))
    events = AuditEvent.objects.count()

    # when
    with pytest.raises(ApiError) as refused:
        booking_make(actor=world.holder, slot=slot, person=world.buyer)

    # then
    assert (refused.value.status, refused.value.code) == (403, "not_for_others")
    assert (Booking.objects.filter(person=world.buyer).count(), AuditEvent.objects.count()) == (0, events)


def test_the_api_books_for_the_caller_whatever_person_is_sent(world: World) -> None:
    # given
    slot = slot_publish(world.hall, timezone.localdate() + timedelta(days=1))
    client = Client()
    headers = {"Authorization": f"Bearer {api_token(client, world.buyer)}"}

    # when
    response = client.post(
        "/api/v1/bookings",
        json.dumps({"slot_id": slot.pk, "person_id": world.holder.pk, "person": world.holder.pk}),
        content_type="application/json",
        headers=headers,
    )

    # then
    assert response.status_code == 201
    assert person_of(Booking.objects.get(pk=response.json()["id"])) == world.buyer.pk
