"""Driving an application through the whole service flow in tests: a draft, its delivery
choice and photo, payment at the simulated gateway, acceptance, review and approval — each
step through the same services the pages and the API call."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from PIL import Image

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.agencies.models import Agency, AgencyKind
from fairlane.applications import assignment, materials, services
from fairlane.applications.handlers import handler_for
from fairlane.applications.models import Application, ApplicationStatus, DeliveryMethod, MaterialKind
from fairlane.catalogue.data_files import read_catalogue
from fairlane.catalogue.services import catalogue_load
from fairlane.core.testdata import make_credit_code
from fairlane.payments import services as payments
from fairlane.registry.models import HealthCertificate, Office
from fairlane.registry.tests.factories import make_office

Status = ApplicationStatus


@dataclass
class Desk:
    """An office with the staff who handle its cases."""

    office: Office
    clerk: User
    reviewer: User
    supervisor: User


def desk_make(*items: str, office: Office | None = None, seed: int = 500) -> Desk:
    """Publish `items` as the catalogue's data files describe them (fee, sensitivity) and
    make an office with one clerk, one reviewer (the only member the review pool draws)
    and a supervisor."""
    published = {item.code: item for item in read_catalogue()}
    catalogue_load(items=[published[code] for code in items])
    office = office or make_office()
    return Desk(
        office=office,
        clerk=make_staff(Role.CLERK, office=office, seed=seed),
        reviewer=make_staff(Role.REVIEWER, office=office, seed=seed + 1),
        supervisor=make_staff(Role.SUPERVISOR, office=office, seed=seed + 2),
    )


def citizen_make(name: str = "王小明", seed: int = 1) -> User:
    return register_citizen(name=name, seed=seed)


def health_certificate_give(
    person: User, *, office: Office, issued_on: date | None = None, classes: str = "C1"
) -> HealthCertificate:
    """A certificate an accredited hospital sent for `person` (hospitals feed the registry)."""
    today = timezone.localdate()
    hospital, _created = Agency.objects.get_or_create(
        credit_code=make_credit_code(random.Random(7)),
        defaults={
            "kind": AgencyKind.HOSPITAL,
            "name": "示例医院",
            "address": "上海市示例路3号",
            "phone": "021-55550000",
            "office": office,
            "licensed_from": today - timedelta(days=3650),
            "licensed_until": today + timedelta(days=3650),
        },
    )
    return HealthCertificate.objects.create(
        serial=f"HC{person.pk:08d}{HealthCertificate.objects.count():04d}",
        id_number=person.id_number,
        holder_name=person.name,
        hospital=hospital,
        issued_on=issued_on or today - timedelta(days=10),
        fit_to_drive=True,
        classes_fit=classes,
        sent_by=person,
        sent_at=timezone.now(),
    )


def photo_bytes(width: int = 330, height: int = 480) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 210, 230)).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def draft_complete(
    applicant: User, item_code: str, office: Office, form_data: dict[str, Any] | None = None
) -> Application:
    """A draft with everything its item needs before submission: delivery by post when a
    document is made, and the required materials."""
    handler = handler_for(item_code)
    assert handler is not None
    application = services.application_create(
        applicant=applicant, item_code=item_code, office=office, form_data=form_data or {}
    )
    if handler.document is not None:
        services.delivery_choose(
            actor=applicant,
            application=application,
            method=DeliveryMethod.MAIL,
            recipient_name=applicant.name,
            recipient_phone=applicant.phone,
            address="上海市浦东新区示例路100号",
        )
    for kind in services.materials_required(application):
        upload = photo_bytes() if kind == MaterialKind.PHOTO else pdf_bytes()
        materials.material_upload(actor=applicant, application=application, kind=kind, upload=upload)
    return application


def submit_and_pay(applicant: User, application: Application) -> Application:
    """Check out, and pay at the simulated gateway when there is something to pay."""
    order = services.application_checkout(actor=applicant, application=application)
    if order is not None:
        payments.payment_start(actor=applicant, order=order)
        order.refresh_from_db()
        payments.simulated_payment_decide(
            actor=applicant, gateway_reference=order.gateway_reference, pay=True
        )
    application.refresh_from_db()
    return application


def approve(desk: Desk, application: Application) -> Application:
    """Accept (by whoever it was drawn to), review and approve (by the drawn reviewer)."""
    application.refresh_from_db()
    services.application_transition(actor=application.assignee, application=application, to=Status.ACCEPTED)
    application.refresh_from_db()
    if application.assignee is None:  # a sensitive case the only reviewer accepted: four eyes
        make_staff(Role.REVIEWER, office=desk.office, seed=desk.reviewer.pk + 900)
        assignment.application_reassign(actor=desk.supervisor, application=application, reason="四眼原则")
        application.refresh_from_db()
    reviewer = application.assignee
    services.application_transition(actor=reviewer, application=application, to=Status.IN_REVIEW)
    services.application_transition(actor=reviewer, application=application, to=Status.APPROVED)
    application.refresh_from_db()
    return application


def run_to_approval(
    desk: Desk, applicant: User, item_code: str, form_data: dict[str, Any] | None = None
) -> Application:
    """The whole flow from a new draft to approval (and closing, for items without a document)."""
    application = draft_complete(applicant, item_code, desk.office, form_data)
    application = submit_and_pay(applicant, application)
    assert application.status == Status.SUBMITTED, application.status
    return approve(desk, application)
