"""The State Council's holiday arrangements from core/data/calendar_cn.toml, so that every
fresh database counts working days right. Later changes of the file are loaded with
`manage.py load_calendar`."""

from django.db import migrations

from fairlane.core.workdays import read_calendar_file


def load_calendar(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(day=entry.day, kind=str(entry.kind), name_zh=entry.name_zh, name_en=entry.name_en)
            for entry in read_calendar_file()
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_calendar_day")]

    operations = [migrations.RunPython(load_calendar, migrations.RunPython.noop)]
