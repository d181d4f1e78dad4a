"""Fixtures for the audit tests: people to act, and a way to tamper with the stored chain."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from fairlane.accounts.models import User
from fairlane.core.validators import id_number_check_char
from fairlane.integrity.protection import TABLE, append_only_remove

PASSWORD = "x-strong-Pass-123"


def valid_id_number(n: int) -> str:
    """A valid resident ID number (GB 11643 check character) that differs for each n."""
    body = f"110105199001{(n % 28) + 1:02d}{n % 1000:03d}"
    return body + id_number_check_char(body)


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(n: int = 1, *, name: str = "张三", role: str = "citizen") -> User:
        return User.objects.create_user(
            phone=f"1380000{n:04d}", password=PASSWORD, name=name, id_number=valid_id_number(n), role=role
        )

    return make


@pytest.fixture
def tampering_allowed(db: None) -> Iterator[None]:
    """Lift the append-only triggers so a test can play the attacker with raw SQL.

    The test runs inside a transaction that is rolled back afterwards, and both SQLite
    (DROP TRIGGER) and PostgreSQL (ALTER TABLE … DISABLE TRIGGER, which needs the table
    owner; the test user is) undo schema changes on rollback: the next test is protected again.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        else:
            append_only_remove(cursor, connection.vendor)
    yield


@pytest.fixture(params=["any", pytest.param("postgresql", marks=pytest.mark.postgres)])
def each_pass(request: pytest.FixtureRequest) -> str:
    """Run a database-agnostic test in the default run and again in the PostgreSQL pass."""
    if request.param == "postgresql" and connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL copy of this test needs DATABASE_URL pointing at PostgreSQL")
    return str(request.param)
