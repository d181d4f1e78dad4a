"""Strikes and appeals: the notice of a strike, appealing it, and the office's decision —
each refusal leaving nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import translation
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.bookings import appeals
from fairlane.bookings.appeals import strike_appeal_decide, strike_appeal_send, strike_recorded_by, strikes_of
from fairlane.bookings.booking import booking_make, strike_record
from fairlane.bookings.limits import APPEAL_PER_HOUR
from fairlane.bookings.models import AppealStatus, Strike, StrikeAppeal, StrikeKind
from fairlane.bookings.selectors import person_barred_until, strikes_counting
from fairlane.bookings.tests.appeal_setup import no_shows
from fairlane.bookings.tests.hall import MONDAY, Hall, at, hall_make, person_make, slot_publish
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.messages import render, render_outgoing
from fairlane.notifications.models import Notification
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

GROUNDS = "I was in hospital that morning; the note is attached at the office."
FIRST_STRIKE_AT = at(MONDAY.date() + timedelta(days=1), 11)


@dataclass
class World:
    hall: Hall
    citizen: User
    other: User
    other_clerk: User


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    with translation.override("en"):
        yield World(
            hall=hall_make(),
            citizen=person_make(1, "王小明"),
            other=person_make(2, "李小红"),
            other_clerk=make_staff(Role.CLERK, office=make_office(code="310001", name="浦东分所"), seed=90),
        )


def snapshot() -> list[object]:
    return [
        list(Strike.objects.order_by("pk").values_list()),
        list(StrikeAppeal.objects.order_by("pk").values_list()),
        list(Notification.objects.order_by("pk").values_list("pk", flat=True)),
        list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)),
    ]


def refused(call: object, **kwargs: object) -> ApiError:
    before = snapshot()
    with pytest.raises(ApiError) as error:
        call(**kwargs)  # type: ignore[operator]
    assert snapshot() == before
    return error.value


def notices(person: User, kind: str) -> list[tuple[object, str]]:
    return list(
        Notification.objects.filter(recipient=person, kind=kind).order_by("pk").values_list("params", "link")
    )


# --- The notice of a strike ---------------------------------------------------------------------


def test_the_person_is_told_of_a_strike_and_how_to_appeal(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # when
    (strike,) = no_shows(world.hall, world.citizen, time_machine, 1)

    # then
    assert notices(world.citizen, "strike_recorded") == [
        (
            {
                "booking_id": strike.booking_id,
                "strike_kind": "no_show",
                "strikes": 1,
                "limit": 3,
                "barred": False,
                "until": "-",
            },
            "/bookings/strikes/",
        )
    ]
    notification = Notification.objects.get(kind="strike_recorded")
    assert render(notification) == (
        "Strike: you did not come to your booking",
        f"A strike was recorded on your booking {strike.booking_id}. Strikes that count now: 1; 3 within "
        "a year bar booking. If you think it is wrong, you can appeal it on your strikes page.",
    )


def test_the_strike_that_bars_says_until_when(world: World, time_machine: TimeMachineFixture) -> None:
    # when
    third = no_shows(world.hall, world.citizen, time_machine, 3)[-1]

    # then: barred a year from Tuesday 17 March 2026
    params, _link = notices(world.citizen, "strike_recorded")[-1]
    assert params == {
        "booking_id": third.booking_id,
        "strike_kind": "no_show",
        "strikes": 3,
        "limit": 3,
        "barred": True,
        "until": "2027-03-17",
    }
    notification = Notification.objects.filter(kind="strike_recorded").order_by("-pk").first()
    assert notification is not None
    assert render(notification)[1] == (
        f"A strike was recorded on your booking {third.booking_id}. Strikes that count now: 3, so you may "
        "not book until 2027-03-17. If you think a strike is wrong, you can appeal it on your strikes "
        "page: an upheld appeal lifts the bar at once."
    )
    assert render_outgoing(notification)[2]  # an SMS text exists in the default language


def test_a_strike_recorded_by_hand_names_its_kind(world: World) -> None:
    # given
    booking = booking_make(
        actor=world.citizen, slot=slot_publish(world.hall, MONDAY.date() + timedelta(days=1))
    )

    # when
    strike_record(
        actor=world.hall.clerk, booking=booking, kind=StrikeKind.NOT_THE_PERSON, reason="ID did not match"
    )

    # then
    notification = Notification.objects.get(kind="strike_recorded")
    assert notification.params["strike_kind"] == "not_the_person"
    assert render(notification)[0] == "Strike: a booking made in someone else's name"


# --- Sending an appeal --------------------------------------------------------------------------


def test_the_person_appeals_their_strike(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    (strike,) = no_shows(world.hall, world.citizen, time_machine, 1)

    # when
    appeal = strike_appeal_send(actor=world.citizen, strike=strike, grounds=f"  {GROUNDS}  ")

    # then
    stored = StrikeAppeal.objects.get()
    assert (stored.pk, stored.strike_id, stored.person_id, stored.grounds, stored.status, stored.sent_at) == (
        appeal.pk,
        strike.pk,
        world.citizen.pk,
        GROUNDS,
        AppealStatus.PENDING,
        FIRST_STRIKE_AT,
    )
    assert (stored.decided_by_id, stored.decided_at, stored.decision_reason) == (None, None, "")
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    assert (event.action, event.actor_id, event.office_id, event.object_id, event.changes) == (
        AuditAction.STRIKE_APPEALED,
        world.citizen.pk,
        world.hall.office.pk,
        str(appeal.pk),
        {"strike": [None, strike.pk], "status": [None, "pending"]},
    )
    assert strikes_counting(world.citizen) == 1  # counts until decided


def test_grounds_must_say_something_and_not_too_much(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    (strike,) = no_shows(world.hall, world.citizen, time_machine, 1)

    # when
    short = refused(strike_appeal_send, actor=world.citizen, strike=strike, grounds="  wrong    ")
    long = refused(strike_appeal_send, actor=world.citizen, strike=strike, grounds="x" * 1001)
    exactly = strike_appeal_send(actor=world.citizen, strike=strike, grounds="x" * 1000)

    # then
    assert (short.status, short.code, short.fields) == (
        422,
        "invalid",
        {"grounds": "Say why the strike is wrong, in at least 10 characters."},
    )
    assert long.fields == {"grounds": "At most 1000 characters."}
    assert len(exactly.grounds) == 1000


def test_nobody_appeals_another_persons_strike(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    (strike,) = no_shows(world.hall, world.citizen, time_machine, 1)

    # when
    errors = [
        refused(strike_appeal_send, actor=actor, strike=strike, grounds=GROUNDS)
        for actor in (world.other, world.hall.supervisor)
    ]

    # then
    assert {(e.status, e.code) for e in errors} == {(404, "not_found")}


def test_an_appeal_is_sent_within_sixty_days(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    first, second = no_shows(world.hall, world.citizen, time_machine, 2)
    time_machine.move_to(first.at + timedelta(days=60, seconds=1), tick=False)
    late = refused(strike_appeal_send, actor=world.citizen, strike=first, grounds=GROUNDS)

    # when: the second strike is a week younger, so its last moment is still ahead
    time_machine.move_to(second.at + timedelta(days=60), tick=False)
    on_time = strike_appeal_send(actor=world.citizen, strike=second, grounds=GROUNDS)

    # then
    assert (late.status, late.code, str(late.message)) == (
        409,
        "too_late",
        "A strike can be appealed within 60 days. The time for this one has passed.",
    )
    assert on_time.strike_id == second.pk


def test_one_appeal_per_strike(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    (strike,) = no_shows(world.hall, world.citizen, time_machine, 1)
    appeal = strike_appeal_send(actor=world.citizen, strike=strike, grounds=GROUNDS)
    waiting = refused(strike_appeal_send, actor=world.citizen, strike=strike, grounds=GROUNDS)
    strike_appeal_decide(
        actor=world.hall.supervisor, appeal=appeal, upheld=False, reason="The hall saw nobody."
    )

    # when
    decided = refused(strike_appeal_send, actor=world.citizen, strike=strike, grounds=GROUNDS)

    # then
    assert (waiting.status, waiting.code) == (409, "already_appealed")
    assert (decided.status, decided.code) == (409, "already_decided")


def test_a_voided_strike_cannot_be_appealed(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    (strike,) = no_shows(world.hall, world.citizen, time_machine, 1)
    appeal = strike_appeal_send(actor=world.citizen, strike=strike, grounds=GROUNDS)
    strike_appeal_decide(
        actor=world.hall.supervisor, appeal=appeal, upheld=True, reason="Hospital note seen."
    )

    # when
    error = refused(strike_appeal_send, actor=world.citizen, strike=strike, grounds=GROUNDS)

    # then: "voided" comes before "already decided"
    assert (error.status, error.code) == (409, "voided")


def test_two_appeals_sent_at_once_give_one(
    world: World, time_machine: TimeMachineFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the first appeal committed after the second one's check
    (strike,) = no_shows(world.hall, world.citizen, time_machine, 1)
    strike_appeal_send(actor=world.citizen, strike=strike, grounds=GROUNDS)
    monkeypatch.setattr(appeals, "appeal_refusal", lambda strike, now: None)

    # when
    error = refused(strike_appeal_send, actor=world.citizen, strike=strike, grounds=GROUNDS)

    # then: the database's constraint decided
    assert (error.status, error.code) == (409, "already_appealed")
    assert StrikeAppeal.objects.count() == 1


def test_the_constraint_refuses_two_pending_appeals(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    (strike,) = no_shows(world.hall, world.citizen, time_machine, 1)
    strike_appeal_send(actor=world.citizen, strike=strike, grounds=GROUNDS)

    # when / then
    with pytest.raises(IntegrityError):
        StrikeAppeal.objects.create(strike=strike, person=world.citizen, grounds=GROUNDS, sent_at=MONDAY)


def test_appeals_are_rate_limited(world: World, time_machine: TimeMachineFixture) -> None:
    # given: the hour's tries used up on grounds too short
    (strike,) = no_shows(world.hall, world.citizen, time_machine, 1)
    for _try in range(APPEAL_PER_HOUR.limit):
        refused(strike_appeal_send, actor=world.citizen, strike=strike, grounds="no")

    # when
    error = refused(strike_appeal_send, actor=world.citizen, strike=strike, grounds=GROUNDS)

    # then
    assert (error.status, error.code) == (429, "throttled")


# --- Deciding -----------------------------------------------------------------------------------


def test_an_upheld_appeal_voids_the_strike_and_lifts_the_bar_at_once(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: barred after three strikes; the second is appealed
    strikes = no_shows(world.hall, world.citizen, time_machine, 3)
    assert person_barred_until(world.citizen) is not None
    appeal = strike_appeal_send(actor=world.citizen, strike=strikes[1], grounds=GROUNDS)
    now = strikes[2].at + timedelta(hours=1)
    time_machine.move_to(now, tick=False)

    # when
    decided = strike_appeal_decide(
        actor=world.hall.supervisor, appeal=appeal, upheld=True, reason="  Hospital note seen.  "
    )

    # then
    stored = StrikeAppeal.objects.get()
    assert (stored.status, stored.decided_by_id, stored.decided_at, stored.decision_reason) == (
        AppealStatus.UPHELD,
        world.hall.supervisor.pk,
        now,
        "Hospital note seen.",
    )
    assert decided.pk == stored.pk
    assert list(Strike.objects.order_by("at").values_list("voided_at", flat=True)) == [None, now, None]
    assert (person_barred_until(world.citizen), strikes_counting(world.citizen)) == (None, 2)
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    assert (event.action, event.actor_id, event.office_id, event.object_id, event.reason, event.changes) == (
        AuditAction.STRIKE_APPEAL_DECIDED,
        world.hall.supervisor.pk,
        world.hall.office.pk,
        str(appeal.pk),
        "Hospital note seen.",
        {"status": ["pending", "upheld"], "strike_voided_at": [None, "2026-03-17T04:00:00.000000Z"]},
    )
    assert notices(world.citizen, "appeal_decided") == [
        ({"appeal_id": appeal.pk, "booking_id": strikes[1].booking_id, "upheld": True}, "/bookings/strikes/")
    ]
    notification = Notification.objects.get(kind="appeal_decided")
    assert render(notification)[0] == "Appeal upheld"


def test_a_rejected_appeal_leaves_the_strike(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    (strike,) = no_shows(world.hall, world.citizen, time_machine, 1)
    appeal = strike_appeal_send(actor=world.citizen, strike=strike, grounds=GROUNDS)

    # when
    strike_appeal_decide(
        actor=world.hall.supervisor, appeal=appeal, upheld=False, reason="The hall saw nobody."
    )

    # then
    strike.refresh_from_db()
    appeal.refresh_from_db()
    assert (appeal.status, strike.voided_at, strikes_counting(world.citizen)) == (
        AppealStatus.REJECTED,
        None,
        1,
    )
    assert notices(world.citizen, "appeal_decided") == [
        ({"appeal_id": appeal.pk, "booking_id": strike.booking_id, "upheld": False}, "/bookings/strikes/")
    ]
    assert render(Notification.objects.get(kind="appeal_decided")) == (
        "Appeal rejected",
        f"Your appeal against the strike on booking {strike.booking_id} was rejected: the strike stands. "
        "Your strikes page shows the office's reason.",
    )


def test_whoever_recorded_the_strike_does_not_decide_its_appeal(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    (strike,) = no_shows(world.hall, world.citizen, time_machine, 1)
    appeal = strike_appeal_send(actor=world.citizen, strike=strike, grounds=GROUNDS)

    # when
    error = refused(strike_appeal_decide, actor=world.hall.clerk, appeal=appeal, upheld=True, reason="Fine.")

    # then
    assert strike_recorded_by(strike) == world.hall.clerk.pk
    assert (error.status, error.code) == (403, "recorded_it")


def test_only_booking_staff_of_the_strikes_office_decide(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    (strike,) = no_shows(world.hall, world.citizen, time_machine, 1)
    appeal = strike_appeal_send(actor=world.citizen, strike=strike, grounds=GROUNDS)
    reviewer = make_staff(Role.REVIEWER, office=world.hall.office, seed=91)

    # when
    errors = [
        refused(strike_appeal_decide, actor=actor, appeal=appeal, upheld=True, reason="Fine.")
        for actor in (world.citizen, world.other_clerk, reviewer)
    ]

    # then
    assert {(e.status, e.code) for e in errors} == {(404, "not_found")}


def test_a_decision_needs_a_reason_of_at_most_200_characters(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    (strike,) = no_shows(world.hall, world.citizen, time_machine, 1)
    appeal = strike_appeal_send(actor=world.citizen, strike=strike, grounds=GROUNDS)

    # when
    empty = refused(
        strike_appeal_decide, actor=world.hall.supervisor, appeal=appeal, upheld=True, reason="   "
    )
    long = refused(
        strike_appeal_decide, actor=world.hall.supervisor, appeal=appeal, upheld=True, reason="x" * 201
    )
    exactly = strike_appeal_decide(actor=world.hall.supervisor, appeal=appeal, upheld=False, reason="x" * 200)

    # then
    assert (empty.status, empty.fields) == (422, {"reason": "Give a reason."})
    assert (long.status, long.fields) == (422, {"reason": "At most 200 characters."})
    assert exactly.status == AppealStatus.REJECTED


def test_an_appeal_is_decided_once(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    (strike,) = no_shows(world.hall, world.citizen, time_machine, 1)
    appeal = strike_appeal_send(actor=world.citizen, strike=strike, grounds=GROUNDS)
    strike_appeal_decide(
        actor=world.hall.supervisor, appeal=appeal, upheld=False, reason="The hall saw nobody."
    )

    # when
    error = refused(
        strike_appeal_decide, actor=world.hall.supervisor, appeal=appeal, upheld=True, reason="Oops."
    )

    # then
    assert (error.status, error.code) == (409, "already_decided")


# --- Reading --------------------------------------------------------------------------------------


def test_the_person_sees_their_strikes_with_appeals_and_what_can_be_appealed(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    first, second = no_shows(world.hall, world.citizen, time_machine, 2)
    appeal = strike_appeal_send(actor=world.citizen, strike=first, grounds=GROUNDS)

    # when
    rows = strikes_of(world.citizen)

    # then: newest first
    assert [(row.strike.pk, [a.pk for a in row.appeals], row.may_appeal) for row in rows] == [
        (second.pk, [], True),
        (first.pk, [appeal.pk], False),
    ]
    assert rows[1].appeal_until == first.at + timedelta(days=60)
    assert strikes_of(world.other) == []
