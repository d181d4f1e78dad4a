"""A new card with the same dates: the base `Exchange`, and replacement of a lost or damaged
licence, the exchange after a name change, and the transfer-in (L-DL 第64条, 第66条, 第69条).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.accounts.services import NAME_PATTERN
from fairlane.applications.handlers.base import ALL, ApplicationForm, Facts, Handler, Problem, document_issue
from fairlane.applications.handlers.licence.shared import (
    NO_LICENCE,
    DeclarationForm,
    Status,
    checked_licence,
    checked_office,
    licence_update,
    long_date,
    status_problem,
)
from fairlane.applications.models import Application, MaterialKind
from fairlane.registry.models import DocumentKind, DriverLicence, IssuedDocument, Office

# --- Replacement and exchange: a new card, same dates ------------------------------------------

# Statuses in which a new card may be made. An overdue licence passes this check only to be
# told to renew instead (`exchange_problems`).
EXCHANGEABLE: frozenset[str] = frozenset({Status.NORMAL, Status.RENEWAL_OVERDUE, Status.RENEWAL_DEFERRED})
# L-DL 第69条: no replacement while the licence is seized, detained (扣留) or suspended (暂扣).
# Over the points limit the police detain it until the study and test (L-RTSL 第24条, L-PT
# 第17条). For the other exchanges the law is silent; the police hold the card they replace.
HELD_BY_POLICE: frozenset[str] = frozenset({Status.OVER_POINTS, Status.SUSPENDED, Status.DETAINED})


def exchange_problems(licence: DriverLicence | None, today: date) -> list[Problem]:
    """Why no new card with the same dates can be made for `licence` today."""
    if licence is None:
        return [NO_LICENCE]
    if licence.status in HELD_BY_POLICE:
        return [
            Problem(
                ALL,
                _(
                    "Your licence is marked “%(status)s”: while a licence is seized, detained or "
                    "suspended it cannot be replaced or exchanged."
                )
                % {"status": licence.get_status_display()},
            )
        ]
    problem = status_problem(licence, EXCHANGEABLE)
    if problem is not None:
        return [problem]
    # The law is silent; a new card of an expired licence would be expired too.
    if licence.valid_until is not None and today > licence.valid_until:
        return [
            Problem(
                ALL,
                _(
                    "Your licence expired on %(date)s: apply for renewal instead, which also gives you a new card."
                )
                % {"date": long_date(licence.valid_until)},
            )
        ]
    return []


def card_reissue(*, application: Application, licence: DriverLicence, now: datetime) -> IssuedDocument:
    """A new driving-licence card with the licence's dates; the one before it is void."""
    return document_issue(
        kind=DocumentKind.DRIVING_LICENCE,
        application=application,
        now=now,
        licence=licence,
        valid_from=licence.valid_from,
        valid_until=licence.valid_until,
    )


class Exchange(Handler):
    """An item that makes a new card for the licence, changing `licence_changes` on it first."""

    form_class: ClassVar[type[ApplicationForm]] = DeclarationForm
    document = DocumentKind.DRIVING_LICENCE
    required_materials: ClassVar[tuple[MaterialKind, ...]] = (MaterialKind.PHOTO,)
    needs_licence = True

    def problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        found = exchange_problems(facts.licence, facts.today)
        return found or self.item_problems(facts, data)

    def item_problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        """The item's own rules, checked once the licence may have a new card."""
        return []

    def licence_changes(
        self, *, application: Application, facts: Facts, data: dict[str, Any]
    ) -> dict[str, Any]:
        """The fields the item changes on the licence (none: only a new card)."""
        return {}

    def apply(
        self, *, application: Application, actor: User, facts: Facts, data: dict[str, Any], now: datetime
    ) -> None:
        licence = checked_licence(facts)
        changes = self.licence_changes(application=application, facts=facts, data=data)
        if changes:
            licence_update(application=application, actor=actor, licence=licence, **changes)
        card_reissue(application=application, licence=licence, now=now)


# --- 遗失补证, 损毁换证 -------------------------------------------------------------------------


class LostForm(DeclarationForm):
    # L-DL 第99条 fines a replacement obtained by deceit; the guide asks for this confirmation.
    lost = forms.BooleanField(
        label=_("I confirm that my licence is lost and is not seized, detained or suspended."),
        error_messages={"required": _("Tick to confirm that the licence is lost.")},
    )
    field_order = ["lost", "declaration"]


class LostReplacement(Exchange):
    """L-DL 第69条: a lost licence is replaced at any office; the old one becomes void. Red
    flags (frequent replacement, 第83条) come from `Handler.red_flags`."""

    code = "DL-LOST"
    form_class = LostForm


class DamagedReplacement(Exchange):
    """L-DL 第66条(二): a licence damaged beyond reading is exchanged within 30 days."""

    code = "DL-DAMAGED"


# --- 信息变更换证 -------------------------------------------------------------------------------


class NameChangeForm(DeclarationForm):
    new_name = forms.CharField(
        label=_("Your new name, as on your resident ID card"),
        max_length=50,
        error_messages={"required": _("Enter your new name.")},
    )
    field_order = ["new_name", "declaration"]

    def clean_new_name(self) -> str:
        name: str = self.cleaned_data["new_name"].strip()
        if not NAME_PATTERN.match(name):
            raise forms.ValidationError(_("Enter your name as on your ID card (2 to 30 characters)."))
        return name


class InformationChange(Exchange):
    """L-DL 第66条(一): the holder's name on the licence changed. A change of ID number also
    changes the account's ID number, which the platform cannot do online."""

    code = "DL-INFOCHG"
    form_class = NameChangeForm
    required_materials: ClassVar = (MaterialKind.DOCUMENT, MaterialKind.PHOTO)

    def item_problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        licence = checked_licence(facts)
        if data["new_name"] == licence.holder_name:
            return [Problem("new_name", _("This is already the name on your licence."))]
        return []

    def identity_flags(self, facts: Facts, data: dict[str, Any]) -> list[str]:
        # The licence still bears the old name: what must match the verified account is the
        # new one (L-DL 第83条(一)); otherwise the proof is checked at a window.
        if data["new_name"] == facts.applicant.name:
            return []
        return [
            str(
                _(
                    "Identity data do not match: the new name is not the name on the applicant's "
                    "verified account."
                )
            )
        ]

    def licence_changes(
        self, *, application: Application, facts: Facts, data: dict[str, Any]
    ) -> dict[str, Any]:
        return {"holder_name": data["new_name"]}


# --- 转入换证 -----------------------------------------------------------------------------------


def transfer_office_problem(licence: DriverLicence, office: Office) -> Problem | None:
    """A problem if the licence is already kept by `office`, the office applied to."""
    if licence.issuing_office_id == office.pk:
        return Problem(
            ALL,
            _("Your licence is already kept by %(office)s: a transfer-in is made at another office.")
            % {"office": office.name},
        )
    return None


class TransferIn(Exchange):
    """L-DL 第64条: the holder moved, or lives outside the issuing area; the office applied to
    keeps the licence from now on. A truthful declaration of physical condition, no
    certificate (the guide says so). Frequent transfers are a red flag through the count of
    new cards (第83条(五))."""

    code = "DL-TRANSFER"

    def item_problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        problem = transfer_office_problem(checked_licence(facts), checked_office(facts))
        return [problem] if problem else []

    def licence_changes(
        self, *, application: Application, facts: Facts, data: dict[str, Any]
    ) -> dict[str, Any]:
        return {"issuing_office": application.office}
