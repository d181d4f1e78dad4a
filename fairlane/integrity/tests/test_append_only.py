"""The database itself refuses to change or remove audit events, whoever asks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, transaction

from fairlane.accounts.models import User
from fairlane.core.audit import AuditAction, audit_record
from fairlane.integrity.models import AuditEvent
from fairlane.integrity.protection import TABLE, append_only_missing

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite triggers")


@pytest.fixture
def event(make_user: Callable[..., User]) -> AuditEvent:
    actor = make_user(1)
    audit_record(action=AuditAction.ACCOUNT_REGISTERED, actor=actor, obj=actor)
    return audit_record(action=AuditAction.ACCOUNT_DISABLED, actor=actor, obj=actor, reason="before")


def stored(event: AuditEvent) -> tuple[object, ...]:
    return tuple(AuditEvent.objects.filter(pk=event.pk).values_list("seq", "reason", "hash").get())


def refused(sql: str) -> None:
    """Run `sql` and expect it refused; the savepoint keeps the test's transaction usable."""
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def test_the_triggers_are_installed_by_the_migrations() -> None:
    assert AuditEvent._meta.db_table == TABLE
    assert append_only_missing(connection) == []


@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET reason = 'after'",  # noqa: S608
        f"UPDATE {TABLE} SET seq = seq + 10",  # noqa: S608
        f"DELETE FROM {TABLE} WHERE seq = 2",  # noqa: S608
        f"DELETE FROM {TABLE}",  # noqa: S608
    ],
)
@pytest.mark.postgres
@on_postgres
def test_postgres_refuses_update_and_delete(event: AuditEvent, sql: str) -> None:
    # given
    before = stored(event)
    # when / then
    refused(sql)
    assert stored(event) == before
    assert AuditEvent.objects.count() == 2


@pytest.mark.postgres
@on_postgres
def test_postgres_refuses_truncate(event: AuditEvent) -> None:
    # given
    before = stored(event)
    with connection.cursor() as cursor:
        # Run the deferred foreign-key checks of the inserts now: PostgreSQL will not
        # truncate a table with checks pending, which would hide what the trigger does.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # when / then
    refused(f"TRUNCATE {TABLE}")
    refused(f"TRUNCATE {TABLE} CASCADE")
    assert stored(event) == before
    assert AuditEvent.objects.count() == 2


@pytest.mark.postgres
@on_postgres
def test_postgres_allows_truncating_an_empty_table() -> None:
    # Removing nothing is harmless, and it lets pytest-django flush test databases.
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE}")
    assert not AuditEvent.objects.exists()


@pytest.mark.postgres
@on_postgres
def test_postgres_refuses_the_orm_too(event: AuditEvent) -> None:
    before = stored(event)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="after")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.delete()
    assert stored(event) == before


@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET reason = 'after'",  # noqa: S608
        f"UPDATE {TABLE} SET seq = seq + 10",  # noqa: S608
        f"DELETE FROM {TABLE} WHERE seq = 2",  # noqa: S608
        f"DELETE FROM {TABLE}",  # noqa: S608  (SQLite's stand-in for TRUNCATE)
    ],
)
@on_sqlite
def test_sqlite_refuses_update_and_delete(event: AuditEvent, sql: str) -> None:
    # given
    before = stored(event)
    # when / then
    refused(sql)
    assert stored(event) == before
    assert AuditEvent.objects.count() == 2


@on_sqlite
def test_sqlite_refuses_the_orm_too(event: AuditEvent) -> None:
    before = stored(event)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="after")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.delete()
    assert stored(event) == before


def test_appending_still_works_with_the_triggers_in_place(event: AuditEvent) -> None:
    after = audit_record(action=AuditAction.ACCOUNT_ENABLED)
    assert after.seq == event.seq + 1
