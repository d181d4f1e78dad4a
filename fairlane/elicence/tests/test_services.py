"""Issuing and revoking electronic licences: idempotent, refused for a licence no longer
in force, always audited."""

from __future__ import annotations

import pytest
from django.utils import translation

from fairlane.core.audit import AuditAction
from fairlane.core.errors import Conflict, InvalidInput, NotFound
from fairlane.elicence import services
from fairlane.elicence.models import ElectronicLicence
from fairlane.elicence.tests.factories import make_holder
from fairlane.integrity.models import AuditEvent
from fairlane.registry.models import LicenceStatus

pytestmark = pytest.mark.django_db

BASE32 = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def audit_trail(
    electronic: ElectronicLicence,
) -> list[tuple[int, int | None, int | None, str, dict[str, object]]]:
    return list(
        AuditEvent.objects.filter(object_type="elicence.electroniclicence", object_id=str(electronic.pk))
        .order_by("seq")
        .values_list("action", "actor_id", "office_id", "reason", "changes")
    )


def snapshot() -> tuple[list[tuple[object, ...]], int]:
    return list(ElectronicLicence.objects.order_by("pk").values_list()), AuditEvent.objects.count()


def test_issuing_makes_an_active_electronic_licence_with_an_unguessable_serial() -> None:
    # given / when
    holder = make_holder()

    # then
    electronic = ElectronicLicence.objects.get(licence=holder.licence)
    assert (electronic.is_active, electronic.revoke_reason, electronic.application_reference) == (
        True,
        "",
        "APPLREF234567ABC",
    )
    assert len(electronic.serial) == 16 and set(electronic.serial) <= BASE32
    assert audit_trail(electronic) == [
        (
            AuditAction.ELECTRONIC_LICENCE_ISSUED,
            holder.clerk.pk,
            holder.office.pk,
            "",
            {"serial": [None, electronic.serial], "application_reference": [None, "APPLREF234567ABC"]},
        )
    ]


def test_issuing_again_keeps_the_active_one_unchanged() -> None:
    # given
    holder = make_holder()
    before = snapshot()

    # when
    again = services.elicence_issue(licence=holder.licence, actor=holder.clerk, application_reference="OTHER")

    # then
    assert holder.electronic is not None
    assert (again.pk, again.serial) == (holder.electronic.pk, holder.electronic.serial)
    assert snapshot() == before


def test_serials_differ() -> None:
    # given / when
    serials = {make_holder(seed=seed).licence.electronic.serial for seed in range(1, 5)}

    # then
    assert len(serials) == 4


@pytest.mark.parametrize(
    "status",
    [
        LicenceStatus.TRANSFERRED_OUT,
        LicenceStatus.PERMIT_REVOKED,
        LicenceStatus.REVOKED,
        LicenceStatus.CANCELLED,
        LicenceStatus.CANCELLED_RESTORABLE,
    ],
)
def test_a_licence_no_longer_in_force_gets_none(status: str) -> None:
    # given
    holder = make_holder(issue=False, status=status)
    before = snapshot()

    # when
    with pytest.raises(Conflict) as refused:
        services.elicence_issue(licence=holder.licence, actor=holder.clerk)

    # then
    assert (refused.value.code, refused.value.status) == ("licence_not_in_force", 409)
    assert snapshot() == before


@pytest.mark.parametrize(
    "status", [LicenceStatus.SUSPENDED, LicenceStatus.OVER_POINTS, LicenceStatus.DETAINED]
)
def test_a_licence_in_force_with_a_restriction_gets_one_that_states_it(status: str) -> None:
    # given
    holder = make_holder(issue=False, status=status)

    # when
    electronic = services.elicence_issue(licence=holder.licence, actor=None)

    # then
    assert electronic.is_active
    assert [(a, actor) for a, actor, *_rest in audit_trail(electronic)] == [
        (AuditAction.ELECTRONIC_LICENCE_ISSUED, None)
    ]


def test_an_overlong_application_reference_is_refused_on_its_field() -> None:
    # given
    holder = make_holder(issue=False)
    before = snapshot()

    # when
    with pytest.raises(InvalidInput) as refused:
        services.elicence_issue(licence=holder.licence, actor=holder.clerk, application_reference="X" * 17)

    # then
    assert list(refused.value.fields) == ["application_reference"]
    assert snapshot() == before


def test_revoking_records_when_and_why() -> None:
    # given
    holder = make_holder()

    # when
    electronic = services.elicence_revoke(
        licence=holder.licence, actor=holder.clerk, reason="  持证人申请注销电子版  "
    )

    # then
    electronic.refresh_from_db()
    assert (electronic.is_active, electronic.revoke_reason) == (False, "持证人申请注销电子版")
    assert audit_trail(electronic)[1:] == [
        (
            AuditAction.ELECTRONIC_LICENCE_REVOKED,
            holder.clerk.pk,
            holder.office.pk,
            "持证人申请注销电子版",
            {"status": ["active", "revoked"]},
        )
    ]


def test_revoking_twice_changes_nothing_the_second_time() -> None:
    # given
    holder = make_holder()
    services.elicence_revoke(licence=holder.licence, actor=holder.clerk, reason="第一次")
    before = snapshot()

    # when
    electronic = services.elicence_revoke(licence=holder.licence, actor=holder.clerk, reason="第二次")

    # then
    assert electronic.revoke_reason == "第一次"
    assert snapshot() == before


@pytest.mark.parametrize(("reason", "message"), [("  ", "Give the reason"), ("理" * 201, "200 characters")])
def test_revoking_needs_a_short_reason(reason: str, message: str) -> None:
    # given
    holder = make_holder()
    before = snapshot()

    # when
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.elicence_revoke(licence=holder.licence, actor=holder.clerk, reason=reason)

    # then
    assert list(refused.value.fields) == ["reason"]
    assert message in refused.value.fields["reason"]
    assert snapshot() == before


def test_revoking_what_was_never_issued_is_not_found() -> None:
    # given
    holder = make_holder(issue=False)
    before = snapshot()

    # when / then
    with pytest.raises(NotFound):
        services.elicence_revoke(licence=holder.licence, actor=holder.clerk, reason="无")
    assert snapshot() == before


def test_a_revoked_licence_is_issued_again_with_a_new_serial() -> None:
    # given
    holder = make_holder()
    assert holder.electronic is not None
    old_serial = holder.electronic.serial
    services.elicence_revoke(licence=holder.licence, actor=holder.clerk, reason="手机丢失")

    # when
    electronic = services.elicence_issue(
        licence=holder.licence, actor=holder.clerk, application_reference="NEWAPPL"
    )

    # then
    electronic.refresh_from_db()
    assert (
        electronic.pk,
        electronic.is_active,
        electronic.revoke_reason,
        electronic.application_reference,
    ) == (
        holder.electronic.pk,
        True,
        "",
        "NEWAPPL",
    )
    assert electronic.serial != old_serial
    assert audit_trail(electronic)[-1] == (
        AuditAction.ELECTRONIC_LICENCE_ISSUED,
        holder.clerk.pk,
        holder.office.pk,
        "",
        {"serial": [old_serial, electronic.serial], "application_reference": [None, "NEWAPPL"]},
    )
