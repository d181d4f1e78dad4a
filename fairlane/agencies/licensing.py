"""Licensing agencies (L-VR 第69–70条): a company applies with the items it will handle and
the accounts of its staff; a reviewer of the office licenses it for a period (at most
`rules.LICENCE_MAX_YEARS` years) or refuses it with a reason. Licensing binds the applicant
as the agency's manager and invites the staff to be its agents (see members.py).

The office sets a fee cap per item; the manager publishes the agency's fee for each item it
was licensed for, at most the cap. A cap lowered below a published fee lowers that fee to
the cap in the same transaction.

Hospitals are accredited through the admin (see services.py) and are not handled here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Final

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import STAFF_ROLES, Role, User
from fairlane.accounts.services import NAME_PATTERN
from fairlane.agencies import rules
from fairlane.agencies.members import (
    candidate_error,
    has_membership,
    invitation_record,
    managed_agency,
    member_bind,
    person_banned,
)
from fairlane.agencies.models import (
    Agency,
    AgencyItem,
    AgencyKind,
    AgencyMember,
    AgencyStatus,
    FeeCap,
)
from fairlane.catalogue.selectors import PublishedItem, published_item, published_items
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound, Throttled
from fairlane.core.masking import mask_phone
from fairlane.core.money import yuan
from fairlane.core.ratelimit import RateLimit
from fairlane.core.validators import validate_credit_code, validate_mobile
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send
from fairlane.registry.models import Office

APPLY_KINDS: Final = (AgencyKind.AGENCY, AgencyKind.DEALER, AgencyKind.POST)
MAX_STAFF: Final = 20  # accounts named in one application (the manager not counted)
REASON_MAX_LENGTH: Final = 200
MAX_FEE_FEN: Final = 10_000_000  # ¥100,000: far above any service fee; stops typing slips
# Office roles that review applications, and those that set fee caps.
REVIEWER_ROLES: Final = frozenset({Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN})
CAP_ROLES: Final = frozenset({Role.SUPERVISOR, Role.ADMIN})
# A company applies once; a few tries a day cover mistakes. Each try looks up phones.
APPLY_PER_DAY: Final = RateLimit("agency-apply", 5, 24 * 3600)
MINE_PAGE: Final = "/agencies/mine/"
_PHONE: Final = re.compile(r"^[0-9][0-9\- ]{6,18}[0-9]$")
_SEPARATORS: Final = re.compile(r"[\s,，、;；]+")


def _invalid(fields: dict[str, str]) -> InvalidInput:
    return InvalidInput("invalid", _("Some fields are not valid."), fields)


def _forbidden(code: str, message: str | Promise) -> ApiError:
    return ApiError(code, message, status=403)


def split_codes(text: str) -> list[str]:
    """Item codes or phones typed in one field, separated by spaces, commas or new lines."""
    return [part for part in _SEPARATORS.split(text.strip()) if part]


# --- Who may take part ------------------------------------------------------------------------


def applicant_refusal(user: User) -> ApiError | None:
    """Why `user` may not apply for an agency now, or None: a real-name citizen account
    (or an agent account no longer bound to an agency), not banned, without an application
    waiting."""
    if not user.is_active or user.identity_verified_at is None:
        return _forbidden("real_name_required", _("Only a real-name verified account may apply."))
    if user.role in STAFF_ROLES or user.role == Role.HOSPITAL:
        return _forbidden("not_citizen", _("Office staff and hospital accounts may not apply for an agency."))
    if has_membership(user):
        return Conflict("already_member", _("You already work for an agency: one agency per person."))
    if person_banned(user, timezone.localdate()):
        return _forbidden("banned", _("A ban the office imposed stops you from applying."))
    if Agency.objects.filter(applied_by=user, status=AgencyStatus.APPLIED).exists():
        return Conflict("already_applied", _("Your application is waiting for the office's review."))
    return None


def _staff_clean(phones: Sequence[str], applicant: User) -> tuple[list[int], str | None]:
    """The user ids of the staff accounts, or the error of the field."""
    if len(phones) > MAX_STAFF:
        return [], str(_("At most %(count)d staff accounts.") % {"count": MAX_STAFF})
    today = timezone.localdate()
    ids: list[int] = []
    problems: list[str] = []
    for typed in phones:
        try:
            phone = validate_mobile(typed)
        except ValidationError:
            problems.append(str(_("%(phone)s is not a mobile number") % {"phone": typed[:20]}))
            continue
        user = User.objects.filter(phone=phone).first()
        if user is not None and user.pk == applicant.pk:
            continue  # the applicant becomes the manager anyway
        why = candidate_error(user, today)
        if why is not None:
            problems.append(f"{mask_phone(phone)}: {why}")
        elif user is not None and user.pk not in ids:
            ids.append(user.pk)
    return ids, "; ".join(problems) or None


def delegable_item_error(code: str) -> str | None:
    """Why an agency may not handle the item `code`, or None."""
    found = published_item(code)
    if found is None:
        return str(_("%(code)s is not a published service item.") % {"code": code})
    if not rules.item_delegable(code, found.item.applicant, found.item.category):
        return str(
            _("%(code)s must be done in person by the applicant: no agency may handle it.") % {"code": code}
        )
    return None


def delegable_items() -> list[PublishedItem]:
    """The published items an agency may handle, in catalogue order."""
    return [
        published
        for published in published_items()
        if rules.item_delegable(published.item.code, published.item.applicant, published.item.category)
    ]


def _items_clean(codes: Iterable[str]) -> tuple[list[str], str | None]:
    cleaned = list(dict.fromkeys(code.strip().upper() for code in codes if code.strip()))
    if not cleaned:
        return [], str(_("Choose at least one item the agency will handle."))
    problems = [why for code in cleaned if (why := delegable_item_error(code))]
    return cleaned, " ".join(problems) or None


# --- Applying ---------------------------------------------------------------------------------


@transaction.atomic
def agency_apply(
    *,
    actor: User,
    kind: str,
    name: str,
    credit_code: str,
    address: str,
    phone: str,
    contact_name: str,
    office: Office | None,
    item_codes: Sequence[str],
    staff_phones: Sequence[str],
) -> Agency:
    """Apply for a licence for a company: its kind (agency, dealer or post office point),
    name, unified social credit code, address, telephone, contact person, the office, the
    items it will handle (each delegable) and the mobile numbers of up to 20 staff accounts.
    403 for a staff, hospital or banned account; 409 for one already in an agency or with
    an application waiting; 422 naming every bad field; 429 when sent too often."""
    refusal = applicant_refusal(actor)
    if refusal is not None:
        raise refusal
    if not APPLY_PER_DAY.hit(f"user:{actor.pk}"):
        raise Throttled(
            _("Too many requests. Please wait a while and try again."), APPLY_PER_DAY.retry_after()
        )
    errors: dict[str, str] = {}
    if kind not in APPLY_KINDS:
        errors["kind"] = str(_("Choose a licensed agency, a dealer service station or a post office point."))
    name, address, phone, contact_name = name.strip(), address.strip(), phone.strip(), contact_name.strip()
    if not 2 <= len(name) <= 80:
        errors["name"] = str(_("Enter the registered name of the company (2 to 80 characters)."))
    try:
        credit_code = validate_credit_code(credit_code)
    except ValidationError as error:
        errors["credit_code"] = error.messages[0]
    existing = Agency.objects.filter(credit_code=credit_code).first() if "credit_code" not in errors else None
    if existing is not None and existing.status != AgencyStatus.REFUSED:
        errors["credit_code"] = str(_("An agency with this credit code is registered already."))
    if not 5 <= len(address) <= 200:
        errors["address"] = str(_("Enter the address of the premises (5 to 200 characters)."))
    if not _PHONE.match(phone):
        errors["phone"] = str(_("Enter a telephone number such as 021-64081230."))
    if not NAME_PATTERN.match(contact_name):
        errors["contact_name"] = str(_("Enter the name as on the ID card (2 to 30 characters)."))
    if office is None:
        errors["office"] = str(_("Choose the office that licenses the agency."))
    items, items_error = _items_clean(item_codes)
    if items_error:
        errors["item_codes"] = items_error
    staff, staff_error = _staff_clean(staff_phones, actor)
    if staff_error:
        errors["staff_phones"] = staff_error
    if errors:
        raise _invalid(errors)
    assert office is not None  # noqa: S101 - checked with the other fields above
    agency = existing or Agency(credit_code=credit_code)
    before = agency.status if existing else None
    agency.kind, agency.name, agency.address, agency.phone = kind, name, address, phone
    agency.contact_name, agency.office, agency.status = contact_name, office, AgencyStatus.APPLIED
    agency.applied_by, agency.applied_at = actor, timezone.now()
    agency.applied_items, agency.applied_staff = items, staff
    agency.status_reason, agency.status_changed_at = "", agency.applied_at
    agency.licensed_from = agency.licensed_until = None
    agency.save()
    audit_record(
        action=AuditAction.AGENCY_APPLIED,
        actor=actor,
        office=office,
        obj=agency,
        changes={
            "status": (before, AgencyStatus.APPLIED),
            "items": (None, items),
            "staff": (None, len(staff)),
        },
    )
    return agency


# --- Reviewing --------------------------------------------------------------------------------


def _is_reviewer(user: User, office_id: int) -> bool:
    return user.is_active and user.role in REVIEWER_ROLES and user.office_id == office_id


def applications_for_staff(user: User) -> QuerySet[Agency]:
    """Applications waiting at the user's office, the oldest first."""
    if not user.is_active or user.role not in REVIEWER_ROLES or user.office_id is None:
        return Agency.objects.none()
    return (
        Agency.objects.filter(office_id=user.office_id, status=AgencyStatus.APPLIED)
        .select_related("office", "applied_by")
        .order_by("applied_at", "pk")
    )


def agencies_for_staff(user: User) -> QuerySet[Agency]:
    """Every agency (not hospital) the user's office licensed or reviews, by name."""
    if not user.is_active or user.role not in REVIEWER_ROLES or user.office_id is None:
        return Agency.objects.none()
    return (
        Agency.objects.filter(office_id=user.office_id)
        .exclude(kind=AgencyKind.HOSPITAL)
        .select_related("office", "applied_by")
        .order_by("name", "pk")
    )


def access_agency_for_staff(user: User, agency_id: int, *, lock: bool = False) -> Agency:
    """An agency of the user's office for its reviewers; otherwise the same answer as none."""
    found = agencies_for_staff(user)
    if lock:
        found = found.select_for_update(of=("self",))
    agency = found.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("not_found", _("No such agency."))
    return agency


def _tell_applicant(agency: Agency, outcome: str) -> None:
    if agency.applied_by is not None:
        notification_send(
            recipient=agency.applied_by,
            kind=NotificationKind.AGENCY_DECIDED,
            params={"outcome": outcome},
            link=MINE_PAGE,
        )


@transaction.atomic
def agency_license(*, actor: User, agency: Agency, licensed_from: date, licensed_until: date) -> Agency:
    """License an applied agency from `licensed_from` to `licensed_until` (both included, at
    most `rules.LICENCE_MAX_YEARS` years), or renew a licensed one's period. A first
    licence binds the applicant as manager and invites each applied staff account still
    free to be an agent (accounts that meanwhile joined another agency or were banned are
    left out).
    404 outside the actor's office; 403 for a clerk; 409 unless applied or licensed."""
    agency = access_agency_for_staff(actor, agency.pk, lock=True)
    if agency.status not in (AgencyStatus.APPLIED, AgencyStatus.LICENSED):
        raise Conflict("not_applied", _("Only an application or a licensed agency can be licensed here."))
    if not rules.licence_period_fits(licensed_from, licensed_until):
        raise _invalid(
            {
                "licensed_until": str(
                    _("The period ends on or after its start and lasts at most %(years)d years.")
                    % {"years": rules.LICENCE_MAX_YEARS}
                )
            }
        )
    first = agency.status == AgencyStatus.APPLIED
    if first:
        today = timezone.localdate()
        applicant = agency.applied_by
        why = candidate_error(applicant, today)
        if applicant is None or why is not None:
            raise Conflict(
                "applicant_unavailable",
                _("The applicant can no longer manage an agency (%(why)s): refuse the application.")
                % {"why": why},
            )
        member_bind(actor=actor, agency=agency, user=applicant, manager=True)
        # The named staff are asked: each becomes an agent on accepting in their own account.
        for user in User.objects.filter(pk__in=agency.applied_staff).order_by("pk"):
            if candidate_error(user, today) is None:
                invitation_record(actor=actor, agency=agency, user=user, invited_by=applicant)
    changes: dict[str, tuple[object, object]] = {
        "status": (agency.status, AgencyStatus.LICENSED),
        "licensed_from": (agency.licensed_from, licensed_from),
        "licensed_until": (agency.licensed_until, licensed_until),
    }
    agency.status, agency.licensed_from, agency.licensed_until = (
        AgencyStatus.LICENSED,
        licensed_from,
        licensed_until,
    )
    agency.status_reason, agency.status_changed_at = "", timezone.now()
    agency.save(
        update_fields=["status", "licensed_from", "licensed_until", "status_reason", "status_changed_at"]
    )
    audit_record(
        action=AuditAction.AGENCY_LICENSED, actor=actor, office=agency.office, obj=agency, changes=changes
    )
    _tell_applicant(agency, "licensed")
    return agency


def _reason_clean(reason: object, field: str = "reason") -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise _invalid({field: str(_("Give a reason: the applicant reads it."))})
    if len(text) > REASON_MAX_LENGTH:
        raise _invalid({field: str(_("At most %(limit)d characters.") % {"limit": REASON_MAX_LENGTH})})
    return text


@transaction.atomic
def agency_refuse(*, actor: User, agency: Agency, reason: str) -> Agency:
    """Refuse an application with a reason (at most 200 characters, published to the
    applicant). 404 outside the actor's office; 409 unless it is an application."""
    agency = access_agency_for_staff(actor, agency.pk, lock=True)
    if agency.status != AgencyStatus.APPLIED:
        raise Conflict("not_applied", _("Only an application waiting for review can be refused."))
    text = _reason_clean(reason)
    agency.status, agency.status_reason, agency.status_changed_at = AgencyStatus.REFUSED, text, timezone.now()
    agency.save(update_fields=["status", "status_reason", "status_changed_at"])
    audit_record(
        action=AuditAction.AGENCY_REFUSED,
        actor=actor,
        office=agency.office,
        obj=agency,
        reason=text,
        changes={"status": (AgencyStatus.APPLIED, AgencyStatus.REFUSED)},
    )
    _tell_applicant(agency, "refused")
    return agency


# --- The manager's work ------------------------------------------------------------------------


def _fee_clean(value: object, field: str) -> int:
    if type(value) is not int or not 0 <= value <= MAX_FEE_FEN:
        raise _invalid({field: str(_("Enter an amount from ¥0 to ¥100,000."))})
    return value


@transaction.atomic
def agency_fee_publish(*, actor: User, item_code: str, fee_fen: int) -> AgencyItem:
    """Publish (or change) the manager's agency's fee for an item it was licensed for, at
    most the office's cap for it. 403 unless the actor manages an agency; 422 for an item
    not applied for, without a cap, or a fee above the cap."""
    agency = managed_agency(actor)
    code = item_code.strip().upper()
    if code not in agency.applied_items:
        raise _invalid({"item_code": str(_("The agency was not licensed for %(code)s.") % {"code": code})})
    fee = _fee_clean(fee_fen, "fee_fen")
    cap = FeeCap.objects.filter(office=agency.office, item_code=code).first()
    if cap is None:
        raise _invalid({"item_code": str(_("The office has not set a fee cap for this item."))})
    if not rules.fee_fits(fee, cap.cap_fen):
        raise _invalid(
            {"fee_fen": str(_("At most the office's cap of %(cap)s.") % {"cap": yuan(cap.cap_fen)})}
        )
    row = AgencyItem.objects.select_for_update().filter(agency=agency, item_code=code).first()
    before = row.fee_fen if row else None
    if row is None:
        row = AgencyItem(agency=agency, item_code=code)
    row.fee_fen, row.published_at = fee, timezone.now()
    row.save()
    audit_record(
        action=AuditAction.AGENCY_FEE_PUBLISHED,
        actor=actor,
        office=agency.office,
        obj=row,
        changes={"item_code": (None, code), "fee_fen": (before, fee)},
    )
    return row


@transaction.atomic
def agency_item_withdraw(*, actor: User, item_code: str) -> None:
    """Stop offering an item: its published fee is removed. 404 if none is published."""
    agency = managed_agency(actor)
    code = item_code.strip().upper()
    row = AgencyItem.objects.select_for_update().filter(agency=agency, item_code=code).first()
    if row is None:
        raise NotFound("not_found", _("The agency publishes no fee for this item."))
    audit_record(
        action=AuditAction.AGENCY_FEE_PUBLISHED,
        actor=actor,
        office=agency.office,
        obj=agency,
        reason="withdrawn",
        changes={"item_code": (code, code), "fee_fen": (row.fee_fen, None)},
    )
    row.delete()


# --- Fee caps ------------------------------------------------------------------------------------


def fee_caps_of(office_id: int) -> QuerySet[FeeCap]:
    return FeeCap.objects.filter(office_id=office_id).order_by("item_code")


@transaction.atomic
def fee_cap_set(*, actor: User, item_code: str, cap_fen: int) -> FeeCap:
    """Set the office's highest fee for a delegable item. Published fees of the office's
    agencies above a lowered cap come down to it at once, each on the audit trail.
    403 unless the actor is a supervisor or administrator of an office; 422 for an item
    no agency may handle or an amount out of range."""
    if not actor.is_active or actor.role not in CAP_ROLES or actor.office_id is None:
        raise _forbidden("not_supervisor", _("A supervisor or an administrator of the office sets fee caps."))
    code = item_code.strip().upper()
    why = delegable_item_error(code)
    if why is not None:
        raise _invalid({"item_code": why})
    cap_fen = _fee_clean(cap_fen, "cap_fen")
    now = timezone.now()
    cap = FeeCap.objects.select_for_update().filter(office_id=actor.office_id, item_code=code).first()
    before = cap.cap_fen if cap else None
    if cap is None:
        cap = FeeCap(office_id=actor.office_id, item_code=code)
    cap.cap_fen, cap.set_by, cap.set_at = cap_fen, actor, now
    cap.save()
    audit_record(
        action=AuditAction.FEE_CAP_SET,
        actor=actor,
        office=actor.office,
        obj=cap,
        changes={"item_code": (None, code), "cap_fen": (before, cap_fen)},
    )
    above = AgencyItem.objects.select_for_update().filter(
        agency__office_id=actor.office_id, item_code=code, fee_fen__gt=cap_fen
    )
    for row in above.order_by("pk"):
        audit_record(
            action=AuditAction.AGENCY_FEE_PUBLISHED,
            actor=actor,
            office=actor.office,
            obj=row,
            reason="cap lowered",
            changes={"item_code": (None, code), "fee_fen": (row.fee_fen, cap_fen)},
        )
        row.fee_fen, row.published_at = cap_fen, now
        row.save(update_fields=["fee_fen", "published_at"])
    return cap


# --- The applicant's and the agent's view ---------------------------------------------------------


def agency_of(user: User) -> Agency | None:
    """The agency the user works for, or else their latest application (any outcome)."""
    membership = AgencyMember.objects.filter(user=user, active=True).select_related("agency__office").first()
    if membership is not None:
        return membership.agency
    return (
        Agency.objects.filter(applied_by=user).select_related("office").order_by("-applied_at", "-pk").first()
    )
