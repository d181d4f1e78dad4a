"""Electronic authorisations (电子委托): an agent of a licensed agency asks a registered
citizen to let them do some items of one licence or one vehicle for an agreed fee, for a
number of days. Nothing is in force until the citizen confirms it with a one-time code
sent to their own phone; they may decline it, and revoke it at any time with immediate
effect. The agent closes the job when it is done; the citizen then says what they paid
(complaints.py).

What an agent may do under an authorisation in force is asked in acting.py.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role, User
from fairlane.accounts.sms import sms_backend
from fairlane.agencies import acting, rules
from fairlane.agencies.authorisation_selectors import access_agent_authorisation, access_authorisation
from fairlane.agencies.models import Agency, AgencyItem, AgencyMember, Authorisation, AuthorisationStatus
from fairlane.catalogue.selectors import published_item
from fairlane.core import money
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput, Throttled
from fairlane.core.ratelimit import RateLimit
from fairlane.core.validators import validate_id_number, validate_plate
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send
from fairlane.registry.models import DriverLicence, Vehicle

Status = AuthorisationStatus

# An agent asks a few citizens an hour; more looks like a list being worked through.
REQUEST_PER_HOUR: Final = RateLimit("authorisation-request", 30, 3600)
# Codes cost an SMS each: one a minute per authorisation, ten a day per citizen.
CODE_PER_MINUTE: Final = RateLimit("authorisation-code-min", 1, 60)
CODE_PER_DAY: Final = RateLimit("authorisation-code-day", 10, 24 * 3600)
REASON_MAX_LENGTH: Final = 200
MINE_PAGE: Final = "/authorisations/"
AGENT_PAGE: Final = "/authorisations/agent/"
# Kept in `ended_reason` when a request was not confirmed in time.
LAPSED: Final = "lapsed"


def _invalid(fields: dict[str, str]) -> InvalidInput:
    return InvalidInput("invalid", _("Some fields are not valid."), fields)


def code_digest(authorisation: Authorisation, code: str) -> str:
    """What is stored of a confirmation code: an HMAC bound to the authorisation."""
    message = f"authorisation:{authorisation.reference}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


# --- Asking ---------------------------------------------------------------------------------


def _membership(actor: User) -> AgencyMember:
    membership = acting.agent_membership(actor)
    if membership is None:
        raise ApiError("not_agent", _("Only an agent of a licensed agency may do this."), status=403)
    return membership


def _subject_of_items(agency: Agency, codes: list[str]) -> tuple[str | None, int, str | None]:
    """The subject ("licence" or "vehicle") of `codes`, the sum of their published fees, and
    why they cannot be asked for together (None if they can)."""
    if not codes:
        return None, 0, str(_("Choose at least one item."))
    published = dict(
        AgencyItem.objects.filter(agency=agency, item_code__in=codes).values_list("item_code", "fee_fen")
    )
    problems: list[str] = []
    subjects: set[str] = set()
    for code in codes:
        found = published_item(code)
        if code in rules.IN_PERSON_ONLY or (found is not None and found.item.applicant == "self_only"):
            problems.append(
                str(
                    _("%(item)s is done by the citizen in person: it can never be authorised.")
                    % {"item": code}
                )
            )
        elif found is None:
            problems.append(str(_("%(item)s is not an item of the catalogue.") % {"item": code}))
        elif not rules.item_delegable(code, found.item.applicant, found.item.category):
            problems.append(str(_("%(item)s cannot be done by an agent.") % {"item": code}))
        elif code not in published:
            problems.append(
                str(_("Your agency publishes no fee for %(item)s: publish one first.") % {"item": code})
            )
        else:
            subjects.add(rules.SUBJECT_OF_CATEGORY[found.item.category])
    if problems:
        return None, 0, " ".join(problems)
    if len(subjects) > 1:
        return None, 0, str(_("One authorisation is for one licence or one vehicle: do not mix their items."))
    return subjects.pop(), sum(published[code] for code in codes), None


def _whole_number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def authorisation_request(
    *,
    actor: User,
    id_number: str,
    name: str,
    item_codes: Sequence[str],
    plate: str = "",
    fee_fen: int,
    days: int,
) -> Authorisation:
    """An agent asks the registered citizen with `id_number` and `name` to authorise them
    for `item_codes` (all of one licence or of the vehicle with `plate`) at `fee_fen` (at
    most the published fees of the items) for `days` days. The citizen is told and
    confirms on their own account. 403 for anyone but an agent of an agency that may act
    today; 422 per field; 409 `daily_cap_reached`; 429 when asked too often."""
    membership = _membership(actor)
    agency = membership.agency
    now = timezone.now()
    refused = acting.agency_acting_refusal(agency, actor, now)
    if refused:
        raise ApiError("agency_may_not_act", refused, status=403)
    if not REQUEST_PER_HOUR.hit(f"agent:{actor.pk}"):
        raise Throttled(
            _("Too many requests. Please wait a while and try again."), REQUEST_PER_HOUR.retry_after()
        )
    errors: dict[str, str] = {}
    try:
        id_number = validate_id_number(id_number)
    except ValidationError as error:
        errors["id_number"] = error.messages[0]
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        errors["name"] = str(_("Enter the citizen's name as on their ID card."))
    codes = list(dict.fromkeys(str(code).strip().upper() for code in item_codes if str(code).strip()))
    subject, published_total, items_problem = _subject_of_items(agency, codes)
    if items_problem:
        errors["items"] = items_problem
    fee = _whole_number(fee_fen)
    if fee is None or fee < 0:
        errors["fee_fen"] = str(_("Enter the fee in fen, a whole number from 0."))
    elif subject is not None and not rules.fee_fits(fee, published_total):
        errors["fee_fen"] = str(
            _("At most %(limit)s, the sum of the fees your agency publishes for these items.")
            % {"limit": money.yuan(published_total)}
        )
    day_count = _whole_number(days)
    if day_count is None or not rules.authorisation_days_fit(day_count):
        errors["days"] = str(_("From 1 to %(most)d days.") % {"most": rules.AUTHORISATION_MAX_DAYS})
    citizen = None
    if "id_number" not in errors and "name" not in errors:
        # Registered accounts only, and the same answer whether the ID number is unknown or
        # the name does not match it: an agent learns nothing by trying.
        citizen = (
            User.objects.filter(id_number=id_number, name=name, role=Role.CITIZEN, is_active=True)
            .exclude(pk=actor.pk)
            .first()
        )
        if citizen is None:
            errors["id_number"] = str(
                _("No registered account has this ID number and this name. The citizen must register first.")
            )
    licence = vehicle = None
    # Once the citizen is known: the licence is theirs, the vehicle registered to them.
    if subject == "licence" and citizen is not None:
        licence = DriverLicence.objects.filter(id_number=id_number).first()
        if licence is None:
            errors["items"] = str(_("No driving licence is on record for this ID number."))
    if subject == "vehicle" and citizen is not None:
        try:
            plate = validate_plate(plate)
        except ValidationError as error:
            errors["plate"] = error.messages[0]
        else:
            vehicle = Vehicle.objects.filter(plate=plate, owner_id_number=id_number).first()
            if vehicle is None:
                errors["plate"] = str(_("No vehicle with this plate is registered to this ID number."))
    if errors:
        raise _invalid(errors)
    assert citizen is not None and fee is not None and day_count is not None  # noqa: S101 - checked above
    return _request_record(
        actor=actor,
        agency=agency,
        citizen=citizen,
        codes=codes,
        licence=licence,
        vehicle=vehicle,
        fee_fen=fee,
        days=day_count,
        now=now,
    )


@transaction.atomic
def _request_record(
    *,
    actor: User,
    agency: Agency,
    citizen: User,
    codes: list[str],
    licence: DriverLicence | None,
    vehicle: Vehicle | None,
    fee_fen: int,
    days: int,
    now: datetime,
) -> Authorisation:
    # The agency's row is the lock that keeps its agents under the daily cap together.
    agency = Agency.objects.select_for_update(of=("self",)).select_related("office").get(pk=agency.pk)
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if Authorisation.objects.filter(agency=agency, requested_at__gte=midnight).count() >= agency.daily_cap:
        raise Conflict(
            "daily_cap_reached",
            _("Your agency asked for as many authorisations today as the office allows. Try again tomorrow."),
        )
    authorisation = Authorisation.objects.create(
        agency=agency,
        agent=actor,
        citizen=citizen,
        item_codes=codes,
        licence=licence,
        vehicle=vehicle,
        fee_fen=fee_fen,
        days=days,
        requested_at=now,
    )
    audit_record(
        action=AuditAction.AUTHORISATION_REQUESTED,
        actor=actor,
        on_behalf_of=citizen,
        office=agency.office,
        obj=authorisation,
        changes={
            "status": (None, Status.REQUESTED),
            "items": (None, " ".join(codes)),
            "fee_fen": (None, fee_fen),
            "days": (None, days),
        },
    )
    notification_send(
        recipient=citizen,
        kind=NotificationKind.AUTHORISATION_REQUESTED,
        params={"reference": authorisation.reference, "fee_fen": fee_fen, "days": days},
        link=f"{MINE_PAGE}{authorisation.reference}/",
    )
    return authorisation


# --- The citizen answers --------------------------------------------------------------------


def _tell_agent(authorisation: Authorisation, outcome: str) -> None:
    notification_send(
        recipient=authorisation.agent,
        kind=NotificationKind.AUTHORISATION_ANSWERED,
        params={"reference": authorisation.reference, "outcome": outcome},
        link=f"{AGENT_PAGE}{authorisation.reference}/",
    )


def _end(
    authorisation: Authorisation,
    *,
    status: str,
    actor: User | None,
    action: AuditAction,
    reason: str,
    now: datetime,
) -> None:
    before = authorisation.status
    authorisation.status, authorisation.ended_at, authorisation.ended_reason = status, now, reason
    authorisation.code_hash, authorisation.code_expires_at = "", None
    authorisation.save(update_fields=["status", "ended_at", "ended_reason", "code_hash", "code_expires_at"])
    audit_record(
        action=action,
        actor=actor,
        on_behalf_of=authorisation.citizen if actor is not None and actor != authorisation.citizen else None,
        office=authorisation.agency.office,
        obj=authorisation,
        reason=reason,
        changes={"status": (before, status)},
    )


def _waiting_refusal(authorisation: Authorisation, now: datetime) -> ApiError | None:
    """Why the citizen cannot confirm `authorisation` now. A request not confirmed in time
    is declined here, for good (the caller's transaction keeps that)."""
    if authorisation.status != Status.REQUESTED:
        return Conflict("not_waiting", _("This authorisation is not waiting for your answer."))
    if rules.request_lapsed(authorisation.requested_at, now):
        _end(
            authorisation,
            status=Status.DECLINED,
            actor=None,
            action=AuditAction.AUTHORISATION_DECLINED,
            reason=LAPSED,
            now=now,
        )
        _tell_agent(authorisation, "declined")
        return Conflict(
            "lapsed", _("This request was not confirmed in time and has lapsed. Ask the agent to ask again.")
        )
    return None


def authorisation_code_send(*, actor: User, authorisation: Authorisation) -> None:
    """Send the citizen a 6-digit code to confirm `authorisation`, by SMS to their own
    phone. An earlier code dies. 409 when it is not waiting (or has lapsed); 429 when
    codes are asked too often."""
    authorisation = access_authorisation(actor, authorisation.reference)
    for limit, subject in ((CODE_PER_MINUTE, authorisation.reference), (CODE_PER_DAY, f"user:{actor.pk}")):
        if not limit.hit(subject):
            raise Throttled(
                _("Too many codes requested. Please wait before asking again."), limit.retry_after()
            )
    code = f"{secrets.randbelow(1_000_000):06d}"
    # The outcome is kept even when the call fails: a lapsed request stays declined.
    with transaction.atomic():
        authorisation = access_authorisation(actor, authorisation.reference, lock=True)
        now = timezone.now()
        refusal = _waiting_refusal(authorisation, now)
        if refusal is None:
            authorisation.code_hash = code_digest(authorisation, code)
            authorisation.code_expires_at = now + rules.CODE_TTL
            authorisation.code_failures = 0
            authorisation.save(update_fields=["code_hash", "code_expires_at", "code_failures"])
            text = str(
                _(
                    "[fairlane] %(code)s confirms authorisation %(reference)s for %(agency)s. Valid for "
                    "10 minutes. Give it to no one, not even the agent."
                )
                % {"code": code, "reference": authorisation.reference, "agency": authorisation.agency.name}
            )
            phone = actor.phone
            transaction.on_commit(lambda: sms_backend().send(phone=phone, text=text))
    if refusal is not None:
        raise refusal


def authorisation_confirm(*, actor: User, authorisation: Authorisation, code: str) -> Authorisation:
    """Confirm `authorisation` with the code sent to the citizen: it is in force for its
    days from now. 422 `code` for a wrong, expired or used-up code (every wrong guess
    counts; after CODE_MAX_FAILURES a new code is needed); 409 when it is not waiting,
    has lapsed (it is declined) or the agency may not act."""
    # Not one atomic block around everything: a wrong guess must be counted, and a lapsed
    # request declined, even though the call fails.
    with transaction.atomic():
        authorisation = access_authorisation(actor, authorisation.reference, lock=True)
        refusal = _confirm_locked(actor, authorisation, str(code or "").strip(), timezone.now())
    if refusal is not None:
        raise refusal
    return authorisation


def _confirm_locked(actor: User, authorisation: Authorisation, code: str, now: datetime) -> ApiError | None:
    refusal = _waiting_refusal(authorisation, now)
    if refusal is not None:
        return refusal
    if not authorisation.code_hash or not rules.confirmation_code_usable(
        authorisation.code_expires_at, authorisation.code_failures, now
    ):
        return _invalid({"code": str(_("This code expired or was tried too often. Ask for a new code."))})
    if not hmac.compare_digest(authorisation.code_hash, code_digest(authorisation, code)):
        authorisation.code_failures += 1
        authorisation.save(update_fields=["code_failures"])
        return _invalid({"code": str(_("The code is not correct."))})
    refused = acting.agency_acting_refusal(authorisation.agency, authorisation.agent, now)
    if refused:
        return Conflict("agency_may_not_act", refused)
    authorisation.status = Status.ACTIVE
    authorisation.confirmed_at = now
    authorisation.valid_until = now + timedelta(days=authorisation.days)
    authorisation.code_hash, authorisation.code_expires_at = "", None
    authorisation.save(
        update_fields=["status", "confirmed_at", "valid_until", "code_hash", "code_expires_at"]
    )
    audit_record(
        action=AuditAction.AUTHORISATION_CONFIRMED,
        actor=actor,
        office=authorisation.agency.office,
        obj=authorisation,
        changes={
            "status": (Status.REQUESTED, Status.ACTIVE),
            "valid_until": (None, authorisation.valid_until.isoformat()),
        },
    )
    _tell_agent(authorisation, "confirmed")
    return None


@transaction.atomic
def authorisation_decline(*, actor: User, authorisation: Authorisation) -> Authorisation:
    """The citizen says no to a request. 409 when it is not waiting."""
    authorisation = access_authorisation(actor, authorisation.reference, lock=True)
    if authorisation.status != Status.REQUESTED:
        raise Conflict("not_waiting", _("This authorisation is not waiting for your answer."))
    _end(
        authorisation,
        status=Status.DECLINED,
        actor=actor,
        action=AuditAction.AUTHORISATION_DECLINED,
        reason="",
        now=timezone.now(),
    )
    _tell_agent(authorisation, "declined")
    return authorisation


def _reason_clean(reason: object) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if len(text) > REASON_MAX_LENGTH:
        raise _invalid({"reason": str(_("At most %(limit)d characters.") % {"limit": REASON_MAX_LENGTH})})
    return text


@transaction.atomic
def authorisation_revoke(*, actor: User, authorisation: Authorisation, reason: str = "") -> Authorisation:
    """The citizen ends a confirmed authorisation now, with an optional reason (at most 200
    characters): from the moment this commits the agent may not act under it (the row
    lock makes a write of the agent's that uses it wait, or see the revocation). 409 when
    it is not confirmed or already ended."""
    authorisation = access_authorisation(actor, authorisation.reference, lock=True)
    text = _reason_clean(reason)
    if authorisation.status != Status.ACTIVE:
        raise Conflict(
            "not_active",
            _("Only a confirmed authorisation can be revoked. One waiting for your answer can be declined."),
        )
    _end(
        authorisation,
        status=Status.REVOKED,
        actor=actor,
        action=AuditAction.AUTHORISATION_REVOKED,
        reason=text,
        now=timezone.now(),
    )
    _tell_agent(authorisation, "revoked")
    return authorisation


# --- The agent closes the job ---------------------------------------------------------------


@transaction.atomic
def authorisation_close(*, actor: User, authorisation: Authorisation) -> Authorisation:
    """The agent says the job is done: the authorisation ends and the citizen is asked what
    they paid. 404 for anyone but its agent; 409 unless it is confirmed and not ended."""
    authorisation = access_agent_authorisation(actor, authorisation.reference, lock=True)
    if authorisation.status != Status.ACTIVE:
        raise Conflict("not_active", _("Only a confirmed authorisation that has not ended can be closed."))
    _end(
        authorisation,
        status=Status.CLOSED,
        actor=actor,
        action=AuditAction.AGENCY_JOB_CLOSED,
        reason="",
        now=timezone.now(),
    )
    notification_send(
        recipient=authorisation.citizen,
        kind=NotificationKind.AGENCY_JOB_CLOSED,
        params={"reference": authorisation.reference, "fee_fen": authorisation.fee_fen},
        link=f"{MINE_PAGE}{authorisation.reference}/",
    )
    return authorisation
