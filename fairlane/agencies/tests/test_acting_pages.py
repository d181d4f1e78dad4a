"""What the agent's pages and the citizen's application page show of an agent's work: the
way back from a paid order, the saved delivery, who took a step, the agency's fee, and the
booking section only when something can be booked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.agencies.acting_views import BookingForm
from fairlane.agencies.tests.acting_world import ITEM, OTHER_ITEM, PDF, World, acted, world_make
from fairlane.agencies.tests.factories import make_authorisation
from fairlane.applications import materials, services
from fairlane.applications.models import Application, MaterialKind
from fairlane.applications.presenters import timeline_steps
from fairlane.bookings.models import Slot
from fairlane.bookings.tests.hall import MONDAY
from fairlane.payments import services as payments
from fairlane.payments.models import PaymentOrder

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


def signed_in(user: User) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def filed(world: World, *, delivery: bool = True) -> Application:
    """A draft the agent filed and completed (a document and, if `delivery`, collection)."""
    application = services.application_create(
        applicant=world.citizen,
        agent=world.agent,
        item_code=ITEM,
        office=world.hall.office,
        form_data={"vehicle": world.car.pk},
    )
    materials.material_upload(
        actor=world.agent, application=application, kind=MaterialKind.DOCUMENT, upload=PDF
    )
    if delivery:
        services.delivery_choose(
            actor=world.agent, application=application, method="collect", collect_office=world.hall.office
        )
    return application


def paid_by_agent(world: World) -> tuple[Application, PaymentOrder]:
    application = filed(world)
    order = services.application_checkout(actor=world.agent, application=application)
    assert order is not None
    payments.payment_start(actor=world.agent, order=order)
    order.refresh_from_db()
    payments.simulated_payment_decide(actor=world.agent, gateway_reference=order.gateway_reference, pay=True)
    order.refresh_from_db()
    application.refresh_from_db()
    return application, order


def test_the_agents_paid_order_leads_to_the_agents_page_of_the_application(world: World) -> None:
    # given
    application, order = paid_by_agent(world)
    agent_page = f"/agent/{world.ref}/applications/{application.reference}/"

    # when
    page = signed_in(world.agent).get(f"/payments/{order.reference}/").content.decode()

    # then
    assert f'href="{agent_page}"' in page
    assert f'href="/applications/{application.reference}/"' not in page
    assert signed_in(world.agent).get(agent_page).status_code == 200
    subject = services.payment_subject(application)
    assert services.subject_page(subject, world.agent) == agent_page
    assert services.subject_page(subject, world.citizen) == f"/applications/{application.reference}/"


def test_the_subject_page_of_an_agent_no_longer_authorised_is_none(world: World) -> None:
    # given
    application, _order = paid_by_agent(world)
    world.authorisation.status = "revoked"
    world.authorisation.save(update_fields=["status"])

    # when
    page = services.subject_page(services.payment_subject(application), world.agent)

    # then
    assert page is None


def test_the_citizen_sees_the_agents_payment_without_a_link_to_it(world: World) -> None:
    # given
    application, order = paid_by_agent(world)

    # when
    page = signed_in(world.citizen).get(f"/applications/{application.reference}/").content.decode()

    # then
    assert "Payment: Paid — paid by your agent" in page
    assert f"/payments/{order.reference}/" not in page
    assert signed_in(world.citizen).get(f"/payments/{order.reference}/").status_code == 404


def test_the_citizens_timeline_names_their_agent_not_the_office(world: World) -> None:
    # given
    application = filed(world)

    # when
    page = signed_in(world.citizen).get(f"/applications/{application.reference}/").content.decode()
    steps = timeline_steps(application)

    # then
    assert [(step.status, step.by_staff, step.by_agent) for step in steps] == [
        ("draft", False, f"by your agent {world.agent.name} ({world.agency.name})")
    ]
    assert f"by your agent {world.agent.name} ({world.agency.name})" in page
    assert "by the office" not in page


def test_the_agents_application_page_shows_the_saved_delivery(world: World) -> None:
    # given
    application = filed(world)

    # when
    page = signed_in(world.agent).get(f"/agent/{world.ref}/applications/{application.reference}/")

    # then
    content = page.content.decode()
    assert page.status_code == 200
    assert f"<dt>Collect at</dt><dd>{world.hall.office.name}</dd>" in content
    initial = page.context["delivery_form"].initial
    assert (initial["method"], initial["collect_office"]) == ("collect", world.hall.office.pk)


def test_a_new_post_delivery_is_prefilled_with_the_citizens_name_and_phone(world: World) -> None:
    # given
    application = filed(world, delivery=False)

    # when
    page = signed_in(world.agent).get(f"/agent/{world.ref}/applications/{application.reference}/")

    # then
    assert page.context["delivery_form"].initial == {
        "method": "mail",
        "recipient_name": world.citizen.name,
        "recipient_phone": world.citizen.phone,
    }


def test_the_agents_page_says_the_agency_fee_is_only_the_agreed_one(world: World) -> None:
    # given
    application = filed(world)

    # when
    page = signed_in(world.agent).get(f"/agent/{world.ref}/applications/{application.reference}/")

    # then
    content = page.content.decode()
    assert (
        "This is the office's published fee, paid here. The agency's own fee is only what "
        "the citizen agreed in the authorisation: ¥150.00." in content
    )
    assert "nothing else is due to anybody" not in content


def test_a_delivery_chosen_on_the_agents_page_is_told_as_such(world: World) -> None:
    # given
    application = filed(world, delivery=False)

    # when
    response = signed_in(world.agent).post(
        f"/agent/{world.ref}/applications/{application.reference}/delivery/",
        {"method": "collect", "collect_office": world.hall.office.pk},
    )

    # then
    assert response.status_code == 302
    assert acted(world.agent)[-1] == f"delivery_chosen {ITEM}"


def test_the_booking_labels_are_in_the_language_of_the_request(world: World) -> None:
    # given
    form = BookingForm(authorisation=world.authorisation)

    # when
    with translation.override("en"):
        english = [str(field.label) for field in form.fields.values()]
    with translation.override("zh-hans"):
        chinese = str(form.fields["slot"].label)

    # then
    assert english == [
        "Leftover place",
        "Lottery batch",
        "Slots wanted in the batch, best first (numbers, separated by commas)",
    ]
    assert chinese != "Leftover place"


def test_the_acting_home_offers_booking_and_a_way_back_to_the_authorisation(world: World) -> None:
    # when
    page = signed_in(world.agent).get(f"/agent/{world.ref}/").content.decode()

    # then
    assert f'href="/authorisations/agent/{world.ref}/"' in page
    assert "Book a visit for the citizen" in page
    assert 'name="slot"' in page


def test_no_booking_section_when_no_item_of_the_authorisation_can_be_booked(world: World) -> None:
    # given: an authorisation for an item no office takes bookings for
    other = make_authorisation(
        agent=world.agent, citizen=world.citizen, vehicle=world.other_car, items=(OTHER_ITEM,)
    )

    # when
    page = signed_in(world.agent).get(f"/agent/{other.reference}/").content.decode()

    # then
    assert "Book a visit for the citizen" not in page
    assert 'name="slot"' not in page


def test_one_sentence_when_the_items_window_has_nothing_open(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: the leftover place is gone and the lottery batch stopped taking requests
    Slot.objects.filter(pk=world.slot.pk).delete()
    time_machine.move_to(world.batch.closes_at, tick=False)

    # when
    page = signed_in(world.agent).get(f"/agent/{world.ref}/").content.decode()

    # then
    assert "No leftover place or lottery batch is open for these items now." in page
    assert 'name="slot"' not in page
