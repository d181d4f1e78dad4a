"""What each kind of notification says, in Chinese and in English, and which values a
kind accepts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from django.utils import timezone, translation

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import register_citizen
from fairlane.notifications.kinds import KINDS, NotificationKind, params_errors
from fairlane.notifications.messages import render, render_all, render_outgoing
from fairlane.notifications.models import Notification
from fairlane.notifications.tests.factories import ITEM, ITEM_EN, ITEM_ZH, publish_item

Kind = NotificationKind


def unsaved(kind: str, params: Mapping[str, object]) -> Notification:
    return Notification(recipient=User(), kind=kind, params=params, created_at=timezone.now())


STEP = {"reference": "ABCDEFGHIJKLMNOP", "item_code": ITEM, "status": "accepted"}


def test_every_kind_says_something_and_nothing_else_is_said() -> None:
    assert set(KINDS) == set(Kind.values)


@pytest.mark.django_db
def test_an_application_step_in_english_names_the_item_and_the_status() -> None:
    # given
    publish_item()
    # when
    with translation.override("en"):
        title, body = render(unsaved(Kind.APPLICATION_STEP, STEP))
    # then
    assert title == "Licence renewal: Accepted"
    assert body == "Your application ABCDEFGHIJKLMNOP for Licence renewal is now: Accepted."


@pytest.mark.django_db
def test_an_application_step_in_chinese_names_the_item_and_the_status_in_chinese() -> None:
    # given
    publish_item()
    # when
    with translation.override("zh-hans"):
        title, body = render(unsaved(Kind.APPLICATION_STEP, STEP))
    # then
    assert ITEM_ZH in title and "已受理" in title
    assert ITEM_ZH in body and "已受理" in body and "ABCDEFGHIJKLMNOP" in body
    assert ITEM_EN not in title + body
    assert "Accepted" not in title + body


@pytest.mark.django_db
def test_an_item_no_longer_published_shows_its_code() -> None:
    with translation.override("en"):
        title, _body = render(unsaved(Kind.APPLICATION_STEP, STEP))
    assert title == "DL-RENEW: Accepted"


@pytest.mark.parametrize(
    ("kind", "params", "title", "body"),
    [
        (
            Kind.PAYMENT_RECEIVED,
            {"reference": "P2026", "amount_fen": 1005},
            "Payment received",
            "We received your payment of 10.05 yuan for order P2026.",
        ),
        (
            Kind.REFUND_DECIDED,
            {"reference": "P2026", "amount_fen": 1000, "approved": True},
            "Refund approved",
            "Your refund of 10.00 yuan for order P2026 was approved. The money goes back the way you paid.",
        ),
        (
            Kind.REFUND_DECIDED,
            {"reference": "P2026", "amount_fen": 1000, "approved": False},
            "Refund refused",
            "Your refund of 10.00 yuan for order P2026 was refused. The order shows the reason.",
        ),
        (
            Kind.RATING_REQUESTED,
            {"reference": "ABCDEFGHIJKLMNOP"},
            "How did we do?",
            "Your application ABCDEFGHIJKLMNOP is finished. Please rate our service: it takes a minute.",
        ),
        (
            Kind.RECTIFICATION_OPENED,
            {"reference": "ABCDEFGHIJKLMNOP"},
            "Rectification task opened",
            "The applicant of application ABCDEFGHIJKLMNOP was dissatisfied. Call them back and put it "
            "right within 15 working days.",
        ),
        (
            Kind.APPLICATION_OVERDUE,
            {"reference": "ABCDEFGHIJKLMNOP", "item_code": "VH-NONE"},
            "Overdue: VH-NONE",
            "Application ABCDEFGHIJKLMNOP for VH-NONE is past its time limit and was raised to you.",
        ),
    ],
)
@pytest.mark.django_db
def test_each_kind_in_english(kind: str, params: dict[str, object], title: str, body: str) -> None:
    with translation.override("en"):
        assert render(unsaved(kind, params)) == (title, body)


@pytest.mark.django_db
def test_a_kind_that_no_longer_exists_still_shows() -> None:
    with translation.override("en"):
        assert render(unsaved("retired_kind", {"x": 1})) == ("Notification", "")


@pytest.mark.django_db
def test_a_value_missing_from_an_old_notification_shows_as_nothing() -> None:
    with translation.override("en"):
        assert render(unsaved(Kind.PAYMENT_RECEIVED, {"amount_fen": 100}))[1] == (
            "We received your payment of 1.00 yuan for order ."
        )


@pytest.mark.django_db
def test_a_page_of_notifications_looks_each_item_up_once(
    django_assert_num_queries: Callable[..., Any],
) -> None:
    # given
    publish_item()
    page = [unsaved(Kind.APPLICATION_STEP, STEP) for _ in range(5)]
    # when / then
    with translation.override("en"), django_assert_num_queries(1):
        shown = render_all(page)
    assert (
        shown
        == [
            (
                "Licence renewal: Accepted",
                "Your application ABCDEFGHIJKLMNOP for Licence renewal is now: Accepted.",
            )
        ]
        * 5
    )


@pytest.mark.django_db
def test_sms_and_email_go_out_in_chinese_whatever_the_active_language() -> None:
    # given
    publish_item()
    notification = unsaved(Kind.APPLICATION_STEP, STEP)
    with translation.override("zh-hans"):
        expected_title, expected_body = render(notification)
    # when
    with translation.override("en"):
        title, body, sms = render_outgoing(notification)
    # then
    assert (title, body) == (expected_title, expected_body)
    assert "已受理" in sms and "ABCDEFGHIJKLMNOP" in sms
    assert len(sms) <= 140


@pytest.mark.django_db
def test_no_kind_puts_personal_data_in_an_sms() -> None:
    # given a citizen whose name, ID number and phone must never appear
    citizen = register_citizen(name="王小明")
    publish_item()
    samples: dict[str, Mapping[str, object]] = {
        Kind.APPLICATION_STEP: STEP,
        Kind.APPLICATION_OVERDUE: {"reference": "ABCDEFGHIJKLMNOP", "item_code": ITEM},
        Kind.PAYMENT_RECEIVED: {"reference": "P2026", "amount_fen": 1},
        Kind.REFUND_DECIDED: {"reference": "P2026", "amount_fen": 1, "approved": True},
        Kind.RATING_REQUESTED: {"reference": "ABCDEFGHIJKLMNOP"},
        Kind.RECTIFICATION_OPENED: {"reference": "ABCDEFGHIJKLMNOP"},
        Kind.BOOKING_REQUESTED: {"batch_id": 7},
        Kind.BOOKING_RESULT: {"batch_id": 7, "won": False},
        Kind.EXAM_RESULT: {"subject": "2", "outcome": "failed"},
        Kind.STRIKE_RECORDED: {
            "booking_id": 7,
            "strike_kind": "no_show",
            "strikes": 3,
            "limit": 3,
            "barred": True,
            "until": "2027-03-17",
        },
        Kind.APPEAL_DECIDED: {"appeal_id": 1, "booking_id": 7, "upheld": False},
        Kind.BOOKING_REMINDER: {
            "booking_id": 7,
            "item_code": ITEM,
            "exam": False,
            "day": "2026-03-04",
            "hour": 9,
            "minute": "05",
        },
        Kind.BOOKING_CANCELLED: {
            "booking_id": 7,
            "day": "2026-03-04",
            "hour": 9,
            "minute": "05",
            "by_office": True,
        },
        Kind.VIOLATION_RECORDED: {
            "reference": "ABCDEFGHIJKL",
            "code": "1625",
            "amount_fen": 20_000,
            "points": 6,
            "handle_by": "2026-03-04",
            "bound": True,
        },
        Kind.PENALTY_DECIDED: {
            "number": "31000020260000001",
            "amount_fen": 20_000,
            "points": 6,
            "due_on": "2026-03-19",
        },
        Kind.FULL_SCORE_REACHED: {"points": 12, "days": 7, "subjects": "-"},
        Kind.BINDING_REQUESTED: {"binding_id": 3},
        Kind.BINDING_DECIDED: {"binding_id": 3, "outcome": "confirmed"},
        Kind.OBJECTION_DECIDED: {"reference": "ABCDEFGHIJKL", "upheld": True},
        Kind.POINTS_REDUCED: {"points": 1, "reduced": 2, "points_now": 5},
        Kind.AUTHORISATION_REQUESTED: {"reference": "ABCDEFGHIJKL", "fee_fen": 15_000, "days": 30},
        Kind.AUTHORISATION_ANSWERED: {"reference": "ABCDEFGHIJKL", "outcome": "revoked"},
        Kind.AGENT_ACTED: {"reference": "ABCDEFGHIJKL", "action": "application_filed", "item_code": ITEM},
        Kind.AGENCY_JOB_CLOSED: {"reference": "ABCDEFGHIJKL", "fee_fen": 15_000},
        Kind.COMPLAINT_DECIDED: {"reference": "ABCDEFGHIJKL", "upheld": False},
        Kind.AGENCY_DECIDED: {"outcome": "suspended"},
        Kind.AGENT_INVITED: {},
    }
    assert set(samples) == set(Kind)
    for kind, params in samples.items():
        assert params_errors(kind, params) == []
        # when
        notification = Notification(recipient=citizen, kind=kind, params=params, created_at=timezone.now())
        texts = " ".join(render_outgoing(notification))
        # then
        assert citizen.name not in texts
        assert citizen.id_number not in texts
        assert citizen.phone not in texts


@pytest.mark.parametrize(
    ("kind", "params", "errors"),
    [
        ("nothing", {}, ["unknown kind 'nothing'"]),
        (Kind.RATING_REQUESTED, {}, ["reference is missing"]),
        (Kind.RATING_REQUESTED, {"reference": "A", "name": "B"}, ["name is not taken"]),
        (Kind.RATING_REQUESTED, {"reference": 5}, ["reference must be of type str"]),
        (
            Kind.RATING_REQUESTED,
            {"reference": "王小明"},
            ["reference must be a short code without personal data"],
        ),
        (
            Kind.RATING_REQUESTED,
            {"reference": "13812345678"},
            ["reference must be a short code without personal data"],
        ),
        (
            Kind.RATING_REQUESTED,
            {"reference": "11010519491231002X"},
            ["reference must be a short code without personal data"],
        ),
        (
            Kind.RATING_REQUESTED,
            {"reference": "a b"},
            ["reference must be a short code without personal data"],
        ),
        (Kind.PAYMENT_RECEIVED, {"reference": "P", "amount_fen": -1}, ["amount_fen must not be negative"]),
        (Kind.PAYMENT_RECEIVED, {"reference": "P", "amount_fen": True}, ["amount_fen must be of type int"]),
        (Kind.PAYMENT_RECEIVED, {"reference": "P", "amount_fen": 1.5}, ["amount_fen must be of type int"]),
        (
            Kind.REFUND_DECIDED,
            {"reference": "P", "amount_fen": 1, "approved": 1},
            ["approved must be of type bool"],
        ),
    ],
)
def test_wrong_values_are_named_but_not_shown(
    kind: str, params: dict[str, object], errors: list[str]
) -> None:
    assert params_errors(kind, params) == errors


@pytest.mark.django_db
def test_agent_notices_name_the_action_the_fee_and_the_outcome() -> None:
    # given
    citizen = register_citizen(name="王小明")
    acted = Notification(
        recipient=citizen,
        kind=Kind.AGENT_ACTED,
        params={"reference": "ABCDEFGHIJKL", "action": "material_uploaded", "item_code": "DL-NONE"},
        created_at=timezone.now(),
    )
    closed = Notification(
        recipient=citizen,
        kind=Kind.AGENCY_JOB_CLOSED,
        params={"reference": "ABCDEFGHIJKL", "fee_fen": 15_050},
        created_at=timezone.now(),
    )
    decided = Notification(
        recipient=citizen, kind=Kind.AGENCY_DECIDED, params={"outcome": "revoked"}, created_at=timezone.now()
    )

    # when
    with translation.override("en"):
        texts = [render(notice)[1] for notice in (acted, closed, decided)]

    # then
    assert "your agent did this for you: uploaded a file (DL-NONE)" in texts[0]
    assert "The agency's agreed fee was 150.50 yuan" in texts[1]
    assert "licence revoked" in texts[2]
