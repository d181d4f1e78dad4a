"""Checking that a person is who they say they are.

Production plugs in face verification against the national identity database through
settings.FAIRLANE_IDENTITY_PROVIDER; development uses the records of this office.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class IdentityCheck:
    ok: bool
    reason: str = ""


class IdentityProvider(Protocol):
    def verify(self, *, name: str, id_number: str) -> IdentityCheck: ...


class DevelopmentIdentityProvider:
    """Accepts a valid ID number unless this office's records show it under another name."""

    def verify(self, *, name: str, id_number: str) -> IdentityCheck:
        from fairlane.registry.models import DriverLicence, Vehicle

        recorded = (
            DriverLicence.objects.filter(id_number=id_number).values_list("holder_name", flat=True).first()
            or Vehicle.objects.filter(owner_id_number=id_number).values_list("owner_name", flat=True).first()
        )
        if recorded is not None and recorded != name:
            return IdentityCheck(
                False, str(_("The name does not match the name registered for this ID number."))
            )
        return IdentityCheck(True)


def identity_provider() -> IdentityProvider:
    provider: IdentityProvider = import_string(settings.FAIRLANE_IDENTITY_PROVIDER)()
    return provider
