"""The inspection mark: a replacement of a lost one (L-VR 第57条), and the regular mark of a
vehicle exempt from on-site inspection (第54–56条, facts §2.9).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any, Final

from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.applications.handlers.base import (
    ALL,
    RED_FLAG_WINDOW_DAYS,
    Facts,
    Handler,
    Problem,
    VehicleForm,
)
from fairlane.applications.handlers.vehicle.documents import ReplacementForm
from fairlane.applications.handlers.vehicle.shared import (
    IN_USE,
    NO_VEHICLE,
    checked_vehicle,
    insurance_problem,
    long_date,
    status_problem,
    vehicle_document_issue,
    vehicle_update,
)
from fairlane.applications.models import Application
from fairlane.registry import rules as registry_rules
from fairlane.registry.models import DocumentKind, IssuedDocument, Office, VehicleStatus

# L-VR 第54条: "申请前，机动车所有人应当将涉及该车的道路交通安全违法行为和交通事故处理完毕".
_ARREARS = _(
    "This vehicle has %(count)d violation(s) not yet settled: handle them and pay their fines first "
    "(on the Violations page, or at a window)."
)


def arrears_problem(facts: Facts) -> Problem | None:
    """The vehicle's violations must be handled and their fines paid before a mark is issued."""
    if facts.unsettled_violations > 0:
        return Problem(ALL, _ARREARS % {"count": facts.unsettled_violations})
    return None


def with_arrears(facts: Facts) -> Facts:
    """`facts` with the count of the vehicle's unsettled violations."""
    if facts.vehicle is None:
        return facts
    from fairlane.violations.selectors import unsettled_of_vehicle

    return dataclasses.replace(facts, unsettled_violations=unsettled_of_vehicle(facts.vehicle))


# --- 补领检验合格标志 ----------------------------------------------------------------------------


def mark_replacement_problems(facts: Facts) -> list[Problem]:
    """L-VR 第57条: a replacement of a mark still valid, with the compulsory insurance valid."""
    vehicle = facts.vehicle
    if vehicle is None:
        return [NO_VEHICLE]
    problem = status_problem(vehicle, IN_USE)
    if problem is not None:
        return [problem]
    found: list[Problem] = []
    if facts.today > vehicle.inspection_valid_until:
        found.append(
            Problem(
                ALL,
                _(
                    "The inspection expired on %(date)s, so there is no mark to replace: the vehicle "
                    "must be inspected, or apply for a new mark, first."
                )
                % {"date": long_date(vehicle.inspection_valid_until)},
            )
        )
    problem = insurance_problem(vehicle, facts.today)
    if problem is not None:
        found.append(problem)
    problem = arrears_problem(facts)
    if problem is not None:
        found.append(problem)
    return found


class MarkReplacement(Handler):
    code = "VH-MARK-LOST"
    form_class = ReplacementForm
    document = DocumentKind.INSPECTION_MARK

    def problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        return mark_replacement_problems(facts)

    def facts_load(self, applicant: User, data: dict[str, Any], today: date, office: Office) -> Facts:
        # Only marks this item issued are replacements: the regular mark every two years is not.
        facts = with_arrears(super().facts_load(applicant, data, today, office))
        if facts.vehicle is None:
            return facts
        replaced = IssuedDocument.objects.filter(
            kind=DocumentKind.INSPECTION_MARK,
            vehicle=facts.vehicle,
            issued_at__date__gte=today - timedelta(days=RED_FLAG_WINDOW_DAYS),
            application_reference__in=Application.objects.filter(item_code=self.code).values("reference"),
        )
        return dataclasses.replace(facts, recent_replacements=replaced.count())

    def apply(
        self, *, application: Application, actor: User, facts: Facts, data: dict[str, Any], now: datetime
    ) -> None:
        vehicle = checked_vehicle(facts)
        vehicle_document_issue(
            kind=DocumentKind.INSPECTION_MARK,
            application=application,
            actor=actor,
            vehicle=vehicle,
            now=now,
            valid_from=facts.today,
            valid_until=vehicle.inspection_valid_until,
        )


# --- 免检车申领检验合格标志 -------------------------------------------------------------------

# Facts §2.9 (🟡): a vehicle first registered more than this many years after it was made
# is not exempt from on-site inspection.
EXEMPT_MAX_YEARS_MADE_TO_REGISTERED: Final = 4

_NOT_EXEMPT = _("This inspection must be done at an inspection station: book one there.")


def exempt_mark_problems(facts: Facts) -> list[Problem]:
    """L-VR 第54–55条 and the inspection reforms (facts §2.9): an exempt vehicle applies for
    the mark in the 3 months before its inspection runs out, insured on the day."""
    vehicle = facts.vehicle
    if vehicle is None:
        return [NO_VEHICLE]
    problem = status_problem(vehicle, IN_USE)
    if problem is not None:
        return [problem]
    found: list[Problem] = []
    valid_until = vehicle.inspection_valid_until
    if registry_rules.inspection_on_site_required(
        vehicle_type=vehicle.vehicle_type,
        use=vehicle.use,
        seats=vehicle.seats,
        registered_on=vehicle.registered_on,
        on=valid_until,
    ):
        found.append(Problem(ALL, _NOT_EXEMPT))
    registered_late = vehicle.registered_on > registry_rules.add_years(
        vehicle.manufactured_on, EXEMPT_MAX_YEARS_MADE_TO_REGISTERED
    )
    exclusions = (
        (
            vehicle.casualty_accident,
            _("Vehicles that were in an accident with injury or death are not exempt."),
        ),
        (vehicle.illegally_modified, _("Vehicles penalised for illegal modification are not exempt.")),
        (vehicle.formerly_commercial, _("Vehicles converted from commercial use are not exempt.")),
        (
            registered_late,
            _("Vehicles first registered more than %(years)d years after they were made are not exempt.")
            % {"years": EXEMPT_MAX_YEARS_MADE_TO_REGISTERED},
        ),
    )
    found += [Problem(ALL, f"{message} {_NOT_EXEMPT}") for excluded, message in exclusions if excluded]
    opens, closes = registry_rules.inspection_mark_window(valid_until)
    if facts.today < opens:
        found.append(
            Problem(
                ALL,
                _("You can apply from %(date)s, 3 months before the inspection runs out.")
                % {"date": long_date(opens)},
            )
        )
    elif facts.today > closes:
        # 第54条 allows the mark only before the validity ends; the law is silent on a late
        # exempt vehicle, so we send it to the office.
        found.append(
            Problem(
                ALL,
                _(
                    "The inspection expired on %(date)s, so the mark can no longer be applied for "
                    "online: contact the office or book an inspection."
                )
                % {"date": long_date(closes)},
            )
        )
    problem = insurance_problem(vehicle, facts.today)
    if problem is not None:
        found.append(problem)
    problem = arrears_problem(facts)
    if problem is not None:
        found.append(problem)
    return found


class ExemptMark(Handler):
    code = "VH-MARK-EXEMPT"
    form_class = VehicleForm
    document = DocumentKind.INSPECTION_MARK

    def problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        return exempt_mark_problems(facts)

    def facts_load(self, applicant: User, data: dict[str, Any], today: date, office: Office) -> Facts:
        return with_arrears(super().facts_load(applicant, data, today, office))

    def replacement_flags(self, facts: Facts) -> list[str]:
        return []  # the regular mark replaces nothing (L-VR 第74条 is about replacements)

    def apply(
        self, *, application: Application, actor: User, facts: Facts, data: dict[str, Any], now: datetime
    ) -> None:
        vehicle = checked_vehicle(facts)
        valid_until = registry_rules.inspection_next_valid_until(
            vehicle_type=vehicle.vehicle_type,
            use=vehicle.use,
            seats=vehicle.seats,
            registered_on=vehicle.registered_on,
            inspected_on_or_previous_valid_until=vehicle.inspection_valid_until,
        )
        values: dict[str, Any] = {"inspection_valid_until": valid_until}
        if vehicle.status == VehicleStatus.INSPECTION_OVERDUE:
            values["status"] = VehicleStatus.NORMAL
        vehicle_update(application=application, actor=actor, vehicle=vehicle, **values)
        vehicle_document_issue(
            kind=DocumentKind.INSPECTION_MARK,
            application=application,
            actor=actor,
            vehicle=vehicle,
            now=now,
            valid_from=facts.today,
            valid_until=valid_until,
        )
