"""The exam booking rules without a database: the edges of each wait and limit, and the
invariants hypothesis can check."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from fairlane.bookings import exam_rules
from fairlane.bookings.exam_rules import BookingFact, LearnerFacts, SittingFact, subject_terms
from fairlane.bookings.models import BookingStatus, ExamOutcome, ExamSubject

SHANGHAI = ZoneInfo("Asia/Shanghai")
ISSUED = date(2026, 1, 5)
ACCEPTED = datetime(2025, 12, 1, 9, 30, tzinfo=SHANGHAI)
THEORY_AT = datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI)
SITE, ROAD, THEORY, SAFETY = ExamSubject.SITE, ExamSubject.ROAD, ExamSubject.THEORY, ExamSubject.SAFETY


def on(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def learner(
    *,
    licence_class: str = "C1",
    adds_class: bool = False,
    sittings: tuple[SittingFact, ...] = (),
    bookings: tuple[BookingFact, ...] = (),
    issued: date | None = ISSUED,
) -> LearnerFacts:
    """A learner who passed subject 1 on ISSUED (the permit's day), unless `issued` is None."""
    passed = (SittingFact(THEORY, ExamOutcome.PASSED, THEORY_AT),) if issued else ()
    return LearnerFacts(
        licence_class=licence_class,
        adds_class=adds_class,
        accepted_at=ACCEPTED,
        permit_issued_on=issued,
        permit_expires_on=exam_rules.permit_expires_on(issued) if issued else None,
        sittings=passed + sittings,
        bookings=bookings,
    )


def code(facts: LearnerFacts, subject: str, day: date, exam_days: tuple[date, ...] = ()) -> str:
    return subject_terms(facts, subject, now=on(day), exam_days=exam_days).code


def sat(subject: str, day: date, outcome: str = ExamOutcome.FAILED) -> tuple[SittingFact, BookingFact]:
    """A booking made 12 days before `day` and its result."""
    status = BookingStatus.NO_SHOW if outcome == ExamOutcome.ABSENT else BookingStatus.ATTENDED
    booking = BookingFact(subject, status, on(day - timedelta(days=12)), day, on(day, 12), has_result=True)
    return SittingFact(subject, outcome, on(day, 9)), booking


@pytest.fixture(autouse=True, scope="module")
def english() -> object:
    with translation.override("en"):
        yield


# --- Earliest booking after the permit (第43–44条) -------------------------------------------


@pytest.mark.parametrize(
    ("licence_class", "subject", "days"),
    [
        ("C1", SITE, 10),
        ("C2", SITE, 10),
        ("M", SITE, 10),
        ("A1", SITE, 20),
        ("B2", SITE, 20),
        ("C6", SITE, 20),
        ("C2", ROAD, 20),
        ("C5", ROAD, 20),
        ("C1", ROAD, 30),
        ("N", ROAD, 30),
        ("C6", ROAD, 30),
        ("A2", ROAD, 40),
        ("B1", ROAD, 40),
    ],
)
def test_the_day_before_the_wait_ends_is_refused_and_the_last_day_allowed(
    licence_class: str, subject: str, days: int
) -> None:
    # given
    facts = learner(licence_class=licence_class)
    first = ISSUED + timedelta(days=days)

    # when
    before, on_the_day = code(facts, subject, first - timedelta(days=1)), code(facts, subject, first)

    # then
    assert (before, on_the_day) == ("too_early", "")
    assert subject_terms(facts, subject, now=on(first)).earliest_day == first


def test_adding_a_class_to_a_licence_held_shortens_the_heavy_road_wait_to_30_days() -> None:
    # given
    facts = learner(licence_class="B2", adds_class=True)

    # then
    assert code(facts, ROAD, ISSUED + timedelta(days=29)) == "too_early"
    assert code(facts, ROAD, ISSUED + timedelta(days=30)) == ""
    assert exam_rules.wait_days("C2", ROAD, adds_class=True) == 20  # never longer for a light class


def test_the_message_says_from_which_day() -> None:
    # when
    terms = subject_terms(learner(), SITE, now=on(ISSUED + timedelta(days=9)))

    # then
    assert (terms.allowed, terms.message) == (False, "You can book this subject from 2026-01-15.")


# --- Order (第39条) -----------------------------------------------------------------------------


def test_subject_1_comes_first_and_subject_4_after_2_and_3() -> None:
    # given: accepted, nothing sat yet
    fresh = learner(issued=None)
    day = date(2026, 3, 2)

    # then
    assert [code(fresh, subject, day) for subject in (THEORY, SITE, ROAD, SAFETY)] == [
        "",
        "theory_first",
        "theory_first",
        "driving_tests_first",
    ]


def test_subject_4_opens_once_2_and_3_are_passed_and_a_passed_subject_is_closed() -> None:
    # given
    site, site_booking = sat(SITE, date(2026, 2, 2), ExamOutcome.PASSED)
    road, road_booking = sat(ROAD, date(2026, 2, 10), ExamOutcome.PASSED)
    only_site = learner(sittings=(site,), bookings=(site_booking,))
    both = learner(sittings=(site, road), bookings=(site_booking, road_booking))
    day = date(2026, 3, 2)

    # then
    assert code(only_site, SAFETY, day) == "driving_tests_first"
    assert [code(both, subject, day) for subject in (THEORY, SITE, ROAD, SAFETY)] == [
        "passed",
        "passed",
        "passed",
        "",
    ]


def test_a_held_booking_or_a_result_not_recorded_yet_blocks_another() -> None:
    # given
    day = date(2026, 3, 2)
    held = BookingFact(SITE, BookingStatus.ACTIVE, on(day - timedelta(days=3)), day + timedelta(days=5))
    sat_unrecorded = BookingFact(SITE, BookingStatus.ATTENDED, on(day - timedelta(days=9)), day, on(day))

    # then
    assert code(learner(bookings=(held,)), SITE, day) == "already_booked"
    assert code(learner(bookings=(sat_unrecorded,)), SITE, day) == "result_pending"


# --- The permit (第41条) ------------------------------------------------------------------------


def test_the_permit_is_valid_three_years_to_the_day() -> None:
    # given
    facts = learner()
    expires = date(2029, 1, 5)

    # then
    assert facts.permit_expires_on == expires
    assert code(facts, SITE, expires) == ""
    assert code(facts, SITE, expires + timedelta(days=1)) == "permit_expired"


def test_the_exam_day_must_fall_within_the_permit() -> None:
    # given
    facts = learner()
    expires = date(2029, 1, 5)
    today = expires - timedelta(days=20)

    # then
    assert code(facts, SITE, today, (expires,)) == ""
    assert code(facts, SITE, today, (expires, expires + timedelta(days=1))) == "beyond_permit"


def test_no_permit_no_driving_test() -> None:
    # given: subject 1 passed but, against the rules, no permit on the record
    facts = LearnerFacts(
        "C1", False, ACCEPTED, sittings=(SittingFact(THEORY, ExamOutcome.PASSED, THEORY_AT),)
    )

    # then
    assert code(facts, SITE, date(2026, 3, 2)) == "no_permit"


# --- Five bookings and the wait after a fail (第47条) --------------------------------------------


def failed_times(count: int, subject: str = SITE) -> tuple[tuple[SittingFact, ...], tuple[BookingFact, ...]]:
    """`count` failed sittings of `subject`, a month apart from February 2026."""
    pairs = [sat(subject, date(2026, 2, 2) + timedelta(days=30 * n)) for n in range(count)]
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


def test_the_fifth_booking_is_allowed_and_the_sixth_refused() -> None:
    # given
    day = date(2026, 8, 1)
    four, five = learner(bookings=failed_times(4)[1]), learner(bookings=failed_times(5)[1])

    # then
    assert (code(four, SITE, day), code(five, SITE, day)) == ("", "bookings_used_up")
    assert subject_terms(five, SITE, now=on(day)).bookings_used == 5
    assert code(five, ROAD, day) == ""  # counted per subject


def test_cancelled_bookings_and_those_before_the_permit_do_not_count() -> None:
    # given: five cancelled bookings
    day = date(2026, 8, 1)
    cancelled = tuple(
        BookingFact(SITE, BookingStatus.CANCELLED, on(date(2026, 2, 1) + timedelta(days=n)), date(2026, 3, 2))
        for n in range(5)
    )

    # then
    assert subject_terms(learner(bookings=cancelled), SITE, now=on(day)).bookings_used == 0
    assert code(learner(bookings=cancelled), SITE, day) == ""


def test_after_a_failed_driving_test_the_next_booking_waits_ten_days() -> None:
    # given
    exam_day = date(2026, 3, 2)
    sitting, booking = sat(SITE, exam_day)
    facts = learner(sittings=(sitting,), bookings=(booking,))

    # then
    assert code(facts, SITE, exam_day + timedelta(days=9)) == "wait_after_fail"
    assert code(facts, SITE, exam_day + timedelta(days=10)) == ""
    assert code(facts, ROAD, exam_day + timedelta(days=1)) == ""  # the other subject is not held up


def test_a_no_show_counts_as_failed_even_without_a_result() -> None:
    # given
    exam_day = date(2026, 3, 2)
    missed = BookingFact(
        SITE, BookingStatus.NO_SHOW, on(exam_day - timedelta(days=12)), exam_day, on(exam_day, 18)
    )
    facts = learner(bookings=(missed,))

    # then
    assert code(facts, SITE, exam_day + timedelta(days=9)) == "wait_after_fail"
    assert code(facts, SITE, exam_day + timedelta(days=10)) == ""


def test_theory_and_safety_may_be_booked_again_at_once() -> None:
    # given
    exam_day = date(2026, 3, 2)
    sitting, booking = sat(THEORY, exam_day)
    facts = learner(issued=None, sittings=(sitting,), bookings=(booking,))

    # then
    assert code(facts, THEORY, exam_day) == ""


# --- Ranking time and priority --------------------------------------------------------------------


def test_the_first_theory_booking_ranks_by_the_acceptance_then_by_the_latest_event() -> None:
    # given
    fresh = learner(issued=None)
    failed, failed_booking = sat(SITE, date(2026, 3, 2))
    cancelled = BookingFact(
        ROAD, BookingStatus.CANCELLED, on(date(2026, 3, 1)), date(2026, 3, 20), on(date(2026, 3, 5))
    )
    early_cancel = BookingFact(
        ROAD, BookingStatus.CANCELLED, on(date(2026, 2, 1)), date(2026, 3, 1), on(date(2026, 2, 3))
    )

    # then
    assert exam_rules.ranking_time(fresh) == ACCEPTED
    assert exam_rules.ranking_time(learner()) == THEORY_AT
    assert exam_rules.ranking_time(learner(sittings=(failed,), bookings=(failed_booking, cancelled))) == on(
        date(2026, 3, 5)
    )
    # an earlier cancellation: the last sitting (9:00 on the exam day) is the most recent
    assert exam_rules.ranking_time(
        learner(sittings=(failed,), bookings=(failed_booking, early_cancel))
    ) == on(date(2026, 3, 2), 9)


def test_priority_from_the_day_less_than_six_months_are_left_once_per_subject() -> None:
    # given: the permit expires on 2029-01-05; six months before is 2028-07-05
    facts = learner()
    won = BookingFact(
        SITE, BookingStatus.ATTENDED, on(date(2028, 8, 1)), date(2028, 8, 20), has_result=True, priority=True
    )

    # then
    assert subject_terms(facts, SITE, now=on(date(2028, 7, 5))).priority is False
    assert subject_terms(facts, SITE, now=on(date(2028, 7, 6))).priority is True
    assert subject_terms(facts, THEORY, now=on(date(2028, 7, 6))).priority is False
    assert subject_terms(learner(bookings=(won,)), SITE, now=on(date(2028, 9, 1))).priority is False
    assert subject_terms(learner(bookings=(won,)), ROAD, now=on(date(2028, 9, 1))).priority is True


# --- Invariants ----------------------------------------------------------------------------------

classes = st.sampled_from(["A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "C5", "C6", "M", "N", "P"])
offsets = st.integers(min_value=0, max_value=3 * 366 + 10)


@given(licence_class=classes, adds_class=st.booleans(), subject=st.sampled_from([SITE, ROAD]), offset=offsets)
def test_a_fresh_permit_allows_a_driving_test_exactly_from_its_earliest_day_to_its_expiry(
    licence_class: str, adds_class: bool, subject: str, offset: int
) -> None:
    # given
    facts = learner(licence_class=licence_class, adds_class=adds_class)
    today = ISSUED + timedelta(days=offset)
    first = exam_rules.earliest_booking_day(ISSUED, licence_class, subject, adds_class=adds_class)

    # when
    terms = subject_terms(facts, subject, now=on(today))

    # then
    assert terms.allowed == (first <= today <= date(2029, 1, 5))
    assert 10 <= (first - ISSUED).days <= 40


@given(
    outcomes=st.lists(st.sampled_from(list(ExamOutcome)), max_size=6),
    cancelled=st.integers(min_value=0, max_value=6),
)
def test_cancelled_bookings_never_count_and_the_ranking_time_is_the_latest_event(
    outcomes: list[str], cancelled: int
) -> None:
    # given
    sittings = [
        sat(SITE, date(2026, 2, 2) + timedelta(days=15 * n), outcome) for n, outcome in enumerate(outcomes)
    ]
    cancels = tuple(
        BookingFact(
            ROAD, BookingStatus.CANCELLED, on(date(2026, 1, 20)), date(2026, 2, 20), on(date(2026, 1, 21 + n))
        )
        for n in range(cancelled)
    )
    facts = learner(
        sittings=tuple(s for s, _b in sittings), bookings=tuple(b for _s, b in sittings) + cancels
    )

    # when
    used = exam_rules.counted_bookings(facts, SITE), exam_rules.counted_bookings(facts, ROAD)
    ranking = exam_rules.ranking_time(facts)

    # then
    assert used == (len(outcomes), 0)
    events = [s.sat_at for s in facts.sittings] + [
        b.ended_at for b in facts.bookings if b.status != BookingStatus.ATTENDED
    ]
    assert ranking == max(e for e in events if e is not None)
    assert ranking >= THEORY_AT
