"""Make the audit table append-only in the database itself.

PostgreSQL: a trigger function refuses UPDATE and DELETE (row trigger) and TRUNCATE
(statement trigger; an empty table may be truncated, which removes nothing).
SQLite: BEFORE UPDATE / BEFORE DELETE triggers abort; SQLite has no TRUNCATE.
Other databases get nothing, and `verify_audit` says so.
"""

from django.db import migrations

from fairlane.integrity.protection import append_only_install, append_only_remove


def install(apps, schema_editor):
    append_only_install(schema_editor, schema_editor.connection.vendor)


def remove(apps, schema_editor):
    append_only_remove(schema_editor, schema_editor.connection.vendor)


class Migration(migrations.Migration):

    dependencies = [
        ("integrity", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, remove, elidable=False),
    ]
