"""Races that only a real database with parallel connections can show (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from fairlane.accounts import services
from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import PASSWORD, send_code
from fairlane.core.errors import InvalidInput

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

GOOD_ID = "11010519491231002X"


def run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Start every job at the same moment, each on its own connection; return results or
    the exception each raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def worker(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_two_registrations_racing_for_one_id_number(attempt: int) -> None:
    # given: two phones, each with its own valid code, both claiming the same ID number
    phones = [f"1391234{attempt}{n:03d}" for n in range(2)]
    codes = [send_code(phone, ip=f"10.0.{attempt}.{n}") for n, phone in enumerate(phones)]

    def register(n: int) -> Callable[[], User]:
        return lambda: services.account_register(
            name="王小明", id_number=GOOD_ID, phone=phones[n], code=codes[n], password=PASSWORD
        )

    # when
    results = run_together([register(0), register(1)])

    # then
    created = [r for r in results if isinstance(r, User)]
    refused = [r for r in results if isinstance(r, InvalidInput)]
    assert (len(created), len(refused)) == (1, 1)
    assert list(refused[0].fields) == ["id_number"]
    assert User.objects.filter(id_number=GOOD_ID).count() == 1


def test_one_code_submitted_ten_times_at_once_is_used_once() -> None:
    code = send_code("13912345678")
    results = run_together(
        [lambda: services.sms_code_consume(phone="13912345678", purpose="register", code=code)] * 10
    )
    assert results.count(True) == 1
    assert results.count(False) == 9
