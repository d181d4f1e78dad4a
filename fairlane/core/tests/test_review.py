"""The shared two-person review rule, without a database."""

from __future__ import annotations

from enum import Enum
from types import ModuleType

import pytest
from django.utils import translation

from fairlane.catalogue.announcements import rules as announcement_rules
from fairlane.catalogue.changes import rules as change_rules
from fairlane.core.audit import AuditAction
from fairlane.core.review import Refusal, Transition, common_refusal, reason_error

PERMISSION = "app.decide"
AUTHOR, EDITOR, REVIEWER = 1, 2, 3
MAX = 10

DECIDE = Transition(PERMISSION, AuditAction.ANNOUNCEMENT_PUBLISHED, four_eyes=True)
SEND_BACK = Transition(PERMISSION, AuditAction.ANNOUNCEMENT_SENT_BACK, needs_reason=True, four_eyes=True)
SUBMIT = Transition(PERMISSION, AuditAction.ANNOUNCEMENT_SUBMITTED, author_only=True)


def refusal(
    transition: Transition | None,
    *,
    actor: int = REVIEWER,
    permissions: frozenset[str] = frozenset({PERMISSION}),
    reason: str = "",
) -> Refusal | None:
    return common_refusal(
        transition,
        permissions=permissions,
        actor_id=actor,
        author_ids=(AUTHOR, EDITOR),
        reason=reason,
        reason_max_length=MAX,
    )


def test_a_move_the_workflow_lacks_is_not_allowed() -> None:
    assert refusal(None) is Refusal.NOT_ALLOWED


def test_a_missing_permission_comes_before_every_other_check() -> None:
    assert refusal(SEND_BACK, actor=AUTHOR, permissions=frozenset()) is Refusal.FORBIDDEN


@pytest.mark.parametrize("actor", [AUTHOR, EDITOR])
def test_four_eyes_refuses_everyone_whose_work_it_is(actor: int) -> None:
    assert refusal(DECIDE, actor=actor) is Refusal.OWN_WORK
    assert refusal(DECIDE, actor=REVIEWER) is None


def test_an_author_only_step_refuses_anyone_else() -> None:
    assert refusal(SUBMIT, actor=REVIEWER) is Refusal.NOT_AUTHOR
    assert refusal(SUBMIT, actor=AUTHOR) is None


@pytest.mark.parametrize(
    ("transition", "reason", "expected"),
    [
        (SEND_BACK, "", Refusal.REASON_INVALID),
        (SEND_BACK, "   ", Refusal.REASON_INVALID),
        (SEND_BACK, "x" * (MAX + 1), Refusal.REASON_INVALID),
        (SEND_BACK, f"  {'x' * MAX}  ", None),
        (DECIDE, "", None),
        (DECIDE, "x" * (MAX + 1), Refusal.REASON_INVALID),
    ],
)
def test_the_reason_is_checked_last(transition: Transition, reason: str, expected: Refusal | None) -> None:
    assert refusal(transition, reason=reason) is expected
    assert refusal(transition, actor=AUTHOR, reason=reason) is Refusal.OWN_WORK


def test_reason_error_says_what_is_wrong() -> None:
    with translation.override("en"):
        assert reason_error(" ", required=True, max_length=MAX) == "Give a reason."
        assert reason_error("", required=False, max_length=MAX) is None
        assert reason_error("x" * (MAX + 1), required=False, max_length=MAX) == (
            f"A reason has at most {MAX} characters."
        )


@pytest.mark.parametrize("domain", [announcement_rules, change_rules])
def test_each_workflow_can_answer_every_shared_refusal_it_may_meet(domain: ModuleType) -> None:
    """The domains turn a shared refusal into their own by value."""
    own: type[Enum] = domain.Refusal
    transitions: dict[object, Transition] = domain.TRANSITIONS
    possible = set(Refusal) - {Refusal.NOT_AUTHOR}
    if any(t.author_only for t in transitions.values()):
        possible.add(Refusal.NOT_AUTHOR)
    assert {r.value for r in possible} <= {r.value for r in own}
