"""Parallel appends on PostgreSQL: the advisory lock keeps one unforked chain."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from fairlane.core.audit import AuditAction, audit_record
from fairlane.integrity.models import AuditEvent
from fairlane.integrity.services import audit_chain_verify

THREADS = 8
PER_THREAD = 25

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs parallel PostgreSQL connections"),
    # Real commits from several connections; the fixture empties the audit table before the flush.
    pytest.mark.usefixtures("audit_events_purged"),
]


def append_many(worker: int, barrier: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        barrier.wait()
        for n in range(PER_THREAD):
            # Each in its own transaction, as each audited write would be.
            with transaction.atomic():
                audit_record(action=AuditAction.RATE_LIMIT_TRIGGERED, reason=f"worker {worker} event {n}")
    except BaseException as error:  # collected and asserted on in the test
        errors.append(error)
    finally:
        connections.close_all()


def test_parallel_appends_make_one_gapless_chain() -> None:
    # given
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=append_many, args=(i, barrier, errors)) for i in range(THREADS)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert errors == []
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, THREADS * PER_THREAD + 1))
    assert audit_chain_verify() is None
    reasons = set(AuditEvent.objects.values_list("reason", flat=True))
    assert reasons == {f"worker {w} event {n}" for w in range(THREADS) for n in range(PER_THREAD)}
