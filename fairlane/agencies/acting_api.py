"""/api/v1/agent/<authorisation reference>: a licensed agent acting for a citizen inside an
authorisation the citizen confirmed — file, change, upload, pay and book. The same
services as the pages; every request is checked against the authorisation first
(`acting.acting_check`, which records a refusal) and again inside the service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from fairlane.agencies import acting
from fairlane.agencies.models import Authorisation
from fairlane.applications import materials, services
from fairlane.applications.agent_scope import form_subject
from fairlane.applications.api import MaterialOut, _upload_limited, _upload_stopped
from fairlane.applications.models import Application, Material
from fairlane.applications.presenters import application_view
from fairlane.applications.selectors import applications_filed_under
from fairlane.bookings import batches
from fairlane.bookings.booking import booking_make
from fairlane.bookings.models import Batch, Slot
from fairlane.core.errors import InvalidInput, NotFound
from fairlane.core.uploads import too_large
from fairlane.payments.selectors import order_of_subject
from fairlane.registry.models import Office
from fairlane.web.http import signed_in_user

router = Router(tags=["acting"])


class ActedApplicationOut(Schema):
    """What the agent sees of an application they filed: no more than they need."""

    reference: str
    item_code: str
    item_name: str
    office: str
    status: str
    status_label: str
    reason_code: str
    reason_text: str
    amount_due_fen: int
    payment_reference: str | None
    payment_status: str | None
    form: dict[str, Any]
    materials: list[MaterialOut]
    created_at: datetime


class CreateIn(Schema):
    item_code: str
    office_code: str
    form: dict[str, Any] = {}


class DeliveryIn(Schema):
    method: str
    recipient_name: str = ""
    recipient_phone: str = ""
    address: str = ""
    collect_office_code: str = ""


class ChangeIn(Schema):
    form: dict[str, Any] | None = None
    delivery: DeliveryIn | None = None


class CheckoutOut(Schema):
    status: str
    payment_reference: str | None
    amount_fen: int
    pay_url: str | None


class BookingIn(Schema):
    """A leftover place of `slot`, or a lottery request in `batch` for `preferences`."""

    slot: int | None = None
    batch: int | None = None
    preferences: list[int] = []


class BookingOut(Schema):
    kind: str  # "booking" or "request"
    id: int
    status: str


def application_out(application: Application) -> ActedApplicationOut:
    order = order_of_subject(services.payment_subject(application))
    view = application_view(application)
    return ActedApplicationOut(
        reference=application.reference,
        item_code=application.item_code,
        item_name=view.item_name,
        office=application.office.code,
        status=application.status,
        status_label=view.status_label,
        reason_code=application.reason_code,
        reason_text=application.reason_text,
        amount_due_fen=services.amount_due(application),
        payment_reference=order.reference if order else None,
        payment_status=order.status if order else None,
        form=application.form_data,
        materials=[
            MaterialOut(
                id=m.pk, kind=m.kind, content_type=m.content_type, size=m.size, uploaded_at=m.uploaded_at
            )
            for m in materials.materials_of(application)
        ],
        created_at=application.created_at,
    )


def _office(code: str, field: str) -> Office:
    office = Office.objects.filter(code=code).first()
    if office is None:
        raise InvalidInput(
            "invalid", _("Some fields are not valid."), {field: str(_("Choose an office by its code."))}
        )
    return office


@router.get("/{reference}/applications", response=list[ActedApplicationOut])
def application_list(request: HttpRequest, reference: str) -> list[ActedApplicationOut]:
    """The applications you filed under the authorisation."""
    authorisation = acting.acting_read_check(agent=signed_in_user(request), reference=reference)
    return [application_out(a) for a in applications_filed_under(authorisation)[:100]]


@router.post("/{reference}/applications", response={201: ActedApplicationOut})
def application_create(request: HttpRequest, reference: str, payload: CreateIn) -> Status:
    """File an application for the citizen: an item in the authorisation's scope, for its
    licence or vehicle."""
    agent = signed_in_user(request)
    found = Authorisation.objects.filter(reference=reference, agent=agent).first()
    vehicle_id, licence_id = (
        form_subject(payload.item_code, found.citizen, payload.form) if found else (None, None)
    )
    authorisation = acting.acting_check(
        agent=agent,
        reference=reference,
        action="application_filed",
        item_code=payload.item_code,
        vehicle_id=vehicle_id,
        licence_id=licence_id,
    )
    application = services.application_create(
        applicant=authorisation.citizen,
        agent=agent,
        item_code=payload.item_code,
        office=_office(payload.office_code, "office_code"),
        form_data=payload.form,
    )
    return Status(201, application_out(application))


@router.get("/{reference}/applications/{application_reference}", response=ActedApplicationOut)
def application_detail(
    request: HttpRequest, reference: str, application_reference: str
) -> ActedApplicationOut:
    _authorisation, application = acting.acting_application(
        agent=signed_in_user(request),
        reference=reference,
        application_reference=application_reference,
        action=None,
    )
    return application_out(application)


@router.patch("/{reference}/applications/{application_reference}", response=ActedApplicationOut)
def application_change(
    request: HttpRequest, reference: str, application_reference: str, payload: ChangeIn
) -> ActedApplicationOut:
    """Change the form, the delivery choice, or both."""
    agent = signed_in_user(request)
    _authorisation, application = acting.acting_application(
        agent=agent,
        reference=reference,
        application_reference=application_reference,
        action="application_changed" if payload.form is not None else "delivery_chosen",
    )
    if payload.form is not None:
        application = services.application_form_update(
            actor=agent, application=application, form_data=payload.form
        )
    if payload.delivery is not None:
        delivery = payload.delivery
        collect_office = (
            _office(delivery.collect_office_code, "collect_office_code")
            if delivery.collect_office_code
            else None
        )
        services.delivery_choose(
            actor=agent,
            application=application,
            method=delivery.method,
            recipient_name=delivery.recipient_name,
            recipient_phone=delivery.recipient_phone,
            address=delivery.address,
            collect_office=collect_office,
        )
    application.refresh_from_db()
    return application_out(application)


@router.post("/{reference}/applications/{application_reference}/materials", response={201: MaterialOut})
@decorate_view(_upload_limited)
def material_upload(
    request: HttpRequest,
    reference: str,
    application_reference: str,
    kind: Form[str],
    file: File[UploadedFile | None] = None,
) -> Status:
    """Add a file (multipart fields "kind" and "file")."""
    agent = signed_in_user(request)
    _authorisation, application = acting.acting_application(
        agent=agent,
        reference=reference,
        application_reference=application_reference,
        action="material_uploaded",
    )
    if _upload_stopped(request):
        raise too_large(settings.FAIRLANE_UPLOAD_MAX_BYTES)
    if file is None:
        raise InvalidInput(
            "invalid", _("Some fields are not valid."), {"file": str(_("Choose a file to upload."))}
        )
    material = materials.material_upload(actor=agent, application=application, kind=kind, upload=file)
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


@router.delete(
    "/{reference}/applications/{application_reference}/materials/{material_id}", response={204: None}
)
def material_remove(
    request: HttpRequest, reference: str, application_reference: str, material_id: int
) -> Status:
    agent = signed_in_user(request)
    _authorisation, application = acting.acting_application(
        agent=agent,
        reference=reference,
        application_reference=application_reference,
        action="material_removed",
    )
    material = Material.objects.filter(application=application, pk=material_id).first()
    if material is None:
        raise NotFound("not_found", _("No such file."))
    materials.material_remove(actor=agent, material=material)
    return Status(204, None)


@router.post("/{reference}/applications/{application_reference}/checkout", response=CheckoutOut)
def application_checkout(request: HttpRequest, reference: str, application_reference: str) -> CheckoutOut:
    """Submit; when a fee is due, the answer names the payment order you pay first (paying
    it submits the application)."""
    agent = signed_in_user(request)
    _authorisation, application = acting.acting_application(
        agent=agent,
        reference=reference,
        application_reference=application_reference,
        action="application_paid",
    )
    if application.status == "returned":
        application = services.application_resubmit(actor=agent, application=application)
        return CheckoutOut(status=application.status, payment_reference=None, amount_fen=0, pay_url=None)
    order = services.application_checkout(actor=agent, application=application)
    application.refresh_from_db()
    if order is None:
        return CheckoutOut(status=application.status, payment_reference=None, amount_fen=0, pay_url=None)
    return CheckoutOut(
        status=application.status,
        payment_reference=order.reference,
        amount_fen=order.amount_fen,
        pay_url=f"/api/v1/payments/orders/{order.reference}/start",
    )


@router.post("/{reference}/bookings", response={201: BookingOut})
def booking_create(request: HttpRequest, reference: str, payload: BookingIn) -> Status:
    """Book a leftover place (`slot`) or send a lottery request (`batch`, `preferences`)
    for the citizen, for a window visit of an item in the authorisation's scope."""
    agent = signed_in_user(request)
    if (payload.slot is None) == (payload.batch is None):
        raise InvalidInput(
            "invalid", _("Some fields are not valid."), {"slot": str(_("Choose a slot or a batch."))}
        )
    if payload.slot is not None:
        slot = Slot.objects.select_related("service").filter(pk=payload.slot).first()
        item_code = slot.service.item_code if slot else ""
        authorisation = acting.acting_check(
            agent=agent, reference=reference, action="booking_made", item_code=item_code
        )
        if slot is None:
            raise NotFound("not_found", _("No such slot."))
        booking = booking_make(actor=agent, slot=slot, person=authorisation.citizen)
        return Status(201, BookingOut(kind="booking", id=booking.pk, status=booking.status))
    batch = Batch.objects.select_related("service").filter(pk=payload.batch or 0).first()
    item_code = batch.service.item_code if batch else ""
    authorisation = acting.acting_check(
        agent=agent, reference=reference, action="booking_requested", item_code=item_code
    )
    if batch is None:
        raise NotFound("not_found", _("No such batch."))
    submitted = batches.booking_request_submit(
        actor=agent, batch=batch, preferences=payload.preferences, person=authorisation.citizen
    )
    return Status(201, BookingOut(kind="request", id=submitted.pk, status="waiting"))
