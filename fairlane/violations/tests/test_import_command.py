"""`manage.py import_violations`: camera records from a CSV file with pictures from a
directory; bad rows reported, only an unreadable file or a wrong header fatal."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from fairlane.core.audit import AuditAction
from fairlane.integrity.models import AuditEvent
from fairlane.violations.models import Evidence, IntakeBatch, Source, Violation
from fairlane.violations.sources import source_authenticate
from fairlane.violations.tests.test_intake import World, jpeg, row_make, stored_files, world_make

HEADER = [
    "source_record_id",
    "plate",
    "occurred_at",
    "place",
    "office",
    "code",
    "fine_fen",
    "points",
    "evidence",
]


def csv_write(path: Path, rows: list[dict[str, Any]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {**row, "evidence": ";".join(row["evidence"]) if isinstance(row["evidence"], list) else ""}
            )
    return path


def run(path: Path, pictures: Path) -> str:
    out = StringIO()
    call_command(
        "import_violations", str(path), "--source", "CAM-PD", "--evidence-dir", str(pictures), stdout=out
    )
    return out.getvalue()


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The commands speak the active language; these tests compare the English text."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(db: None, settings: Any, tmp_path: Path) -> World:
    return world_make(settings, tmp_path)


@pytest.fixture
def pictures(tmp_path: Path) -> Path:
    folder = tmp_path / "pictures"
    folder.mkdir()
    for name in ("a1.jpg", "a2.jpg", "b1.jpg", "c1.jpg"):
        (folder / name).write_bytes(jpeg())
    (folder / "not-a-picture.jpg").write_bytes(b"hello")
    (tmp_path / "outside.jpg").write_bytes(jpeg())
    return folder


def test_a_good_file_is_imported_and_importing_it_again_changes_nothing(
    world: World, pictures: Path, tmp_path: Path
) -> None:
    # given
    plate = world.driver.vehicle.plate
    path = csv_write(
        tmp_path / "records.csv",
        [
            row_make(plate, "PD-0001", evidence=["a1.jpg", "a2.jpg"]),
            row_make(plate, "PD-0002", evidence=["b1.jpg"]),
        ],
    )

    # when
    first = run(path, pictures)
    second = run(path, pictures)

    # then
    batches = list(IntakeBatch.objects.order_by("pk"))
    assert first.splitlines() == [
        f"batch {batches[0].pk}: 2 rows, 2 accepted, 0 already received, 0 rejected",
        "2 rows: 2 accepted, 0 already received, 0 rejected",
    ]
    assert second.splitlines() == [
        f"batch {batches[1].pk}: 2 rows, 0 accepted, 2 already received, 0 rejected",
        "2 rows: 0 accepted, 2 already received, 0 rejected",
    ]
    assert [batch.channel for batch in batches] == ["file", "file"]
    assert Violation.objects.count() == 2
    assert list(
        Evidence.objects.order_by("violation__source_record_id", "position").values_list(
            "reference", flat=True
        )
    ) == ["a1.jpg", "a2.jpg", "b1.jpg"]
    assert len(stored_files(world.media)) == 3


def test_bad_rows_are_reported_and_the_good_ones_imported(
    world: World, pictures: Path, tmp_path: Path
) -> None:
    # given
    plate = world.driver.vehicle.plate
    future = (timezone.now() + timedelta(days=1)).isoformat()
    path = csv_write(
        tmp_path / "records.csv",
        [
            row_make(plate, "PD-0001", evidence=["a1.jpg"]),
            row_make(plate, "PD-0002", evidence=["../outside.jpg"]),
            row_make(plate, "PD-0003", evidence=["not-a-picture.jpg"]),
            row_make(plate, "PD-0004", evidence=["c1.jpg"], occurred_at=future),
            row_make(plate, "PD-0005", evidence=[]),
            row_make("沪B99999", "PD-0006", evidence=["c1.jpg"]),
        ],
    )

    # when
    output = run(path, pictures)

    # then
    batch = IntakeBatch.objects.get()
    assert output.splitlines() == [
        f"batch {batch.pk}: 6 rows, 1 accepted, 0 already received, 5 rejected",
        "  row 2 (PD-0002): evidence: The picture name ../outside.jpg must be a plain file name, without a path. [missing]",
        "  row 3 (PD-0003): evidence: Picture not-a-picture.jpg: Only JPEG or PNG files are accepted. [wrong_type]",
        "  row 4 (PD-0004): occurred_at: The time is in the future. [future]",
        "  row 5 (PD-0005): evidence: Send 1 to 5 pictures of the violation. [count]",
        "  row 6 (PD-0006): plate: No vehicle with this plate is registered here. [vehicle_unknown]",
        "6 rows: 1 accepted, 0 already received, 5 rejected",
    ]
    assert list(Violation.objects.values_list("source_record_id", flat=True)) == ["PD-0001"]


def test_a_camera_column_is_read(world: World, pictures: Path, tmp_path: Path) -> None:
    # given
    path = csv_write(
        tmp_path / "records.csv",
        [row_make(world.driver.vehicle.plate, "PD-0001", evidence=["a1.jpg"], camera="false")],
        header=[*HEADER, "camera"],
    )

    # when
    run(path, pictures)

    # then
    assert Violation.objects.get().camera is False


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (HEADER[:-1], "wrong header: missing columns: evidence"),
        ([*HEADER, "colour"], "wrong header: unknown columns: colour"),
    ],
)
def test_a_wrong_header_is_fatal_and_imports_nothing(
    world: World, pictures: Path, tmp_path: Path, header: list[str], message: str
) -> None:
    # given
    path = csv_write(
        tmp_path / "records.csv", [row_make(world.driver.vehicle.plate, evidence=["a1.jpg"])], header
    )

    # when / then
    with pytest.raises(CommandError, match=message):
        run(path, pictures)
    assert IntakeBatch.objects.count() == 0


def test_an_unreadable_file_is_fatal(world: World, pictures: Path, tmp_path: Path) -> None:
    # given
    binary = tmp_path / "records.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")

    # when / then
    with pytest.raises(CommandError, match="not UTF-8 text"):
        run(binary, pictures)
    with pytest.raises(CommandError, match="cannot be read"):
        run(tmp_path / "missing.csv", pictures)
    assert IntakeBatch.objects.count() == 0


def test_an_unknown_source_or_missing_directory_is_fatal(
    world: World, pictures: Path, tmp_path: Path
) -> None:
    # given
    path = csv_write(tmp_path / "records.csv", [row_make(world.driver.vehicle.plate, evidence=["a1.jpg"])])

    # when / then
    with pytest.raises(CommandError, match="no active enforcement system has the code CAM-XX"):
        call_command("import_violations", str(path), "--source", "CAM-XX", "--evidence-dir", str(pictures))
    with pytest.raises(CommandError, match="not a directory"):
        run(path, tmp_path / "nowhere")
    assert IntakeBatch.objects.count() == 0


def test_a_file_with_only_a_header_imports_nothing(world: World, pictures: Path, tmp_path: Path) -> None:
    # given
    path = csv_write(tmp_path / "records.csv", [])

    # when
    output = run(path, pictures)

    # then
    assert output == "The file has no rows: nothing imported.\n"
    assert IntakeBatch.objects.count() == 0


def test_violation_source_create_prints_a_key_that_signs_in(world: World) -> None:
    # given
    out = StringIO()

    # when
    call_command(
        "violation_source_create",
        "--code",
        "cam-mh",
        "--name",
        "闵行电子警察",
        "--office",
        "310000",
        stdout=out,
    )

    # then
    lines = out.getvalue().splitlines()
    assert lines[0] == "enforcement system CAM-MH registered for office 310000"
    key = lines[1].rsplit(" ", 1)[1]
    source = Source.objects.get(code="CAM-MH")
    assert source_authenticate(key) == source
    assert source.key_hash == hashlib.sha256(key.encode()).hexdigest()
    event = AuditEvent.objects.get(action=AuditAction.VIOLATION_SOURCE_CREATED)
    assert (event.actor_id, event.object_id) == (None, str(source.pk))
    assert key not in str(event.changes)


def test_violation_source_create_refuses_a_taken_code_or_unknown_office(world: World) -> None:
    with pytest.raises(CommandError, match="exists already"):
        call_command("violation_source_create", "--code", "CAM-PD", "--name", "again", "--office", "310000")
    with pytest.raises(CommandError, match="no office has the code 999999"):
        call_command("violation_source_create", "--code", "CAM-X", "--name", "x", "--office", "999999")
    assert Source.objects.count() == 1


def test_replace_key_stops_the_old_key_and_prints_a_new_one(world: World) -> None:
    # given
    out = StringIO()
    call_command(
        "violation_source_create", "--code", "CAM-MH", "--name", "闵行", "--office", "310000", stdout=out
    )
    old_key = out.getvalue().splitlines()[1].rsplit(" ", 1)[1]
    out = StringIO()

    # when
    call_command("violation_source_create", "--code", "cam-mh", "--replace-key", stdout=out)

    # then
    lines = out.getvalue().splitlines()
    assert lines[0] == "enforcement system CAM-MH has a new key; the old one no longer works"
    new_key = lines[1].rsplit(" ", 1)[1]
    source = Source.objects.get(code="CAM-MH")
    assert source_authenticate(old_key) is None
    assert source_authenticate(new_key) == source
    event = AuditEvent.objects.filter(action=AuditAction.VIOLATION_SOURCE_CREATED).latest("pk")
    assert (event.object_id, event.reason) == (str(source.pk), "key replaced")


def test_replace_key_refuses_an_unknown_code_and_register_needs_name_and_office(world: World) -> None:
    with pytest.raises(CommandError, match="No enforcement system has this code"):
        call_command("violation_source_create", "--code", "CAM-NONE", "--replace-key")
    with pytest.raises(CommandError, match="--name and --office are required"):
        call_command("violation_source_create", "--code", "CAM-X")
    assert Source.objects.count() == 1
