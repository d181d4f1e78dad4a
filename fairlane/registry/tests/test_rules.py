"""Pure registry rules: no database, unsaved model instances only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from fairlane.registry import rules
from fairlane.registry.models import DriverLicence, Vehicle


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Messages are asserted as msgids; the site default is zh-hans.
    with translation.override("en"):
        yield


def make_licence(
    *,
    valid_until: date | None = date(2032, 4, 10),
    validity: str = "10",
    status: str = "A",
    points: int = 0,
    cycle_start: date = date(2016, 4, 10),
) -> DriverLicence:
    return DriverLicence(
        id_number="110101199003071234",
        holder_name="张三",
        file_number="110100123456",
        classes="C1",
        first_issued_on=date(2016, 4, 10),
        valid_from=date(2022, 4, 10),
        valid_until=valid_until,
        validity=validity,
        status=status,
        cycle_start=cycle_start,
        points=points,
    )


def make_vehicle(
    *,
    plate: str = "沪A12345",
    vehicle_type: str = "K33",
    use: str = "A",
    seats: int = 5,
    registered_on: date = date(2023, 3, 15),
    inspection_valid_until: date = date(2027, 3, 15),
    insurance_valid_until: date = date(2026, 3, 14),
    status: str = "A",
) -> Vehicle:
    return Vehicle(
        vin="LSVAU2180N2183294",
        plate=plate,
        plate_type="02",
        vehicle_type=vehicle_type,
        use=use,
        seats=seats,
        brand="大众 朗逸",
        owner_id_number="110101199003071234",
        owner_name="张三",
        manufactured_on=registered_on - timedelta(days=40),
        registered_on=registered_on,
        inspection_valid_until=inspection_valid_until,
        insurance_valid_until=insurance_valid_until,
        status=status,
    )


def kinds(found: list[rules.Reminder]) -> list[tuple[str, str, str]]:
    return [(r.kind, r.severity, r.subject) for r in found]


# --- licence classes ------------------------------------------------------------------


def test_licence_classes_follow_the_statutory_order() -> None:
    # given / when
    codes = list(rules.LICENCE_CLASSES)

    # then: L-DL 第11条, C6 after C5
    assert codes == [
        "A1",
        "A2",
        "A3",
        "B1",
        "B2",
        "C1",
        "C2",
        "C3",
        "C4",
        "C5",
        "C6",
        "D",
        "E",
        "F",
        "M",
        "N",
        "P",
    ]
    assert rules.LICENCE_CLASSES["C6"][0] == "轻型牵引挂车"
    assert rules.LICENCE_CLASSES["A2"][0] == "重型牵引挂车"


@pytest.mark.parametrize(
    ("held", "permitted"),
    [
        ("A1", ["A1", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "M"]),
        ("A2", ["A2", "B1", "B2", "C1", "C2", "C3", "C4", "C6", "M"]),
        ("A3", ["A3", "C1", "C2", "C3", "C4"]),
        ("B1", ["B1", "C1", "C2", "C3", "C4", "M"]),
        ("B2", ["B2", "C1", "C2", "C3", "C4", "M"]),
        ("C1", ["C1", "C2", "C3", "C4"]),
        ("C2", ["C2"]),
        ("C3", ["C3", "C4"]),
        ("C4", ["C4"]),
        ("C5", ["C5"]),
        ("C6", ["C6"]),
        ("D", ["D", "E", "F"]),
        ("E", ["E", "F"]),
        ("F", ["F"]),
        ("M", ["M"]),
        ("N", ["N"]),
        ("P", ["P"]),
    ],
)
def test_each_class_permits_its_statutory_list(held: str, permitted: list[str]) -> None:
    # given / when
    result = rules.licence_permitted_classes(held)

    # then
    assert result == permitted


def test_several_held_classes_give_the_union_in_statutory_order() -> None:
    # given
    held = "D A2"

    # when
    result = rules.licence_permitted_classes(held)

    # then
    assert result == ["A2", "B1", "B2", "C1", "C2", "C3", "C4", "C6", "D", "E", "F", "M"]


def test_unknown_codes_are_ignored_and_case_does_not_matter() -> None:
    # given / when / then
    assert rules.licence_permitted_classes("c1 X9 ") == ["C1", "C2", "C3", "C4"]
    assert rules.licence_permitted_classes("") == []
    assert rules.licence_permitted_classes("Z") == []


@given(st.lists(st.sampled_from([*rules.LICENCE_CLASSES, "X", "c1"]), max_size=5))
def test_permitted_classes_are_closed_and_contain_what_is_held(held: list[str]) -> None:
    # given
    classes = " ".join(held)

    # when
    permitted = rules.licence_permitted_classes(classes)

    # then: asking again with the result adds nothing, and every held class is in it
    assert rules.licence_permitted_classes(" ".join(permitted)) == permitted
    assert {code.upper() for code in held} & set(rules.LICENCE_CLASSES) <= set(permitted)


# --- licence validity and renewal -----------------------------------------------------


def test_renewal_window_is_the_90_days_before_expiry() -> None:
    # given / when
    window = rules.licence_renewal_window(date(2025, 9, 30))

    # then
    assert window == (date(2025, 7, 2), date(2025, 9, 30))


def test_long_term_licence_has_no_renewal_window() -> None:
    # given / when / then
    assert rules.licence_renewal_window(None) is None


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_renewal_window_is_always_90_days_and_ends_on_expiry(valid_until: date) -> None:
    # given / when
    window = rules.licence_renewal_window(valid_until)

    # then
    assert window is not None
    assert window[1] == valid_until
    assert (window[1] - window[0]).days == 90


@pytest.mark.parametrize(
    ("current", "reached_12", "after"),
    [
        ("6", False, "10"),
        ("6", True, "6"),
        ("10", False, "long"),
        ("10", True, "10"),
        ("long", False, "long"),
        ("long", True, "long"),
    ],
)
def test_validity_after_renewal_steps_up_only_without_a_full_score(
    current: str, reached_12: bool, after: str
) -> None:
    # given / when
    result = rules.licence_validity_after_renewal(current, reached_12)

    # then
    assert result == after
    assert type(result) is str


def test_unknown_validity_is_refused() -> None:
    # given / when / then
    with pytest.raises(ValueError, match="unknown licence validity"):
        rules.licence_validity_after_renewal("8", False)


@pytest.mark.parametrize(
    ("valid_until", "cancelled_after"),
    [(date(2025, 3, 10), date(2026, 3, 10)), (date(2024, 2, 29), date(2025, 2, 28))],
)
def test_licence_is_cancelled_a_year_after_expiry(valid_until: date, cancelled_after: date) -> None:
    # given / when / then
    assert rules.licence_cancelled_if_not_renewed_by(valid_until) == cancelled_after


@pytest.mark.parametrize(
    ("today", "cycle_end"),
    [
        (date(2025, 4, 9), date(2025, 4, 9)),
        (date(2025, 4, 10), date(2026, 4, 9)),
        (date(2025, 12, 31), date(2026, 4, 9)),
        (date(2016, 4, 10), date(2017, 4, 9)),
    ],
)
def test_scoring_cycle_runs_on_from_the_first_issue_date(today: date, cycle_end: date) -> None:
    # given / when / then
    assert rules.scoring_cycle_end(date(2016, 4, 10), today) == cycle_end


# --- inspection -----------------------------------------------------------------------


def inspection(
    vehicle_type: str, use: str, seats: int, registered_on: date, on: date
) -> tuple[int, bool, date]:
    """(interval, on-site?, next validity end) for the inspection falling at `on`."""
    return (
        rules.inspection_interval_months(
            vehicle_type=vehicle_type, use=use, seats=seats, registered_on=registered_on, on=on
        ),
        rules.inspection_on_site_required(
            vehicle_type=vehicle_type, use=use, seats=seats, registered_on=registered_on, on=on
        ),
        rules.inspection_next_valid_until(
            vehicle_type=vehicle_type,
            use=use,
            seats=seats,
            registered_on=registered_on,
            inspected_on_or_previous_valid_until=on,
        ),
    )


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2023, 3, 15), (24, True, date(2025, 3, 15))),  # registration gives the first validity
        (date(2025, 3, 15), (24, False, date(2027, 3, 15))),  # year 2: mark only
        (date(2027, 3, 15), (24, False, date(2029, 3, 15))),  # year 4: mark only
        (date(2029, 3, 15), (24, True, date(2031, 3, 15))),  # year 6: station
        (date(2031, 3, 15), (24, False, date(2033, 3, 15))),  # year 8: mark only
        (date(2033, 3, 15), (12, True, date(2034, 3, 15))),  # year 10: station, then yearly
        (date(2034, 3, 15), (12, True, date(2035, 3, 15))),
        (date(2038, 3, 15), (12, True, date(2039, 3, 15))),  # 15 years: still yearly
        (date(2039, 3, 15), (12, True, date(2040, 3, 15))),
    ],
)
def test_private_sedan_registered_2023_follows_the_2022_reform(
    on: date, expected: tuple[int, bool, date]
) -> None:
    # given: a 5-seat private sedan
    # when
    result = inspection("K33", "A", 5, date(2023, 3, 15), on)

    # then
    assert result == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2028, 12, 14), (24, False, date(2029, 3, 15))),  # before the window: the current (year 4) cycle
        (date(2028, 12, 15), (24, True, date(2031, 3, 15))),  # window open: the year-6 inspection
        (date(2029, 5, 1), (24, True, date(2031, 3, 15))),  # late: still the year-6 one, same schedule
    ],
)
def test_inspection_falling_at_a_date_uses_the_3_month_window(
    on: date, expected: tuple[int, bool, date]
) -> None:
    # given / when
    result = inspection("K33", "A", 5, date(2023, 3, 15), on)

    # then
    assert result == expected


def test_sixteen_year_old_private_car_is_inspected_yearly_after_the_reform() -> None:
    # given: registered 2009, 16 years old on 2025-06-01
    # when
    result = inspection("K33", "A", 5, date(2009, 6, 1), date(2025, 6, 1))

    # then
    assert result == (12, True, date(2026, 6, 1))


def test_sixteen_year_old_private_car_was_half_yearly_before_the_reform() -> None:
    # given: 16 years old on 2021-06-01, under L-IR 第16条(三) as relaxed in 2020
    # when
    result = inspection("K33", "A", 5, date(2005, 6, 1), date(2021, 6, 1))

    # then
    assert result == (6, True, date(2021, 12, 1))


def test_private_car_before_2014_went_to_a_station_every_time() -> None:
    # given / when
    result = inspection("K33", "A", 5, date(2010, 1, 10), date(2012, 1, 10))

    # then
    assert result == (24, True, date(2014, 1, 10))


def test_seven_seat_car_joined_the_exemption_in_2020() -> None:
    # given: the 2014 exemption stopped at 6 seats
    registered = date(2018, 1, 10)

    # when
    in_2020 = inspection("K31", "A", 7, registered, date(2020, 1, 10))
    in_2022 = inspection("K31", "A", 7, registered, date(2022, 1, 10))

    # then
    assert in_2020 == (24, True, date(2022, 1, 10))
    assert in_2022 == (24, False, date(2024, 1, 10))


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2020, 3, 1), (12, True, date(2021, 3, 1))),
        (date(2024, 3, 1), (12, True, date(2025, 3, 1))),
        (date(2025, 3, 1), (6, True, date(2025, 9, 1))),  # over 5 years: every 6 months
        (date(2025, 9, 1), (6, True, date(2026, 3, 1))),
    ],
)
def test_commercial_bus_is_yearly_then_half_yearly_after_5_years(
    on: date, expected: tuple[int, bool, date]
) -> None:
    # given / when
    result = inspection("K11", "B", 45, date(2020, 3, 1), on)

    # then
    assert result == expected


def test_taxi_is_a_commercial_passenger_vehicle() -> None:
    # given: a small sedan in commercial use gets no exemption
    # when
    result = inspection("K33", "B", 5, date(2023, 3, 15), date(2024, 3, 15))

    # then
    assert result == (12, True, date(2025, 3, 15))


@pytest.mark.parametrize(
    ("vehicle_type", "use", "seats"),
    [("H11", "C", 3), ("H31", "C", 3), ("K21", "A", 19), ("K11", "A", 45)],
)
def test_trucks_and_private_buses_are_yearly_then_half_yearly_after_10_years(
    vehicle_type: str, use: str, seats: int
) -> None:
    # given
    registered = date(2015, 7, 1)

    # when
    year_9 = inspection(vehicle_type, use, seats, registered, date(2024, 7, 1))
    year_10 = inspection(vehicle_type, use, seats, registered, date(2025, 7, 1))

    # then
    assert year_9 == (12, True, date(2025, 7, 1))
    assert year_10 == (6, True, date(2026, 1, 1))


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2025, 5, 1), (24, False, date(2027, 5, 1))),
        (date(2027, 5, 1), (24, False, date(2029, 5, 1))),
        (date(2029, 5, 1), (24, True, date(2031, 5, 1))),
        (date(2031, 5, 1), (24, False, date(2033, 5, 1))),
        (date(2033, 5, 1), (12, True, date(2034, 5, 1))),
    ],
)
def test_motorcycle_registered_2023_is_on_site_in_years_6_and_10(
    on: date, expected: tuple[int, bool, date]
) -> None:
    # given / when
    result = inspection("M21", "A", 2, date(2023, 5, 1), on)

    # then
    assert result == expected


def test_motorcycle_before_the_reform_was_yearly_after_4_years() -> None:
    # given / when
    result = inspection("M21", "A", 2, date(2015, 1, 1), date(2019, 1, 1))

    # then
    assert result == (12, True, date(2020, 1, 1))


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2025, 3, 15), (24, True, date(2027, 3, 15))),
        (date(2029, 3, 15), (12, True, date(2030, 3, 15))),
        (date(2038, 3, 15), (6, True, date(2038, 9, 15))),
    ],
)
def test_van_keeps_the_statutory_schedule(on: date, expected: tuple[int, bool, date]) -> None:
    # given: a 7-seat private van (面包车), excluded from every exemption
    # when
    result = inspection("K39", "A", 7, date(2023, 3, 15), on)

    # then
    assert result == expected


def test_unknown_vehicle_type_is_inspected_yearly() -> None:
    # given / when / then
    assert inspection("Q11", "A", 2, date(2023, 3, 15), date(2024, 3, 15)) == (12, True, date(2025, 3, 15))


@pytest.mark.parametrize(
    ("valid_until", "window"),
    [
        (date(2025, 6, 30), (date(2025, 3, 30), date(2025, 6, 30))),
        (date(2025, 5, 31), (date(2025, 2, 28), date(2025, 5, 31))),
    ],
)
def test_mark_window_is_the_3_months_before_the_validity_end(
    valid_until: date, window: tuple[date, date]
) -> None:
    # given / when / then
    assert rules.inspection_mark_window(valid_until) == window


vehicle_kinds = st.sampled_from(["K33", "K31", "K39", "K21", "K11", "H31", "H11", "M21"])
uses = st.sampled_from(["A", "B", "C"])
registrations = st.dates(min_value=date(1995, 1, 1), max_value=date(2030, 12, 31))


@given(vehicle_kinds, uses, st.integers(min_value=1, max_value=60), registrations, st.integers(0, 40 * 366))
def test_inspection_interval_is_6_12_or_24_months_and_validity_moves_forward(
    vehicle_type: str, use: str, seats: int, registered_on: date, days_later: int
) -> None:
    # given
    on = registered_on + timedelta(days=days_later)

    # when
    interval = rules.inspection_interval_months(
        vehicle_type=vehicle_type, use=use, seats=seats, registered_on=registered_on, on=on
    )
    next_valid_until = rules.inspection_next_valid_until(
        vehicle_type=vehicle_type,
        use=use,
        seats=seats,
        registered_on=registered_on,
        inspected_on_or_previous_valid_until=on,
    )

    # then
    assert interval in {6, 12, 24}
    assert on < next_valid_until <= rules.add_months(on, 24 + 3)


# --- reminders ------------------------------------------------------------------------


def test_nothing_to_remind_without_records() -> None:
    # given / when / then
    assert rules.reminders(None, [], date(2025, 6, 1)) == []


def test_renewal_opens_90_days_before_expiry() -> None:
    # given
    licence = make_licence(valid_until=date(2025, 9, 30))

    # when
    found = rules.reminders(licence, [], date(2025, 7, 2))

    # then
    assert [r.as_dict() for r in found] == [
        {
            "kind": "licence_renewal_open",
            "severity": "info",
            "subject": "licence",
            "message": "Your driving licence expires on 2025-09-30. You can renew it now, online or at any "
            "vehicle office, with a health certificate from an approved medical institution.",
            "due_on": date(2025, 9, 30),
        }
    ]


def test_no_renewal_reminder_91_days_before_expiry() -> None:
    # given
    licence = make_licence(valid_until=date(2025, 9, 30))

    # when
    found = rules.reminders(licence, [], date(2025, 7, 1))

    # then
    assert found == []


def test_renewal_turns_to_warning_in_the_last_30_days() -> None:
    # given
    licence = make_licence(valid_until=date(2025, 9, 30))

    # when
    found = rules.reminders(licence, [], date(2025, 8, 31))

    # then
    assert kinds(found) == [("licence_renewal_open", "warning", "licence")]


def test_long_term_licence_never_needs_renewal() -> None:
    # given
    licence = make_licence(valid_until=None, validity="long")

    # when
    found = rules.reminders(licence, [], date(2025, 6, 1))

    # then
    assert found == []


def test_expired_licence_says_when_it_will_be_cancelled() -> None:
    # given
    licence = make_licence(valid_until=date(2025, 3, 1))

    # when
    found = rules.reminders(licence, [], date(2025, 3, 2))

    # then
    assert [r.as_dict() for r in found] == [
        {
            "kind": "licence_expired",
            "severity": "danger",
            "subject": "licence",
            "message": "Your driving licence expired on 2025-03-01: do not drive. Renew it with a health "
            "certificate by 2026-03-01, or it will be cancelled.",
            "due_on": date(2025, 3, 1),
        }
    ]


def test_licence_expired_over_a_year_says_how_to_restore_it() -> None:
    # given
    licence = make_licence(valid_until=date(2024, 3, 1))

    # when
    found = rules.reminders(licence, [], date(2025, 3, 2))

    # then
    assert [r.message for r in found] == [
        "Your driving licence expired on 2024-03-01, more than a year ago, and is being cancelled. "
        "You can restore it by passing the theory test within two years."
    ]


def test_nine_points_warn_with_the_end_of_the_cycle() -> None:
    # given
    licence = make_licence(points=9)

    # when
    found = rules.reminders(licence, [], date(2025, 6, 1))

    # then
    assert [r.as_dict() for r in found] == [
        {
            "kind": "licence_points",
            "severity": "warning",
            "subject": "licence",
            "message": "You have 9 of 12 points in the scoring cycle ending 2026-04-09. At 12 your licence "
            "is detained until you complete a study course and a test.",
            "due_on": date(2026, 4, 9),
        }
    ]


def test_eight_points_need_no_reminder() -> None:
    # given
    licence = make_licence(points=8)

    # when / then
    assert rules.reminders(licence, [], date(2025, 6, 1)) == []


def test_twelve_points_before_the_status_changes_is_danger() -> None:
    # given
    licence = make_licence(points=12)

    # when
    found = rules.reminders(licence, [], date(2025, 6, 1))

    # then
    assert kinds(found) == [("licence_points", "danger", "licence")]


def test_over_points_status_is_reported_once_as_a_status() -> None:
    # given
    licence = make_licence(points=12, status="B")

    # when
    found = rules.reminders(licence, [], date(2025, 6, 1))

    # then
    assert [r.as_dict() for r in found] == [
        {
            "kind": "licence_status",
            "severity": "danger",
            "subject": "licence",
            "message": "Your driving licence status is “Over the points limit”. You may not drive until "
            "you complete the full-score study and pass the test.",
            "due_on": None,
        }
    ]


def test_cancelled_licence_gets_only_its_status() -> None:
    # given: expired, points, and cancelled
    licence = make_licence(valid_until=date(2023, 3, 1), points=10, status="G")

    # when
    found = rules.reminders(licence, [], date(2025, 6, 1))

    # then
    assert [r.as_dict() for r in found] == [
        {
            "kind": "licence_status",
            "severity": "danger",
            "subject": "licence",
            "message": "Your driving licence status is “Cancelled”. You may not drive. Ask the vehicle "
            "office whether it can be restored.",
            "due_on": None,
        }
    ]


def test_mark_only_inspection_due_says_no_station_is_needed() -> None:
    # given: a 2023 sedan whose year-2 inspection falls on 2025-03-15
    vehicle = make_vehicle(inspection_valid_until=date(2025, 3, 15))

    # when
    found = rules.reminders(None, [vehicle], date(2025, 1, 1))

    # then
    assert [r.as_dict() for r in found] == [
        {
            "kind": "inspection_due",
            "severity": "info",
            "subject": "沪A12345",
            "message": "Inspection due by 2025-03-15. No station test is needed this time: clear "
            "any violations, then apply online for the inspection mark.",
            "due_on": date(2025, 3, 15),
        }
    ]


def test_on_site_inspection_due_says_to_book_a_station() -> None:
    # given: the year-6 inspection, 2029-03-15
    vehicle = make_vehicle(inspection_valid_until=date(2029, 3, 15), insurance_valid_until=date(2030, 1, 1))

    # when
    found = rules.reminders(None, [vehicle], date(2029, 2, 20))

    # then
    assert [(r.kind, r.severity, r.message) for r in found] == [
        (
            "inspection_due",
            "warning",
            "Inspection due by 2029-03-15. This time it must be tested at an inspection "
            "station: book one, then collect the inspection mark.",
        )
    ]


def test_inspection_reminder_starts_3_months_before() -> None:
    # given
    vehicle = make_vehicle(inspection_valid_until=date(2025, 3, 15))

    # when
    day_before_window = rules.reminders(None, [vehicle], date(2024, 12, 14))
    first_day = rules.reminders(None, [vehicle], date(2024, 12, 15))

    # then
    assert day_before_window == []
    assert kinds(first_day) == [("inspection_due", "info", "沪A12345")]


def test_expired_inspection_is_danger() -> None:
    # given
    vehicle = make_vehicle(inspection_valid_until=date(2025, 3, 15))

    # when
    found = rules.reminders(None, [vehicle], date(2025, 3, 16))

    # then
    assert [r.as_dict() for r in found] == [
        {
            "kind": "inspection_expired",
            "severity": "danger",
            "subject": "沪A12345",
            "message": "Inspection expired on 2025-03-15. Do not drive it on the road (fine and "
            "points); get it inspected or apply for the inspection mark now.",
            "due_on": date(2025, 3, 15),
        }
    ]


def test_insurance_reminder_starts_30_days_before() -> None:
    # given
    vehicle = make_vehicle(insurance_valid_until=date(2025, 7, 1))

    # when
    day_31 = rules.reminders(None, [vehicle], date(2025, 5, 31))
    day_30 = rules.reminders(None, [vehicle], date(2025, 6, 1))

    # then
    assert day_31 == []
    assert [r.as_dict() for r in day_30] == [
        {
            "kind": "insurance_due",
            "severity": "warning",
            "subject": "沪A12345",
            "message": "Compulsory traffic insurance ends on 2025-07-01. Renew it with an insurer "
            "before then: without it you may not drive and cannot get the inspection mark.",
            "due_on": date(2025, 7, 1),
        }
    ]


def test_expired_insurance_is_danger() -> None:
    # given
    vehicle = make_vehicle(insurance_valid_until=date(2025, 7, 1))

    # when
    found = rules.reminders(None, [vehicle], date(2025, 7, 2))

    # then
    assert [r.as_dict() for r in found] == [
        {
            "kind": "insurance_expired",
            "severity": "danger",
            "subject": "沪A12345",
            "message": "Compulsory traffic insurance expired on 2025-07-01. Do not drive it; "
            "renew the insurance with an insurer now.",
            "due_on": date(2025, 7, 1),
        }
    ]


@pytest.mark.parametrize("status", ["B", "D", "E", "G"])
def test_vehicles_no_longer_in_use_get_no_reminders(status: str) -> None:
    # given: transferred out, seized, scrapped, cancelled
    vehicle = make_vehicle(
        inspection_valid_until=date(2025, 3, 15), insurance_valid_until=date(2025, 3, 1), status=status
    )

    # when / then
    assert rules.reminders(None, [vehicle], date(2025, 6, 1)) == []


def test_vehicle_overdue_for_inspection_is_still_reminded() -> None:
    # given: status P is set precisely because the inspection lapsed
    vehicle = make_vehicle(inspection_valid_until=date(2025, 3, 15), status="P")

    # when
    found = rules.reminders(None, [vehicle], date(2025, 6, 1))

    # then
    assert kinds(found) == [("inspection_expired", "danger", "沪A12345")]


def test_reminders_are_ordered_by_severity_then_date() -> None:
    # given
    licence = make_licence(valid_until=date(2025, 7, 15), status="D", points=10)
    first = make_vehicle(
        plate="沪A12345", inspection_valid_until=date(2025, 5, 20), insurance_valid_until=date(2025, 6, 20)
    )
    second = make_vehicle(
        plate="沪B67890",
        registered_on=date(2021, 8, 1),
        inspection_valid_until=date(2025, 8, 1),
        insurance_valid_until=date(2025, 5, 30),
    )

    # when
    found = rules.reminders(licence, [first, second], date(2025, 6, 1))

    # then
    assert [(r.kind, r.severity, r.subject, r.due_on) for r in found] == [
        ("licence_status", "danger", "licence", None),
        ("inspection_expired", "danger", "沪A12345", date(2025, 5, 20)),
        ("insurance_expired", "danger", "沪B67890", date(2025, 5, 30)),
        ("insurance_due", "warning", "沪A12345", date(2025, 6, 20)),
        ("licence_points", "warning", "licence", date(2026, 4, 9)),
        ("licence_renewal_open", "info", "licence", date(2025, 7, 15)),
        ("inspection_due", "info", "沪B67890", date(2025, 8, 1)),
    ]
    assert found[0].message == (
        "Your driving licence status is “Suspended”. You may not drive until the suspension ends."
    )


def test_reminder_dict_has_exactly_the_api_keys() -> None:
    # given
    reminder = rules.Reminder(
        kind="insurance_due", severity="warning", subject="沪A12345", message="m", due_on=None
    )

    # when
    result = reminder.as_dict()

    # then
    assert result == {
        "kind": "insurance_due",
        "severity": "warning",
        "subject": "沪A12345",
        "message": "m",
        "due_on": None,
    }


dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))


@given(
    valid_until=dates,
    points=st.integers(0, 20),
    status=st.sampled_from(["A", "B", "D", "G", "M", "U"]),
    inspection_until=dates,
    insurance_until=dates,
    today=dates,
)
def test_reminders_are_always_sorted_and_well_formed(
    valid_until: date, points: int, status: str, inspection_until: date, insurance_until: date, today: date
) -> None:
    # given
    licence = make_licence(valid_until=valid_until, points=points, status=status)
    vehicle = make_vehicle(
        registered_on=date(2014, 5, 5),
        inspection_valid_until=inspection_until,
        insurance_valid_until=insurance_until,
    )

    # when
    found = rules.reminders(licence, [vehicle], today)

    # then
    rank = {"danger": 0, "warning": 1, "info": 2}
    assert all(r.severity in rank for r in found)
    assert [rank[r.severity] for r in found] == sorted(rank[r.severity] for r in found)
    assert len({(r.kind, r.subject) for r in found}) == len(found)
    assert all(isinstance(r.as_dict()["message"], str) and r.message for r in found)
