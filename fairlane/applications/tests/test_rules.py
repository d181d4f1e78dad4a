"""The application workflow and who may take each step, without a database."""

from __future__ import annotations

from itertools import product

import pytest
from django.utils import translation

from fairlane.accounts.models import Role
from fairlane.applications import rules
from fairlane.applications.models import ApplicationStatus as Status
from fairlane.applications.models import ReasonCode
from fairlane.applications.rules import Refusal, Who

APPLICANT, CLERK, OTHER_CITIZEN, OTHER_CLERK = 1, 2, 3, 4
OFFICE, OTHER_OFFICE = 10, 11
REASON = (ReasonCode.MATERIALS_MISSING.value, "行驶证照片不清晰")
NO_REASON = ("", "")

# Every allowed move and who takes it, written out again so the table cannot drift.
ALLOWED: dict[tuple[Status, Status], frozenset[Who]] = {
    (Status.DRAFT, Status.SUBMITTED): frozenset({Who.APPLICANT, Who.SYSTEM}),
    (Status.SUBMITTED, Status.ACCEPTED): frozenset({Who.STAFF}),
    (Status.SUBMITTED, Status.RETURNED): frozenset({Who.STAFF}),
    (Status.SUBMITTED, Status.IN_PERSON): frozenset({Who.STAFF, Who.SYSTEM}),
    (Status.SUBMITTED, Status.REJECTED): frozenset({Who.STAFF}),
    (Status.ACCEPTED, Status.IN_REVIEW): frozenset({Who.STAFF}),
    (Status.IN_REVIEW, Status.APPROVED): frozenset({Who.STAFF}),
    (Status.IN_REVIEW, Status.RETURNED): frozenset({Who.STAFF}),
    (Status.IN_REVIEW, Status.REJECTED): frozenset({Who.STAFF}),
    (Status.IN_REVIEW, Status.IN_PERSON): frozenset({Who.STAFF}),
    (Status.RETURNED, Status.SUBMITTED): frozenset({Who.APPLICANT}),
    (Status.APPROVED, Status.PRODUCED): frozenset({Who.STAFF}),
    (Status.APPROVED, Status.CLOSED): frozenset({Who.STAFF, Who.SYSTEM}),
    (Status.PRODUCED, Status.DELIVERED): frozenset({Who.STAFF}),
    (Status.PRODUCED, Status.COLLECTED): frozenset({Who.STAFF}),
    (Status.DELIVERED, Status.CLOSED): frozenset({Who.STAFF, Who.SYSTEM}),
    (Status.COLLECTED, Status.CLOSED): frozenset({Who.STAFF, Who.SYSTEM}),
    (Status.DRAFT, Status.WITHDRAWN): frozenset({Who.APPLICANT}),
    (Status.SUBMITTED, Status.WITHDRAWN): frozenset({Who.APPLICANT}),
    (Status.RETURNED, Status.WITHDRAWN): frozenset({Who.APPLICANT}),
}
NEEDS_REASON = {
    (source, target)
    for source, target in ALLOWED
    if target in {Status.RETURNED, Status.REJECTED, Status.IN_PERSON}
}
# Staff steps on the case itself, taken only by the member it is assigned to.
ASSIGNEE_ONLY = {
    (source, target)
    for source, target in ALLOWED
    if source in {Status.SUBMITTED, Status.ACCEPTED, Status.IN_REVIEW} and target != Status.WITHDRAWN
}
DISALLOWED = sorted(set(product(Status, Status)) - set(ALLOWED))


def refusal(
    source: Status,
    target: Status,
    *,
    actor: int | None,
    role: str = Role.CLERK,
    actor_office: int | None = OFFICE,
    reason: tuple[str, str] = NO_REASON,
    assignee: int | None = CLERK,
    accepted_by: int | None = None,
    sensitive: bool = False,
) -> Refusal | None:
    reason_code, reason_text = reason
    return rules.transition_refusal(
        source=source,
        target=target,
        actor_id=actor,
        actor_role=role,
        actor_office_id=actor_office,
        applicant_id=APPLICANT,
        office_id=OFFICE,
        assignee_id=assignee,
        accepted_by_id=accepted_by,
        sensitive=sensitive,
        reason_code=reason_code,
        reason_text=reason_text,
    )


def right_actor(who: frozenset[Who]) -> tuple[int, str, int | None]:
    """(actor, role, office) of someone who may take a step taken by `who`."""
    if Who.APPLICANT in who:
        return APPLICANT, Role.CITIZEN, None
    return CLERK, Role.CLERK, OFFICE


def test_the_table_is_exactly_the_workflow() -> None:
    # given / when
    table = {move: step.who for move, step in rules.TRANSITIONS.items()}

    # then
    assert table == ALLOWED
    assert {move for move, step in rules.TRANSITIONS.items() if step.needs_reason} == NEEDS_REASON
    assert {move for move, step in rules.TRANSITIONS.items() if step.assignee_only} == ASSIGNEE_ONLY


def test_final_states_have_no_way_out() -> None:
    # given / when
    leaving = {source for source, _target in rules.TRANSITIONS}

    # then
    assert set(Status) - leaving == rules.FINAL
    assert sorted(rules.FINAL) == ["closed", "in_person", "rejected", "withdrawn"]


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_every_allowed_move_is_allowed_for_the_right_actor(source: Status, target: Status) -> None:
    # given
    actor, role, actor_office = right_actor(ALLOWED[source, target])
    reason = REASON if (source, target) in NEEDS_REASON else NO_REASON

    # when
    result = refusal(source, target, actor=actor, role=role, actor_office=actor_office, reason=reason)

    # then
    assert result is None


@pytest.mark.parametrize(("source", "target"), DISALLOWED)
def test_every_other_move_is_not_allowed(source: Status, target: Status) -> None:
    # given: even the applicant and the office's staff, with a reason
    # when
    as_applicant = refusal(
        source, target, actor=APPLICANT, role=Role.CITIZEN, actor_office=None, reason=REASON
    )
    as_staff = refusal(source, target, actor=CLERK, reason=REASON)
    as_system = refusal(source, target, actor=None, role="", actor_office=None, reason=REASON)

    # then
    assert (as_applicant, as_staff, as_system) == (Refusal.NOT_ALLOWED,) * 3


@pytest.mark.parametrize(
    ("source", "target"), [move for move, who in ALLOWED.items() if who == frozenset({Who.APPLICANT})]
)
def test_applicant_steps_refuse_everyone_else(source: Status, target: Status) -> None:
    # given / when
    results = (
        refusal(source, target, actor=OTHER_CITIZEN, role=Role.CITIZEN, actor_office=None),
        refusal(source, target, actor=CLERK, role=Role.CLERK, actor_office=OFFICE),
        refusal(source, target, actor=None, role="", actor_office=None),
    )

    # then
    assert results == (Refusal.NOT_YOURS, Refusal.NOT_YOURS, Refusal.NOT_SYSTEM)


@pytest.mark.parametrize(("source", "target"), [move for move, who in ALLOWED.items() if Who.STAFF in who])
@pytest.mark.parametrize(
    ("actor", "role", "actor_office", "expected"),
    [
        (CLERK, Role.CLERK, OFFICE, None),
        (CLERK, Role.REVIEWER, OFFICE, None),
        (CLERK, Role.SUPERVISOR, OFFICE, None),
        (CLERK, Role.ADMIN, OFFICE, None),
        (CLERK, Role.CLERK, OTHER_OFFICE, Refusal.NOT_OFFICE_STAFF),
        (CLERK, Role.ADMIN, None, Refusal.NOT_OFFICE_STAFF),
        (CLERK, Role.POLICE, OFFICE, Refusal.NOT_OFFICE_STAFF),
        (CLERK, Role.AGENT, OFFICE, Refusal.NOT_OFFICE_STAFF),
        (APPLICANT, Role.CITIZEN, None, Refusal.NOT_OFFICE_STAFF),
        (OTHER_CITIZEN, Role.CITIZEN, None, Refusal.NOT_OFFICE_STAFF),
        (APPLICANT, Role.CLERK, OFFICE, Refusal.OWN_APPLICATION),
    ],
)
def test_staff_steps_need_handling_staff_of_the_office(
    source: Status, target: Status, actor: int, role: str, actor_office: int | None, expected: Refusal | None
) -> None:
    # given
    reason = REASON if (source, target) in NEEDS_REASON else NO_REASON

    # when
    result = refusal(source, target, actor=actor, role=role, actor_office=actor_office, reason=reason)

    # then
    assert result == expected


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        (Status.DRAFT, Status.SUBMITTED, None),  # once the fee is paid
        (Status.SUBMITTED, Status.IN_PERSON, None),  # red flags found on submission
        (Status.APPROVED, Status.CLOSED, None),  # nothing to produce
        (Status.DELIVERED, Status.CLOSED, None),
        (Status.COLLECTED, Status.CLOSED, None),
        (Status.SUBMITTED, Status.ACCEPTED, Refusal.NOT_SYSTEM),
        (Status.IN_REVIEW, Status.APPROVED, Refusal.NOT_SYSTEM),
        (Status.PRODUCED, Status.COLLECTED, Refusal.NOT_SYSTEM),
    ],
)
def test_what_the_system_may_do_on_its_own(source: Status, target: Status, expected: Refusal | None) -> None:
    # given / when
    reason = REASON if (source, target) in NEEDS_REASON else NO_REASON
    result = refusal(source, target, actor=None, role="", actor_office=None, reason=reason)

    # then
    assert result == expected


@pytest.mark.parametrize(("source", "target"), sorted(ASSIGNEE_ONLY))
def test_case_steps_belong_to_the_assigned_member_alone(source: Status, target: Status) -> None:
    # given
    reason = REASON if (source, target) in NEEDS_REASON else NO_REASON

    # when
    by_other = refusal(source, target, actor=OTHER_CLERK, reason=reason, assignee=CLERK)
    unassigned = refusal(source, target, actor=CLERK, reason=reason, assignee=None)
    by_assignee = refusal(source, target, actor=CLERK, reason=reason, assignee=CLERK)

    # then
    assert (by_other, unassigned, by_assignee) == (Refusal.NOT_ASSIGNED, Refusal.NOT_ASSIGNED, None)


@pytest.mark.parametrize(
    ("sensitive", "accepted_by", "expected"),
    [
        (True, CLERK, Refusal.FOUR_EYES),
        (True, OTHER_CLERK, None),
        (False, CLERK, None),
    ],
)
def test_who_accepted_a_sensitive_case_may_not_approve_it(
    sensitive: bool, accepted_by: int, expected: Refusal | None
) -> None:
    # given / when
    result = refusal(
        Status.IN_REVIEW, Status.APPROVED, actor=CLERK, sensitive=sensitive, accepted_by=accepted_by
    )

    # then
    assert result == expected


def test_four_eyes_concerns_only_approval() -> None:
    # given / when: the accepter may still return or reject a sensitive case
    returned = refusal(
        Status.IN_REVIEW, Status.RETURNED, actor=CLERK, sensitive=True, accepted_by=CLERK, reason=REASON
    )

    # then
    assert returned is None


@pytest.mark.parametrize(("source", "target"), sorted(NEEDS_REASON))
@pytest.mark.parametrize(
    ("reason_code", "reason_text", "expected"),
    [
        ("", "", Refusal.REASON_REQUIRED),
        (ReasonCode.NOT_ELIGIBLE, "", Refusal.REASON_REQUIRED),
        (ReasonCode.NOT_ELIGIBLE, "   ", Refusal.REASON_REQUIRED),
        ("", "年龄不符合条件", Refusal.REASON_REQUIRED),
        ("made_up", "年龄不符合条件", Refusal.REASON_INVALID),
        (ReasonCode.OTHER, "长" * 201, Refusal.REASON_INVALID),
        (ReasonCode.OTHER, "长" * 200, None),
    ],
)
def test_decisions_against_the_applicant_need_a_reason(
    source: Status, target: Status, reason_code: str, reason_text: str, expected: Refusal | None
) -> None:
    # given / when
    result = refusal(source, target, actor=CLERK, reason=(reason_code, reason_text))

    # then
    assert result == expected


def test_a_step_without_a_reason_takes_no_reason_code() -> None:
    # given / when
    with_code = refusal(Status.SUBMITTED, Status.ACCEPTED, actor=CLERK, reason=(ReasonCode.OTHER, ""))
    with_note = refusal(Status.SUBMITTED, Status.ACCEPTED, actor=CLERK, reason=("", "材料齐全"))

    # then
    assert (with_code, with_note) == (Refusal.REASON_INVALID, None)


def test_reason_errors_name_each_field() -> None:
    # given / when
    with translation.override("en"):
        missing = rules.reason_errors(needs_reason=True, reason_code="", reason_text="")
        unknown = rules.reason_errors(needs_reason=True, reason_code="made_up", reason_text="ok")
        unwanted = rules.reason_errors(needs_reason=False, reason_code=ReasonCode.OTHER, reason_text="")

    # then
    assert missing == {"reason_code": "Choose a reason.", "reason_text": "Give a reason."}
    assert unknown == {"reason_code": "Choose one of the listed reasons."}
    assert unwanted == {"reason_code": "This step takes no reason."}
