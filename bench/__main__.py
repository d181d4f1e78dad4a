"""Benchmarks: each reports a ratio against a baseline measured in the same run, so the
figures compare across machines. Run with `make bench`; record results in README.md.

audit_append  appending a chained audit event, each in its own transaction, vs inserting a
              plain row (an SMS outbox message) the same way: the cost of the chain.
audit_verify  verifying the whole chain vs only reading the same rows: the cost of hashing.
catalogue_search  the finder's scoring of 40 everyday phrasings over the whole catalogue vs a
              plain substring scan of the same names and synonyms.
allocation    a batch of 1,000,000 exam or window requests for 100,000 seats allocated by
              bookings.rules.allocate vs sorting as many keys (bench/allocation.py).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable

from bench.allocation import bench_allocation

EVENTS = 2000


def best_of(runs: int, work: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    tmp = tempfile.mkdtemp()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairlane.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from fairlane.accounts.models import SmsMessage
    from fairlane.core.audit import AuditAction, audit_record
    from fairlane.integrity.models import AuditEvent
    from fairlane.integrity.services import audit_chain_verify

    call_command("migrate", verbosity=0)

    def plain_inserts() -> None:
        for _ in range(EVENTS):
            with transaction.atomic():
                SmsMessage.objects.create(phone="13800000000", text="bench")

    def chained_appends() -> None:
        for _ in range(EVENTS):
            with transaction.atomic():
                audit_record(action=AuditAction.AUDIT_CHAIN_VERIFIED, reason="bench")

    baseline = best_of(1, plain_inserts)
    chained = best_of(1, chained_appends)
    print(
        f"audit_append  {EVENTS} events: chained {chained:.3f}s, plain {baseline:.3f}s, ratio {chained / baseline:.2f}"
    )

    def read_rows() -> None:
        for _row in AuditEvent.objects.order_by("seq").values_list().iterator(chunk_size=1000):
            pass

    def verify() -> None:
        assert audit_chain_verify() is None

    baseline = best_of(3, read_rows)
    verifying = best_of(3, verify)
    print(
        f"audit_verify  {EVENTS} events: verify {verifying:.3f}s, read {baseline:.3f}s, ratio {verifying / baseline:.2f}"
    )


def bench_search() -> None:
    from fairlane.catalogue import rules
    from fairlane.catalogue.data_files import read_catalogue
    from fairlane.catalogue.tests.test_finder import PHRASINGS

    items = read_catalogue()
    queries = [query for query, _code in PHRASINGS]

    def substring_scan() -> None:
        for query in queries:
            _ = [
                item.code for item in items if any(query in s for s in (*item.synonyms_zh, *item.synonyms_en))
            ]

    def scored_search() -> None:
        for query in queries:
            rules.search(items, query)

    baseline = best_of(5, substring_scan)
    scored = best_of(5, scored_search)
    print(
        f"catalogue_search  {len(queries)} queries: scored {scored * 1000:.1f}ms, scan {baseline * 1000:.1f}ms, ratio {scored / baseline:.1f}"
    )


if __name__ == "__main__":
    main()
    bench_search()
    bench_allocation()
