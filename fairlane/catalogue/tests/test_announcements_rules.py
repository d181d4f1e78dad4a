"""The announcement workflow and text checks, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from fairlane.catalogue.announcements import rules
from fairlane.catalogue.announcements.models import (
    DRAFT_PERMISSION,
    PUBLISH_PERMISSION,
    AnnouncementKind,
)
from fairlane.catalogue.announcements.models import AnnouncementStatus as Status
from fairlane.catalogue.announcements.rules import Refusal

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=10)
ALL_PERMISSIONS = frozenset({DRAFT_PERMISSION, PUBLISH_PERMISSION})
AUTHOR, EDITOR, REVIEWER = 1, 2, 3

ALLOWED = {
    (Status.DRAFT, Status.IN_REVIEW),
    (Status.IN_REVIEW, Status.DRAFT),
    (Status.IN_REVIEW, Status.PUBLISHED),
    (Status.PUBLISHED, Status.WITHDRAWN),
}


def refusal(
    source: Status,
    target: Status,
    *,
    permissions: frozenset[str] = ALL_PERMISSIONS,
    actor: int = REVIEWER,
    reason: str = "写得不清楚",
    ends_at: datetime = LATER,
) -> Refusal | None:
    return rules.transition_refusal(
        source=source,
        target=target,
        permissions=permissions,
        actor_id=actor,
        author_id=AUTHOR,
        last_editor_id=EDITOR,
        reason=reason,
        ends_at=ends_at,
        now=NOW,
    )


def test_the_table_holds_exactly_the_four_moves() -> None:
    assert set(rules.TRANSITIONS) == ALLOWED


@pytest.mark.parametrize(("source", "target"), sorted(product(Status, Status)))
def test_every_move_outside_the_table_is_refused(source: Status, target: Status) -> None:
    # when
    result = refusal(source, target)

    # then
    assert result == (None if (source, target) in ALLOWED else Refusal.NOT_ALLOWED)


@pytest.mark.parametrize(
    ("source", "target", "needed"),
    [
        (Status.DRAFT, Status.IN_REVIEW, DRAFT_PERMISSION),
        (Status.IN_REVIEW, Status.DRAFT, PUBLISH_PERMISSION),
        (Status.IN_REVIEW, Status.PUBLISHED, PUBLISH_PERMISSION),
        (Status.PUBLISHED, Status.WITHDRAWN, PUBLISH_PERMISSION),
    ],
)
def test_each_move_needs_its_permission(source: Status, target: Status, needed: str) -> None:
    assert refusal(source, target, permissions=ALL_PERMISSIONS - {needed}) == Refusal.FORBIDDEN
    assert refusal(source, target, permissions=frozenset({needed})) is None


@pytest.mark.parametrize("actor", [AUTHOR, EDITOR])
def test_author_and_last_editor_may_not_publish(actor: int) -> None:
    assert refusal(Status.IN_REVIEW, Status.PUBLISHED, actor=actor) == Refusal.OWN_WORK


@pytest.mark.parametrize("actor", [AUTHOR, EDITOR])
def test_author_may_send_back_and_withdraw_their_own_if_they_can_publish(actor: int) -> None:
    # Four eyes are needed to publish; taking a text back needs no second person.
    assert refusal(Status.IN_REVIEW, Status.DRAFT, actor=actor) is None
    assert refusal(Status.PUBLISHED, Status.WITHDRAWN, actor=actor) is None


@pytest.mark.parametrize(
    ("source", "target"), [(Status.IN_REVIEW, Status.DRAFT), (Status.PUBLISHED, Status.WITHDRAWN)]
)
def test_sending_back_and_withdrawing_need_a_reason(source: Status, target: Status) -> None:
    assert refusal(source, target, reason="  ") == Refusal.REASON_INVALID
    assert refusal(source, target, reason="x" * 201) == Refusal.REASON_INVALID
    assert refusal(source, target, reason="x" * 200) is None


def test_submitting_and_publishing_need_no_reason() -> None:
    assert refusal(Status.DRAFT, Status.IN_REVIEW, actor=AUTHOR, reason="") is None
    assert refusal(Status.IN_REVIEW, Status.PUBLISHED, reason="") is None


def test_nothing_is_published_after_its_window_closed() -> None:
    assert refusal(Status.IN_REVIEW, Status.PUBLISHED, ends_at=NOW) == Refusal.WINDOW_OVER
    assert refusal(Status.IN_REVIEW, Status.PUBLISHED, ends_at=NOW + timedelta(seconds=1)) is None
    # A closed window does not stop taking it down.
    assert refusal(Status.PUBLISHED, Status.WITHDRAWN, ends_at=NOW) is None


@given(actor=st.integers(1, 4), author=st.integers(1, 4), editor=st.integers(1, 4))
def test_nobody_publishes_what_they_wrote_or_last_edited(actor: int, author: int, editor: int) -> None:
    result = rules.transition_refusal(
        source=Status.IN_REVIEW,
        target=Status.PUBLISHED,
        permissions=ALL_PERMISSIONS,
        actor_id=actor,
        author_id=author,
        last_editor_id=editor,
        reason="",
        ends_at=LATER,
        now=NOW,
    )
    assert (result is None) == (actor not in (author, editor))


@pytest.mark.parametrize(
    ("role", "actor_office", "office", "expected"),
    [
        ("clerk", 1, 1, True),
        ("reviewer", 1, 2, False),
        ("clerk", 1, None, False),
        ("supervisor", 1, None, False),
        ("admin", 1, None, True),
        ("admin", 1, 2, False),
        ("police", None, 1, False),
        ("police", None, None, False),
    ],
)
def test_who_handles_which_office(
    role: str, actor_office: int | None, office: int | None, expected: bool
) -> None:
    assert rules.may_handle(role=role, actor_office_id=actor_office, office_id=office) is expected


@pytest.mark.parametrize(
    ("status", "now", "expected"),
    [
        (Status.PUBLISHED, NOW, True),  # the window includes its start
        (Status.PUBLISHED, NOW - timedelta(seconds=1), False),
        (Status.PUBLISHED, LATER - timedelta(seconds=1), True),
        (Status.PUBLISHED, LATER, False),  # and excludes its end
        (Status.DRAFT, NOW, False),
        (Status.IN_REVIEW, NOW, False),
        (Status.WITHDRAWN, NOW, False),
    ],
)
def test_public_only_when_published_and_in_window(status: Status, now: datetime, expected: bool) -> None:
    assert rules.is_public(status=status, starts_at=NOW, ends_at=LATER, now=now) is expected


CONTENT = rules.Content(
    kind=AnnouncementKind.POLICY_NOTICE,
    title_zh="  关于  调整\n业务时间的通知 ",
    title_en=" New opening hours ",
    body_zh="\r\n第一段。  \r\n\r\n第二段。\r\n\r\n",
    body_en="First.\n\nSecond.",
    starts_at=NOW,
    ends_at=LATER,
)


def test_normalising_puts_titles_on_one_line_and_trims_bodies() -> None:
    clean = CONTENT.normalised()
    assert (clean.title_zh, clean.title_en, clean.body_zh) == (
        "关于 调整 业务时间的通知",
        "New opening hours",
        "第一段。\n\n第二段。",
    )
    assert rules.content_errors(clean) == {}


def test_every_problem_is_named_at_once() -> None:
    bad = replace(
        CONTENT,
        kind="rumour",
        title_zh="",
        title_en="x" * 121,
        body_zh="",
        body_en="x" * 10_001,
        ends_at=NOW,
    )
    with translation.override("en"):
        errors = rules.content_errors(bad.normalised())
    assert errors == {
        "kind": "Choose announcement or policy notice.",
        "title_zh": "Enter a title.",
        "title_en": "A title has at most 120 characters.",
        "body_zh": "Enter the text.",
        "body_en": "A text has at most 10000 characters.",
        "ends_at": "The end must be after the start.",
    }


def test_naive_datetimes_are_refused() -> None:
    naive = replace(CONTENT, starts_at=NOW.replace(tzinfo=None))
    with translation.override("en"):
        errors = rules.content_errors(naive)
    assert errors == {"starts_at": "Enter a date and time with a time zone."}
