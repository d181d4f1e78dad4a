"""The stored chain: appending through audit_record, and verify_audit catching tampering.

Tampering is done with raw SQL, as an attacker with database access would. The
append-only triggers refuse that, so each tampering test first lifts them with the
`tampering_allowed` fixture (DROP TRIGGER on SQLite, DISABLE TRIGGER on PostgreSQL),
inside the test's own transaction, which is rolled back at the end.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from fairlane.accounts.models import User
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.context import request_id_var
from fairlane.core.pii import mask_text
from fairlane.integrity.chain import GENESIS_HASH, event_hash
from fairlane.integrity.models import AuditEvent
from fairlane.integrity.protection import TABLE
from fairlane.integrity.services import audit_chain_report, audit_chain_verify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("each_pass")]


def record_events(actor: User, count: int) -> list[AuditEvent]:
    return [
        audit_record(
            action=AuditAction.ACCOUNT_ROLE_CHANGED,
            actor=actor,
            obj=actor,
            reason=f"step {n}",
            changes={"role": ("citizen", "clerk"), "step": (n, n + 1)},
        )
        for n in range(count)
    ]


def run_verify() -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `manage.py verify_audit`."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def execute(sql: str, params: list[str] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- Appending ----------------------------------------------------------------------------


def test_audit_record_builds_a_linked_chain(make_user: Callable[..., User]) -> None:
    # given
    clerk = make_user(1, role="clerk")
    citizen = make_user(2, name="李四")
    token = request_id_var.set("f" * 32)
    # when
    try:
        first = audit_record(action=AuditAction.ACCOUNT_REGISTERED, obj=citizen)
        second = audit_record(
            action=AuditAction.ACCOUNT_DISABLED, actor=clerk, on_behalf_of=citizen, obj=citizen, reason="r"
        )
    finally:
        request_id_var.reset(token)
    # then
    stored = list(AuditEvent.objects.order_by("seq"))
    assert [event.seq for event in stored] == [1, 2]
    assert (stored[0].prev_hash, stored[1].prev_hash) == (GENESIS_HASH, stored[0].hash)
    assert stored[0].hash == first.hash
    assert stored[1].hash == second.hash
    assert (stored[0].actor_id, stored[0].actor_role) == (None, "system")
    assert (stored[1].actor_id, stored[1].actor_role, stored[1].on_behalf_of_id) == (
        clerk.pk,
        "clerk",
        citizen.pk,
    )
    assert (stored[1].object_type, stored[1].object_id) == ("accounts.user", str(citizen.pk))
    assert stored[1].action == AuditAction.ACCOUNT_DISABLED
    assert stored[1].request_id == "f" * 32
    assert audit_chain_verify() is None


def test_stored_event_hashes_the_same_after_a_round_trip(make_user: Callable[..., User]) -> None:
    # given: every kind of value the cleaner accepts
    actor = make_user(1)
    event = audit_record(
        action=AuditAction.LICENCE_CHANGED,
        actor=actor,
        changes={
            "valid_until": (date(2025, 1, 1), date(2031, 1, 1)),
            "checked_at": (None, datetime(2025, 1, 1, 8, 0, tzinfo=UTC)),
            "fee": (Decimal("10.50"), 5),
            "holder": (actor, None),
            "flags": ([1, 2], {"nested": True}),
        },
    )
    # when
    row = AuditEvent.objects.values().get(pk=event.pk)
    # then
    assert event_hash(row) == row["hash"]
    assert row["changes"] == {
        "valid_until": ["2025-01-01", "2031-01-01"],
        "checked_at": [None, "2025-01-01T08:00:00.000000Z"],
        "fee": ["10.50", 5],
        "holder": [actor.pk, None],
        "flags": [[1, 2], {"nested": True}],
    }


def test_personal_data_in_changes_and_reason_is_masked(make_user: Callable[..., User]) -> None:
    # given
    actor = make_user(1)
    # when
    event = audit_record(
        action=AuditAction.ACCOUNT_ROLE_CHANGED,
        actor=actor,
        reason="called 13800001234 about 11010519491231002X",
        changes={
            "phone": ("13800001234", "13900005678"),
            "name": ("张三", "欧阳娜娜"),
            "owner_id_number": (None, "11010519491231002X"),
            "holder_name": ("王小明", ""),
            "note": ("ring +86 138-0000-1234", "file 110105194912310021234"),
            "contact": ({"mobile": 13800001234}, None),
        },
    )
    # then
    event.refresh_from_db()
    assert event.reason == "called 138****1234 about 110***********002X"
    assert event.changes == {
        "phone": ["138****1234", "139****5678"],
        "name": ["张*", "欧**娜"],
        "owner_id_number": [None, "110***********002X"],
        "holder_name": ["王*明", ""],
        # A longer run of digits is some other number, not an ID number.
        "note": ["ring +86 138****1234", "file 110105194912310021234"],
        "contact": [{"mobile": "138****1234"}, None],
    }


def test_mask_text_leaves_other_numbers_alone() -> None:
    assert mask_text("plate 京A12345, fee 12000 fen, order 2025010100012") == (
        "plate 京A12345, fee 12000 fen, order 2025010100012"
    )


def test_unsupported_values_in_changes_are_refused(make_user: Callable[..., User]) -> None:
    actor = make_user(1)
    with pytest.raises(TypeError, match="bytes"):
        audit_record(action=AuditAction.ACCOUNT_ROLE_CHANGED, actor=actor, changes={"x": (b"", b"1")})
    assert not AuditEvent.objects.exists()


def test_overlong_reason_is_refused_on_every_database() -> None:
    # SQLite would store it; PostgreSQL would fail on the column. Refuse it the same way.
    with pytest.raises(ValueError, match="at most 200"):
        audit_record(action=AuditAction.ACCOUNT_DISABLED, reason="x" * 201)
    assert not AuditEvent.objects.exists()


def test_rolled_back_caller_leaves_no_event_and_no_gap(make_user: Callable[..., User]) -> None:
    # given
    actor = make_user(1)
    record_events(actor, 2)

    # when: the caller's transaction fails after recording its event
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action=AuditAction.ACCOUNT_DISABLED, actor=actor, obj=actor)
        raise RuntimeError("the write being audited failed")
    after = audit_record(action=AuditAction.ACCOUNT_ENABLED, actor=actor, obj=actor)

    # then
    assert list(AuditEvent.objects.values_list("seq", "action")) == [
        (1, AuditAction.ACCOUNT_ROLE_CHANGED),
        (2, AuditAction.ACCOUNT_ROLE_CHANGED),
        (3, AuditAction.ACCOUNT_ENABLED),
    ]
    assert after.seq == 3
    assert audit_chain_verify() is None


def test_verify_reads_in_small_batches() -> None:
    # given
    for _ in range(7):
        audit_record(action=AuditAction.AUDIT_CHAIN_VERIFIED)
    # when
    report = audit_chain_report(chunk_size=2)
    # then
    assert report.problem is None
    assert (report.count, report.head_seq) == (7, 7)


# --- verify_audit -------------------------------------------------------------------------


def test_verify_audit_on_an_empty_chain() -> None:
    assert run_verify() == (0, f"audit chain intact: 0 events, head {'0' * 16}\n", "")


def test_verify_audit_passes_an_intact_chain(make_user: Callable[..., User]) -> None:
    # given
    events = record_events(make_user(1), 5)
    # when
    status, out, err = run_verify()
    # then
    assert (status, err) == (0, "")
    assert out == f"audit chain intact: 5 events, head {events[-1].hash[:16]}\n"


@pytest.mark.usefixtures("tampering_allowed")
def test_verify_audit_names_an_edited_event(make_user: Callable[..., User]) -> None:
    # given
    record_events(make_user(1), 5)
    # when
    execute(f"UPDATE {TABLE} SET reason = %s WHERE seq = 3", ["nothing to see"])  # noqa: S608
    # then
    status, out, err = run_verify()
    assert (status, out) == (1, "")
    assert err.startswith("audit chain broken at event seq=3: ")


@pytest.mark.usefixtures("tampering_allowed")
def test_verify_audit_names_an_edited_json_field(make_user: Callable[..., User]) -> None:
    # given
    record_events(make_user(1), 5)
    forged = AuditEvent.objects.get(seq=4).changes | {"step": [0, 0]}
    # when: rewritten through the ORM, which the lifted triggers no longer stop
    AuditEvent.objects.filter(seq=4).update(changes=forged)
    # then
    status, _, err = run_verify()
    assert status == 1
    assert err.startswith("audit chain broken at event seq=4: ")


@pytest.mark.usefixtures("tampering_allowed")
def test_verify_audit_names_a_deleted_event(make_user: Callable[..., User]) -> None:
    # given
    record_events(make_user(1), 5)
    # when
    execute(f"DELETE FROM {TABLE} WHERE seq = 2")  # noqa: S608
    # then
    status, _, err = run_verify()
    assert status == 1
    assert err == "audit chain broken at event seq=2: event 2 missing (next stored event is 3)\n"


@pytest.mark.usefixtures("tampering_allowed")
def test_verify_audit_names_an_inserted_event(make_user: Callable[..., User]) -> None:
    # given
    actor = make_user(1)
    events = record_events(actor, 5)
    # when: the attacker makes room at seq 3 and inserts a well-formed, linked event there
    execute(f"UPDATE {TABLE} SET seq = seq + 1000 WHERE seq >= 3")  # noqa: S608
    execute(f"UPDATE {TABLE} SET seq = seq - 999 WHERE seq > 1000")  # noqa: S608
    forged = {
        "seq": 3,
        "occurred_at": events[1].occurred_at,
        "actor_id": None,
        "actor_role": "system",
        "on_behalf_of_id": None,
        "office_id": None,
        "action": int(AuditAction.ACCOUNT_ENABLED),
        "object_type": "",
        "object_id": "",
        "reason": "",
        "changes": {},
        "request_id": "",
        "prev_hash": events[1].hash,
    }
    AuditEvent.objects.create(**forged, hash=event_hash(forged))
    # then: the forgery itself is flawless, so the first event that cannot be trusted is the
    # genuine one it displaced, whose hash was made for seq 3 and now sits at seq 4
    status, _, err = run_verify()
    assert status == 1
    assert err.startswith("audit chain broken at event seq=4: event 4 does not match its hash")


@pytest.mark.usefixtures("tampering_allowed")
def test_verify_audit_names_a_swapped_pair(make_user: Callable[..., User]) -> None:
    # given
    record_events(make_user(1), 5)
    # when: events 2 and 4 trade places
    execute(f"UPDATE {TABLE} SET seq = 1000 WHERE seq = 2")  # noqa: S608
    execute(f"UPDATE {TABLE} SET seq = 2 WHERE seq = 4")  # noqa: S608
    execute(f"UPDATE {TABLE} SET seq = 4 WHERE seq = 1000")  # noqa: S608
    # then
    status, _, err = run_verify()
    assert status == 1
    assert err.startswith("audit chain broken at event seq=2: ")


@pytest.mark.usefixtures("tampering_allowed")
def test_verify_audit_reports_missing_protection_on_an_intact_chain(make_user: Callable[..., User]) -> None:
    # given: the triggers are gone but nothing was changed
    record_events(make_user(1), 2)
    # when
    status, out, err = run_verify()
    # then
    assert status == 2
    assert out.startswith("audit chain intact: 2 events")
    assert err.startswith("audit table is not append-only: missing or disabled ")
