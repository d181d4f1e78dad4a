"""Pure rules for accredited hospitals and the health certificates they send, and for
licensed agencies and the authorisations citizens give them.

Nothing here touches the database. Sources as in reference/china-dmv-facts.md §2.4:
L-DL 机动车驾驶证申领和使用规定 第85–86条.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Final

from fairlane.agencies.models import AgencyStatus
from fairlane.registry.rules import LICENCE_CLASSES, add_months, licence_permitted_classes

# L-DL 第85条: "身体条件证明自出具之日起六个月内有效".
HEALTH_CERTIFICATE_VALID_MONTHS: Final = 6

# Classes may be typed "C1", "c1 a2", "A2,C1" or "A2、C1".
_CLASS_SEPARATORS: Final = re.compile(r"[\s,，、;；/]+")


def health_certificate_valid_until(issued_on: date) -> date:
    """The last day (included) on which a certificate issued on `issued_on` counts.

    A period in months counts from the day after issue and ends on the same day of the
    month six months later, or on that month's last day if it has no such day (民法典
    第201–202条, the general rule for periods in Chinese law). So a certificate issued on
    15 January counts up to and including 15 July, one issued on 31 August up to the end
    of February.
    """
    return add_months(issued_on, HEALTH_CERTIFICATE_VALID_MONTHS)


def health_certificate_valid_on(issued_on: date, on: date) -> bool:
    """Whether a certificate issued on `issued_on` counts on `on`: from the day of issue
    to `health_certificate_valid_until` (both included)."""
    return issued_on <= on <= health_certificate_valid_until(issued_on)


def health_certificate_earliest_issue(on: date) -> date:
    """The earliest issue date of a certificate that still counts on `on`.

    Not simply six months back: 29, 30 and 31 August all need a certificate issued on or
    after 1 March, because one issued on 28 February counts only up to 28 August.
    """
    earliest = add_months(on, -HEALTH_CERTIFICATE_VALID_MONTHS)
    # Month-end clamping moves the answer by at most three days either way.
    while health_certificate_valid_on(earliest - timedelta(days=1), on):
        earliest -= timedelta(days=1)
    while not health_certificate_valid_on(earliest, on):
        earliest += timedelta(days=1)
    return earliest


def hospital_may_certify(
    status: str, licensed_from: date | None, licensed_until: date | None, on: date
) -> bool:
    """Whether a hospital's certificate issued on `on` is one the office accepts: it is
    licensed (not suspended or revoked) and `on` is inside its licence period (both ends
    included)."""
    return agency_may_act(status, licensed_from, licensed_until, on)


def classes_fit_normalised(text: str) -> tuple[str, list[str]]:
    """The classes a certificate says its holder is fit for, as stored, and the unknown
    codes in `text`.

    Upper-cased, without repeats, without a class another listed class already permits
    ("A1 C1" is "A1": fit for a bus is fit for a car), in statutory order. The shortest
    list says the same as the longest and always fits the 20 characters of the record.
    """
    codes = [code for code in _CLASS_SEPARATORS.split(text.strip().upper()) if code]
    unknown = list(dict.fromkeys(code for code in codes if code not in LICENCE_CLASSES))
    known = set(codes) - set(unknown)
    implied = {also for code in known for also in licence_permitted_classes(code) if also != code}
    kept = [code for code in LICENCE_CLASSES if code in known and code not in implied]
    return " ".join(kept), unknown


def classes_cover(classes_fit: str, needed: str) -> bool:
    """Whether a certificate fit for `classes_fit` covers every class of `needed`."""
    return set(licence_permitted_classes(needed)) <= set(licence_permitted_classes(classes_fit))


# --- agencies and authorisations ---------------------------------------------------------
# Sources: reference/china-dmv-facts.md §3.3–3.4 (L-VR 第69–70条, 第80–81条, 第86条;
# L-DL 第93条, 第105条).

# Items the rules keep in person whatever the catalogue says: the first licence
# application and the exams (L-DL 第105条), change of co-owner, replacement of the
# registration certificate and deregistration of a lost vehicle (L-VR 第86条). Codes that
# the catalogue does not publish yet are listed too, so they can never be delegated later.
IN_PERSON_ONLY: Final = frozenset(
    {
        "DL-FIRST",  # 初次申领
        "DL-ADD-CLASS",  # 增加准驾车型 (a new class is learnt and examined)
        "LN-PERMIT",
        "LN-EXAM-BOOK",
        "LN-EXAM-CANCEL",
        "VH-COOWNER",  # 变更共同所有人
        "VH-CERT-REPLACE",  # 补领、换领登记证书
        "VH-DEREG-LOST",  # 灭失注销
    }
)
# The catalogue says who may apply for an item; only these let an agent do it.
DELEGABLE_APPLICANTS: Final = frozenset({"agent_allowed", "official_channel"})
# Items are done for a licence or for a vehicle: the catalogue category says which.
SUBJECT_OF_CATEGORY: Final = {"licence": "licence", "vehicle": "vehicle"}

AUTHORISATION_MAX_DAYS: Final = 90
CONFIRM_WITHIN: Final = timedelta(days=3)  # an unconfirmed request lapses after this
CODE_TTL: Final = timedelta(minutes=10)
# An invitation to be an agent may be accepted for two weeks; then the manager asks again.
INVITATION_OPEN: Final = timedelta(days=14)
CODE_MAX_FAILURES: Final = 5
LICENCE_MAX_YEARS: Final = 3  # the office licenses an agency for at most this long
BAN_YEARS: Final = {"false_materials": 1, "deceit_bribery": 3}


def item_delegable(code: str, applicant: str, category: str) -> bool:
    """Whether an agent may ever be authorised for the item: not kept in person by the
    rules, open to agents in the catalogue, and done for a licence or a vehicle."""
    return (
        code not in IN_PERSON_ONLY and applicant in DELEGABLE_APPLICANTS and category in SUBJECT_OF_CATEGORY
    )


def agency_may_act(status: str, licensed_from: date | None, licensed_until: date | None, on: date) -> bool:
    """Whether an agency's licence lets it act on `on`: licensed, and `on` in its period."""
    return (
        status == AgencyStatus.LICENSED
        and licensed_from is not None
        and licensed_until is not None
        and licensed_from <= on <= licensed_until
    )


def authorisation_in_force(status: str, valid_until: datetime | None, now: datetime) -> bool:
    """Whether a confirmed authorisation still lets its agent act at `now` (to the second:
    `valid_until` itself is already too late)."""
    return status == "active" and valid_until is not None and now < valid_until


def request_lapsed(requested_at: datetime, now: datetime) -> bool:
    return now >= requested_at + CONFIRM_WITHIN


def fee_fits(fee_fen: int, published_fen: int) -> bool:
    """An agreed or published fee is at most the one above it (the cap, the published fee)."""
    return 0 <= fee_fen <= published_fen


def fee_complaint(paid_fen: int | None, disputed: bool, agreed_fen: int) -> str | None:
    """The complaint the office opens by itself once the citizen answers: a disputed
    payment, or a fee above the agreed one (which was at most the published one)."""
    if disputed:
        return "disputed"
    if paid_fen is not None and paid_fen > agreed_fen:
        return "overcharged"
    return None


def ban_ends_on(kind: str, starts_on: date) -> date:
    """The last day of a ban of `kind` decided on `starts_on` (1 or 3 years): counted like
    every period in years (民法典 第201–202条), from the next day to the same day of the
    month that many years on, or that month's last day (as for health certificates)."""
    return add_months(starts_on, 12 * BAN_YEARS[kind])


def rate(part: int, whole: int) -> float | None:
    """`part` of `whole` as a fraction, or None when there is nothing to divide."""
    return part / whole if whole else None


# --- licensing ---------------------------------------------------------------------------


def licence_period_fits(licensed_from: date, licensed_until: date) -> bool:
    """Whether the office may license an agency from `licensed_from` to `licensed_until`
    (both included): in order, and at most LICENCE_MAX_YEARS years long."""
    return licensed_from <= licensed_until < add_months(licensed_from, 12 * LICENCE_MAX_YEARS)


# --- authorisations ------------------------------------------------------------------------


def authorisation_days_fit(days: int) -> bool:
    """Whether an authorisation may be asked for `days` days (1 to AUTHORISATION_MAX_DAYS)."""
    return 1 <= days <= AUTHORISATION_MAX_DAYS


def confirmation_code_usable(expires_at: datetime | None, failures: int, now: datetime) -> bool:
    """Whether a confirmation code sent earlier may still be tried at `now`: not expired
    (to the second) and not guessed wrong CODE_MAX_FAILURES times."""
    return expires_at is not None and now < expires_at and failures < CODE_MAX_FAILURES


# --- oversight (daily caps, suspension, reinstatement, revocation) -----------------------

DAILY_CAP_MIN: Final = 1
DAILY_CAP_MAX: Final = 1000
OVERSIGHT_REASON_MAX_LENGTH: Final = 200  # what Agency.status_reason and Ban.reason hold


def daily_cap_valid(cap: object) -> bool:
    """A daily cap is a whole number from DAILY_CAP_MIN to DAILY_CAP_MAX (not a bool)."""
    return type(cap) is int and DAILY_CAP_MIN <= cap <= DAILY_CAP_MAX


def licence_period_runs(licensed_from: date | None, licensed_until: date | None, on: date) -> bool:
    """Whether `on` is inside the licence period (both ends included)."""
    return licensed_from is not None and licensed_until is not None and licensed_from <= on <= licensed_until


def may_suspend(status: str) -> bool:
    return status == AgencyStatus.LICENSED


def may_reinstate(status: str, licensed_from: date | None, licensed_until: date | None, on: date) -> bool:
    """A suspension is lifted only while the licence period still runs: after it, the
    agency applies again."""
    return status == AgencyStatus.SUSPENDED and licence_period_runs(licensed_from, licensed_until, on)


def may_revoke(status: str) -> bool:
    return status in (AgencyStatus.LICENSED, AgencyStatus.SUSPENDED)


def ban_in_force(starts_on: date, ends_on: date, on: date) -> bool:
    return starts_on <= on <= ends_on
