"""The violation-code table: the data file is valid and lawful, a bad entry is named, and
loading is an idempotent upsert."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from fairlane.violations.codes import CodeDataError, codes_parse, codes_read, violation_codes_load
from fairlane.violations.models import ViolationCode

ENTRY = """
[[code]]
code = "1625"
description_zh = "驾驶机动车不按交通信号灯指示通行的"
description_en = "Running a red light"
law = "《道路交通安全法》第九十条"
fine_min_fen = 20000
fine_max_fen = 20000
points = 6
procedure = "simple"
bars_point_reduction = false
"""


def test_the_data_file_is_valid_and_covers_every_point_value() -> None:
    # when
    entries = codes_read()

    # then
    assert len(entries) >= 30
    assert {entry.points for entry in entries} == {0, 1, 3, 6, 9, 12}
    assert {entry.procedure for entry in entries} == {"simple", "general"}
    assert all(entry.fine_max_fen <= 20_000 for entry in entries if entry.procedure == "simple")
    assert any(entry.fine_max_fen > 20_000 for entry in entries if entry.procedure == "general")


def test_the_data_file_has_the_lawful_values_of_well_known_codes() -> None:
    # given
    by_code = {entry.code: entry for entry in codes_read()}

    # then: red light 6 points and ¥200 (L-PT 第10条(八)), seat belt 1 point (第12条(九))
    assert (by_code["1625"].points, by_code["1625"].fine_min_fen, by_code["1625"].fine_max_fen) == (
        6,
        20_000,
        20_000,
    )
    assert by_code["6011"].points == 1
    # the offences of L-PT 第26条(二) bar point reduction; selling points scores 12 (第8条(七))
    barring = {entry.code for entry in by_code.values() if entry.bars_point_reduction}
    assert barring == {"1711", "1721", "1701", "5001", "5002", "5003", "1799", "1798"}
    selling = by_code["1799"]
    assert selling.description_zh == "代替实际机动车驾驶人接受交通违法行为处罚和记分牟取经济利益的"
    assert (selling.points, selling.procedure) == (12, "general")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("points = 6", "points = 4"), "entry 1 (code 1625): points must be one of 0, 1, 3, 6, 9, 12"),
        (("fine_min_fen = 20000", "fine_min_fen = 30000"), "entry 1 (code 1625): fine_min_fen is more than"),
        (
            ("fine_max_fen = 20000", "fine_max_fen = 20001"),
            "entry 1 (code 1625): a simple-procedure code cannot fine more than 20000 fen",
        ),
        (('procedure = "simple"', 'procedure = "quick"'), "entry 1 (code 1625): procedure must be one of"),
        (('code = "1625"', 'code = "16a5"'), "entry 1 (code 16a5): code must be a string of 4 or 5 digits"),
        (('law = "《道路交通安全法》第九十条"', 'law = ""'), "entry 1 (code 1625): law must be a non-empty"),
        (("points = 6", "points = 6\ncolour = 1"), "entry 1 (code 1625): unknown fields: colour"),
        (("bars_point_reduction = false", ""), "entry 1 (code 1625): missing fields: bars_point_reduction"),
        (("bars_point_reduction = false", "bars_point_reduction = 0"), "bars_point_reduction must be"),
        (("points = 6", "points = true"), "entry 1 (code 1625): points must be a whole number"),
    ],
)
def test_a_bad_entry_is_named_with_its_problem(change: tuple[str, str], message: str) -> None:
    # given
    text = ENTRY.replace(*change)

    # when
    with pytest.raises(CodeDataError) as raised:
        codes_parse(text)

    # then
    assert message in str(raised.value)


def test_a_code_used_twice_is_refused() -> None:
    with pytest.raises(CodeDataError, match=r"entry 2 \(code 1625\): the code is used by an earlier entry"):
        codes_parse(ENTRY + ENTRY)


def test_a_file_that_is_not_toml_is_refused() -> None:
    with pytest.raises(CodeDataError, match="not valid TOML"):
        codes_parse("[[code]\n")


@pytest.mark.django_db
def test_loading_twice_creates_then_changes_nothing() -> None:
    # given
    count = len(codes_read())

    # when
    first = violation_codes_load()
    second = violation_codes_load()

    # then
    assert (first.created, first.updated, first.unchanged) == (count, 0, 0)
    assert (second.created, second.updated, second.unchanged, second.kept) == (0, 0, count, 0)
    assert ViolationCode.objects.count() == count


@pytest.mark.django_db
def test_loading_updates_a_changed_code_and_keeps_one_no_longer_in_the_file() -> None:
    # given
    violation_codes_load(entries=codes_parse(ENTRY))
    ViolationCode.objects.filter(code="1625").update(points=3, description_en="old words")
    ViolationCode.objects.create(
        code="9999",
        description_zh="旧代码",
        description_en="old code",
        law="旧",
        fine_min_fen=0,
        fine_max_fen=0,
        points=0,
        procedure="simple",
    )

    # when
    result = violation_codes_load(entries=codes_parse(ENTRY))

    # then
    assert (result.created, result.updated, result.unchanged, result.kept) == (0, 1, 0, 1)
    red_light = ViolationCode.objects.get(code="1625")
    assert (red_light.points, red_light.description_en) == (6, "Running a red light")
    assert ViolationCode.objects.filter(code="9999").exists()


@pytest.mark.django_db
def test_the_command_loads_and_reports_counts() -> None:
    # given
    out = StringIO()
    count = len(codes_read())

    # when
    call_command("load_violation_codes", stdout=out)
    call_command("load_violation_codes", stdout=out)

    # then
    lines = out.getvalue().splitlines()
    assert lines == [
        f"violation codes: {count} in the file, {count} created, 0 updated, 0 unchanged, 0 kept from before",
        f"violation codes: {count} in the file, 0 created, 0 updated, {count} unchanged, 0 kept from before",
    ]
