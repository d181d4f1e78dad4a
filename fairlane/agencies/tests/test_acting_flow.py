"""An agent acting for a citizen inside an authorisation: filing, completing, paying and
booking through the API and the pages, what the citizen sees, and a revocation taking
effect in the tasks that carry out the agent's earlier requests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from time_machine import TimeMachineFixture

from fairlane.agencies.models import AuthorisationStatus
from fairlane.agencies.tests.acting_world import (
    ITEM,
    PDF,
    World,
    acted,
    api,
    counts,
    refusals_of,
    world_make,
)
from fairlane.applications import materials, services
from fairlane.applications.models import Application, ApplicationStatus, Material, MaterialKind
from fairlane.bookings.batches import batch_allocate, booking_request_submit
from fairlane.bookings.booking import booking_make
from fairlane.bookings.models import Booking, BookingRequest
from fairlane.bookings.tests.hall import MONDAY
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.models import Notification
from fairlane.payments import services as payments
from fairlane.payments.models import OrderStatus, PaymentOrder, Refund

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def world(time_machine: TimeMachineFixture, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    time_machine.move_to(MONDAY, tick=False)
    return world_make()


def revoke(world: World) -> None:
    world.authorisation.status = AuthorisationStatus.REVOKED
    world.authorisation.save(update_fields=["status"])


def file_by_api(client: Client, world: World) -> Application:
    response = client.post(
        f"/api/v1/agent/{world.ref}/applications",
        {"item_code": ITEM, "office_code": world.hall.office.code, "form": {"vehicle": world.car.pk}},
        content_type="application/json",
        **api(client, world.agent),
    )
    assert response.status_code == 201, response.content
    return Application.objects.get(reference=response.json()["reference"])


def complete_by_api(client: Client, world: World, application: Application) -> None:
    """A document uploaded and collection at the office chosen, so it can be submitted."""
    headers = api(client, world.agent)
    base = f"/api/v1/agent/{world.ref}/applications/{application.reference}"
    upload = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    assert (
        client.post(f"{base}/materials", {"kind": "document", "file": upload}, **headers).status_code == 201
    )
    response = client.patch(
        base,
        {"delivery": {"method": "collect", "collect_office_code": world.hall.office.code}},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.content


def test_the_agent_files_completes_and_pays_and_the_payment_submits_it(world: World) -> None:
    # given
    client = Client()
    application = file_by_api(client, world)
    complete_by_api(client, world, application)

    # when
    response = client.post(
        f"/api/v1/agent/{world.ref}/applications/{application.reference}/checkout", **api(client, world.agent)
    )
    order = PaymentOrder.objects.get(reference=response.json()["payment_reference"])
    payments.payment_start(actor=world.agent, order=order)
    order.refresh_from_db()
    payments.simulated_payment_decide(actor=world.agent, gateway_reference=order.gateway_reference, pay=True)

    # then
    application.refresh_from_db()
    assert (application.applicant, application.agent) == (world.citizen, world.agent)
    assert order.payer == world.agent
    assert application.status == ApplicationStatus.SUBMITTED
    assert acted(world.agent) == [
        f"application_filed {ITEM}",
        f"material_uploaded {ITEM}",
        f"delivery_chosen {ITEM}",
        f"application_paid {ITEM}",
    ]
    created = AuditEvent.objects.get(action=AuditAction.APPLICATION_CREATED, object_id=str(application.pk))
    assert (created.actor_id, created.on_behalf_of_id) == (world.agent.pk, world.citizen.pk)
    notices = Notification.objects.filter(recipient=world.citizen, kind=NotificationKind.AGENT_ACTED)
    assert notices.count() == 4


def test_a_revocation_before_the_payment_callback_keeps_the_draft_and_refunds(world: World) -> None:
    # given: the agent checked out and started paying
    client = Client()
    application = file_by_api(client, world)
    complete_by_api(client, world, application)
    client.post(
        f"/api/v1/agent/{world.ref}/applications/{application.reference}/checkout", **api(client, world.agent)
    )
    order = PaymentOrder.objects.get(payer=world.agent)
    payments.payment_start(actor=world.agent, order=order)
    order.refresh_from_db()
    refused_before = refusals_of(world.agent)

    # when: the citizen revokes, then the payment's callback arrives
    revoke(world)
    payments.simulated_payment_decide(actor=world.agent, gateway_reference=order.gateway_reference, pay=True)

    # then
    application.refresh_from_db()
    order.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert order.status == OrderStatus.PAID
    assert Refund.objects.filter(order=order, amount_fen=order.amount_fen).count() == 1
    assert refusals_of(world.agent) == refused_before + 1
    refusal = AuditEvent.objects.filter(action=AuditAction.AGENT_ACTION_REFUSED).last()
    assert refusal is not None
    assert (refusal.on_behalf_of_id, refusal.reason) == (world.citizen.pk, f"application_paid {ITEM}")


def test_the_agent_removes_a_file(world: World) -> None:
    # given
    client = Client()
    application = file_by_api(client, world)
    complete_by_api(client, world, application)
    material = Material.objects.get(application=application)

    # when
    response = client.delete(
        f"/api/v1/agent/{world.ref}/applications/{application.reference}/materials/{material.pk}",
        **api(client, world.agent),
    )

    # then
    assert response.status_code == 204
    assert not Material.objects.filter(application=application).exists()
    assert acted(world.agent)[-1] == f"material_removed {ITEM}"


def test_the_agent_books_a_leftover_place_for_the_citizen(world: World) -> None:
    # given
    client = Client()

    # when
    response = client.post(
        f"/api/v1/agent/{world.ref}/bookings",
        {"slot": world.slot.pk},
        content_type="application/json",
        **api(client, world.agent),
    )

    # then
    assert response.status_code == 201, response.content
    booking = Booking.objects.get()
    assert (booking.person, booking.slot) == (world.citizen, world.slot)
    assert acted(world.agent) == [f"booking_made {ITEM}"]


def test_a_lottery_request_of_a_revoked_agent_is_not_served(world: World) -> None:
    # given: the agent asked for a place in the lottery, then the citizen revoked
    client = Client()
    response = client.post(
        f"/api/v1/agent/{world.ref}/bookings",
        {"batch": world.batch.pk, "preferences": [world.batch_slot.pk]},
        content_type="application/json",
        **api(client, world.agent),
    )
    assert response.status_code == 201, response.content
    request = BookingRequest.objects.get()
    assert request.person == world.citizen
    revoke(world)

    # when
    batch = batch_allocate(batch=world.batch, now=world.batch.closes_at)

    # then
    assert not Booking.objects.exists()
    assert batch.published["withdrawn"] == [request.pseudonym]
    refusal = AuditEvent.objects.get(action=AuditAction.AGENT_ACTION_REFUSED, actor=world.agent)
    assert (refusal.on_behalf_of_id, refusal.reason) == (world.citizen.pk, f"booking_requested {ITEM}")


def test_a_lottery_request_of_an_agent_still_authorised_is_served(world: World) -> None:
    # given
    client = Client()
    client.post(
        f"/api/v1/agent/{world.ref}/bookings",
        {"batch": world.batch.pk, "preferences": [world.batch_slot.pk]},
        content_type="application/json",
        **api(client, world.agent),
    )

    # when
    batch_allocate(batch=world.batch, now=world.batch.closes_at)

    # then
    assert Booking.objects.get().person == world.citizen
    assert refusals_of(world.agent) == 0


def test_the_citizen_sees_who_filed_it_and_the_staff_too(world: World) -> None:
    # given
    application = file_by_api(Client(), world)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.citizen)

    # when
    page = client.get(f"/applications/{application.reference}/")

    # then
    assert page.status_code == 200
    assert f"Filed for you by agent {world.agent.name} of {world.agency.name}." in page.content.decode()


def test_the_agent_files_through_the_pages(world: World) -> None:
    # given
    client = Client()
    client.force_login(world.agent)
    before = counts()

    # when
    home = client.get(f"/agent/{world.ref}/")
    form = client.get(f"/agent/{world.ref}/new/{ITEM}/")
    response = client.post(
        f"/agent/{world.ref}/new/{ITEM}/", {"office": world.hall.office.pk, "vehicle": world.car.pk}
    )

    # then
    assert (home.status_code, form.status_code, response.status_code) == (200, 200, 302)
    assert world.citizen.name not in home.content.decode()
    assert world.other_car.plate not in form.content.decode()  # only the authorised car is offered
    application = Application.objects.get(agent=world.agent)
    assert response["Location"] == f"/agent/{world.ref}/applications/{application.reference}/"
    assert counts() == {**before, "applications": before["applications"] + 1}
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert application.reference in client.get(f"/agent/{world.ref}/").content.decode()


def _service_calls(world: World, application: Application) -> dict[str, Callable[[], object]]:
    return {
        "create": lambda: services.application_create(
            applicant=world.citizen,
            agent=world.agent,
            item_code=ITEM,
            office=world.hall.office,
            form_data={"vehicle": world.car.pk},
        ),
        "form": lambda: services.application_form_update(
            actor=world.agent, application=application, form_data={"vehicle": world.car.pk}
        ),
        "upload": lambda: materials.material_upload(
            actor=world.agent, application=application, kind=MaterialKind.DOCUMENT, upload=PDF
        ),
        "checkout": lambda: services.application_checkout(actor=world.agent, application=application),
        "booking": lambda: booking_make(actor=world.agent, slot=world.slot, person=world.citizen),
        "lottery": lambda: booking_request_submit(
            actor=world.agent, batch=world.batch, preferences=[world.batch_slot.pk], person=world.citizen
        ),
    }


@pytest.mark.parametrize("call", ["create", "form", "upload", "checkout", "booking", "lottery"])
def test_a_revocation_committed_after_the_pages_check_wins_in_the_service(world: World, call: str) -> None:
    # given: a draft the agent filed, then the citizen revoked (after the page's check ran)
    application = file_by_api(Client(), world)
    revoke(world)
    before = counts()

    # when
    with pytest.raises(ApiError) as refused:
        _service_calls(world, application)[call]()

    # then
    assert refused.value.status == 403
    assert counts() == before
