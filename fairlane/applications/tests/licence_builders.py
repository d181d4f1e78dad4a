"""In-memory licences, people and facts for the driving-licence handler rules: no database."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from fairlane.accounts.models import User
from fairlane.applications.handlers import handler_for
from fairlane.applications.handlers.base import ALL, Facts, Handler, Problem
from fairlane.core.testdata import make_id_number
from fairlane.registry.models import DriverLicence, HealthCertificate, LicenceStatus, Office
from fairlane.registry.rules import add_years

Status = LicenceStatus
TODAY = date(2026, 3, 10)
OFFICE = Office(pk=1, code="310000", name="上海市车管所")
OTHER_OFFICE = Office(pk=2, code="320100", name="南京市车管所")
HOLDER = "王小明"
BORN = date(1985, 5, 20)  # 40 on TODAY


def person(*, born: date = BORN, name: str = HOLDER) -> User:
    return User(name=name, id_number=make_id_number(random.Random(1), birth=born))


def licence(*, born: date = BORN, **fields: Any) -> DriverLicence:
    values: dict[str, Any] = {
        "id_number": make_id_number(random.Random(1), birth=born),
        "holder_name": HOLDER,
        "file_number": "310012345678",
        "classes": "C1",
        "first_issued_on": date(2018, 6, 1),
        "valid_from": date(2024, 6, 1),
        "valid_until": date(2030, 6, 1),
        "validity": "6",
        "status": Status.NORMAL,
        "cycle_start": date(2025, 6, 1),
        "issuing_office": OFFICE,
    }
    values.update(fields)
    return DriverLicence(**values)


def certificate(
    *, classes_fit: str = "C1", issued_on: date = TODAY - timedelta(days=10)
) -> HealthCertificate:
    return HealthCertificate(
        serial="HC2026000001",
        holder_name=HOLDER,
        issued_on=issued_on,
        fit_to_drive=True,
        classes_fit=classes_fit,
    )


def facts(
    held: DriverLicence | None,
    *,
    today: date = TODAY,
    applicant: User | None = None,
    office: Office = OTHER_OFFICE,
    **fields: Any,
) -> Facts:
    return Facts(today=today, applicant=applicant or person(), office=office, licence=held, **fields)


def handler(code: str) -> Handler:
    found = handler_for(code)
    assert found is not None
    return found


def messages(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(problem.field, str(problem.message)) for problem in problems]


def cleaned(code: str, data: dict[str, Any]) -> dict[str, Any]:
    form = handler(code).form_class(data=data, applicant=person())
    assert form.is_valid(), form.errors
    return form.cleaned_data


def form_errors(code: str, data: dict[str, Any]) -> dict[str, list[str]]:
    form = handler(code).form_class(data=data, applicant=person())
    assert not form.is_valid()
    return {name: [str(message) for message in errors] for name, errors in form.errors.items()}


DECLARED = {"declaration": True}
NO_LICENCE_MESSAGE = [(ALL, "No driving licence is registered under your ID number.")]


def marked(status: str) -> list[tuple[str, str]]:
    label = dict(Status.choices)[status]
    return [(ALL, f"Your licence is marked “{label}”, so this cannot be done online.")]


def held_by_police(status: str) -> list[tuple[str, str]]:
    label = dict(Status.choices)[status]
    return [
        (
            ALL,
            f"Your licence is marked “{label}”: while a licence is seized, detained or suspended it "
            "cannot be replaced or exchanged.",
        )
    ]


def aged(years: int, *, days: int = 0) -> date:
    """A birth date that makes the holder `years` old on TODAY, `days` before the birthday."""
    return add_years(TODAY, -years) + timedelta(days=days)
