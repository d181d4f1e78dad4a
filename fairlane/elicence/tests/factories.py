"""A citizen with a licence and an issued electronic licence, set up through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.elicence import rules, services, signing
from fairlane.elicence.models import ElectronicLicence
from fairlane.registry.models import DriverLicence, Office
from fairlane.registry.tests.factories import make_licence, make_office

HOLDER = "王小明"


@dataclass
class Holder:
    office: Office
    clerk: User
    citizen: User
    licence: DriverLicence
    electronic: ElectronicLicence | None


def make_holder(*, seed: int = 1, name: str = HOLDER, issue: bool = True, **licence_fields: Any) -> Holder:
    office = Office.objects.first() or make_office()
    clerk = User.objects.filter(role=Role.CLERK).first() or make_staff(Role.CLERK, office=office, seed=101)
    citizen = register_citizen(name=name, seed=seed)
    licence = make_licence(
        id_number=citizen.id_number, holder_name=name, office=office, seed=seed, **licence_fields
    )
    electronic = (
        services.elicence_issue(licence=licence, actor=clerk, application_reference="APPLREF234567ABC")
        if issue
        else None
    )
    return Holder(office=office, clerk=clerk, citizen=citizen, licence=licence, electronic=electronic)


def make_code(private_key: Ed25519PrivateKey, *, now: datetime, **fields: Any) -> str:
    """A code signed with `private_key` for a made-up licence, without the database."""
    values: dict[str, Any] = {
        "serial": "ABCDEFGHIJKLMNOP",
        "id_number": "310101199001011234",
        "holder_name": HOLDER,
        "classes": "C1",
        "valid_until": None,
        "status": "A",
    }
    values.update(fields)
    statement = rules.statement_make(key_id=signing.key_id(private_key.public_key()), now=now, **values)
    return signing.code_sign(statement, private_key)


def issued(holder: Holder) -> ElectronicLicence:
    """The holder's electronic licence, which the test issued."""
    assert holder.electronic is not None
    return holder.electronic
