"""Pure rules for licences and vehicles: classes, renewal, inspection intervals, reminders.

Nothing here touches the database: functions take plain values, or model instances that are
already loaded, and read only their fields. Sources are cited as in
reference/china-dmv-facts.md: L-DL 机动车驾驶证申领和使用规定, L-VR 机动车登记规定,
L-IR 道路交通安全法实施条例, L-PT 记分管理办法, L-RTSL 道路交通安全法.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from django.utils.translation import gettext, gettext_noop

from fairlane.registry.models import (
    DriverLicence,
    LicenceStatus,
    LicenceValidity,
    Vehicle,
    VehicleStatus,
    VehicleUse,
)

# ---------------------------------------------------------------------------------------
# Date arithmetic
# ---------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month_index = divmod(index, 12)
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last_day))


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in common years."""
    return add_months(day, 12 * years)


# ---------------------------------------------------------------------------------------
# Licence classes (准驾车型)
# ---------------------------------------------------------------------------------------

# Code → (name, classes it also permits). Names and their order are L-DL 第11条; the codes
# and "also permits" lists are those of its 附件1, which is not in the text we hold (facts
# §5.5, 🟡). Keys are in statutory order, which is also the display order.
LICENCE_CLASSES: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "A1": ("大型客车", ("A3", "B1", "B2", "C1", "C2", "C3", "C4", "M")),
    "A2": ("重型牵引挂车", ("B1", "B2", "C1", "C2", "C3", "C4", "C6", "M")),
    "A3": ("城市公交车", ("C1", "C2", "C3", "C4")),
    "B1": ("中型客车", ("C1", "C2", "C3", "C4", "M")),
    "B2": ("大型货车", ("C1", "C2", "C3", "C4", "M")),
    "C1": ("小型汽车", ("C2", "C3", "C4")),
    "C2": ("小型自动挡汽车", ()),
    "C3": ("低速载货汽车", ("C4",)),
    "C4": ("三轮汽车", ()),
    "C5": ("残疾人专用小型自动挡载客汽车", ()),
    "C6": ("轻型牵引挂车", ()),
    "D": ("普通三轮摩托车", ("E", "F")),
    "E": ("普通二轮摩托车", ("F",)),
    "F": ("轻便摩托车", ()),
    "M": ("轮式专用机械车", ()),
    "N": ("无轨电车", ()),
    "P": ("有轨电车", ()),
}
_CLASS_ORDER: Final = {code: position for position, code in enumerate(LICENCE_CLASSES)}


def licence_permitted_classes(classes: str) -> list[str]:
    """Every class the holder may drive, in statutory order: "C1" → C1, C2, C3, C4.

    `classes` is the licence's space-separated list ("A2 D"); unknown codes are ignored.
    """
    permitted: set[str] = set()
    pending = [code for code in classes.upper().split() if code in LICENCE_CLASSES]
    while pending:
        code = pending.pop()
        if code not in permitted:
            permitted.add(code)
            pending.extend(LICENCE_CLASSES[code][1])
    return sorted(permitted, key=_CLASS_ORDER.__getitem__)


# ---------------------------------------------------------------------------------------
# Licence validity and renewal
# ---------------------------------------------------------------------------------------

RENEWAL_WINDOW_DAYS: Final = 90  # L-DL 第63条: apply within 90 days before expiry


def licence_renewal_window(valid_until: date | None) -> tuple[date, date] | None:
    """First and last day (both included) to renew; None for a long-term licence."""
    if valid_until is None:
        return None
    return valid_until - timedelta(days=RENEWAL_WINDOW_DAYS), valid_until


def licence_validity_after_renewal(current_validity: str, reached_12_in_any_cycle: bool) -> str:
    """Validity of the licence issued at renewal: 6 → 10 → long-term (L-DL 第62条, L-IR 第26条).

    A holder who reached 12 points in any cycle of the period gets the same validity again:
    the law only says when to step up, never to step down.
    """
    steps = {
        LicenceValidity.SIX_YEARS: LicenceValidity.TEN_YEARS,
        LicenceValidity.TEN_YEARS: LicenceValidity.LONG_TERM,
        LicenceValidity.LONG_TERM: LicenceValidity.LONG_TERM,
    }
    if current_validity not in steps:
        raise ValueError(f"unknown licence validity {current_validity!r}")
    current = LicenceValidity(current_validity)
    return (current if reached_12_in_any_cycle else steps[current]).value


def licence_cancelled_if_not_renewed_by(valid_until: date) -> date:
    """Last day to renew an expired licence: a year past expiry it is cancelled (L-DL 第79条(八))."""
    return add_years(valid_until, 1)


def scoring_cycle_end(cycle_start: date, today: date) -> date:
    """Last day of the 12-month scoring cycle containing `today`.

    Cycles run on from the first issue date without gaps (L-PT 第3条), so a stored start
    that is years old still tells us where the current cycle ends.
    """
    years = max(0, today.year - cycle_start.year - 1)
    while add_years(cycle_start, years + 1) <= today:
        years += 1
    return add_years(cycle_start, years + 1) - timedelta(days=1)


# ---------------------------------------------------------------------------------------
# Vehicle inspection (年检)
# ---------------------------------------------------------------------------------------

MARK_WINDOW_MONTHS: Final = 3  # L-VR 第54条: apply within 3 months before the validity ends

# Dates the inspection reforms took effect (facts §2.9, policy documents, 🟡).
REFORM_2014: Final = date(2014, 9, 1)  # 6-year exemption for private cars of ≤ 6 seats
REFORM_2020: Final = date(2020, 11, 20)  # exemption to 7-9 seats; years 6-10 every 2 years
REFORM_2022: Final = date(2022, 10, 1)  # on-site only in years 6 and 10; yearly over 15

# Vans (面包车) are excluded from every exemption. GA 24.4: K39 small van, K49 mini van.
_VANS: Final = frozenset({"K39", "K49"})

# (age in months below which the step applies, or None for no limit; interval in months).
_Steps = tuple[tuple[int | None, int], ...]
_STEPS: Final[dict[str, _Steps]] = {
    # L-IR 第16条(一): commercial passenger vehicles yearly for 5 years, then every 6 months.
    "commercial_passenger": ((60, 12), (None, 6)),
    # 第16条(二): trucks and large or medium non-commercial buses: yearly for 10 years, then 6 months.
    "truck_or_bus": ((120, 12), (None, 6)),
    # 第16条(三): small non-commercial passenger: every 2 years for 6 years, yearly, 6 months after 15.
    "small_private": ((72, 24), (180, 12), (None, 6)),
    # 第16条(四): motorcycles every 2 years for 4 years, then yearly.
    "motorcycle": ((48, 24), (None, 12)),
    # 第16条(五): tractors and others yearly.
    "other": ((None, 12),),
    # 2014: statutory intervals; only the first 6 years need no station.
    "exempt_2014": ((72, 24), (180, 12), (None, 6)),
    # 2020: years 6 to 10 go from yearly to every 2 years.
    "exempt_2020": ((120, 24), (180, 12), (None, 6)),
    # 2022: every 2 years up to 10, then yearly for life (no more half-yearly after 15).
    "exempt_2022": ((120, 24), (None, 12)),
}
# Years of the vehicle's life (the 6th year ends on the 6th anniversary) whose inspection
# needs only the mark (L-VR 第55条); every other inspection is at a station.
_MARK_ONLY_YEARS: Final[dict[str, frozenset[int]]] = {
    "exempt_2014": frozenset({1, 2, 3, 4, 5}),
    "exempt_2020": frozenset({1, 2, 3, 4, 5}),
    "exempt_2022": frozenset({1, 2, 3, 4, 5, 7, 8, 9}),  # on-site in the 6th and 10th year
}


def _statutory_class(vehicle_type: str, use: str) -> str:
    """Which line of L-IR 第16条 a vehicle falls under."""
    if vehicle_type.startswith("M"):
        return "motorcycle"
    if vehicle_type.startswith("H"):
        return "truck_or_bus"  # 载货汽车, whatever its use
    if vehicle_type.startswith("K"):
        if use != VehicleUse.PRIVATE:
            return "commercial_passenger"  # 营运: the stricter line for any non-private use
        if vehicle_type[:2] in ("K1", "K2"):
            return "truck_or_bus"
        if vehicle_type[:2] in ("K3", "K4"):
            return "small_private"
    return "other"


def _regime(*, vehicle_type: str, use: str, seats: int, on: date) -> str:
    """The schedule in force for this vehicle for an inspection held at `on`."""
    statutory = _statutory_class(vehicle_type, use)
    if statutory == "small_private" and vehicle_type not in _VANS:
        if on >= REFORM_2022 and seats <= 9:
            return "exempt_2022"
        if on >= REFORM_2020 and seats <= 9:
            return "exempt_2020"
        if on >= REFORM_2014 and seats <= 6:  # 2014: "7座及以上除外"
            return "exempt_2014"
    if statutory == "motorcycle" and on >= REFORM_2022:
        return "exempt_2022"  # 2022: motorcycles on-site in years 6 and 10 as well
    return statutory


@dataclass(frozen=True, slots=True)
class _Inspection:
    age_months: int  # from first registration to the day the inspection is due
    due_on: date
    interval_months: int  # until the next one
    on_site: bool


def _inspection(*, vehicle_type: str, use: str, seats: int, registered_on: date, age: int) -> _Inspection:
    due_on = add_months(registered_on, age)
    regime = _regime(vehicle_type=vehicle_type, use=use, seats=seats, on=due_on)
    interval = 0
    for until, months in _STEPS[regime]:
        if until is None or age < until:
            # Never step over an age where the interval changes (matters only for a
            # vehicle whose earlier inspections followed an older regime).
            interval = months if until is None else min(months, until - age)
            break
    # Registration (age 0) is at a station unless the model is exempt (L-VR 第11条), which
    # the record does not say: assume the station.
    year_of_life = (age + 11) // 12
    on_site = year_of_life not in _MARK_ONLY_YEARS.get(regime, frozenset())
    return _Inspection(age_months=age, due_on=due_on, interval_months=interval, on_site=on_site)


def _inspection_at(*, vehicle_type: str, use: str, seats: int, registered_on: date, on: date) -> _Inspection:
    """The inspection `on` belongs to.

    That is the next one due if `on` is inside its 3-month window; otherwise the last one
    due before `on`: the current cycle, or the overdue inspection of a late vehicle. Age 0
    is registration itself, which also gives the first validity. Due dates count from
    first registration (L-IR 第16条).
    """

    def at(age: int) -> _Inspection:
        return _inspection(
            vehicle_type=vehicle_type, use=use, seats=seats, registered_on=registered_on, age=age
        )

    previous = at(0)
    current = at(previous.interval_months)
    while current.due_on < on:
        previous = current
        current = at(current.age_months + current.interval_months)
    if on < add_months(current.due_on, -MARK_WINDOW_MONTHS):
        return previous
    return current


def inspection_interval_months(
    *, vehicle_type: str, use: str, seats: int, registered_on: date, on: date
) -> int:
    """Months of validity the inspection falling at `on` gives (6, 12 or 24).

    The inspection falling at `on` is the coming one if `on` is in its 3-month window,
    else the one that started the current cycle (or is overdue).
    """
    return _inspection_at(
        vehicle_type=vehicle_type, use=use, seats=seats, registered_on=registered_on, on=on
    ).interval_months


def inspection_on_site_required(
    *, vehicle_type: str, use: str, seats: int, registered_on: date, on: date
) -> bool:
    """Whether the inspection falling at `on` is at a station, or only the mark is applied for."""
    return _inspection_at(
        vehicle_type=vehicle_type, use=use, seats=seats, registered_on=registered_on, on=on
    ).on_site


def inspection_next_valid_until(
    *,
    vehicle_type: str,
    use: str,
    seats: int,
    registered_on: date,
    inspected_on_or_previous_valid_until: date,
) -> date:
    """Validity end after passing the inspection due at (or inspected on) the given date.

    The new end stays on the registration-date schedule however early (within the window)
    or late the vehicle was inspected.
    """
    inspection = _inspection_at(
        vehicle_type=vehicle_type,
        use=use,
        seats=seats,
        registered_on=registered_on,
        on=inspected_on_or_previous_valid_until,
    )
    return add_months(registered_on, inspection.age_months + inspection.interval_months)


def inspection_mark_window(inspection_valid_until: date) -> tuple[date, date]:
    """First and last day (both included) to apply for the inspection mark (L-VR 第54条)."""
    return add_months(inspection_valid_until, -MARK_WINDOW_MONTHS), inspection_valid_until


# ---------------------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------------------


class Severity(StrEnum):
    DANGER = "danger"
    WARNING = "warning"
    INFO = "info"


class ReminderKind(StrEnum):
    LICENCE_RENEWAL_OPEN = "licence_renewal_open"
    LICENCE_EXPIRED = "licence_expired"
    LICENCE_POINTS = "licence_points"
    LICENCE_STATUS = "licence_status"
    INSPECTION_DUE = "inspection_due"
    INSPECTION_EXPIRED = "inspection_expired"
    INSURANCE_DUE = "insurance_due"
    INSURANCE_EXPIRED = "insurance_expired"


_SEVERITY_RANK: Final = {Severity.DANGER: 0, Severity.WARNING: 1, Severity.INFO: 2}
URGENT_DAYS: Final = 30  # an open renewal or inspection window turns from info to warning
INSURANCE_NOTICE_DAYS: Final = 30
POINTS_WARNING: Final = 9
POINTS_LIMIT: Final = 12  # L-PT 第3条

# Statuses after which the licence's dates and points no longer mean anything to the holder.
_LICENCE_STATUSES_STATUS_ONLY: Final = frozenset(
    {
        LicenceStatus.TRANSFERRED_OUT,
        LicenceStatus.PERMIT_REVOKED,
        LicenceStatus.REVOKED,
        LicenceStatus.CANCELLED,
        LicenceStatus.RENEWAL_DEFERRED,
        LicenceStatus.CANCELLED_RESTORABLE,
    }
)
_CONTACT_THE_OFFICE: Final = gettext_noop("Contact the vehicle office.")
_ASK_WHEN_TO_APPLY_AGAIN: Final = gettext_noop(
    "You may not drive. Ask the vehicle office when you may apply again."
)
# Marked for translation here, translated when the reminder is built.
_LICENCE_STATUS_ADVICE: Final[dict[str, str]] = {
    LicenceStatus.OVER_POINTS: gettext_noop(
        "You may not drive until you complete the full-score study and pass the test."
    ),
    LicenceStatus.TRANSFERRED_OUT: gettext_noop("The vehicle office you transferred to now keeps it."),
    LicenceStatus.SUSPENDED: gettext_noop("You may not drive until the suspension ends."),
    LicenceStatus.PERMIT_REVOKED: _ASK_WHEN_TO_APPLY_AGAIN,
    LicenceStatus.REVOKED: _ASK_WHEN_TO_APPLY_AGAIN,
    LicenceStatus.CANCELLED: gettext_noop(
        "You may not drive. Ask the vehicle office whether it can be restored."
    ),
    LicenceStatus.RENEWAL_OVERDUE: gettext_noop(
        "Renew it now with a health certificate, before it is cancelled."
    ),
    # L-DL 第75条: no driving while renewal is deferred.
    LicenceStatus.RENEWAL_DEFERRED: gettext_noop("You may not drive while renewal is deferred."),
    # L-DL 第79条: restored by the theory test or a health certificate, depending on the cause.
    LicenceStatus.CANCELLED_RESTORABLE: gettext_noop(
        "You may restore it at a vehicle office by passing the theory test or handing in a health "
        "certificate, depending on why it was cancelled."
    ),
    LicenceStatus.DETAINED: gettext_noop("You may not drive until it is returned to you."),
}
# A vehicle overdue for inspection is still on the road and needs the reminder most;
# transferred, seized, scrapped or cancelled vehicles get none.
_VEHICLE_STATUSES_WITH_REMINDERS: Final = frozenset({VehicleStatus.NORMAL, VehicleStatus.INSPECTION_OVERDUE})


@dataclass(frozen=True, slots=True)
class Reminder:
    kind: str
    severity: str
    subject: str  # "licence", or the vehicle's plate number
    message: str  # already translated
    due_on: date | None

    def as_dict(self) -> dict[str, str | date | None]:
        return {
            "kind": str(self.kind),
            "severity": str(self.severity),
            "subject": self.subject,
            "message": self.message,
            "due_on": self.due_on,
        }


def _days_left_severity(due_on: date, today: date) -> Severity:
    return Severity.WARNING if (due_on - today).days <= URGENT_DAYS else Severity.INFO


def _licence_reminders(licence: DriverLicence, today: date) -> list[Reminder]:
    found: list[Reminder] = []
    status = licence.status
    if status != LicenceStatus.NORMAL:
        labels = dict(LicenceStatus.choices)
        advice = gettext(_LICENCE_STATUS_ADVICE.get(status, _CONTACT_THE_OFFICE))
        found.append(
            Reminder(
                kind=ReminderKind.LICENCE_STATUS,
                severity=Severity.DANGER,
                subject="licence",
                message=gettext("Your driving licence status is “%(status)s”. %(advice)s")
                % {"status": labels.get(status, status), "advice": advice},
                due_on=None,
            )
        )
    if status in _LICENCE_STATUSES_STATUS_ONLY:
        return found

    valid_until = licence.valid_until
    window = licence_renewal_window(valid_until)
    if valid_until is not None and today > valid_until:
        deadline = licence_cancelled_if_not_renewed_by(valid_until)
        if today <= deadline:
            message = gettext(
                "Your driving licence expired on %(date)s: do not drive. Renew it with a health "
                "certificate by %(deadline)s, or it will be cancelled."
            ) % {"date": valid_until.isoformat(), "deadline": deadline.isoformat()}
        else:
            # L-DL 第79条: within 2 years of such a cancellation the theory test restores it.
            message = gettext(
                "Your driving licence expired on %(date)s, more than a year ago, and is being "
                "cancelled. You can restore it by passing the theory test within two years."
            ) % {"date": valid_until.isoformat()}
        found.append(
            Reminder(
                kind=ReminderKind.LICENCE_EXPIRED,
                severity=Severity.DANGER,
                subject="licence",
                message=message,
                due_on=valid_until,
            )
        )
    elif valid_until is not None and window is not None and window[0] <= today:
        found.append(
            Reminder(
                kind=ReminderKind.LICENCE_RENEWAL_OPEN,
                severity=_days_left_severity(valid_until, today),
                subject="licence",
                message=gettext(
                    "Your driving licence expires on %(date)s. You can renew it now, online or at any "
                    "vehicle office, with a health certificate from an approved medical institution."
                )
                % {"date": valid_until.isoformat()},
                due_on=valid_until,
            )
        )

    # Over the limit is the OVER_POINTS status; until the status catches up, say it here.
    if status != LicenceStatus.OVER_POINTS and licence.points >= POINTS_WARNING:
        cycle_end = scoring_cycle_end(licence.cycle_start, today)
        if licence.points >= POINTS_LIMIT:
            severity = Severity.DANGER
            message = gettext(
                "You have reached 12 points in this scoring cycle: your licence will be detained "
                "until you complete the full-score study and pass the test."
            )
        else:
            severity = Severity.WARNING
            message = gettext(
                "You have %(points)d of 12 points in the scoring cycle ending %(date)s. At 12 "
                "your licence is detained until you complete a study course and a test."
            ) % {"points": licence.points, "date": cycle_end.isoformat()}
        found.append(
            Reminder(
                kind=ReminderKind.LICENCE_POINTS,
                severity=severity,
                subject="licence",
                message=message,
                due_on=cycle_end,
            )
        )
    return found


def _vehicle_reminders(vehicle: Vehicle, today: date) -> list[Reminder]:
    found: list[Reminder] = []
    plate = vehicle.plate

    inspection_until = vehicle.inspection_valid_until
    if today > inspection_until:
        # L-RTSL 第95条 (vehicle held), L-VR 第78条 (fine), L-PT 第12条 (1 point).
        found.append(
            Reminder(
                kind=ReminderKind.INSPECTION_EXPIRED,
                severity=Severity.DANGER,
                subject=plate,
                message=gettext(
                    "Inspection expired on %(date)s. Do not drive it on the road (fine and "
                    "points); get it inspected or apply for the inspection mark now."
                )
                % {"plate": plate, "date": inspection_until.isoformat()},
                due_on=inspection_until,
            )
        )
    elif inspection_mark_window(inspection_until)[0] <= today:
        on_site = inspection_on_site_required(
            vehicle_type=vehicle.vehicle_type,
            use=vehicle.use,
            seats=vehicle.seats,
            registered_on=vehicle.registered_on,
            on=inspection_until,
        )
        if on_site:
            message = gettext(
                "Inspection due by %(date)s. This time it must be tested at an inspection "
                "station: book one, then collect the inspection mark."
            )
        else:
            # L-VR 第54–55条: violations cleared first; ID, insurance and vehicle tax proof.
            message = gettext(
                "Inspection due by %(date)s. No station test is needed this time: clear "
                "any violations, then apply online for the inspection mark."
            )
        found.append(
            Reminder(
                kind=ReminderKind.INSPECTION_DUE,
                severity=_days_left_severity(inspection_until, today),
                subject=plate,
                message=message % {"plate": plate, "date": inspection_until.isoformat()},
                due_on=inspection_until,
            )
        )

    insurance_until = vehicle.insurance_valid_until
    if today > insurance_until:
        # L-RTSL 第98条: the vehicle is held and fined twice the premium.
        found.append(
            Reminder(
                kind=ReminderKind.INSURANCE_EXPIRED,
                severity=Severity.DANGER,
                subject=plate,
                message=gettext(
                    "Compulsory traffic insurance expired on %(date)s. Do not drive it; "
                    "renew the insurance with an insurer now."
                )
                % {"plate": plate, "date": insurance_until.isoformat()},
                due_on=insurance_until,
            )
        )
    elif (insurance_until - today).days <= INSURANCE_NOTICE_DAYS:
        found.append(
            Reminder(
                kind=ReminderKind.INSURANCE_DUE,
                severity=Severity.WARNING,
                subject=plate,
                message=gettext(
                    "Compulsory traffic insurance ends on %(date)s. Renew it with an insurer "
                    "before then: without it you may not drive and cannot get the inspection mark."
                )
                % {"plate": plate, "date": insurance_until.isoformat()},
                due_on=insurance_until,
            )
        )
    return found


def _order(reminder: Reminder) -> tuple[int, bool, date, str, str]:
    # Undated reminders (a licence status) are about now, so they lead their severity.
    return (
        _SEVERITY_RANK[Severity(reminder.severity)],
        reminder.due_on is not None,
        reminder.due_on or date.min,
        reminder.subject,
        reminder.kind,
    )


def reminders(licence: DriverLicence | None, vehicles: Sequence[Vehicle], today: date) -> list[Reminder]:
    """What the citizen should act on, most urgent first: danger, warning, info, then by date."""
    found = _licence_reminders(licence, today) if licence is not None else []
    for vehicle in vehicles:
        if vehicle.status in _VEHICLE_STATUSES_WITH_REMINDERS:
            found.extend(_vehicle_reminders(vehicle, today))
    return sorted(found, key=_order)
