"""Every write on applications: the draft, its delivery choice, payment and submission,
and the workflow moves with their effects on the registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.agencies import acting
from fairlane.agencies.models import AgencyKind, Authorisation
from fairlane.applications import agent_scope, assignment, rules
from fairlane.applications.handlers import handler_for
from fairlane.applications.handlers.base import Handler, Problem, form_stored
from fairlane.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Delivery,
    DeliveryMethod,
    MaterialKind,
    ReasonCode,
)
from fairlane.catalogue.office_settings.selectors import values_at_office
from fairlane.catalogue.selectors import published_item
from fairlane.core import workdays
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput, Throttled
from fairlane.core.ratelimit import RateLimit
from fairlane.core.validators import validate_mobile
from fairlane.notifications.messages import NotificationKind
from fairlane.notifications.services import notification_send
from fairlane.payments import services as payments
from fairlane.payments.models import LineKind, OrderStatus, PaymentOrder
from fairlane.payments.rules import Line
from fairlane.payments.selectors import order_of_subject
from fairlane.registry.models import Office

Status = ApplicationStatus

# How each refusal of `rules.transition_refusal` is answered: HTTP status and message.
_REFUSALS: dict[rules.Refusal, tuple[int, str | Promise]] = {
    rules.Refusal.NOT_ALLOWED: (409, _("This step is not possible in the application's current state.")),
    rules.Refusal.NOT_YOURS: (403, _("Only the applicant may take this step.")),
    rules.Refusal.NOT_OFFICE_STAFF: (403, _("Only staff of the office handling it may take this step.")),
    rules.Refusal.NOT_SYSTEM: (403, _("This step needs a person to take it.")),
    rules.Refusal.OWN_APPLICATION: (403, _("You may not decide on your own application.")),
    rules.Refusal.NOT_ASSIGNED: (403, _("This case is assigned to another staff member.")),
    rules.Refusal.FOUR_EYES: (
        403,
        _("You accepted this case, and it is sensitive: another staff member must approve it."),
    ),
    rules.Refusal.REASON_REQUIRED: (422, _("Some fields are not valid.")),
    rules.Refusal.REASON_INVALID: (422, _("Some fields are not valid.")),
}
# Where the applicant may still change the form, the delivery choice and the materials.
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
# Drafts and checkouts one account may start in an hour (by account id, never personal data).
CREATE_PER_HOUR = RateLimit("application-create", 20, 3600)
CHECKOUT_PER_HOUR = RateLimit("application-checkout", 30, 3600)


def _limit_hit(limit: RateLimit, user: User) -> None:
    if not limit.hit(f"user:{user.pk}"):
        raise Throttled(_("Too many requests. Please wait a while and try again."), limit.retry_after())


def _handler(item_code: str) -> Handler:
    handler = handler_for(item_code)
    if handler is None or published_item(item_code) is None:
        raise InvalidInput(
            "invalid",
            _("Some fields are not valid."),
            {"item_code": str(_("This service cannot be applied for online."))},
        )
    return handler


def _problems_error(problems: list[Problem]) -> InvalidInput:
    fields: dict[str, str] = {}
    for problem in problems:
        fields.setdefault(problem.field, str(problem.message))
    return InvalidInput("not_eligible", _("You cannot apply for this service now."), fields)


def _clean_form(handler: Handler, applicant: User, form_data: Any) -> dict[str, Any]:
    """The cleaned per-item form, or InvalidInput with a message per field."""
    if not isinstance(form_data, dict):
        raise InvalidInput(
            "invalid", _("Some fields are not valid."), {"form_data": str(_("The form is not valid."))}
        )
    form = handler.form_class(data=form_data, applicant=applicant)
    if not form.is_valid():
        fields = {name: str(errors[0]) for name, errors in form.errors.items()}
        raise InvalidInput("invalid", _("Some fields are not valid."), fields)
    return form.cleaned_data


def _check_eligible(handler: Handler, applicant: User, data: dict[str, Any], office: Office) -> None:
    facts = handler.facts_load(applicant, data, timezone.localdate(), office)
    problems = handler.problems(facts, data)
    if problems:
        raise _problems_error(problems)


def _current_form(handler: Handler, application: Application) -> dict[str, Any]:
    """The stored form checked again against today's records."""
    data = handler.form_data(application.applicant, application.form_data)
    if data is None:
        raise Conflict(
            "records_changed",
            _("The records this application is about changed since it was filled in: correct the form."),
        )
    return data


def _office_fee_and_days(office: Office, item_code: str) -> tuple[int, int]:
    published = published_item(item_code)
    if published is None:
        raise ValueError(f"item {item_code} is not published")
    item = published.item
    fee, days = item.fee_fen, item.time_limit_days
    for entry in values_at_office(office, [item]):
        fee = entry.values.fee.value if entry.values.fee else fee
        days = entry.values.time_limit.value if entry.values.time_limit else days
    return fee, days


@transaction.atomic
def application_create(
    *,
    applicant: User,
    item_code: str,
    office: Office,
    form_data: dict[str, Any],
    agent: User | None = None,
) -> Application:
    """A new draft of `applicant` for the online item `item_code` at `office`, if the item's
    form is valid and its conditions are met today. With `agent`, the agent files it for
    the applicant: only inside an authorisation in force that covers the item and the
    form's licence or vehicle (checked here again, under lock, so a revocation committed
    first wins)."""
    actor = agent or applicant
    _limit_hit(CREATE_PER_HOUR, actor)
    handler = _handler(item_code)
    data = _clean_form(handler, applicant, form_data)
    authorisation = None
    if agent is not None:
        authorisation = _agent_authorisation_check(agent, applicant, handler, data)
    _check_eligible(handler, applicant, data, office)
    published = published_item(item_code)
    fee_fen, _days = _office_fee_and_days(office, item_code)
    now = timezone.now()
    application = Application.objects.create(
        applicant=applicant,
        agent=agent,
        item_code=item_code,
        office=office,
        form_data=form_stored(data),
        sensitive=bool(published and published.item.sensitive),
        fee_fen=fee_fen,
        created_at=now,
        updated_at=now,
    )
    ApplicationEvent.objects.create(
        application=application, from_status="", to_status=Status.DRAFT, actor=actor, at=now
    )
    audit_record(
        action=AuditAction.APPLICATION_CREATED,
        actor=actor,
        on_behalf_of=applicant if agent is not None else None,
        office=office,
        obj=application,
        changes={"status": (None, Status.DRAFT), "item_code": (None, item_code)},
    )
    if authorisation is not None:
        acting.agent_acted(authorisation=authorisation, action="application_filed", item_code=item_code)
    return application


# --- agents acting for the applicant ------------------------------------------------------


def _agent_authorisation_check(
    agent: User, applicant: User, handler: Handler, data: dict[str, Any]
) -> Authorisation:
    vehicle_id, licence_id = agent_scope.subject_ids(handler, applicant, data)
    authorisation = acting.authorisation_for(
        agent, applicant, item_code=handler.code, vehicle_id=vehicle_id, licence_id=licence_id, lock=True
    )
    if authorisation is None:
        raise ApiError("not_authorised", _("No authorisation in force lets you do this."), status=403)
    return authorisation


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update(of=("self",)).select_related("office").get(pk=application.pk)


def _applicant_edit_check(actor: User, application: Application) -> Authorisation | None:
    """Refuse unless `actor` is the applicant, or the agent who filed it acting inside an
    authorisation in force (returned, locked: call it inside the write's transaction)."""
    authorisation = None
    if actor.pk != application.applicant_id:
        authorisation = agent_scope.agent_authorisation(actor, application, lock=True)
        if authorisation is None:
            raise ApiError("not_yours", _("Only the applicant may change the application."), status=403)
    if application.status not in EDITABLE:
        raise ApiError(
            "not_editable",
            _("The application can be changed only as a draft or after it was returned."),
            status=409,
        )
    return authorisation


@transaction.atomic
def application_form_update(
    *, actor: User, application: Application, form_data: dict[str, Any]
) -> Application:
    """Replace the form of a draft or returned application (退回补正)."""
    application = _lock(application)
    authorisation = _applicant_edit_check(actor, application)
    handler = _handler(application.item_code)
    applicant = application.applicant
    data = _clean_form(handler, applicant, form_data)
    if authorisation is not None:  # the new form must stay inside the authorisation too
        authorisation = _agent_authorisation_check(actor, applicant, handler, data)
    _check_eligible(handler, applicant, data, application.office)
    application.form_data = form_stored(data)
    application.updated_at = timezone.now()
    application.save(update_fields=["form_data", "updated_at"])
    if authorisation is not None:
        acting.agent_acted(
            authorisation=authorisation, action="application_changed", item_code=application.item_code
        )
    return application


@transaction.atomic
def delivery_choose(
    *,
    actor: User,
    application: Application,
    method: str,
    recipient_name: str = "",
    recipient_phone: str = "",
    address: str = "",
    collect_office: Office | None = None,
) -> Delivery:
    """How the produced document reaches the applicant: by post (postage added to the fee)
    or collected at an office. What a post office point files for a citizen goes by post."""
    application = _lock(application)
    authorisation = _applicant_edit_check(actor, application)
    handler = _handler(application.item_code)
    if handler.document is None:
        raise ApiError("no_document", _("This service produces no document to deliver."), status=409)
    errors = rules.delivery_errors(
        method=method,
        recipient_name=recipient_name,
        recipient_phone_error=_phone_error(recipient_phone) if method == DeliveryMethod.MAIL else None,
        address=address,
        has_collect_office=collect_office is not None,
    )
    if (
        authorisation is not None
        and authorisation.agency.kind == AgencyKind.POST
        and method != DeliveryMethod.MAIL
    ):
        # 警邮: what a post office point accepts reaches the person by post.
        errors["method"] = str(_("A post office point sends the document by post: choose delivery by post."))
    if errors:
        raise InvalidInput("invalid", _("Some fields are not valid."), errors)
    by_post = method == DeliveryMethod.MAIL
    delivery, _created = Delivery.objects.update_or_create(
        application=application,
        defaults={
            "method": method,
            "recipient_name": recipient_name.strip() if by_post else "",
            "recipient_phone": recipient_phone if by_post else "",
            "address": address.strip() if by_post else "",
            "postage_fen": rules.POSTAGE_FEN if by_post else 0,
            "collect_office": None if by_post else collect_office,
        },
    )
    audit_record(
        action=AuditAction.DELIVERY_CHOSEN,
        actor=actor,
        office=application.office,
        obj=application,
        changes={"method": (None, method), "postage_fen": (None, delivery.postage_fen)},
    )
    if authorisation is not None:
        acting.agent_acted(
            authorisation=authorisation, action="delivery_chosen", item_code=application.item_code
        )
    return delivery


def _phone_error(phone: str) -> str | None:
    try:
        validate_mobile(phone)
    except ValidationError as error:
        return str(error.messages[0])
    return None


def amount_due(application: Application) -> int:
    """The fee plus postage, in fen."""
    delivery = getattr(application, "delivery", None)
    return application.fee_fen + (delivery.postage_fen if delivery else 0)


def materials_required(application: Application) -> tuple[MaterialKind, ...]:
    """The files the application's item asks for, given its form."""
    handler = _handler(application.item_code)
    return handler.materials_required(handler.form_data(application.applicant, application.form_data) or {})


def _submission_problems(application: Application, handler: Handler) -> dict[str, str]:
    """What is missing before the office can receive the application."""
    missing: dict[str, str] = {}
    if handler.document is not None and not Delivery.objects.filter(application=application).exists():
        missing["delivery"] = str(_("Choose delivery by post or collection at an office."))
    uploaded = set(application.materials.values_list("kind", flat=True))
    for kind in materials_required(application):
        if kind not in uploaded:
            missing[f"material_{kind}"] = str(_("Upload this first: %(kind)s.") % {"kind": kind.label})
    return missing


def _submission_check(actor: User | None, application: Application) -> Authorisation | None:
    handler = _handler(application.item_code)
    authorisation = _applicant_edit_check(actor, application) if actor is not None else None
    missing = _submission_problems(application, handler)
    if missing:
        raise InvalidInput("incomplete", _("The application is not complete yet."), missing)
    _check_eligible(handler, application.applicant, _current_form(handler, application), application.office)
    return authorisation


def payment_subject(application: Application) -> str:
    return f"application:{application.reference}"


def subject_page(subject: str, viewer: User) -> str | None:
    """The page of the application a payment order is for, as `viewer` (the order's payer)
    opens it: the applicant's own page, or the agent's page of it under their authorisation
    in force (None: the agent may no longer open it)."""
    reference = subject.removeprefix("application:")
    application = Application.objects.select_related("applicant").filter(reference=reference).first()
    if application is None or viewer.pk != application.agent_id:
        return reverse("applications:detail", kwargs={"reference": reference})
    authorisation = agent_scope.agent_authorisation(viewer, application)
    if authorisation is None:
        return None
    return reverse(
        "acting:application",
        kwargs={"reference": authorisation.reference, "application_reference": application.reference},
    )


@transaction.atomic
def application_checkout(*, actor: User, application: Application) -> PaymentOrder | None:
    """Check that the application is complete and eligible, then either submit it (nothing
    to pay, or already paid) or return the payment order the applicant must pay first; the
    payment's confirmation submits it."""
    _limit_hit(CHECKOUT_PER_HOUR, actor)
    application = _lock(application)
    authorisation = _submission_check(actor, application)
    if authorisation is not None:  # the agent pays or submits for the applicant
        acting.agent_acted(
            authorisation=authorisation, action="application_paid", item_code=application.item_code
        )
    due = amount_due(application)
    subject = payment_subject(application)
    order = order_of_subject(subject)
    if due == 0 or (order is not None and order.status == OrderStatus.PAID):
        _submit(actor=actor, application=application, by_agent=authorisation is not None)
        return None
    if order is not None and order.amount_fen == due:
        return order  # waiting for payment: pay that one
    if order is not None:  # the delivery changed since: the old amount is wrong
        payments.payment_order_cancel(actor=actor, order=order)
    delivery = getattr(application, "delivery", None)
    lines = [Line(LineKind.FEE, application.fee_fen)]
    if delivery is not None:
        lines.append(Line(LineKind.POSTAGE, delivery.postage_fen))
    # A declined or cancelled order frees the subject; each attempt is a new order.
    attempt = PaymentOrder.objects.filter(subject=subject).count()
    return payments.payment_order_create(
        payer=actor,
        office=application.office,
        subject=subject,
        lines=[line for line in lines if line.amount_fen],
        idempotency_key=f"{subject}:{attempt}",
    )


def on_fee_paid(order: PaymentOrder) -> None:
    """Payments hook: the fee of a draft is paid, so the system submits it. If it can no
    longer be submitted (withdrawn, or the conditions stopped holding while the applicant
    paid), the payment still counts and a refund is asked for instead."""
    reference = order.subject.removeprefix("application:")
    application = Application.objects.filter(reference=reference).first()
    if application is None:
        return
    # An agent's payment carries out the agent's request: only if they may still act (a
    # revocation that committed while they paid wins).
    by_agent = application.agent_id is not None and order.payer_id == application.agent_id
    try:
        with transaction.atomic():
            application = _lock(application)
            if application.status != Status.DRAFT:
                raise Conflict("not_draft", _("The application was no longer a draft when its fee was paid."))
            if by_agent and agent_scope.agent_authorisation(order.payer, application, lock=True) is None:
                raise ApiError(
                    "not_authorised",
                    _("The agent's authorisation was no longer in force when the fee was paid."),
                    status=403,
                )
            _submission_check(None, application)
            _submit(actor=None, application=application)
    except ApiError as refusal:
        if refusal.code == "not_authorised":
            _agent_refusal_record(order.payer, application, "application_paid")
        payments.refund_request(
            actor=None, order=order, amount_fen=order.amount_fen, reason=str(refusal.message)[:200]
        )


@transaction.atomic
def _agent_refusal_record(agent: User, application: Application, action: str) -> None:
    """Put on the audit trail that the system did not carry out an agent's earlier request."""
    audit_record(
        action=AuditAction.AGENT_ACTION_REFUSED,
        actor=agent,
        on_behalf_of=application.applicant,
        office=application.office,
        obj=application,
        reason=f"{action} {application.item_code}"[:200],
    )


def _submit(*, actor: User | None, application: Application, by_agent: bool = False) -> None:
    """Send the application to the office, then switch it to in-person handling if it shows
    red flags, otherwise assign it at random for acceptance. `by_agent`: `actor` is the
    applicant's agent, whose authorisation the caller checked."""
    handler = _handler(application.item_code)
    _transition(actor=actor, application=application, to=Status.SUBMITTED, by_agent=by_agent)
    application.refresh_from_db()
    data = _current_form(handler, application)
    facts = handler.facts_load(application.applicant, data, timezone.localdate(), application.office)
    flags = handler.red_flags(facts, data)
    if flags:
        application_transition(
            actor=None,
            application=application,
            to=Status.IN_PERSON,
            reason_code=ReasonCode.RED_FLAG,
            reason_text=" ".join(flags)[: rules.REASON_MAX_LENGTH],
        )
        return
    assignment.assign_at_random(application=application, stage=assignment.Stage.ACCEPTANCE)


@transaction.atomic
def application_resubmit(*, actor: User, application: Application) -> Application:
    """Send a returned application again after correcting it; its fee stays paid."""
    application = _lock(application)
    authorisation = _submission_check(actor, application)
    _transition(actor=actor, application=application, to=Status.SUBMITTED, by_agent=authorisation is not None)
    application.refresh_from_db()
    assignment.assign_at_random(application=application, stage=assignment.Stage.ACCEPTANCE)
    if authorisation is not None:
        acting.agent_acted(
            authorisation=authorisation, action="application_paid", item_code=application.item_code
        )
    return application


def application_transition(
    *,
    actor: User | None,
    application: Application,
    to: ApplicationStatus,
    reason_code: str = "",
    reason_text: str = "",
) -> Application:
    """Move an application one step along the workflow in `rules.TRANSITIONS`. `actor` None
    is the system acting on its own. Approval applies the item's effect on the registry in
    the same transaction; an item with no document then closes. Submission goes through
    `application_checkout` and `application_resubmit`, which check completeness and payment."""
    if to == Status.SUBMITTED:
        raise Conflict("use_checkout", _("Submit the application from its page, after paying any fee."))
    return _transition(
        actor=actor, application=application, to=to, reason_code=reason_code, reason_text=reason_text
    )


@transaction.atomic
def _transition(
    *,
    actor: User | None,
    application: Application,
    to: ApplicationStatus,
    reason_code: str = "",
    reason_text: str = "",
    by_agent: bool = False,
) -> Application:
    """`by_agent`: `actor` is the applicant's agent acting inside an authorisation the caller
    checked; the step is taken as the applicant's, and recorded as the agent's for them."""
    application = _lock(application)
    source = Status(application.status)
    reason_text = reason_text.strip()
    refusal = rules.transition_refusal(
        source=source,
        target=to,
        actor_id=application.applicant_id if by_agent else actor.pk if actor is not None else None,
        actor_role=actor.role if actor is not None else "",
        actor_office_id=actor.office_id if actor is not None else None,
        applicant_id=application.applicant_id,
        office_id=application.office_id,
        assignee_id=application.assignee_id,
        accepted_by_id=application.accepted_by_id,
        sensitive=application.sensitive,
        reason_code=reason_code,
        reason_text=reason_text,
    )
    if refusal in (rules.Refusal.REASON_REQUIRED, rules.Refusal.REASON_INVALID):
        step = rules.TRANSITIONS[source, to]
        fields = rules.reason_errors(
            needs_reason=step.needs_reason, reason_code=reason_code, reason_text=reason_text
        )
        raise InvalidInput(refusal.value, _REFUSALS[refusal][1], fields)
    if refusal is not None:
        status, message = _REFUSALS[refusal]
        raise ApiError(refusal.value, message, status=status)

    now = timezone.now()
    if to == Status.APPROVED:
        _approve_effect(actor, application, now)
        reason_code = ReasonCode.CONDITIONS_MET  # every decision carries its reason code
    _record_move(actor, application, source, to, reason_code, reason_text, now, by_agent=by_agent)
    if to == Status.ACCEPTED:
        assignment.assign_at_random(application=application, stage=assignment.Stage.REVIEW)
    if to == Status.APPROVED and _handler(application.item_code).document is None:
        _record_move(None, application, Status.APPROVED, Status.CLOSED, "", "", now)
    if to in (Status.REJECTED, Status.WITHDRAWN):
        _refund_fee(application, reason=str(_("Application %(status)s") % {"status": to.label}))
    return application


def _approve_effect(actor: User | None, application: Application, now: datetime) -> None:
    """Check the conditions once more and change the registry; refuse if they no longer hold
    (e.g. the licence was detained since submission)."""
    if actor is None:
        raise ValueError("only a person approves")
    handler = _handler(application.item_code)
    data = _current_form(handler, application)
    facts = handler.facts_load(application.applicant, data, timezone.localdate(), application.office)
    problems = handler.problems(facts, data)
    if problems:
        raise Conflict(
            "conditions_changed",
            _("The conditions are no longer met: return or reject the application."),
            _problems_error(problems).fields,
        )
    handler.apply(application=application, actor=actor, facts=facts, data=data, now=now)


def _record_move(
    actor: User | None,
    application: Application,
    source: Status,
    to: Status,
    reason_code: str,
    reason_text: str,
    now: datetime,
    *,
    by_agent: bool = False,
) -> None:
    """Write the move: the status, its event, its audit record and the notification."""
    application.status = to
    application.reason_code, application.reason_text = reason_code, reason_text
    application.updated_at = now
    updated = ["status", "reason_code", "reason_text", "updated_at"]
    if to == Status.SUBMITTED and application.submitted_at is None:
        application.submitted_at = now
        updated.append("submitted_at")
    if to == Status.ACCEPTED:
        _fee, days = _office_fee_and_days(application.office, application.item_code)
        application.accepted_by, application.accepted_at = actor, now
        application.due_on = workdays.add_working_days_from(timezone.localdate(now), days)
        updated += ["accepted_by", "accepted_at", "due_on"]
    if to in rules.FINAL or to in (
        Status.RETURNED,
        Status.APPROVED,
        Status.PRODUCED,
        Status.DELIVERED,
        Status.COLLECTED,
    ):
        application.assignee = None
        updated.append("assignee")
    application.save(update_fields=updated)
    ApplicationEvent.objects.create(
        application=application,
        from_status=source,
        to_status=to,
        actor=actor,
        reason_code=reason_code,
        reason_text=reason_text,
        at=now,
    )
    changes: dict[str, tuple[Any, Any]] = {"status": (source, to)}
    if reason_code:
        changes["reason_code"] = (None, reason_code)
    audit_record(
        action=rules.TRANSITIONS[source, to].audit,
        actor=actor,
        on_behalf_of=application.applicant if by_agent else None,
        office=application.office,
        obj=application,
        reason=reason_text,
        changes=changes,
    )
    if to == Status.CLOSED:  # finished: the step and the request to rate it, in one message
        kind, params = NotificationKind.RATING_REQUESTED, {"reference": application.reference}
    else:
        kind = NotificationKind.APPLICATION_STEP
        params = {"reference": application.reference, "item_code": application.item_code, "status": str(to)}
    notification_send(
        recipient=application.applicant,
        kind=kind,
        params=params,
        link=f"/applications/{application.reference}/",
    )


def _refund_fee(application: Application, *, reason: str) -> None:
    """A paid fee of an application that will not be handled goes back, once a staff member
    approves the refund."""
    order = order_of_subject(payment_subject(application))
    if order is not None and order.status == OrderStatus.PAID:
        payments.refund_request(actor=None, order=order, amount_fen=order.amount_fen, reason=reason)


@transaction.atomic
def delivery_post(*, actor: User, application: Application, tracking_number: str) -> Application:
    """A produced document handed to the post: record the tracking number and move on."""
    tracking_number = tracking_number.strip().upper()
    if not rules.tracking_number_valid(tracking_number):
        raise InvalidInput(
            "invalid",
            _("Some fields are not valid."),
            {"tracking_number": str(_("Enter the tracking number printed on the postal slip."))},
        )
    application = _lock(application)
    delivery = Delivery.objects.filter(application=application, method=DeliveryMethod.MAIL).first()
    if delivery is None:
        raise ApiError("not_mailed", _("The applicant chose to collect it at an office."), status=409)
    application_transition(actor=actor, application=application, to=Status.DELIVERED)
    delivery.tracking_number, delivery.shipped_at = tracking_number, timezone.now()
    delivery.save(update_fields=["tracking_number", "shipped_at"])
    audit_record(
        action=AuditAction.DELIVERY_POSTED,
        actor=actor,
        office=application.office,
        obj=application,
        changes={"tracking_number": (None, tracking_number)},
    )
    return application


@transaction.atomic
def delivery_hand_over(*, actor: User | None, application: Application) -> Application:
    """The post confirmed delivery, or the applicant collected it: close the application."""
    application = _lock(application)
    delivery = Delivery.objects.filter(application=application).first()
    if application.status == Status.PRODUCED:
        if delivery is None or delivery.method != DeliveryMethod.COLLECT:
            raise ApiError("not_collect", _("This document goes by post."), status=409)
        application_transition(actor=actor, application=application, to=Status.COLLECTED)
    if delivery is not None:
        delivery.handed_over_at = timezone.now()
        delivery.save(update_fields=["handed_over_at"])
    application_transition(actor=actor, application=application, to=Status.CLOSED)
    return application
