"""The applicant's pages: the list, a new draft, the detail with delivery, payment and
submission, withdrawal, sending again after a return, the rating — and that nobody else
reaches any of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.http import HttpResponseBase
from django.test import Client
from django.utils import timezone

from fairlane.accounts.models import User
from fairlane.applications import services
from fairlane.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Delivery,
    DeliveryMethod,
    Rating,
    ReasonCode,
    RectificationTask,
)
from fairlane.applications.tests import flow
from fairlane.catalogue.services import catalogue_load
from fairlane.catalogue.tests.factories import make_item
from fairlane.integrity.models import AuditEvent
from fairlane.payments.models import OrderStatus, PaymentOrder
from fairlane.registry.models import Office
from fairlane.registry.rules import add_years
from fairlane.registry.tests.factories import make_licence

pytestmark = pytest.mark.django_db

Status = ApplicationStatus
ITEM = "DL-RENEW"
FORM = {"declaration": True}
ADDRESS = "上海市浦东新区示例路100号"


@dataclass
class World:
    desk: flow.Desk
    citizen: User
    other_citizen: User


def renewal_possible(citizen: User, office: Office, seed: int) -> None:
    """A licence that expires in a month and a fresh health certificate."""
    today = timezone.localdate()
    make_licence(
        id_number=citizen.id_number,
        holder_name=citizen.name,
        office=office,
        valid_from=add_years(today + timedelta(days=30), -6),
        valid_until=today + timedelta(days=30),
        seed=seed,
    )
    flow.health_certificate_give(citizen, office=office)


@pytest.fixture
def world(settings: Any, tmp_path: Path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    desk = flow.desk_make(ITEM)
    world = World(
        desk=desk,
        citizen=flow.citizen_make("王小明", seed=1),
        other_citizen=flow.citizen_make("李小红", seed=2),
    )
    renewal_possible(world.citizen, desk.office, seed=1)
    renewal_possible(world.other_citizen, desk.office, seed=2)
    return world


def signed_in(user: User) -> Client:
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def page(reference: str, suffix: str = "") -> str:
    return f"/applications/{reference}/{suffix}"


def shown_messages(response: HttpResponseBase) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def field_errors(body: str, field: str) -> str:
    """The error block shown under `field` (empty when there is none)."""
    start = body.find(f'id="id_{field}_error"')
    if start < 0:
        return ""
    return body[start : body.find("</div>", start)]


def draft(world: World, applicant: User | None = None) -> Application:
    return flow.draft_complete(applicant or world.citizen, ITEM, world.desk.office, FORM)


def submitted(world: World) -> Application:
    return flow.submit_and_pay(world.citizen, draft(world))


def returned(world: World) -> Application:
    application = submitted(world)
    return services.application_transition(
        actor=application.assignee,
        application=application,
        to=Status.RETURNED,
        reason_code=ReasonCode.MATERIALS_MISSING,
        reason_text="照片不清晰，请重新上传",
    )


def closed(world: World) -> Application:
    application = flow.approve(world.desk, submitted(world))
    services.application_transition(actor=world.desk.clerk, application=application, to=Status.PRODUCED)
    services.delivery_post(actor=world.desk.clerk, application=application, tracking_number="EA123456789CN")
    services.delivery_hand_over(actor=None, application=application)
    application.refresh_from_db()
    assert application.status == Status.CLOSED
    return application


def snapshot() -> tuple[object, ...]:
    return (
        list(Application.objects.order_by("pk").values_list()),
        list(ApplicationEvent.objects.order_by("pk").values_list()),
        list(Delivery.objects.order_by("pk").values_list()),
        list(PaymentOrder.objects.order_by("pk").values_list("pk", "status")),
        Rating.objects.count(),
        AuditEvent.objects.count(),
    )


# --- The list and a new draft ----------------------------------------------------------------


def test_the_list_shows_my_own_applications_only(world: World) -> None:
    # given
    mine = draft(world)
    theirs = draft(world, world.other_citizen)

    # when
    response = signed_in(world.citizen).get("/applications/")

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert f'href="/applications/{mine.reference}/"' in body
    assert theirs.reference not in body


def test_the_new_page_asks_for_the_office_and_the_declaration(world: World) -> None:
    # when
    response = signed_in(world.citizen).get(f"/applications/new/{ITEM}/")

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert '<select name="office"' in body
    assert (
        f'<option value="{world.desk.office.pk}" selected>' in body
    )  # the main office reviews online applications
    assert '<input type="checkbox" name="declaration"' in body
    assert "I declare truthfully that my physical condition meets the requirements" in body


def test_the_new_form_saves_a_draft_and_goes_to_it(world: World) -> None:
    # when
    response = signed_in(world.citizen).post(
        f"/applications/new/{ITEM}/", {"office": world.desk.office.pk, "declaration": "on"}
    )

    # then
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page(application.reference)
    assert (application.applicant, application.office, application.status, application.form_data) == (
        world.citizen,
        world.desk.office,
        Status.DRAFT,
        {"declaration": True},
    )
    assert shown_messages(response) == ["Your draft is saved. Complete it below and submit it."]


@pytest.mark.parametrize(
    "item_code",
    [
        "DL-NOPE",  # no such item
        "DL-LOST",  # handled online, but not published in this catalogue
        "VI-QUERY",  # published, but not applied for as an application
    ],
)
def test_an_item_not_applied_for_here_is_not_found(world: World, item_code: str) -> None:
    # given
    catalogue_load(items=[make_item("VI-QUERY")])
    client = signed_in(world.citizen)

    # when
    got = client.get(f"/applications/new/{item_code}/")
    posted = client.post(f"/applications/new/{item_code}/", {"office": world.desk.office.pk})

    # then
    assert (got.status_code, posted.status_code) == (404, 404)
    assert Application.objects.count() == 0


def test_form_errors_show_next_to_their_fields_and_nothing_is_saved(world: World) -> None:
    # given
    before = snapshot()

    # when
    response = signed_in(world.citizen).post(f"/applications/new/{ITEM}/", {"office": ""})

    # then
    body = response.content.decode()
    assert response.status_code == 422
    assert "Choose an office." in field_errors(body, "office")
    assert "Tick the declaration to continue." in field_errors(body, "declaration")
    assert snapshot() == before


def test_somebody_who_may_not_apply_is_told_why_above_the_form(world: World) -> None:
    # given: a citizen with no licence
    newcomer = flow.citizen_make("赵小刚", seed=3)
    before = snapshot()

    # when
    response = signed_in(newcomer).post(
        f"/applications/new/{ITEM}/", {"office": world.desk.office.pk, "declaration": "on"}
    )

    # then
    body = response.content.decode()
    assert response.status_code == 422
    assert '<div class="error-summary"' in body
    assert "No driving licence is registered under your ID number." in body
    assert snapshot() == before


# --- The detail page -------------------------------------------------------------------------


def test_the_detail_shows_progress_timeline_delivery_materials_and_payment(world: World) -> None:
    # given
    application = services.application_create(
        applicant=world.citizen, item_code=ITEM, office=world.desk.office, form_data=FORM
    )

    # when
    response = signed_in(world.citizen).get(page(application.reference))

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert '<ol class="progress"' in body
    assert (
        'class="progress__step progress__step--done progress__step--current" aria-current="step">Draft'
        in body
    )
    assert '<span class="timeline__what">Draft</span>' in body
    assert f'action="{page(application.reference, "delivery/")}"' in body
    assert 'name="method"' in body and 'name="address"' in body
    assert "Needed: Photo" in body
    assert f'action="{page(application.reference, "materials/")}"' in body
    assert "¥10.00" in body
    assert "Pay and submit" in body
    assert f'action="{page(application.reference, "withdraw/")}"' in body
    assert page(application.reference, "rate/") not in body


def test_a_delivery_by_post_is_saved_and_added_to_the_amount(world: World) -> None:
    # given
    application = services.application_create(
        applicant=world.citizen, item_code=ITEM, office=world.desk.office, form_data=FORM
    )
    client = signed_in(world.citizen)

    # when
    response = client.post(
        page(application.reference, "delivery/"),
        {
            "method": "mail",
            "recipient_name": "王小明",
            "recipient_phone": world.citizen.phone,
            "address": ADDRESS,
        },
    )

    # then
    delivery = Delivery.objects.get(application=application)
    assert response.status_code == 302
    assert response["Location"] == page(application.reference)
    assert (delivery.method, delivery.address, delivery.postage_fen) == (DeliveryMethod.MAIL, ADDRESS, 1500)
    assert shown_messages(response) == ["Delivery saved."]
    assert "¥25.00" in client.get(page(application.reference)).content.decode()


def test_a_delivery_with_errors_shows_them_next_to_the_fields(world: World) -> None:
    # given
    application = services.application_create(
        applicant=world.citizen, item_code=ITEM, office=world.desk.office, form_data=FORM
    )
    before = snapshot()

    # when
    by_post = signed_in(world.citizen).post(
        page(application.reference, "delivery/"),
        {"method": "mail", "recipient_name": "王小明", "recipient_phone": "12345", "address": " "},
    )
    collect = signed_in(world.citizen).post(page(application.reference, "delivery/"), {"method": "collect"})

    # then
    by_post_body, collect_body = by_post.content.decode(), collect.content.decode()
    assert (by_post.status_code, collect.status_code) == (422, 422)
    assert "Enter the postal address." in field_errors(by_post_body, "address")
    assert field_errors(by_post_body, "recipient_phone") != ""
    assert field_errors(by_post_body, "recipient_name") == ""
    assert "Choose the office where you will collect it." in field_errors(collect_body, "collect_office")
    assert snapshot() == before


def test_an_incomplete_draft_is_not_submitted_and_says_what_is_missing(world: World) -> None:
    # given
    application = services.application_create(
        applicant=world.citizen, item_code=ITEM, office=world.desk.office, form_data=FORM
    )

    # when
    response = signed_in(world.citizen).post(page(application.reference, "checkout/"))

    # then
    assert response.status_code == 302
    assert response["Location"] == page(application.reference)
    assert shown_messages(response) == [
        "Choose delivery by post or collection at an office.",
        "Upload this first: Photo.",
    ]
    assert PaymentOrder.objects.count() == 0
    assert Application.objects.get().status == Status.DRAFT


def test_pay_and_submit_goes_to_the_payment_and_paying_submits(world: World) -> None:
    # given
    application = draft(world)
    client = signed_in(world.citizen)

    # when: checkout, then pay at the simulated gateway through its pages
    response = client.post(page(application.reference, "checkout/"))
    order = PaymentOrder.objects.get()
    still_draft = Application.objects.get().status
    to_gateway = client.post(f"/payments/{order.reference}/pay/")
    paid = client.post(f"{to_gateway['Location']}pay/")

    # then
    assert response.status_code == 302
    assert response["Location"] == f"/payments/{order.reference}/"
    assert (still_draft, order.amount_fen) == (Status.DRAFT, 2500)
    assert paid.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    body = client.get(page(application.reference)).content.decode()
    assert '<span class="status">Submitted</span>' in body
    assert "Pay and submit" not in body
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_checkout_again_goes_to_the_same_payment(world: World) -> None:
    # given
    application = draft(world)
    client = signed_in(world.citizen)
    first = client.post(page(application.reference, "checkout/"))

    # when
    second = client.post(page(application.reference, "checkout/"))

    # then
    assert first["Location"] == second["Location"]
    assert PaymentOrder.objects.count() == 1


def test_the_applicant_withdraws_a_draft(world: World) -> None:
    # given
    application = draft(world)

    # when
    response = signed_in(world.citizen).post(page(application.reference, "withdraw/"))

    # then
    application.refresh_from_db()
    assert response.status_code == 302
    assert application.status == Status.WITHDRAWN
    assert shown_messages(response) == ["Withdrawn. Any fee you paid will be refunded."]


def test_a_withdrawn_application_cannot_be_withdrawn_again(world: World) -> None:
    # given
    application = draft(world)
    services.application_transition(actor=world.citizen, application=application, to=Status.WITHDRAWN)
    before = snapshot()

    # when
    response = signed_in(world.citizen).post(page(application.reference, "withdraw/"))

    # then
    assert response.status_code == 302
    assert shown_messages(response) == ["This step is not possible in the application's current state."]
    assert snapshot() == before


def test_a_returned_application_shows_the_reason_and_is_sent_again(world: World) -> None:
    # given
    application = returned(world)
    client = signed_in(world.citizen)
    body = client.get(page(application.reference)).content.decode()

    # when
    response = client.post(page(application.reference, "resubmit/"))

    # then
    assert "照片不清晰，请重新上传" in body
    assert f'action="{page(application.reference, "resubmit/")}"' in body
    assert response.status_code == 302
    assert shown_messages(response) == ["Sent again to the office."]
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert PaymentOrder.objects.count() == 1


# --- The rating ------------------------------------------------------------------------------


def test_the_rating_form_shows_only_once_the_application_is_closed(world: World) -> None:
    # given
    open_one = submitted(world)
    client = signed_in(world.citizen)
    open_body = client.get(page(open_one.reference)).content.decode()
    finished = closed(world)

    # when
    closed_body = client.get(page(finished.reference)).content.decode()

    # then
    assert page(open_one.reference, "rate/") not in open_body
    assert f'action="{page(finished.reference, "rate/")}"' in closed_body
    assert 'name="level"' in closed_body


def test_rating_an_open_application_is_refused(world: World) -> None:
    # given
    application = submitted(world)
    before = snapshot()

    # when
    response = signed_in(world.citizen).post(page(application.reference, "rate/"), {"level": "5"})

    # then
    assert response.status_code == 302
    assert response["Location"] == page(application.reference)
    assert shown_messages(response) == ["You can rate an application once it is closed."]
    assert snapshot() == before


def test_a_dissatisfied_rating_without_a_comment_is_refused(world: World) -> None:
    # given
    application = closed(world)
    before = snapshot()

    # when
    response = signed_in(world.citizen).post(page(application.reference, "rate/"), {"level": "2"})

    # then
    body = response.content.decode()
    assert response.status_code == 422
    assert "Tell us what went wrong, so the office can put it right." in field_errors(body, "comment")
    assert snapshot() == before
    assert RectificationTask.objects.count() == 0


def test_a_rating_is_recorded_once_and_shown(world: World) -> None:
    # given
    application = closed(world)
    client = signed_in(world.citizen)

    # when
    response = client.post(page(application.reference, "rate/"), {"level": "5", "comment": " 很快 "})
    thanked = shown_messages(client.get(response["Location"]))
    again = client.post(page(application.reference, "rate/"), {"level": "1", "comment": "改主意了"})

    # then
    rating = Rating.objects.get()
    assert response.status_code == 302
    assert thanked == ["Thank you for your rating."]
    assert (rating.application, rating.level, rating.comment) == (application, 5, "很快")
    assert again.status_code == 302
    assert shown_messages(again) == ["You have already rated this application."]
    assert Rating.objects.count() == 1
    body = client.get(page(application.reference)).content.decode()
    assert "Your rating: Very satisfied — 很快" in body
    assert page(application.reference, "rate/") not in body


# --- Nobody else -----------------------------------------------------------------------------


def test_another_citizen_reaches_no_page_of_it_and_changes_nothing(world: World) -> None:
    # given
    application = draft(world)
    material = application.materials.get()
    intruder = signed_in(world.other_citizen)
    before = snapshot()

    # when
    gets = [
        intruder.get(page(application.reference, suffix)).status_code
        for suffix in ("", f"materials/{material.pk}/")
    ]
    posts = [
        intruder.post(page(application.reference, suffix), data).status_code
        for suffix, data in [
            ("delivery/", {"method": "collect", "collect_office": world.desk.office.pk}),
            ("checkout/", {}),
            ("resubmit/", {}),
            ("withdraw/", {}),
            ("rate/", {"level": "1", "comment": "差"}),
            (f"materials/{material.pk}/remove/", {}),
        ]
    ]

    # then
    assert gets == [404, 404]
    assert posts == [404] * 6
    assert snapshot() == before
    assert application.materials.count() == 1


def test_a_visitor_is_sent_to_sign_in(world: World) -> None:
    # given
    application = draft(world)
    client = Client()

    # when
    responses = [client.get("/applications/"), client.get(page(application.reference))]

    # then
    assert [response.status_code for response in responses] == [302, 302]
    assert all(response["Location"].startswith("/accounts/login/") for response in responses)
