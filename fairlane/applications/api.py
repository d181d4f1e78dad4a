"""/api/v1/applications: the same services as the pages — create, complete, submit and pay,
upload, follow, withdraw and rate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from fairlane.applications import materials, ratings, services
from fairlane.applications.models import Application, ApplicationStatus
from fairlane.applications.presenters import application_view, timeline_steps
from fairlane.applications.selectors import access_application, my_applications
from fairlane.core.errors import InvalidInput, NotFound
from fairlane.core.uploads import UploadSizeLimit, too_large
from fairlane.payments.selectors import order_of_subject
from fairlane.registry.models import Office
from fairlane.web.http import signed_in_user

router = Router(tags=["applications"])


class StepOut(Schema):
    status: str
    label: str
    at: datetime | None
    by_office: bool
    reason: str


class MaterialOut(Schema):
    id: int
    kind: str
    content_type: str
    size: int
    uploaded_at: datetime


class DeliveryOut(Schema):
    method: str
    postage_fen: int
    tracking_number: str


class ApplicationOut(Schema):
    reference: str
    item_code: str
    item_name: str
    office: str
    status: str
    status_label: str
    meaning: str
    reason_code: str
    reason_text: str
    fee_fen: int
    amount_due_fen: int
    payment_reference: str | None
    payment_status: str | None
    due_on: date | None
    form: dict[str, Any]
    delivery: DeliveryOut | None
    materials: list[MaterialOut]
    timeline: list[StepOut]


class CreateIn(Schema):
    item_code: str
    office_code: str
    form: dict[str, Any] = {}


class FormIn(Schema):
    form: dict[str, Any]


class DeliveryIn(Schema):
    method: str
    recipient_name: str = ""
    recipient_phone: str = ""
    address: str = ""
    collect_office_code: str = ""


class SubmitOut(Schema):
    status: str
    payment_reference: str | None
    amount_fen: int
    pay_url: str | None


class RatingIn(Schema):
    level: int
    comment: str = ""


def _own(request: HttpRequest, reference: str) -> Application:
    user = signed_in_user(request)
    application = access_application(user, reference)
    if application.applicant_id != user.pk:
        raise NotFound("not_found", _("No such application."))
    return application


def _office(code: str, field: str) -> Office:
    office = Office.objects.filter(code=code).first()
    if office is None:
        raise InvalidInput(
            "invalid", _("Some fields are not valid."), {field: str(_("Choose an office by its code."))}
        )
    return office


def application_out(application: Application) -> ApplicationOut:
    view = application_view(application)
    delivery = getattr(application, "delivery", None)
    order = order_of_subject(services.payment_subject(application))
    return ApplicationOut(
        reference=application.reference,
        item_code=application.item_code,
        item_name=view.item_name,
        office=application.office.code,
        status=application.status,
        status_label=view.status_label,
        meaning=view.meaning,
        reason_code=application.reason_code,
        reason_text=application.reason_text,
        fee_fen=application.fee_fen,
        amount_due_fen=services.amount_due(application),
        payment_reference=order.reference if order else None,
        payment_status=order.status if order else None,
        due_on=application.due_on,
        form=application.form_data,
        delivery=(
            DeliveryOut(
                method=delivery.method,
                postage_fen=delivery.postage_fen,
                tracking_number=delivery.tracking_number,
            )
            if delivery
            else None
        ),
        materials=[
            MaterialOut(
                id=m.pk, kind=m.kind, content_type=m.content_type, size=m.size, uploaded_at=m.uploaded_at
            )
            for m in materials.materials_of(application)
        ],
        timeline=[
            StepOut(status=s.status, label=s.label, at=s.at, by_office=s.by_staff, reason=s.reason)
            for s in timeline_steps(application)
        ],
    )


@router.get("", response=list[ApplicationOut])
def application_list(request: HttpRequest) -> list[ApplicationOut]:
    return [application_out(application) for application in my_applications(signed_in_user(request))[:100]]


@router.post("", response={201: ApplicationOut})
def application_create(request: HttpRequest, payload: CreateIn) -> Status:
    application = services.application_create(
        applicant=signed_in_user(request),
        item_code=payload.item_code,
        office=_office(payload.office_code, "office_code"),
        form_data=payload.form,
    )
    return Status(201, application_out(application))


@router.get("/{reference}", response=ApplicationOut)
def application_detail(request: HttpRequest, reference: str) -> ApplicationOut:
    return application_out(_own(request, reference))


@router.put("/{reference}/form", response=ApplicationOut)
def application_form(request: HttpRequest, reference: str, payload: FormIn) -> ApplicationOut:
    application = services.application_form_update(
        actor=signed_in_user(request), application=_own(request, reference), form_data=payload.form
    )
    return application_out(application)


@router.put("/{reference}/delivery", response=ApplicationOut)
def application_delivery(request: HttpRequest, reference: str, payload: DeliveryIn) -> ApplicationOut:
    application = _own(request, reference)
    collect_office = (
        _office(payload.collect_office_code, "collect_office_code") if payload.collect_office_code else None
    )
    services.delivery_choose(
        actor=signed_in_user(request),
        application=application,
        method=payload.method,
        recipient_name=payload.recipient_name,
        recipient_phone=payload.recipient_phone,
        address=payload.address,
        collect_office=collect_office,
    )
    application.refresh_from_db()
    return application_out(application)


def _upload_limited(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Read the request body through `UploadSizeLimit`, as the upload page does: a file
    past the limit is dropped while it arrives, never kept in memory or a temporary file."""

    @wraps(run)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        limit = UploadSizeLimit(settings.FAIRLANE_UPLOAD_MAX_BYTES, request)
        request.upload_handlers = [limit, *request.upload_handlers]
        return run(request, *args, **kwargs)

    return limited


def _upload_stopped(request: HttpRequest) -> bool:
    return any(
        isinstance(handler, UploadSizeLimit) and handler.exceeded for handler in request.upload_handlers
    )


@router.post("/{reference}/materials", response={201: MaterialOut})
@decorate_view(_upload_limited)
def application_upload(
    request: HttpRequest, reference: str, kind: Form[str], file: File[UploadedFile | None] = None
) -> Status:
    """Add a file (multipart fields "kind" and "file"); at most FAIRLANE_UPLOAD_MAX_BYTES."""
    if _upload_stopped(request):
        raise too_large(settings.FAIRLANE_UPLOAD_MAX_BYTES)
    if file is None:
        raise InvalidInput(
            "invalid", _("Some fields are not valid."), {"file": str(_("Choose a file to upload."))}
        )
    material = materials.material_upload(
        actor=signed_in_user(request), application=_own(request, reference), kind=kind, upload=file
    )
    return Status(
        201,
        MaterialOut(
            id=material.pk,
            kind=material.kind,
            content_type=material.content_type,
            size=material.size,
            uploaded_at=material.uploaded_at,
        ),
    )


@router.post("/{reference}/submit", response=SubmitOut)
def application_submit(request: HttpRequest, reference: str) -> SubmitOut:
    """Submit; when a fee is due, the answer names the payment order to pay first (paying it
    submits the application)."""
    user = signed_in_user(request)
    application = _own(request, reference)
    if application.status == ApplicationStatus.RETURNED:
        application = services.application_resubmit(actor=user, application=application)
        return SubmitOut(status=application.status, payment_reference=None, amount_fen=0, pay_url=None)
    order = services.application_checkout(actor=user, application=application)
    application.refresh_from_db()
    if order is None:
        return SubmitOut(status=application.status, payment_reference=None, amount_fen=0, pay_url=None)
    return SubmitOut(
        status=application.status,
        payment_reference=order.reference,
        amount_fen=order.amount_fen,
        pay_url=f"/api/v1/payments/orders/{order.reference}/start",
    )


@router.post("/{reference}/withdraw", response=ApplicationOut)
def application_withdraw(request: HttpRequest, reference: str) -> ApplicationOut:
    application = services.application_transition(
        actor=signed_in_user(request), application=_own(request, reference), to=ApplicationStatus.WITHDRAWN
    )
    application.refresh_from_db()
    return application_out(application)


@router.post("/{reference}/rating", response={201: None})
def application_rating(request: HttpRequest, reference: str, payload: RatingIn) -> Status:
    ratings.application_rate(
        actor=signed_in_user(request),
        application=_own(request, reference),
        level=payload.level,
        comment=payload.comment,
    )
    return Status(201, None)
