"""What the agent did under an authorisation, as its citizen sees it: the applications filed
under it with the office's fees paid for them, and the agent's actions (done or refused)
from the audit trail, on the page, in the fee question and in the API."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from fairlane.accounts.tests.factories import register_citizen
from fairlane.agencies import acting, authorisation_selectors
from fairlane.agencies.models import Authorisation, AuthorisationStatus
from fairlane.agencies.tests.factories import make_authorisation
from fairlane.agencies.tests.test_authorisation_api import Caller
from fairlane.agencies.tests.test_authorisation_pages import signed_in, text
from fairlane.agencies.tests.test_authorisation_services import World, make_world
from fairlane.applications.models import Application, ApplicationStatus
from fairlane.core.errors import ApiError
from fairlane.payments.models import OrderStatus, PaymentOrder, Refund, RefundStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The labels are read in the active language; these tests read the English ones.
    with translation.override("en"):
        yield


def filed(
    world: World, *, item_code: str = "DL-RENEW", agent: bool = True, minutes_ago: int = 0
) -> Application:
    now = timezone.now() - timedelta(minutes=minutes_ago)
    return Application.objects.create(
        applicant=world.citizen,
        agent=world.agent if agent else None,
        item_code=item_code,
        office=world.office,
        status=ApplicationStatus.SUBMITTED,
        submitted_at=now,
        created_at=now,
        updated_at=now,
    )


def order(application: Application, amount_fen: int, status: str = OrderStatus.PAID) -> PaymentOrder:
    now = timezone.now()
    paid = status in (OrderStatus.PAID, OrderStatus.PARTLY_REFUNDED, OrderStatus.REFUNDED)
    return PaymentOrder.objects.create(
        payer_id=application.agent_id or application.applicant_id,
        office=application.office,
        subject=f"application:{application.reference}",
        amount_fen=amount_fen,
        status=status,
        idempotency_key=f"test-{application.reference}-{status}",
        request_hash="0" * 64,
        paid_at=now if paid else None,
        created_at=now,
        updated_at=now,
    )


def acted_and_refused(authorisation: Authorisation) -> None:
    """The agent files and pays under `authorisation`, then tries an item outside it."""
    acting.agent_acted(authorisation=authorisation, action="application_filed", item_code="DL-RENEW")
    acting.agent_acted(authorisation=authorisation, action="application_paid", item_code="DL-RENEW")
    with pytest.raises(ApiError):
        acting.acting_check(
            agent=authorisation.agent,
            reference=authorisation.reference,
            action="application_filed",
            item_code="DL-LOST",
        )


# --- The selector ---------------------------------------------------------------------------


def test_the_activity_lists_filed_applications_fees_and_actions_newest_first() -> None:
    # given: two applications filed under it, one paid and partly paid back; one the
    # citizen filed alone; the agent's actions under it and under another authorisation
    world = make_world()
    authorisation = make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    older = filed(world)
    newer = filed(world)
    filed(world, agent=False)
    paid = order(older, 3_000, OrderStatus.PARTLY_REFUNDED)
    Refund.objects.create(
        order=paid, amount_fen=1_000, reason="x", status=RefundStatus.COMPLETED, requested_at=timezone.now()
    )
    order(newer, 2_500, OrderStatus.CANCELLED)
    acted_and_refused(authorisation)
    other = make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    acting.agent_acted(authorisation=other, action="booking_made", item_code="DL-RENEW")

    # when
    activity = authorisation_selectors.authorisation_activity(authorisation)

    # then
    assert [row.application for row in activity.filed] == [newer, older]
    assert [row.office_fees_fen for row in activity.filed] == [0, 2_000]
    assert activity.office_fees_fen == 2_000
    assert str(activity.filed[0].item_name.en) == "Renewal on expiry"  # type: ignore[attr-defined]
    assert [(row.action, row.label, row.item_code, row.refused) for row in activity.actions] == [
        ("application_filed", "filed an application", "DL-LOST", True),
        (
            "application_paid",
            "submitted the application, paying the office's fee if one was due",
            "DL-RENEW",
            False,
        ),
        ("application_filed", "filed an application", "DL-RENEW", False),
    ]


def test_nothing_done_yet_is_an_empty_activity() -> None:
    # given
    world = make_world()
    authorisation = make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)

    # when
    activity = authorisation_selectors.authorisation_activity(authorisation)

    # then
    assert activity == authorisation_selectors.Activity(filed=[], actions=[], office_fees_fen=0)


# --- The citizen's page ---------------------------------------------------------------------


def test_the_detail_page_shows_what_the_agent_did() -> None:
    # given
    world = make_world()
    authorisation = make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    application = filed(world)
    acted_and_refused(authorisation)

    # when
    response = signed_in(world.citizen).get(f"/authorisations/{authorisation.reference}/")

    # then
    content = response.content.decode()
    activity = html.unescape(text(content.split('id="activity"')[1].split("</section>")[0]))
    assert response.status_code == 200
    assert f'href="/applications/{application.reference}/"' in content
    assert f"{application.reference} DL-RENEW Renewal on expiry Submitted ¥0.00" in activity
    assert "filed an application (DL-LOST) Refused: not done" in activity
    assert "filed an application (DL-RENEW)" in activity
    assert activity.count("Refused: not done") == 1


def test_the_agents_page_shows_what_they_did_but_not_the_citizens_applications() -> None:
    # given
    world = make_world()
    authorisation = make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    application = filed(world)
    acted_and_refused(authorisation)

    # when
    response = signed_in(world.agent).get(f"/authorisations/agent/{authorisation.reference}/")

    # then
    content = response.content.decode()
    activity = html.unescape(text(content.split('id="activity"')[1].split("</section>")[0]))
    assert response.status_code == 200
    assert "What you did under it" in activity
    assert "filed an application (DL-LOST) Refused: not done" in activity
    assert f"/applications/{application.reference}/" not in content


def test_a_request_not_confirmed_shows_no_activity() -> None:
    # given
    world = make_world()
    authorisation = make_authorisation(
        agent=world.agent, citizen=world.citizen, licence=world.licence, status=AuthorisationStatus.REQUESTED
    )

    # when
    response = signed_in(world.citizen).get(f"/authorisations/{authorisation.reference}/")

    # then
    assert response.status_code == 200
    assert 'id="activity"' not in response.content.decode()


def test_the_fee_question_asks_for_the_agencys_fee_beside_the_office_fees() -> None:
    # given: a closed job whose application cost the office's fee of ¥25
    world = make_world()
    authorisation = make_authorisation(
        agent=world.agent,
        citizen=world.citizen,
        licence=world.licence,
        fee_fen=12_000,
        status=AuthorisationStatus.CLOSED,
    )
    order(filed(world, minutes_ago=0), 2_500)

    # when
    response = signed_in(world.citizen).get(f"/authorisations/{authorisation.reference}/")

    # then
    page = html.unescape(text(response.content.decode()))
    assert "The agency's fee you paid the agent (yuan)" in page
    assert "do not count the office's fees the agent paid for you" in page
    assert "Agreed fee ¥120.00" in page
    assert "Office fees the agent paid for you (not part of the agency's fee) ¥25.00" in page


def test_without_office_fees_the_fee_question_shows_only_the_agreed_fee() -> None:
    # given
    world = make_world()
    authorisation = make_authorisation(
        agent=world.agent,
        citizen=world.citizen,
        licence=world.licence,
        fee_fen=12_000,
        status=AuthorisationStatus.CLOSED,
    )

    # when
    response = signed_in(world.citizen).get(f"/authorisations/{authorisation.reference}/")

    # then
    content = response.content.decode()
    assert 'id="fee-agreed">¥120.00<' in content
    assert 'id="office-fees"' not in content


# --- The API --------------------------------------------------------------------------------


def test_the_api_detail_lists_applications_and_actions() -> None:
    # given
    world = make_world()
    authorisation = make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    application = filed(world)
    order(application, 2_500)
    acted_and_refused(authorisation)

    # when
    body = Caller(world.citizen).get(f"/api/v1/authorisations/{authorisation.reference}").json()

    # then
    assert body["applications"] == [
        {
            "reference": application.reference,
            "item_code": "DL-RENEW",
            "status": "submitted",
            "status_label": "Submitted",
            "office_fees_paid_fen": 2_500,
        }
    ]
    assert body["office_fees_paid_fen"] == 2_500
    assert [
        (row["action"], row["action_label"], row["item_code"], row["refused"])
        for row in body["agent_actions"]
    ] == [
        ("application_filed", "filed an application", "DL-LOST", True),
        (
            "application_paid",
            "submitted the application, paying the office's fee if one was due",
            "DL-RENEW",
            False,
        ),
        ("application_filed", "filed an application", "DL-RENEW", False),
    ]
    assert all(row["at"] for row in body["agent_actions"])


def test_another_citizen_gets_404_from_the_api_detail() -> None:
    # given
    world = make_world()
    authorisation = make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    acted_and_refused(authorisation)
    stranger = register_citizen(name="李四", seed=9)

    # when
    response = Caller(stranger).get(f"/api/v1/authorisations/{authorisation.reference}")

    # then
    assert response.status_code == 404
    assert "agent_actions" not in response.json()
