"""Fee honesty and complaints: the citizen says what they paid once the job is closed (a
higher fee or a dispute opens a complaint by itself), complains about conduct, and the
licensing office's reviewers and supervisors decide."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from fairlane.accounts.models import Role
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.agencies import complaints
from fairlane.agencies.models import Agency, Authorisation, AuthorisationStatus, Complaint, ComplaintStatus
from fairlane.agencies.tests.factories import make_agency, make_agent, make_authorisation
from fairlane.agencies.tests.test_authorisation_services import World, make_world, snapshot
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.models import Notification
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

DETAIL = "代办员要求额外付现金才肯办理。"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def closed(world: World, fee_fen: int = 12_000) -> Authorisation:
    return make_authorisation(
        agent=world.agent,
        citizen=world.citizen,
        licence=world.licence,
        fee_fen=fee_fen,
        status=AuthorisationStatus.CLOSED,
    )


def full_snapshot() -> tuple[Any, ...]:
    return (*snapshot(), list(Complaint.objects.order_by("pk").values()))


# --- Fee confirmation -----------------------------------------------------------------------


def test_paying_the_agreed_fee_opens_no_complaint() -> None:
    # given
    world = make_world()
    authorisation = closed(world)

    # when
    answer = complaints.authorisation_fee_confirm(
        actor=world.citizen, authorisation=authorisation, paid_fen=12_000, rating=5
    )

    # then
    authorisation.refresh_from_db()
    assert (authorisation.fee_paid_fen, authorisation.fee_disputed, authorisation.rating) == (
        12_000,
        False,
        5,
    )
    assert authorisation.fee_confirmed_at is not None
    assert answer.complaint is None
    assert not Complaint.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.AGENCY_FEE_CONFIRMED).count() == 1


@pytest.mark.parametrize(
    ("paid", "disputed", "kind"),
    [(12_001, False, "overcharged"), (None, True, "disputed"), (500, True, "disputed")],
)
def test_a_higher_fee_or_a_dispute_opens_a_complaint(paid: int | None, disputed: bool, kind: str) -> None:
    # given
    world = make_world()
    authorisation = closed(world)

    # when
    answer = complaints.authorisation_fee_confirm(
        actor=world.citizen, authorisation=authorisation, paid_fen=paid, disputed=disputed
    )

    # then
    complaint = Complaint.objects.get()
    assert answer.complaint == complaint
    assert (
        complaint.kind,
        complaint.agency,
        complaint.authorisation,
        complaint.citizen,
        complaint.status,
    ) == (
        kind,
        world.agency,
        authorisation,
        world.citizen,
        ComplaintStatus.OPEN,
    )
    [event] = AuditEvent.objects.filter(action=AuditAction.COMPLAINT_OPENED)
    assert event.actor_id == world.citizen.pk


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({}, {"paid_fen": "Enter what you paid, or say that you dispute the payment."}),
        ({"paid_fen": -1}, {"paid_fen": "Enter what you paid in fen, a whole number from 0."}),
        ({"paid_fen": True}, {"paid_fen": "Enter what you paid in fen, a whole number from 0."}),
        ({"paid_fen": 100, "rating": 6}, {"rating": "A rating is from 1 to 5."}),
        ({"paid_fen": 100, "rating": 0}, {"rating": "A rating is from 1 to 5."}),
    ],
)
def test_bad_fee_answers_are_refused_and_nothing_changes(
    values: dict[str, Any], fields: dict[str, str]
) -> None:
    # given
    world = make_world()
    authorisation = closed(world)
    before = full_snapshot()

    # when
    with pytest.raises(InvalidInput) as raised:
        complaints.authorisation_fee_confirm(actor=world.citizen, authorisation=authorisation, **values)

    # then
    assert raised.value.fields == fields
    assert full_snapshot() == before


def test_the_fee_is_confirmed_once_and_only_after_closing() -> None:
    # given
    world = make_world()
    authorisation = closed(world)
    active = make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    complaints.authorisation_fee_confirm(actor=world.citizen, authorisation=authorisation, paid_fen=20_000)
    before = full_snapshot()

    # when / then
    with pytest.raises(Conflict) as twice:
        complaints.authorisation_fee_confirm(actor=world.citizen, authorisation=authorisation, disputed=True)
    with pytest.raises(Conflict) as open_job:
        complaints.authorisation_fee_confirm(actor=world.citizen, authorisation=active, paid_fen=0)
    assert (twice.value.code, open_job.value.code) == ("already_confirmed", "not_closed")
    assert full_snapshot() == before
    assert Complaint.objects.count() == 1


def test_another_citizen_cannot_confirm_the_fee() -> None:
    # given
    world = make_world()
    authorisation = closed(world)
    other = register_citizen(name="李小红", seed=9)
    before = full_snapshot()

    # when / then
    with pytest.raises(NotFound):
        complaints.authorisation_fee_confirm(actor=other, authorisation=authorisation, paid_fen=99_999)
    assert full_snapshot() == before


# --- Filing ---------------------------------------------------------------------------------


def test_a_citizen_complains_about_conduct() -> None:
    # given
    world = make_world()
    authorisation = closed(world)

    # when
    complaint = complaints.complaint_file(
        actor=world.citizen, agency=world.agency, authorisation=authorisation, detail=f"  {DETAIL} "
    )

    # then
    complaint.refresh_from_db()
    assert (complaint.kind, complaint.detail, complaint.authorisation, complaint.agency) == (
        "conduct",
        DETAIL,
        authorisation,
        world.agency,
    )
    assert list(complaints.complaints_of(world.citizen)) == [complaint]
    assert AuditEvent.objects.filter(action=AuditAction.COMPLAINT_OPENED).count() == 1


def test_complaints_about_conduct_are_not_limited_to_one_per_authorisation() -> None:
    # given
    world = make_world()
    authorisation = closed(world)
    complaints.complaint_file(
        actor=world.citizen, agency=world.agency, authorisation=authorisation, detail=DETAIL
    )

    # when
    complaints.complaint_file(
        actor=world.citizen, agency=world.agency, authorisation=authorisation, detail=DETAIL
    )

    # then
    assert Complaint.objects.count() == 2


def test_bad_complaints_are_refused_and_nothing_changes() -> None:
    # given
    world = make_world()
    others = make_authorisation(
        agent=world.agent, citizen=register_citizen(name="李小红", seed=9), licence=world.licence
    )
    other_agency = make_agency(office=world.office, name="另一家代办", seed=99)
    mine = closed(world)
    before = full_snapshot()

    # when
    with pytest.raises(InvalidInput) as short:
        complaints.complaint_file(actor=world.citizen, agency=world.agency, detail="太贵")
    with pytest.raises(InvalidInput) as not_mine:
        complaints.complaint_file(
            actor=world.citizen, agency=world.agency, authorisation=others, detail=DETAIL
        )
    with pytest.raises(InvalidInput) as elsewhere:
        complaints.complaint_file(actor=world.citizen, agency=other_agency, authorisation=mine, detail=DETAIL)
    with pytest.raises(InvalidInput) as unknown:
        complaints.complaint_file(actor=world.citizen, agency=Agency(pk=999_999), detail=DETAIL)
    with pytest.raises(ApiError) as agent:
        complaints.complaint_file(actor=world.agent, agency=world.agency, detail=DETAIL)

    # then
    assert short.value.fields == {"detail": "Say what happened in 10 to 500 characters."}
    assert not_mine.value.fields == {"authorisation": "No authorisation of yours has this reference."}
    assert elsewhere.value.fields == {"authorisation": "This authorisation was given to another agency."}
    assert unknown.value.fields == {"agency": "No such agency."}
    assert (agent.value.code, agent.value.status) == ("not_citizen", 403)
    assert full_snapshot() == before


# --- Deciding -------------------------------------------------------------------------------


def opened(world: World) -> Complaint:
    return complaints.complaint_file(actor=world.citizen, agency=world.agency, detail=DETAIL)


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.SUPERVISOR])
def test_the_licensing_office_decides_and_the_citizen_is_told(role: Role) -> None:
    # given
    world = make_world()
    complaint = opened(world)
    staff = make_staff(role, office=world.office, seed=200)

    # when
    decided = complaints.complaint_decide(
        actor=staff, complaint=complaint, upheld=True, reason="查实多收费用。"
    )

    # then
    decided.refresh_from_db()
    assert (decided.status, decided.decided_by, decided.decision_reason) == (
        ComplaintStatus.UPHELD,
        staff,
        "查实多收费用。",
    )
    notice = Notification.objects.filter(recipient=world.citizen).latest("pk")
    assert (notice.kind, notice.params, notice.link) == (
        "complaint_decided",
        {"reference": complaint.reference, "upheld": True},
        "/authorisations/complaints/",
    )
    assert AuditEvent.objects.filter(action=AuditAction.COMPLAINT_DECIDED, actor=staff).count() == 1


def test_staff_of_another_office_or_role_see_no_such_complaint() -> None:
    # given
    world = make_world()
    complaint = opened(world)
    elsewhere = make_staff(Role.REVIEWER, office=make_office(code="320000", name="南京车管所"), seed=201)
    clerk = make_staff(Role.CLERK, office=world.office, seed=202)
    before = full_snapshot()

    # when / then
    for staff in (elsewhere, clerk):
        with pytest.raises(NotFound):
            complaints.complaint_decide(actor=staff, complaint=complaint, upheld=False, reason="不成立")
        assert list(complaints.complaint_queue(staff)) == []
    assert full_snapshot() == before


def test_a_decision_needs_a_reason_and_is_made_once() -> None:
    # given
    world = make_world()
    complaint = opened(world)
    staff = make_staff(Role.REVIEWER, office=world.office, seed=200)
    before = full_snapshot()
    with pytest.raises(InvalidInput) as no_reason:
        complaints.complaint_decide(actor=staff, complaint=complaint, upheld=False, reason="  ")
    assert full_snapshot() == before
    complaints.complaint_decide(actor=staff, complaint=complaint, upheld=False, reason="不成立")
    after = full_snapshot()

    # when / then
    with pytest.raises(Conflict):
        complaints.complaint_decide(actor=staff, complaint=complaint, upheld=True, reason="改判")
    assert no_reason.value.fields == {"reason": "Give a reason: the citizen reads it."}
    assert full_snapshot() == after


def test_the_queue_holds_the_offices_open_complaints_oldest_first() -> None:
    # given
    world = make_world()
    first, second = opened(world), opened(world)
    other_office = make_office(code="320000", name="南京车管所")
    other_agency = make_agency(office=other_office, name="南京代办", seed=98)
    other_citizen = register_citizen(name="李小红", seed=9)
    complaints.complaint_file(actor=other_citizen, agency=other_agency, detail=DETAIL)
    staff = make_staff(Role.SUPERVISOR, office=world.office, seed=200)
    complaints.complaint_decide(actor=staff, complaint=second, upheld=False, reason="不成立")
    make_agent(other_agency, seed=97)

    # when
    queue = list(complaints.complaint_queue(staff))

    # then
    assert queue == [first]
