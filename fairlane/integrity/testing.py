"""Test support for a database whose audit table refuses deletes.

pytest-django empties the database after each transactional test (`transactional_db`,
`django_db(transaction=True)`) with TRUNCATE on PostgreSQL and DELETE on SQLite, which the
append-only triggers refuse while audit events exist. A transactional test that records
audit events therefore asks for `audit_events_purged`, which empties the audit table first.

Only for tests: it lifts the protection for the length of one transaction, which only the
table owner can do anyway.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from fairlane.integrity.protection import TABLE, append_only_install, append_only_remove


def audit_events_purge(using: str = DEFAULT_DB_ALIAS) -> None:
    """Delete every audit event, with the triggers lifted inside the same transaction."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # DISABLE TRIGGER is transactional: the triggers are back when this commits.
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
            cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608  (constant table name)
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
        else:
            append_only_remove(cursor, connection.vendor)
            cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608  (constant table name)
            append_only_install(cursor, connection.vendor)


@pytest.fixture
def audit_events_purged(transactional_db: None) -> Iterator[None]:
    """A transactional database whose audit events are removed before pytest-django flushes it.

    Depending on `transactional_db` makes this teardown run before the flush.
    """
    yield
    audit_events_purge()


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    if "transactional_db" in request.fixturenames:  # also asked for by live_server
        return True
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return False
    return bool(marker.kwargs.get("transaction", marker.args[0] if marker.args else False))


@pytest.fixture(autouse=True)
def _audit_events_purged_after_transactional_tests(request: pytest.FixtureRequest) -> None:
    """Suite-wide: with `pytest_plugins = ["fairlane.integrity.testing"]` in the root
    conftest, every transactional test gets `audit_events_purged` without asking."""
    if _is_transactional(request):
        request.getfixturevalue("audit_events_purged")
