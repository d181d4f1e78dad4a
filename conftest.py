"""Suite-wide fixtures and the rules for tests that need PostgreSQL or a browser."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache

# Transactional tests empty the audit table before pytest-django flushes the database.
pytest_plugins = ["fairlane.integrity.testing", "fairlane.web.testing"]

ON_POSTGRES_RUN = os.environ.get("FAIRLANE_POSTGRES_RUN") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The SQLite run skips the PostgreSQL tests: scripts/run-tests runs them in a second
    # pass against a real server (and says loudly when it cannot).
    if ON_POSTGRES_RUN:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run in the PostgreSQL pass of scripts/run-tests")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Rate-limit counters live in the cache; each test starts with none.
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # Argon2 is deliberately slow; the suite hashes thousands of passwords. Production's
    # hasher order is checked in fairlane/tests/test_settings.py.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
