"""A booking's person can never be changed, not even by a raw UPDATE (see protection.py)."""

from django.db import migrations

from fairlane.bookings.protection import person_fixed_install, person_fixed_remove


def install(apps, schema_editor):
    person_fixed_install(schema_editor, schema_editor.connection.vendor)


def remove(apps, schema_editor):
    person_fixed_remove(schema_editor, schema_editor.connection.vendor)


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, remove, elidable=False),
    ]
