"""The exam booking rules of L-DL (机动车驾驶证申领和使用规定) 第39–47条, as pure functions: no
database. `exams.py` reads a learner's record, sittings and bookings into `LearnerFacts`
and asks `subject_terms` whether a subject may be requested or booked today.

- Order (第39条): subject 1 first; subjects 2 and 3 once it is passed (both may be booked
  at the same time); subject 4 (科目三安全文明驾驶常识) once 2 and 3 are both passed. A passed
  subject is never booked again.
- The learner permit (学习驾驶证明, 第41条) is issued when subject 1 is passed and is valid
  for 3 years; subjects 2 and 3 are booked within it, and so must their exam day be.
- Earliest booking after the permit (第43–44条): `wait_days`.
- At most 5 bookings each of subjects 2 and 3 within the permit (第47条).
- After a failed or missed sitting of subject 2 or 3, the next booking only 10 days after
  the exam day (第47条); a no-show counts as failed (第46条).
- Ranking time (排序时间, facts §2.12) and the one priority booking per subject for a learner
  whose permit has less than 6 months left.

Every date test is on the day the request or booking is made (`now`, in Asia/Shanghai).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from django.utils import timezone
from django.utils.translation import gettext as _

from fairlane.bookings.models import BookingStatus, ExamOutcome, ExamSubject
from fairlane.registry.rules import add_months, add_years

PERMIT_YEARS: Final = 3  # 第41条
MAX_BOOKINGS: Final = 5  # per driving test (subjects 2 and 3) within the permit, 第47条
RETRY_WAIT_DAYS: Final = 10  # after a failed or missed subject 2 or 3, 第47条
PRIORITY_MONTHS: Final = 6  # a permit with less than this left may use a priority booking
PRIORITY_PER_SUBJECT: Final = 1

DRIVING_TESTS: Final = frozenset({ExamSubject.SITE, ExamSubject.ROAD})  # limited, with a wait after a fail

# 第43条: subject 2 from 10 days after the permit, 20 for the heavy classes and the light trailer.
_SITE_WAIT: Final = {
    **dict.fromkeys(("C1", "C2", "C3", "C4", "C5", "M", "N", "P"), 10),
    **dict.fromkeys(("A1", "A2", "A3", "B1", "B2", "C6"), 20),
}
# 第44条: subject 3 from 20, 30 or 40 days. C6 (轻型牵引挂车) is not named there: we use 30
# days, like the small car it is towed by, until a source says otherwise.
_ROAD_WAIT: Final = {
    **dict.fromkeys(("C2", "C5", "C3", "C4"), 20),
    **dict.fromkeys(("C1", "M", "N", "P", "C6"), 30),
    **dict.fromkeys(("A1", "A2", "A3", "B1", "B2"), 40),
}
# Adding a class to an automobile licence held (增驾): 30 days for the heavy classes.
_ROAD_WAIT_ADDING: Final = 30
# Motorcycles (D, E, F) are named in neither article: no wait after the permit.
_NO_WAIT: Final = 0


@dataclass(frozen=True, slots=True)
class SittingFact:
    """A recorded exam result."""

    subject: str  # ExamSubject value
    outcome: str  # ExamOutcome value
    sat_at: datetime  # the exam's time (its slot's start)


@dataclass(frozen=True, slots=True)
class BookingFact:
    """An exam booking of the learner (any office), with what became of it."""

    subject: str  # ExamSubject value
    status: str  # BookingStatus value
    created_at: datetime
    slot_day: date  # the exam's day, in Asia/Shanghai
    ended_at: datetime | None = None  # when it was cancelled, checked in or missed
    has_result: bool = False  # a sitting was recorded for it
    priority: bool = False  # won by a priority request of a batch


@dataclass(frozen=True, slots=True)
class LearnerFacts:
    """What the rules need of one learner record: an immutable snapshot."""

    licence_class: str
    adds_class: bool
    accepted_at: datetime
    permit_issued_on: date | None = None
    permit_expires_on: date | None = None
    sittings: tuple[SittingFact, ...] = ()
    bookings: tuple[BookingFact, ...] = ()


@dataclass(frozen=True, slots=True)
class SubjectTerms:
    """Whether one subject may be requested or booked today, and on what terms."""

    subject: str
    passed: bool
    code: str  # "" when it may be requested today; otherwise why not (a stable code)
    message: str  # why not, in the active language; "" when it may
    earliest_day: date | None  # the first day the permit's wait and any retry wait allow
    bookings_used: int  # of MAX_BOOKINGS, for subjects 2 and 3 (0 for 1 and 4)
    priority: bool  # a request made now would be a priority one
    ranking_time: datetime  # 排序时间 of a request made now

    @property
    def allowed(self) -> bool:
        return not self.code

    @property
    def limited(self) -> bool:
        return self.subject in DRIVING_TESTS


# --- The single rules ---------------------------------------------------------------------------


def wait_days(licence_class: str, subject: str, *, adds_class: bool = False) -> int:
    """Days after the permit's issue before `subject` may be booked (0 for subjects 1 and 4)."""
    if subject == ExamSubject.SITE:
        return _SITE_WAIT.get(licence_class, _NO_WAIT)
    if subject == ExamSubject.ROAD:
        days = _ROAD_WAIT.get(licence_class, _NO_WAIT)
        return min(days, _ROAD_WAIT_ADDING) if adds_class else days
    return 0


def earliest_booking_day(
    permit_issued_on: date, licence_class: str, subject: str, *, adds_class: bool
) -> date:
    """The first day `subject` may be booked: 满十日后 means on the 10th day after issue."""
    return permit_issued_on + timedelta(days=wait_days(licence_class, subject, adds_class=adds_class))


def permit_expires_on(issued_on: date) -> date:
    """The permit's last valid day: 3 years on, like the licences' `valid_until`."""
    return add_years(issued_on, PERMIT_YEARS)


def permit_valid_on(issued_on: date | None, expires_on: date | None, day: date) -> bool:
    return issued_on is not None and expires_on is not None and issued_on <= day <= expires_on


def counted_bookings(facts: LearnerFacts, subject: str) -> int:
    """Bookings of `subject` made since the permit was issued that were sat, missed or are
    held (第47条). Cancelled bookings do not count, and neither do lottery requests that won
    no seat: they never became bookings."""
    issued = facts.permit_issued_on
    if issued is None:
        return 0
    return sum(
        1
        for booking in facts.bookings
        if booking.subject == subject
        and booking.status != BookingStatus.CANCELLED
        and timezone.localdate(booking.created_at) >= issued
    )


def retry_day(facts: LearnerFacts, subject: str) -> date | None:
    """After the last failed or missed sitting of subject 2 or 3: its exam day + 10 days.
    A booking marked as missed whose result was not recorded counts as failed too (第46条)."""
    if subject not in DRIVING_TESTS:
        return None
    failed_days = [
        timezone.localdate(sitting.sat_at)
        for sitting in facts.sittings
        if sitting.subject == subject and sitting.outcome in (ExamOutcome.FAILED, ExamOutcome.ABSENT)
    ]
    failed_days += [
        booking.slot_day
        for booking in facts.bookings
        if booking.subject == subject and booking.status == BookingStatus.NO_SHOW and not booking.has_result
    ]
    last = max(failed_days, default=None)
    return None if last is None else last + timedelta(days=RETRY_WAIT_DAYS)


def passed_subjects(facts: LearnerFacts) -> frozenset[str]:
    return frozenset(s.subject for s in facts.sittings if s.outcome == ExamOutcome.PASSED)


def ranking_time(facts: LearnerFacts) -> datetime:
    """排序时间: the acceptance of the application for a first booking of subject 1;
    otherwise the time of the last sitting; a cancelled booking or a no-show counts with
    the time it happened; when both apply, the most recent."""
    times = [sitting.sat_at for sitting in facts.sittings]
    times += [
        booking.ended_at
        for booking in facts.bookings
        if booking.status in (BookingStatus.CANCELLED, BookingStatus.NO_SHOW) and booking.ended_at is not None
    ]
    return max(times, default=facts.accepted_at)


def priority_window_opens(expires_on: date) -> date:
    """The first day on which less than 6 months of the permit are left."""
    return add_months(expires_on, -PRIORITY_MONTHS) + timedelta(days=1)


def priority_eligible(facts: LearnerFacts, subject: str, today: date) -> bool:
    """One priority booking per driving test for a learner whose valid permit has less than
    6 months left. It is used once a priority request won a seat."""
    expires = facts.permit_expires_on
    if subject not in DRIVING_TESTS or expires is None:
        return False
    if not permit_valid_on(facts.permit_issued_on, expires, today) or today < priority_window_opens(expires):
        return False
    used = sum(1 for b in facts.bookings if b.subject == subject and b.priority)
    return used < PRIORITY_PER_SUBJECT


# --- All of them for one subject ----------------------------------------------------------------


def _day(day: date) -> str:
    return day.isoformat()


def _refusal(facts: LearnerFacts, subject: str, today: date, exam_days: Sequence[date]) -> tuple[str, str]:
    passed = passed_subjects(facts)
    if subject in passed:
        return "passed", _("You have passed this subject already.")
    if subject in DRIVING_TESTS and ExamSubject.THEORY not in passed:
        return "theory_first", _("Subjects 2 and 3 can be booked once subject 1 (theory) is passed.")
    if subject == ExamSubject.SAFETY and not {ExamSubject.SITE, ExamSubject.ROAD} <= passed:
        return "driving_tests_first", _("This test can be booked once subjects 2 and 3 are both passed.")
    mine = [booking for booking in facts.bookings if booking.subject == subject]
    if any(booking.status == BookingStatus.ACTIVE for booking in mine):
        return "already_booked", _("You already hold a booking for this subject.")
    if any(booking.status == BookingStatus.ATTENDED and not booking.has_result for booking in mine):
        return "result_pending", _("The result of your last exam of this subject has not been recorded yet.")
    if subject not in DRIVING_TESTS:
        return "", ""
    issued, expires = facts.permit_issued_on, facts.permit_expires_on
    if issued is None or expires is None:
        return "no_permit", _("Your learner permit has not been issued yet.")
    if today > expires:
        return "permit_expired", _("Your learner permit expired on %(day)s.") % {"day": _day(expires)}
    if counted_bookings(facts, subject) >= MAX_BOOKINGS:
        return "bookings_used_up", _(
            "You have used all %(limit)d bookings of this subject that your learner permit allows."
        ) % {"limit": MAX_BOOKINGS}
    first = earliest_booking_day(issued, facts.licence_class, subject, adds_class=facts.adds_class)
    if today < first:
        return "too_early", _("You can book this subject from %(day)s.") % {"day": _day(first)}
    retry = retry_day(facts, subject)
    if retry is not None and today < retry:
        return "wait_after_fail", _("After a failed exam you can book this subject again from %(day)s.") % {
            "day": _day(retry)
        }
    if any(day > expires for day in exam_days):
        return "beyond_permit", _(
            "The exam must take place while your learner permit is valid, which is until %(day)s."
        ) % {"day": _day(expires)}
    return "", ""


def subject_terms(
    facts: LearnerFacts, subject: str, *, now: datetime, exam_days: Sequence[date] = ()
) -> SubjectTerms:
    """Whether `subject` may be requested or booked at `now` for exams on `exam_days` (none
    given: whether it may be at all today), why not, and the ranking time and priority of
    a request made now."""
    today = timezone.localdate(now)
    code, message = _refusal(facts, subject, today, exam_days)
    earliest: date | None = None
    if subject in DRIVING_TESTS and facts.permit_issued_on is not None:
        first = earliest_booking_day(
            facts.permit_issued_on, facts.licence_class, subject, adds_class=facts.adds_class
        )
        earliest = max(first, retry_day(facts, subject) or first)
    return SubjectTerms(
        subject=subject,
        passed=subject in passed_subjects(facts),
        code=code,
        message=str(message),
        earliest_day=earliest,
        bookings_used=counted_bookings(facts, subject) if subject in DRIVING_TESTS else 0,
        priority=not code and priority_eligible(facts, subject, today),
        ranking_time=ranking_time(facts),
    )
