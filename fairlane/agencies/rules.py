"""Pure rules for accredited hospitals and the health certificates they send.

Nothing here touches the database. Sources as in reference/china-dmv-facts.md §2.4:
L-DL 机动车驾驶证申领和使用规定 第85–86条.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
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


def hospital_may_certify(status: str, licensed_from: date, licensed_until: date, on: date) -> bool:
    """Whether a hospital's certificate issued on `on` is one the office accepts: it is
    licensed (not suspended or revoked) and `on` is inside its licence period (both ends
    included)."""
    return status == AgencyStatus.LICENSED and licensed_from <= on <= licensed_until


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
