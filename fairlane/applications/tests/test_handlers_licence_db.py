"""What approving each driving-licence item changes: the licence, its cards and the audit
trail. The rules themselves are in test_handlers_licence*.py."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone, translation

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.agencies.services import health_certificate_send
from fairlane.agencies.tests.factories import make_hospital, make_member
from fairlane.applications.handlers import handler_for
from fairlane.applications.handlers.base import Facts, Handler, form_stored
from fairlane.applications.models import Application
from fairlane.core.audit import AuditAction
from fairlane.core.testdata import make_id_number
from fairlane.elicence.models import ElectronicLicence
from fairlane.elicence.services import elicence_issue
from fairlane.integrity.models import AuditEvent
from fairlane.registry.models import (
    DocumentKind,
    DriverLicence,
    HealthCertificate,
    IssuedDocument,
    LicenceStatus,
    Office,
)
from fairlane.registry.rules import add_years
from fairlane.registry.tests.factories import make_licence, make_office

pytestmark = pytest.mark.django_db

Status = LicenceStatus
HOLDER = "王小明"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@dataclass
class Desk:
    office: Office
    other_office: Office
    reviewer: User
    today: date
    now: datetime


@pytest.fixture
def desk() -> Desk:
    office = make_office()
    return Desk(
        office=office,
        other_office=make_office(code="320100", name="南京市车管所"),
        reviewer=make_staff(Role.REVIEWER, office=office, seed=102),
        today=timezone.localdate(),
        now=timezone.now(),
    )


def holder(desk: Desk, *, years: int = 40, seed: int = 1, **fields: Any) -> tuple[User, DriverLicence]:
    """A registered citizen `years` old today, with a licence kept by the desk's office and
    the card issued for it a year ago."""
    born = add_years(desk.today, -years)
    citizen = register_citizen(
        name=HOLDER, id_number=make_id_number(random.Random(seed), birth=born), seed=seed
    )
    licence = make_licence(
        id_number=citizen.id_number, holder_name=HOLDER, office=desk.office, seed=seed, **fields
    )
    IssuedDocument.objects.create(
        kind=DocumentKind.DRIVING_LICENCE,
        serial=f"OLDCARD{seed:04d}",
        licence=licence,
        valid_from=licence.valid_from,
        valid_until=licence.valid_until,
        issued_at=desk.now - timedelta(days=400),
    )
    return citizen, licence


def certificate_send(desk: Desk, citizen: User, classes: str = "C1") -> HealthCertificate:
    hospital = make_hospital(office=desk.office)
    return health_certificate_send(
        actor=make_member(hospital, seed=60),
        id_number=citizen.id_number,
        holder_name=citizen.name,
        issued_on=desk.today - timedelta(days=5),
        fit_to_drive=True,
        classes_fit=classes,
    )


def approve(
    desk: Desk, code: str, applicant: User, form: dict[str, Any], *, office: Office | None = None
) -> Application:
    """Apply the item's effect as the approval does: with the cleaned form and fresh facts,
    once the rules found nothing against it."""
    handler = handler_for(code)
    assert handler is not None
    bound = handler.form_class(data=form, applicant=applicant)
    assert bound.is_valid(), bound.errors
    data = bound.cleaned_data
    office = office or desk.office
    application = Application.objects.create(
        applicant=applicant,
        item_code=code,
        office=office,
        form_data=form_stored(data),
        created_at=desk.now,
        updated_at=desk.now,
    )
    facts = handler.facts_load(applicant, data, desk.today, office)
    assert handler.problems(facts, data) == []
    handler.apply(application=application, actor=desk.reviewer, facts=facts, data=data, now=desk.now)
    return application


def facts_of(desk: Desk, code: str, applicant: User) -> tuple[Handler, Facts]:
    handler = handler_for(code)
    assert handler is not None
    return handler, handler.facts_load(applicant, {}, desk.today, desk.office)


def cards(licence: DriverLicence) -> list[tuple[str, datetime | None, str, date, date | None]]:
    """The licence's cards, oldest first: kind, void since, application, validity."""
    return list(
        IssuedDocument.objects.filter(licence=licence)
        .order_by("issued_at", "pk")
        .values_list("kind", "void_at", "application_reference", "valid_from", "valid_until")
    )


def licence_audit(licence: DriverLicence) -> list[tuple[int, int | None, int | None, str, dict[str, Any]]]:
    return list(
        AuditEvent.objects.filter(object_type="registry.driverlicence", object_id=str(licence.pk))
        .order_by("seq")
        .values_list("action", "actor_id", "office_id", "reason", "changes")
    )


def record(licence: DriverLicence) -> dict[str, Any]:
    return model_to_dict(DriverLicence.objects.get(pk=licence.pk))


def card_reissued(licence: DriverLicence, desk: Desk, application: Application) -> list[tuple[Any, ...]]:
    """The old card void since the approval and a new one with the licence's dates."""
    return [
        (DocumentKind.DRIVING_LICENCE, desk.now, "", licence.valid_from, licence.valid_until),
        (DocumentKind.DRIVING_LICENCE, None, application.reference, licence.valid_from, licence.valid_until),
    ]


def unchanged_card(licence: DriverLicence) -> tuple[Any, ...]:
    return (DocumentKind.DRIVING_LICENCE, None, "", licence.valid_from, licence.valid_until)


DECLARED = {"declaration": True}
LOST = {"lost": True, **DECLARED}


# --- 遗失补证, 损毁换证 -------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["DL-LOST", "DL-DAMAGED"])
def test_a_replacement_voids_the_old_card_and_changes_nothing_else(desk: Desk, code: str) -> None:
    # given
    citizen, licence = holder(desk)
    before = record(licence)

    # when
    application = approve(desk, code, citizen, LOST if code == "DL-LOST" else DECLARED)

    # then
    assert record(licence) == before
    assert cards(licence) == card_reissued(licence, desk, application)
    assert licence_audit(licence) == []


# --- 信息变更换证 -------------------------------------------------------------------------------


def test_a_name_change_puts_the_new_name_on_the_licence_and_a_new_card(desk: Desk) -> None:
    # given
    citizen, licence = holder(desk)
    before = record(licence)

    # when
    application = approve(desk, "DL-INFOCHG", citizen, {"new_name": "李晓红", **DECLARED})

    # then
    assert record(licence) == {**before, "holder_name": "李晓红"}
    assert cards(licence) == card_reissued(licence, desk, application)
    assert licence_audit(licence) == [
        (
            AuditAction.LICENCE_CHANGED,
            desk.reviewer.pk,
            desk.office.pk,
            application.reference,
            {"holder_name": ["王*明", "李*红"]},
        )
    ]


# --- 转入换证 -----------------------------------------------------------------------------------


def test_a_transfer_moves_the_licence_to_the_office_applied_to(desk: Desk) -> None:
    # given
    citizen, licence = holder(desk)
    before = record(licence)

    # when
    application = approve(desk, "DL-TRANSFER", citizen, DECLARED, office=desk.other_office)

    # then
    assert record(licence) == {**before, "issuing_office": desk.other_office.pk}
    assert cards(licence) == card_reissued(licence, desk, application)
    assert licence_audit(licence) == [
        (
            AuditAction.LICENCE_CHANGED,
            desk.reviewer.pk,
            desk.other_office.pk,
            application.reference,
            {"issuing_office": [desk.office.name, "南京市车管所"]},
        )
    ]


# --- 降级换证, 年龄原因降级换证 ----------------------------------------------------------------------


def test_a_voluntary_downgrade_keeps_the_chosen_classes(desk: Desk) -> None:
    # given
    citizen, licence = holder(desk, classes="B2 D")
    before = record(licence)

    # when
    application = approve(desk, "DL-DOWNGRADE", citizen, {"keep": ["C1", "C2", "E"], **DECLARED})

    # then
    assert record(licence) == {**before, "classes": "C1 E"}
    assert cards(licence) == card_reissued(licence, desk, application)
    assert licence_audit(licence) == [
        (
            AuditAction.LICENCE_CHANGED,
            desk.reviewer.pk,
            desk.office.pk,
            application.reference,
            {"classes": ["B2 D", "C1 E"]},
        )
    ]


def test_the_age_exchange_gives_the_classes_allowed_at_60(desk: Desk) -> None:
    # given
    citizen, licence = holder(desk, years=60, classes="A2")
    certificate_send(desk, citizen, classes="C1 C6")
    before = record(licence)

    # when
    application = approve(
        desk, "DL-AGEDOWN", citizen, {"small_car": "C1", "keep_light_trailer": True, **DECLARED}
    )

    # then
    assert record(licence) == {**before, "classes": "C1 C6"}
    assert cards(licence) == card_reissued(licence, desk, application)
    assert licence_audit(licence) == [
        (
            AuditAction.LICENCE_CHANGED,
            desk.reviewer.pk,
            desk.office.pk,
            application.reference,
            {"classes": ["A2", "C1 C6"]},
        )
    ]


# --- 延期换证, 延期审验, 延期提交身体条件证明 --------------------------------------------------------


def test_a_renewal_deferral_sets_its_end_and_the_deferred_status(desk: Desk) -> None:
    # given
    citizen, licence = holder(desk, valid_until=desk.today + timedelta(days=30))
    until = desk.today + timedelta(days=400)
    before = record(licence)

    # when
    application = approve(desk, "DL-DEFER-RENEW", citizen, {"reason": "military", "until": until.isoformat()})

    # then
    assert record(licence) == {
        **before,
        "renewal_deferred_until": until,
        "status": Status.RENEWAL_DEFERRED,
    }
    assert cards(licence) == [unchanged_card(licence)]
    assert licence_audit(licence) == [
        (
            AuditAction.LICENCE_CHANGED,
            desk.reviewer.pk,
            desk.office.pk,
            application.reference,
            {"renewal_deferred_until": ["None", until.isoformat()], "status": ["A", "N"]},
        )
    ]


@pytest.mark.parametrize(
    ("code", "years", "classes", "field"),
    [
        ("DL-DEFER-AUDIT", 40, "B2", "audit_deferred_until"),
        ("DL-DEFER-HEALTH", 75, "C1", "health_deferred_until"),
    ],
)
def test_a_review_or_certificate_deferral_sets_its_end(
    desk: Desk, code: str, years: int, classes: str, field: str
) -> None:
    # given
    citizen, licence = holder(desk, years=years, classes=classes)
    until = desk.today + timedelta(days=500)
    before = record(licence)

    # when
    application = approve(
        desk, code, citizen, {"reason": "other", "details": "援外医疗队", "until": until.isoformat()}
    )

    # then
    assert record(licence) == {**before, field: until}
    assert cards(licence) == [unchanged_card(licence)]
    assert licence_audit(licence) == [
        (
            AuditAction.LICENCE_CHANGED,
            desk.reviewer.pk,
            desk.office.pk,
            application.reference,
            {field: ["None", until.isoformat()]},
        )
    ]


# --- 提交身体条件证明 -----------------------------------------------------------------------------


def test_a_health_certificate_is_recorded_and_ends_a_deferral(desk: Desk) -> None:
    # given
    citizen, licence = holder(desk, years=75, health_deferred_until=desk.today + timedelta(days=100))
    certificate = certificate_send(desk, citizen)
    before = record(licence)

    # when
    application = approve(desk, "DL-HEALTH", citizen, {})

    # then
    assert record(licence) == {
        **before,
        "health_certificate_on": certificate.issued_on,
        "health_deferred_until": None,
    }
    assert cards(licence) == [unchanged_card(licence)]
    assert licence_audit(licence) == [
        (
            AuditAction.LICENCE_CHANGED,
            desk.reviewer.pk,
            desk.office.pk,
            application.reference,
            {
                "health_certificate_on": ["None", certificate.issued_on.isoformat()],
                "health_deferred_until": [(desk.today + timedelta(days=100)).isoformat(), "None"],
            },
        )
    ]


@pytest.mark.parametrize(("valid_for_days", "restored"), [(30, Status.NORMAL), (-30, Status.RENEWAL_OVERDUE)])
def test_a_health_certificate_restores_a_licence_cancelled_for_the_lack_of_one(
    desk: Desk, valid_for_days: int, restored: str
) -> None:
    # given
    citizen, licence = holder(
        desk,
        years=75,
        status=Status.CANCELLED_RESTORABLE,
        valid_until=desk.today + timedelta(days=valid_for_days),
    )
    certificate = certificate_send(desk, citizen)
    before = record(licence)

    # when
    approve(desk, "DL-HEALTH", citizen, {})

    # then
    assert record(licence) == {
        **before,
        "health_certificate_on": certificate.issued_on,
        "health_deferred_until": None,
        "status": restored,
    }


# --- 注销 ---------------------------------------------------------------------------------------


def test_a_cancellation_voids_the_card_and_the_electronic_licence(desk: Desk) -> None:
    # given
    citizen, licence = holder(desk)
    electronic = elicence_issue(licence=licence, actor=desk.reviewer)
    before = record(licence)

    # when
    application = approve(desk, "DL-CANCEL", citizen, {"confirm": True})

    # then
    assert record(licence) == {**before, "status": Status.CANCELLED}
    assert cards(licence) == [
        (DocumentKind.DRIVING_LICENCE, desk.now, "", licence.valid_from, licence.valid_until)
    ]
    assert licence_audit(licence) == [
        (
            AuditAction.LICENCE_CHANGED,
            desk.reviewer.pk,
            desk.office.pk,
            application.reference,
            {"status": ["A", "G"]},
        )
    ]
    electronic.refresh_from_db()
    assert (electronic.is_active, electronic.revoke_reason) == (
        False,
        "The licence was cancelled at the holder's request.",
    )
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.ELECTRONIC_LICENCE_REVOKED, object_id=str(electronic.pk), actor=desk.reviewer
        ).count()
        == 1
    )


def test_a_cancellation_without_an_electronic_licence_revokes_none(desk: Desk) -> None:
    # given
    citizen, licence = holder(desk)

    # when
    approve(desk, "DL-CANCEL", citizen, {"confirm": True})

    # then
    assert record(licence)["status"] == Status.CANCELLED
    assert ElectronicLicence.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.ELECTRONIC_LICENCE_REVOKED).exists()


# --- 电子驾驶证 ---------------------------------------------------------------------------------


def test_the_electronic_licence_is_issued_naming_the_application(desk: Desk) -> None:
    # given
    citizen, licence = holder(desk)
    before = record(licence)

    # when
    application = approve(desk, "DL-ELECTRONIC", citizen, {})

    # then
    electronic = ElectronicLicence.objects.get(licence=licence)
    assert (electronic.is_active, electronic.application_reference) == (True, application.reference)
    assert list(
        AuditEvent.objects.filter(object_type="elicence.electroniclicence").values_list("action", "actor_id")
    ) == [(AuditAction.ELECTRONIC_LICENCE_ISSUED, desk.reviewer.pk)]
    assert record(licence) == before
    assert cards(licence) == [unchanged_card(licence)]


def test_the_facts_say_whether_an_electronic_licence_is_active(desk: Desk) -> None:
    # given
    citizen, licence = holder(desk)

    # when
    _handler, without = facts_of(desk, "DL-ELECTRONIC", citizen)
    elicence_issue(licence=licence, actor=desk.reviewer)
    handler, with_one = facts_of(desk, "DL-ELECTRONIC", citizen)

    # then
    assert (without.extra, with_one.extra) == ({"electronic_active": False}, {"electronic_active": True})
    assert [str(problem.message) for problem in handler.problems(with_one, {})] == [
        "You already have an electronic licence."
    ]
