"""The wait estimate: pure arithmetic, tested without a database."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from fairlane.bookings.waits import wait_estimate, wait_minutes

MIN = timedelta(minutes=1)
durations = st.lists(
    st.integers(min_value=0, max_value=4 * 3600).map(lambda s: timedelta(seconds=s)), max_size=30
)
counts = st.integers(min_value=0, max_value=500)
counters = st.integers(min_value=0, max_value=20)


def test_nothing_measured_gives_no_estimate() -> None:
    # when
    estimate = wait_estimate(waits=[], service_times=[], waiting=12, counters=2)

    # then
    assert (estimate, wait_minutes(estimate)) == (None, None)


def test_people_waiting_share_the_counters_at_the_median_service_time() -> None:
    # given: service takes 6 minutes (one outlier of an hour does not count), 2 counters
    service_times = [5 * MIN, 6 * MIN, 7 * MIN, 60 * MIN, 6 * MIN]

    # when
    estimate = wait_estimate(waits=[], service_times=service_times, waiting=5, counters=2)

    # then: 5 people × 6 minutes / 2 counters = 15 minutes
    assert estimate == 15 * MIN
    assert wait_minutes(estimate) == 15


def test_a_part_minute_is_rounded_up() -> None:
    # when
    estimate = wait_estimate(waits=[], service_times=[timedelta(seconds=70)] * 3, waiting=1, counters=1)

    # then
    assert estimate == 2 * MIN


def test_with_no_counter_active_one_is_assumed() -> None:
    # when
    estimate = wait_estimate(waits=[], service_times=[4 * MIN] * 3, waiting=3, counters=0)

    # then
    assert estimate == 12 * MIN


def test_with_too_few_service_times_the_median_measured_wait_is_published() -> None:
    # when
    estimate = wait_estimate(
        waits=[10 * MIN, 20 * MIN, 30 * MIN], service_times=[5 * MIN], waiting=40, counters=1
    )

    # then
    assert estimate == 20 * MIN


def test_nobody_waiting_with_measured_service_means_no_wait() -> None:
    # when
    estimate = wait_estimate(waits=[9 * MIN], service_times=[4 * MIN] * 3, waiting=0, counters=2)

    # then
    assert estimate == timedelta(0)


@given(waits=durations, service_times=durations, waiting=counts, more=counts, counters=counters)
def test_more_people_waiting_never_gives_a_shorter_estimate(
    waits: list[timedelta], service_times: list[timedelta], waiting: int, more: int, counters: int
) -> None:
    # when
    fewer = wait_estimate(waits=waits, service_times=service_times, waiting=waiting, counters=counters)
    longer = wait_estimate(
        waits=waits, service_times=service_times, waiting=waiting + more, counters=counters
    )

    # then: both or neither exist, and the longer queue waits at least as long
    assert (fewer is None) == (longer is None)
    if fewer is not None and longer is not None:
        assert longer >= fewer


@given(waits=durations, service_times=durations, waiting=counts, counters=counters, more=counters)
def test_more_counters_never_give_a_longer_estimate(
    waits: list[timedelta], service_times: list[timedelta], waiting: int, counters: int, more: int
) -> None:
    # when
    few = wait_estimate(waits=waits, service_times=service_times, waiting=waiting, counters=counters)
    many = wait_estimate(waits=waits, service_times=service_times, waiting=waiting, counters=counters + more)

    # then
    if few is not None and many is not None:
        assert many <= few


@given(waits=durations, service_times=durations, waiting=counts, counters=counters)
def test_an_estimate_exists_exactly_when_something_was_measured_and_is_whole_minutes(
    waits: list[timedelta], service_times: list[timedelta], waiting: int, counters: int
) -> None:
    # when
    estimate = wait_estimate(waits=waits, service_times=service_times, waiting=waiting, counters=counters)

    # then
    assert (estimate is None) == (not waits and len(service_times) < 3)
    if estimate is not None:
        assert estimate >= timedelta(0)
        assert estimate.total_seconds() % 60 == 0
