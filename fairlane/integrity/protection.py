"""Database triggers that make the audit table append-only.

The hash chain shows tampering after the fact; these triggers stop it up front, whatever
the client (the ORM, a raw cursor, psql). The table owner can still drop them, which is
why the chain and the checkpoints exist as well.

Migration 0002 installs them. On SQLite, Django rebuilds a table to alter it and the
rebuild drops its triggers: a later migration that alters `AuditEvent` must call
`append_only_install` again (it is idempotent). `verify_audit` reports missing triggers.
"""

from __future__ import annotations

from typing import Final, Protocol

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE: Final = "integrity_auditevent"
PG_FUNCTION: Final = "integrity_auditevent_refuse_change"
PG_ROW_TRIGGER: Final = "integrity_auditevent_append_only"
PG_TRUNCATE_TRIGGER: Final = "integrity_auditevent_no_truncate"
SQLITE_UPDATE_TRIGGER: Final = "integrity_auditevent_no_update"
SQLITE_DELETE_TRIGGER: Final = "integrity_auditevent_no_delete"

# No "%" anywhere: the SQL goes through DB-API drivers that treat it as a placeholder.
_PG_INSTALL: Final = (
    f"""
    CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $body$
    DECLARE
        has_rows boolean;
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            -- Emptying an empty table removes nothing; allowing it lets test databases be
            -- flushed. The TRUNCATE lock is already held, so no row can slip in meanwhile.
            EXECUTE 'SELECT EXISTS (SELECT 1 FROM '
                || quote_ident(TG_TABLE_SCHEMA) || '.' || quote_ident(TG_TABLE_NAME) || ')'
                INTO has_rows;
            IF NOT has_rows THEN
                RETURN NULL;
            END IF;
        END IF;
        RAISE EXCEPTION USING
            MESSAGE = 'audit events are append-only: ' || TG_OP || ' on ' || TG_TABLE_NAME || ' refused',
            HINT = 'Record a new event instead of changing an old one.';
    END;
    $body$
    """,  # noqa: S608  (identifiers are the constants above, never input)
    f"DROP TRIGGER IF EXISTS {PG_ROW_TRIGGER} ON {TABLE}",
    f"""
    CREATE TRIGGER {PG_ROW_TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()
    """,
    f"DROP TRIGGER IF EXISTS {PG_TRUNCATE_TRIGGER} ON {TABLE}",
    f"""
    CREATE TRIGGER {PG_TRUNCATE_TRIGGER} BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()
    """,
)
_PG_REMOVE: Final = (
    f"DROP TRIGGER IF EXISTS {PG_TRUNCATE_TRIGGER} ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {PG_ROW_TRIGGER} ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()",
)

# SQLite has no TRUNCATE: "DELETE FROM t" without WHERE goes through the delete trigger
# (a trigger turns off SQLite's truncate optimisation).
_SQLITE_INSTALL: Final = (
    f"""
    CREATE TRIGGER IF NOT EXISTS {SQLITE_UPDATE_TRIGGER} BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS {SQLITE_DELETE_TRIGGER} BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END
    """,
)
_SQLITE_REMOVE: Final = (
    f"DROP TRIGGER IF EXISTS {SQLITE_UPDATE_TRIGGER}",
    f"DROP TRIGGER IF EXISTS {SQLITE_DELETE_TRIGGER}",
)

_INSTALL: Final = {"postgresql": _PG_INSTALL, "sqlite": _SQLITE_INSTALL}
_REMOVE: Final = {"postgresql": _PG_REMOVE, "sqlite": _SQLITE_REMOVE}
_TRIGGERS: Final = {
    "postgresql": (PG_ROW_TRIGGER, PG_TRUNCATE_TRIGGER),
    "sqlite": (SQLITE_UPDATE_TRIGGER, SQLITE_DELETE_TRIGGER),
}


class SqlExecutor(Protocol):
    """A schema editor or a cursor: anything with `execute(sql, params)`."""

    def execute(self, sql: str, params: None = ..., /) -> object: ...


def append_only_install_sql(vendor: str) -> tuple[str, ...]:
    """Statements that install the triggers; none for a database we do not support."""
    return _INSTALL.get(vendor, ())


def append_only_remove_sql(vendor: str) -> tuple[str, ...]:
    return _REMOVE.get(vendor, ())


def append_only_install(executor: SqlExecutor, vendor: str) -> None:
    for sql in append_only_install_sql(vendor):
        executor.execute(sql, None)


def append_only_remove(executor: SqlExecutor, vendor: str) -> None:
    for sql in append_only_remove_sql(vendor):
        executor.execute(sql, None)


def append_only_missing(connection: BaseDatabaseWrapper) -> list[str]:
    """Names of protective triggers that are absent or disabled (all of them on other databases)."""
    expected = _TRIGGERS.get(connection.vendor)
    if expected is None:
        return [f"no append-only triggers exist for {connection.vendor}"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # tgenabled 'D' is a trigger switched off with ALTER TABLE … DISABLE TRIGGER.
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND tgenabled <> 'D'",
                [TABLE],
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in expected if name not in present]
