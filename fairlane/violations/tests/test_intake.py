"""Intake of camera records: row checks, idempotence, one savepoint per row, pictures,
the audit event, and the notices that follow the commit."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone
from PIL import Image

from fairlane.accounts.models import User
from fairlane.core.audit import AuditAction
from fairlane.core.errors import InvalidInput
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.models import Notification
from fairlane.registry.models import Vehicle
from fairlane.registry.tests.factories import make_vehicle
from fairlane.violations import intake_rules
from fairlane.violations.codes import violation_codes_load
from fairlane.violations.intake import (
    EvidenceUnavailable,
    evidence_from_dir,
    evidence_from_mapping,
    violation_batch_import,
)
from fairlane.violations.intake_rules import CodeTerms, row_check
from fairlane.violations.models import (
    BindingStatus,
    Evidence,
    IntakeBatch,
    IntakeChannel,
    Source,
    VehicleBinding,
    Violation,
)
from fairlane.violations.tests.factories import Driver, driver_make, office_get, source_make

Capture = Callable[..., Any]


def jpeg(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return out.getvalue()


def row_make(plate: str, record_id: str = "PD-0001", **changes: Any) -> dict[str, Any]:
    """A good row: a red light two days ago, ¥200 and 6 points, with one picture."""
    row: dict[str, Any] = {
        "source_record_id": record_id,
        "plate": plate,
        "occurred_at": (timezone.now() - timedelta(days=2)).isoformat(),
        "place": "浦东新区世纪大道与东方路路口",
        "office": "310000",
        "code": "1625",
        "fine_fen": 20_000,
        "points": 6,
        "evidence": [f"{record_id}-1.jpg"],
    }
    row.update(changes)
    return row


def pictures_for(rows: list[Any]) -> dict[tuple[int, str], bytes]:
    return {
        (number, ref): jpeg()
        for number, row in enumerate(rows, start=1)
        if isinstance(row, dict) and isinstance(row.get("evidence"), list)
        for ref in row["evidence"]
        if isinstance(ref, str)
    }


def import_rows(source: Source, rows: list[Any]) -> IntakeBatch:
    return violation_batch_import(
        source=source,
        channel=IntakeChannel.API,
        rows=rows,
        evidence=evidence_from_mapping(pictures_for(rows)),
    )


@dataclass
class World:
    source: Source
    driver: Driver
    media: Path


def world_make(settings: Any, tmp_path: Path) -> World:
    """The code table, an enforcement system (key "test-source-key") and a driver with a
    car; pictures stored under `tmp_path`. Used by the other intake tests too."""
    settings.MEDIA_ROOT = tmp_path / "media"
    violation_codes_load()
    office = office_get()
    return World(source=source_make(office), driver=driver_make(), media=tmp_path / "media")


@pytest.fixture
def world(db: None, settings: Any, tmp_path: Path) -> World:
    return world_make(settings, tmp_path)


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


# --- pure row checks ----------------------------------------------------------------------

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.get_fixed_timezone(480))
TERMS = {"1625": CodeTerms(points=6, fine_min_fen=20_000, fine_max_fen=20_000)}


def check(**changes: Any) -> intake_rules.RowCheck:
    row = row_make("沪A12345", occurred_at="2025-05-30T08:15:00+08:00") | changes
    return row_check(row, codes=TERMS, offices={"310000"}, now=NOW)


def problems(**changes: Any) -> list[tuple[str, str]]:
    return [(problem.field, problem.code) for problem in check(**changes).problems]


def test_a_good_row_gives_the_normalised_record() -> None:
    # when
    result = check(plate="沪a·12345", place="  世纪大道  ", camera="false", fine_fen="20000")

    # then
    assert result.problems == ()
    assert result.row is not None
    assert (result.row.plate, result.row.place, result.row.camera, result.row.fine_fen) == (
        "沪A12345",
        "世纪大道",
        False,
        20_000,
    )
    assert result.row.occurred_at == datetime(2025, 5, 30, 0, 15, tzinfo=timezone.get_fixed_timezone(0))
    assert result.row.evidence == ("PD-0001-1.jpg",)


def test_camera_is_true_unless_the_row_says_otherwise() -> None:
    assert check().row is not None and check().row.camera is True  # type: ignore[union-attr]
    assert problems(camera="perhaps") == [("camera", "invalid")]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"source_record_id": ""}, [("source_record_id", "required")]),
        ({"source_record_id": "a/b"}, [("source_record_id", "invalid")]),
        ({"source_record_id": "x" * 41}, [("source_record_id", "invalid")]),
        ({"plate": "XA12345"}, [("plate", "invalid")]),
        ({"occurred_at": "yesterday"}, [("occurred_at", "invalid")]),
        ({"occurred_at": "2025-05-30T08:15:00"}, [("occurred_at", "no_timezone")]),
        ({"occurred_at": "2025-06-01T12:06:00+08:00"}, [("occurred_at", "future")]),
        ({"occurred_at": "2023-06-01T11:59:00+08:00"}, [("occurred_at", "too_old")]),
        ({"place": "x" * 121}, [("place", "invalid")]),
        ({"place": "   "}, [("place", "invalid")]),
        ({"office": "999999"}, [("office", "unknown")]),
        ({"code": "9999"}, [("code", "unknown")]),
        ({"fine_fen": 19_999}, [("fine_fen", "out_of_range")]),
        ({"fine_fen": 20_001}, [("fine_fen", "out_of_range")]),
        ({"fine_fen": "200.00"}, [("fine_fen", "invalid")]),
        ({"fine_fen": True}, [("fine_fen", "invalid")]),
        ({"points": 3}, [("points", "wrong_points")]),
        ({"evidence": []}, [("evidence", "count")]),
        ({"evidence": ["a", "b", "c", "d", "e", "f"]}, [("evidence", "count")]),
        ({"evidence": ["a", "a"]}, [("evidence", "repeated")]),
        ({"evidence": ["x" * 121]}, [("evidence", "invalid_reference")]),
    ],
)
def test_each_bad_field_is_reported(changes: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert problems(**changes) == expected


def test_boundaries_of_time_and_evidence_are_accepted() -> None:
    # a camera clock 5 minutes ahead, a record just under two years old, five pictures
    assert problems(occurred_at="2025-06-01T12:05:00+08:00") == []
    assert problems(occurred_at="2023-06-02T12:00:00+08:00") == []
    assert problems(evidence=["a", "b", "c", "d", "e"]) == []
    assert problems(occurred_at="2025-05-30T00:15:00Z") == []


def test_every_problem_of_a_row_is_reported_once() -> None:
    assert problems(plate="", code="0000", points="six") == [
        ("plate", "required"),
        ("code", "unknown"),
        ("points", "invalid"),
    ]


# --- importing ----------------------------------------------------------------------------


def test_importing_the_same_batch_twice_creates_nothing_new(world: World) -> None:
    # given
    plate = world.driver.vehicle.plate
    rows = [row_make(plate, "PD-0001"), row_make(plate, "PD-0002", code="6011", fine_fen=5_000, points=1)]
    first = import_rows(world.source, rows)

    # when
    second = import_rows(world.source, rows)

    # then
    assert (first.rows, first.accepted, first.duplicates, first.rejected) == (2, 2, 0, 0)
    assert (second.rows, second.accepted, second.duplicates, second.rejected) == (2, 0, 2, 0)
    assert Violation.objects.count() == 2
    assert Evidence.objects.count() == 2
    assert len(stored_files(world.media)) == 2
    assert list(second.violations.all()) == []


def test_a_record_sent_twice_in_one_batch_is_stored_once(world: World) -> None:
    # given
    plate = world.driver.vehicle.plate

    # when
    batch = import_rows(world.source, [row_make(plate, "PD-0001"), row_make(plate, "PD-0001")])

    # then
    assert (batch.accepted, batch.duplicates, batch.rejected) == (1, 1, 0)
    assert Violation.objects.count() == 1


def test_the_same_record_id_from_another_source_is_a_new_record(world: World) -> None:
    # given
    plate = world.driver.vehicle.plate
    other = source_make(office_get(), code="CAM-MH", key="another-key")
    import_rows(world.source, [row_make(plate, "PD-0001")])

    # when
    batch = import_rows(other, [row_make(plate, "PD-0001")])

    # then
    assert batch.accepted == 1
    assert Violation.objects.count() == 2


def test_malformed_rows_are_reported_and_the_good_ones_imported(world: World) -> None:
    # given
    plate = world.driver.vehicle.plate
    rows = [
        row_make(plate, "PD-0001"),
        row_make("XA12345", "PD-0002"),
        row_make(plate, "PD-0003", code="9999"),
        row_make(plate, "PD-0004", points=3),
        row_make(plate, "PD-0005"),
        "not a row",
    ]

    # when
    batch = import_rows(world.source, rows)

    # then
    assert (batch.rows, batch.accepted, batch.duplicates, batch.rejected) == (6, 2, 0, 4)
    assert [
        (entry["row"], entry["source_record_id"], entry["field"], entry["code"]) for entry in batch.rejections
    ] == [
        (2, "PD-0002", "plate", "invalid"),
        (3, "PD-0003", "code", "unknown"),
        (4, "PD-0004", "points", "wrong_points"),
        (6, None, "row", "invalid"),
    ]
    assert batch.rejections[1]["message"] == "No violation has this code."
    assert batch.rejections[2]["message"] == "Code 1625 scores 6 points, not 3."
    assert batch.rejections[0]["message"].startswith("Not a valid plate number: A plate starts with")
    assert sorted(Violation.objects.values_list("source_record_id", flat=True)) == ["PD-0001", "PD-0005"]


def test_a_vehicle_not_registered_here_is_rejected(world: World) -> None:
    # when
    batch = import_rows(world.source, [row_make("沪B99999", "PD-0001")])

    # then
    assert (batch.accepted, batch.rejected) == (0, 1)
    assert batch.rejections == [
        {
            "row": 1,
            "source_record_id": "PD-0001",
            "field": "plate",
            "code": "vehicle_unknown",
            "message": "No vehicle with this plate is registered here.",
        }
    ]
    assert Violation.objects.count() == 0


def test_the_pictures_are_checked_and_stored_with_the_violation(world: World) -> None:
    # given
    plate = world.driver.vehicle.plate
    rows = [row_make(plate, "PD-0001", evidence=["front.jpg", "plate.png"])]
    png = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 0, 200)).save(png, format="PNG")
    pictures = {(1, "front.jpg"): jpeg(), (1, "plate.png"): png.getvalue()}

    # when
    batch = violation_batch_import(
        source=world.source, channel=IntakeChannel.API, rows=rows, evidence=evidence_from_mapping(pictures)
    )

    # then
    assert batch.accepted == 1
    violation = Violation.objects.get()
    items = list(violation.evidence.order_by("position"))
    assert [(item.position, item.reference, item.content_type) for item in items] == [
        (1, "front.jpg", "image/jpeg"),
        (2, "plate.png", "image/png"),
    ]
    for item in items:
        content = item.file.read()
        assert hashlib.sha256(content).hexdigest() == item.sha256
        assert "front" not in item.file.name and "plate" not in item.file.name
    assert len(stored_files(world.media)) == 2


@pytest.mark.parametrize(
    ("pictures", "code"),
    [
        ({(1, "a.jpg"): jpeg(), (1, "b.jpg"): b"%PDF-1.4 not a picture %%EOF"}, "wrong_type"),
        ({(1, "a.jpg"): jpeg(), (1, "b.jpg"): b"\xff\xd8\xff broken"}, "damaged"),
        ({(1, "a.jpg"): jpeg(), (1, "b.jpg"): b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024)}, "too_large"),
        ({(1, "a.jpg"): jpeg()}, "missing"),
    ],
)
def test_a_row_with_a_bad_picture_is_rejected_whole(
    world: World, pictures: dict[tuple[int, str], bytes], code: str
) -> None:
    # given
    rows = [row_make(world.driver.vehicle.plate, "PD-0001", evidence=["a.jpg", "b.jpg"])]

    # when
    batch = violation_batch_import(
        source=world.source, channel=IntakeChannel.API, rows=rows, evidence=evidence_from_mapping(pictures)
    )

    # then
    assert (batch.accepted, batch.rejected) == (0, 1)
    assert [(entry["field"], entry["code"]) for entry in batch.rejections] == [("evidence", code)]
    assert Violation.objects.count() == 0
    assert Evidence.objects.count() == 0
    assert stored_files(world.media) == []


def test_a_row_that_fails_while_stored_leaves_nothing_and_blocks_no_other(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the database refuses the second picture of the second row
    plate = world.driver.vehicle.plate
    rows = [
        row_make(plate, "PD-0001"),
        row_make(plate, "PD-0002", evidence=["ok.jpg", "refused.jpg"]),
        row_make(plate, "PD-0003"),
    ]
    original_save = Evidence.save

    def refusing_save(self: Evidence, *args: Any, **kwargs: Any) -> None:
        if self.reference == "refused.jpg":
            raise IntegrityError("refused")
        original_save(self, *args, **kwargs)

    monkeypatch.setattr(Evidence, "save", refusing_save)

    # when
    batch = import_rows(world.source, rows)

    # then
    assert (batch.accepted, batch.duplicates, batch.rejected) == (2, 0, 1)
    assert batch.rejections == [
        {
            "row": 2,
            "source_record_id": "PD-0002",
            "field": "row",
            "code": "not_stored",
            "message": "The record could not be stored; send it again.",
        }
    ]
    assert sorted(Violation.objects.values_list("source_record_id", flat=True)) == ["PD-0001", "PD-0003"]
    assert Evidence.objects.count() == 2
    assert len(stored_files(world.media)) == 2


def test_a_batch_too_large_or_empty_is_refused_and_nothing_is_written(world: World) -> None:
    # given
    rows = [row_make(world.driver.vehicle.plate, f"PD-{n:04d}") for n in range(501)]

    # when / then
    with pytest.raises(InvalidInput) as raised:
        import_rows(world.source, rows)
    assert raised.value.code == "too_many_rows"
    with pytest.raises(InvalidInput) as raised:
        import_rows(world.source, [])
    assert raised.value.code == "empty"
    assert IntakeBatch.objects.count() == 0
    assert Violation.objects.count() == 0


def test_the_import_is_audited_with_its_counts(world: World) -> None:
    # given
    plate = world.driver.vehicle.plate

    # when
    batch = import_rows(world.source, [row_make(plate, "PD-0001"), row_make(plate, "PD-0002", points=1)])

    # then
    event = AuditEvent.objects.get(action=AuditAction.VIOLATIONS_IMPORTED)
    assert (event.actor_id, event.reason, event.object_id) == (None, "CAM-PD", str(batch.pk))
    assert event.changes == {
        "rows": [None, 2],
        "accepted": [None, 1],
        "duplicates": [None, 0],
        "rejected": [None, 1],
    }


# --- notices --------------------------------------------------------------------------------


def test_the_owner_and_a_driver_bound_before_are_notified_after_the_commit(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # given: one driver bound the car a week ago, another only yesterday
    owner = world.driver.user
    vehicle = world.driver.vehicle
    bound = driver_make(seed=2, name="李小红").user
    late = driver_make(seed=3, name="张三").user
    now = timezone.now()
    VehicleBinding.objects.create(
        driver=bound,
        vehicle=vehicle,
        status=BindingStatus.ACTIVE,
        requested_at=now - timedelta(days=8),
        confirmed_at=now - timedelta(days=7),
    )
    VehicleBinding.objects.create(
        driver=late,
        vehicle=vehicle,
        status=BindingStatus.ACTIVE,
        requested_at=now - timedelta(days=2),
        confirmed_at=now - timedelta(days=1),
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        import_rows(world.source, [row_make(vehicle.plate, "PD-0001")])

    # then
    violation = Violation.objects.get()
    today = timezone.localdate()
    assert violation.notified_at is not None
    assert violation.handle_by == today + timedelta(days=30)
    notices = Notification.objects.filter(kind="violation_recorded").order_by("pk")
    assert [(notice.recipient_id, notice.params["bound"]) for notice in notices] == [
        (owner.pk, False),
        (bound.pk, True),
    ]
    assert notices[0].params == {
        "reference": violation.reference,
        "code": "1625",
        "amount_fen": 20_000,
        "points": 6,
        "handle_by": (today + timedelta(days=30)).isoformat(),
        "bound": False,
    }
    assert {notice.link for notice in notices} == {f"/violations/{violation.reference}/"}


def test_nothing_is_notified_before_the_commit(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        import_rows(world.source, [row_make(world.driver.vehicle.plate, "PD-0001")])

    # then
    assert len(callbacks) == 1
    assert Violation.objects.get().notified_at is None
    assert Notification.objects.count() == 0


def test_an_owner_without_an_account_is_notified_by_post(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # given: a car whose owner never registered online
    vehicle: Vehicle = make_vehicle(
        owner_id_number="310101199001011237", owner_name="赵六", office=office_get(), seed=9
    )
    assert not User.objects.filter(id_number=vehicle.owner_id_number).exists()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        import_rows(world.source, [row_make(vehicle.plate, "PD-0001")])

    # then
    violation = Violation.objects.get()
    assert violation.notified_at is not None
    assert violation.handle_by == timezone.localdate() + timedelta(days=30)
    assert Notification.objects.count() == 0


def test_a_duplicate_batch_sends_no_second_notice(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    rows = [row_make(world.driver.vehicle.plate, "PD-0001")]
    with django_capture_on_commit_callbacks(execute=True):
        import_rows(world.source, rows)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_rows(world.source, rows)

    # then
    assert callbacks == []
    assert Notification.objects.filter(kind="violation_recorded").count() == 1


# --- pictures from a directory ------------------------------------------------------------


def test_pictures_from_a_directory_refuse_paths_out_of_it(tmp_path: Path) -> None:
    # given
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    (pictures / "a.jpg").write_bytes(b"picture")
    (tmp_path / "secret.jpg").write_bytes(b"secret")
    get = evidence_from_dir(pictures)

    # then
    assert get(1, "a.jpg") == b"picture"
    for ref in ("../secret.jpg", "..", "/etc/passwd", "sub/a.jpg", "missing.jpg"):
        with pytest.raises(EvidenceUnavailable):
            get(1, ref)


def test_the_sweep_notifies_records_whose_notice_never_ran(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # given: the after-commit notice was lost (the process stopped before it ran)
    with django_capture_on_commit_callbacks(execute=False):
        import_rows(world.source, [row_make(world.driver.vehicle.plate, "PD-0001")])
    assert Violation.objects.get().notified_at is None

    # when: the sweep runs twice
    first, second = io.StringIO(), io.StringIO()
    call_command("notify_violations", stdout=first)
    call_command("notify_violations", stdout=second)

    # then: one notice, sent by the first run only
    violation = Violation.objects.get()
    assert violation.notified_at is not None
    assert violation.handle_by == timezone.localdate() + timedelta(days=30)
    assert Notification.objects.filter(recipient=world.driver.user, kind="violation_recorded").count() == 1
    assert first.getvalue().strip() == "1 violations waiting, 1 notified by this run"
    assert second.getvalue().strip() == "0 violations waiting, 0 notified by this run"
