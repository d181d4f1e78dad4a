"""The demo hospitals: valid codes, on the published list, the demo account bound, and a
certificate that lets the demo citizen renew."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from fairlane.accounts.models import Role
from fairlane.accounts.roles import role_group
from fairlane.accounts.tests.factories import register_citizen
from fairlane.agencies.demo import DEMO_HOSPITALS, demo_hospitals_seed, public_institution_credit_code
from fairlane.agencies.models import Agency, AgencyMember
from fairlane.agencies.selectors import accredited_hospitals, valid_health_certificate
from fairlane.core.validators import validate_credit_code
from fairlane.registry.models import HealthCertificate
from fairlane.registry.tests.factories import make_licence, make_office

pytestmark = pytest.mark.django_db

CITIZEN_PHONE = "13800138000"
HOSPITAL_PHONE = "13900000007"


@pytest.fixture
def seeded() -> Agency:
    office = make_office()
    citizen = register_citizen(name="陈思远", phone=CITIZEN_PHONE, seed=1)
    make_licence(id_number=citizen.id_number, holder_name=citizen.name, office=office, seed=1)
    for seed in range(2, 9):
        other = register_citizen(name="王小明", seed=seed)
        make_licence(
            id_number=other.id_number, holder_name=other.name, office=office, seed=seed, classes="A2 D"
        )
    clerk = register_citizen(name="周静", phone=HOSPITAL_PHONE, seed=20)
    clerk.role = Role.HOSPITAL
    clerk.save(update_fields=["role"])
    clerk.groups.set([role_group(Role.HOSPITAL)])
    return demo_hospitals_seed(
        hospital_member_phone=HOSPITAL_PHONE, renewal_citizen_phone=CITIZEN_PHONE, seed=7
    )


def test_the_demo_hospitals_are_valid_and_published(seeded: Agency) -> None:
    # when
    hospitals = list(Agency.objects.order_by("pk"))

    # then
    assert [hospital.name for hospital in hospitals] == [hospital.name for hospital in DEMO_HOSPITALS]
    assert [validate_credit_code(hospital.credit_code) for hospital in hospitals] == [
        hospital.credit_code for hospital in hospitals
    ]
    assert [hospital.credit_code[:2] for hospital in hospitals] == ["12", "91"]
    assert sorted(hospital.pk for hospital in accredited_hospitals()) == [
        hospital.pk for hospital in hospitals
    ]


def test_the_demo_hospital_account_works_for_the_first_hospital(seeded: Agency) -> None:
    # when
    membership = AgencyMember.objects.get(user__phone=HOSPITAL_PHONE)

    # then
    assert (membership.agency, membership.active) == (seeded, True)
    assert seeded == Agency.objects.order_by("pk").first()


def test_the_demo_citizen_has_a_certificate_for_renewal(seeded: Agency) -> None:
    # given
    licence_holder = HealthCertificate.objects.get(holder_name="陈思远")

    # when
    found = valid_health_certificate(licence_holder.id_number, timezone.localdate(), covering="C1")

    # then
    assert found == licence_holder
    assert (found.fit_to_drive, found.classes_fit, found.hospital) == (True, "C1", seeded)


def test_other_holders_have_certificates_one_unfit(seeded: Agency) -> None:
    # when
    others = HealthCertificate.objects.exclude(holder_name="陈思远")

    # then
    assert others.count() == 5
    assert sorted(others.values_list("fit_to_drive", flat=True)) == [False, True, True, True, True]
    assert set(others.filter(fit_to_drive=True).values_list("classes_fit", flat=True)) == {"A2 D"}


def test_public_institution_codes_are_valid() -> None:
    # given
    rng = random.Random(3)

    # when
    codes = [public_institution_credit_code(rng, region="310104") for _ in range(50)]

    # then
    assert [validate_credit_code(code) for code in codes] == codes
