"""In the database itself: a booking or request never changes its person.

No service offers a transfer, and the admin shows bookings read-only; this makes even a raw
UPDATE fail, so a scalper with database access or a future bug cannot move a place to a
buyer either. PostgreSQL gets a trigger function; SQLite a BEFORE UPDATE trigger.
"""

from __future__ import annotations

from typing import Any

TABLES = ("bookings_booking", "bookings_bookingrequest")


def _postgres(table: str) -> list[str]:
    function = f"{table}_person_fixed"
    return [
        f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
  IF NEW.person_id IS DISTINCT FROM OLD.person_id THEN
    RAISE EXCEPTION '{table}: the person of a booking never changes';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
        f"DROP TRIGGER IF EXISTS {function} ON {table}",
        f"CREATE TRIGGER {function} BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]


def _sqlite(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_person_fixed",
        f"""CREATE TRIGGER {table}_person_fixed BEFORE UPDATE OF person_id ON {table}
FOR EACH ROW WHEN NEW.person_id IS NOT OLD.person_id
BEGIN SELECT RAISE(ABORT, '{table}: the person of a booking never changes'); END""",
    ]


def person_fixed_install(schema_editor: Any, vendor: str) -> None:
    make = {"postgresql": _postgres, "sqlite": _sqlite}.get(vendor)
    if make is None:
        return
    for table in TABLES:
        for statement in make(table):
            schema_editor.execute(statement)


def person_fixed_remove(schema_editor: Any, vendor: str) -> None:
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_person_fixed ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_person_fixed()")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_person_fixed")
