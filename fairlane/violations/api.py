"""The citizen's violations API, mounted at /api/v1/violations.

GET  /                              the caller's violations (own vehicles, bound ones), ?plate= one of theirs
GET  /bindings                      the caller's bindings and those of their vehicles
POST /bindings                      ask to bind a vehicle {plate}
POST /bindings/{id}/confirm|refuse  the owner answers
POST /bindings/{id}/end             the driver or the owner ends it
GET  /decisions/{number}            a penalty decision (the driver it penalised; window staff)
POST /fines/{number}/pay            the payment order for the fine and today's late fee
GET  /{reference}                   one violation, with what online handling would do or why not
GET  /{reference}/evidence/{n}      one evidence picture
POST /{reference}/handle            handle it online: the decision

Names and ID numbers of other people are masked.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from fairlane.accounts.api_auth import BearerToken, StaffSession
from fairlane.core.errors import NotFound
from fairlane.core.masking import mask_id_number, mask_name
from fairlane.registry.selectors import vehicles_visible_to
from fairlane.violations import bindings, fines, handling
from fairlane.violations.citizen_views import evidence_response
from fairlane.violations.models import BindingStatus, Fine, PenaltyDecision, VehicleBinding, Violation
from fairlane.violations.selectors import access_violation, violations_visible_to
from fairlane.web.http import signed_in_user

router = Router(tags=["violations"], auth=[BearerToken(), StaffSession()])

LIST_SHOWN = 200


class RefusalOut(Schema):
    code: str
    message: str


class FineOut(Schema):
    amount_fen: int
    due_on: date
    status: str  # unpaid, paid or cancelled
    late_fee_fen: int  # charged at payment
    late_fee_today_fen: int  # what paying today adds (0 once paid)
    paid_at: datetime | None
    payment_reference: str


class DecisionOut(Schema):
    number: str
    violation: str  # its reference
    channel: str  # online or window
    office: str  # the deciding office's code
    decided_at: datetime
    driver: str  # masked name
    licence_number: str  # masked
    fine_fen: int
    points: int
    other_owner: bool
    revoked_at: datetime | None
    fine: FineOut | None  # null: a warning


class ViolationOut(Schema):
    reference: str
    plate: str
    own_vehicle: bool  # registered to the caller; otherwise bound
    owner: str  # masked name
    code: str
    description_zh: str
    description_en: str
    law: str
    occurred_at: datetime
    place: str
    office: str  # the office of the place, by code
    fine_fen: int
    points: int
    camera: bool
    status: str  # unhandled, handled or cancelled
    handle_by: date | None
    evidence: list[int]  # positions
    decision: str | None  # the decision number once handled


class HandlingOut(Schema):
    allowed: bool
    refusals: list[RefusalOut]
    points_now: int
    points_after: int
    fine_fen: int
    due_on: date | None


class ViolationDetailOut(ViolationOut):
    online_handling: HandlingOut


class ViolationsOut(Schema):
    licence_points: int | None  # null: no licence on record
    cycle_start: date | None
    violations: list[ViolationOut]


class BindingOut(Schema):
    id: int
    plate: str
    status: str  # requested, active, refused or ended
    status_label: str
    requested_at: datetime
    confirmed_at: datetime | None
    ended_at: datetime | None
    mine: bool  # the caller asked for it; otherwise it binds the caller's vehicle
    driver: str  # masked name
    owner: str  # masked name


class BindingsOut(Schema):
    mine: list[BindingOut]
    incoming: list[BindingOut]


class BindingIn(Schema):
    plate: str


class PayOut(Schema):
    payment_reference: str
    amount_fen: int
    fine_fen: int
    late_fee_fen: int
    pay_url: str


def violation_out(violation: Violation, user_id_number: str) -> ViolationOut:
    decision: PenaltyDecision | None = getattr(violation, "decision", None)
    fields: dict[str, Any] = {
        "reference": violation.reference,
        "plate": violation.plate,
        "own_vehicle": violation.vehicle.owner_id_number == user_id_number,
        "owner": mask_name(violation.vehicle.owner_name),
        "code": violation.code.code,
        "description_zh": violation.code.description_zh,
        "description_en": violation.code.description_en,
        "law": violation.code.law,
        "occurred_at": violation.occurred_at,
        "place": violation.place,
        "office": violation.office.code,
        "fine_fen": violation.fine_fen,
        "points": violation.points,
        "camera": violation.camera,
        "status": violation.status,
        "handle_by": violation.handle_by,
        "evidence": [item.position for item in violation.evidence.all()],
        "decision": decision.number if decision is not None else None,
    }
    return ViolationOut(**fields)


def fine_out(fine: Fine | None) -> FineOut | None:
    if fine is None:
        return None
    late_today = fines.amount_due(fine, timezone.localdate())[1] if fine.status == "unpaid" else 0
    return FineOut(
        amount_fen=fine.amount_fen,
        due_on=fine.due_on,
        status=fine.status,
        late_fee_fen=fine.late_fee_fen,
        late_fee_today_fen=late_today,
        paid_at=fine.paid_at,
        payment_reference=fine.payment_reference,
    )


def decision_out(decision: PenaltyDecision) -> DecisionOut:
    return DecisionOut(
        number=decision.number,
        violation=decision.violation.reference,
        channel=decision.channel,
        office=decision.office.code,
        decided_at=decision.decided_at,
        driver=mask_name(decision.licence.holder_name),
        licence_number=mask_id_number(decision.licence.id_number),
        fine_fen=decision.fine_fen,
        points=decision.points,
        other_owner=decision.other_owner,
        revoked_at=decision.revoked_at,
        fine=fine_out(getattr(decision, "fine", None)),
    )


def binding_out(binding: VehicleBinding, user_pk: int) -> BindingOut:
    return BindingOut(
        id=binding.pk,
        plate=binding.vehicle.plate,
        status=binding.status,
        status_label=str(BindingStatus(binding.status).label),
        requested_at=binding.requested_at,
        confirmed_at=binding.confirmed_at,
        ended_at=binding.ended_at,
        mine=binding.driver_id == user_pk,
        driver=mask_name(binding.driver.name),
        owner=mask_name(binding.vehicle.owner_name),
    )


# --- Static paths first: "/{reference}" would swallow them ------------------------------------


@router.get("", response=ViolationsOut)
def violations_mine(request: HttpRequest, plate: str = "") -> ViolationsOut:
    """The caller's violations, newest first. `plate` narrows to one of the caller's own
    vehicles; any other plate gives an empty list."""
    user = signed_in_user(request)
    found = violations_visible_to(user).prefetch_related("evidence").select_related("decision")
    plate = plate.strip().upper()
    if plate:
        own = vehicles_visible_to(user).filter(plate=plate).exists()
        found = found.filter(vehicle__plate=plate) if own else found.none()
    licence = handling.licence_of(user)
    return ViolationsOut(
        licence_points=licence.points if licence is not None else None,
        cycle_start=licence.cycle_start if licence is not None else None,
        violations=[violation_out(v, user.id_number) for v in found[:LIST_SHOWN]],
    )


@router.get("/bindings", response=BindingsOut)
def bindings_list(request: HttpRequest) -> BindingsOut:
    user = signed_in_user(request)
    return BindingsOut(
        mine=[binding_out(binding, user.pk) for binding in bindings.bindings_of_driver(user)],
        incoming=[binding_out(binding, user.pk) for binding in bindings.bindings_of_owner(user)],
    )


@router.post("/bindings", response={201: BindingOut})
def binding_request(request: HttpRequest, payload: BindingIn) -> Status:
    """Ask the owner of the vehicle with `plate` to confirm a binding. 422 for a plate no
    answering owner has; 409 `own_vehicle`, `already_bound` or `too_many_bindings`."""
    user = signed_in_user(request)
    binding = bindings.binding_request(driver=user, plate=payload.plate)
    return Status(201, binding_out(binding, user.pk))


@router.post("/bindings/{binding_id}/confirm", response=BindingOut)
def binding_confirm(request: HttpRequest, binding_id: int) -> BindingOut:
    user = signed_in_user(request)
    return binding_out(
        bindings.binding_decide(owner=user, binding=VehicleBinding(pk=binding_id), confirm=True), user.pk
    )


@router.post("/bindings/{binding_id}/refuse", response=BindingOut)
def binding_refuse(request: HttpRequest, binding_id: int) -> BindingOut:
    user = signed_in_user(request)
    return binding_out(
        bindings.binding_decide(owner=user, binding=VehicleBinding(pk=binding_id), confirm=False), user.pk
    )


@router.post("/bindings/{binding_id}/end", response=BindingOut)
def binding_end(request: HttpRequest, binding_id: int) -> BindingOut:
    user = signed_in_user(request)
    return binding_out(bindings.binding_end(actor=user, binding=VehicleBinding(pk=binding_id)), user.pk)


@router.get("/decisions/{number}", response=DecisionOut)
def decision_detail(request: HttpRequest, number: str) -> DecisionOut:
    return decision_out(handling.access_decision(signed_in_user(request), number))


@router.post("/fines/{number}/pay", response=PayOut)
def fine_pay(request: HttpRequest, number: str) -> PayOut:
    """The order to pay the fine of decision `number` with today's late fee; start it at
    `pay_url`. 409 `not_payable` once paid."""
    user = signed_in_user(request)
    fine = fines.access_fine(user, number)
    order = fines.fine_pay(actor=user, fine=fine)
    amounts = {line.kind: line.amount_fen for line in order.lines.all()}
    return PayOut(
        payment_reference=order.reference,
        amount_fen=order.amount_fen,
        fine_fen=amounts.get("fine", 0),
        late_fee_fen=amounts.get("late_fee", 0),
        pay_url=f"/api/v1/payments/orders/{order.reference}/start",
    )


# --- One violation ----------------------------------------------------------------------------


@router.get("/{reference}", response=ViolationDetailOut)
def violation_detail(request: HttpRequest, reference: str) -> ViolationDetailOut:
    """One of the caller's violations, with `online_handling`: whether the caller may handle
    it online now, every reason why not, and the points and fine it would bring."""
    user = signed_in_user(request)
    violation = access_violation(user, reference)
    preview = handling.handling_preview(user=user, violation=violation)
    return ViolationDetailOut(
        **violation_out(violation, user.id_number).model_dump(),
        online_handling=HandlingOut(
            allowed=preview.allowed,
            refusals=[RefusalOut(code=r.code, message=str(r.message)) for r in preview.refusals],
            points_now=preview.points_now,
            points_after=preview.points_after,
            fine_fen=preview.fine_fen,
            due_on=preview.due_on,
        ),
    )


@router.get("/{reference}/evidence/{position}", response={200: None})
def violation_evidence(request: HttpRequest, reference: str, position: int) -> HttpResponseBase:
    """The picture itself, with its stored content type; never cached."""
    violation = access_violation(signed_in_user(request), reference)
    try:
        return evidence_response(violation, position)
    except Http404:
        raise NotFound("not_found", _("No such evidence.")) from None


@router.post("/{reference}/handle", response={201: DecisionOut})
def violation_handle(request: HttpRequest, reference: str) -> Status:
    """Handle the violation online under the caller's licence. 403 `not_bound`,
    `before_binding` or `no_licence`; 409 with the first other refusal (`fields` lists
    them all); 404 for another person's violation."""
    user = signed_in_user(request)
    violation = access_violation(user, reference)
    decision = handling.violation_handle(actor=user, violation=violation)
    decision = PenaltyDecision.objects.select_related("licence", "office", "violation", "fine").get(
        pk=decision.pk
    )
    return Status(201, decision_out(decision))
