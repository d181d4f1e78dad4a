"""The demo's applications: a few cases at the main office in different states, so the staff
pages have work on them and the rating and rectification loop can be seen.

Made through the same services a citizen and the office use: drafts, payment at the
simulated gateway, random assignment, decisions. The demo citizen (13800138000) gets none:
their renewal is theirs to try.
"""

from __future__ import annotations

import io
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone
from PIL import Image

from fairlane.accounts.models import Role, User
from fairlane.applications import materials, ratings, services
from fairlane.applications.models import Application, ApplicationStatus, DeliveryMethod, MaterialKind
from fairlane.catalogue.selectors import published_item
from fairlane.payments import services as payments
from fairlane.registry.models import DriverLicence, LicenceStatus, Office

Status = ApplicationStatus


def demo_photo() -> bytes:
    """A plain licence-photo-sized picture."""
    buffer = io.BytesIO()
    Image.new("RGB", (330, 480), (214, 224, 240)).save(buffer, format="PNG")
    return buffer.getvalue()


def _pay(applicant: User, application: Application) -> Application:
    order = services.application_checkout(actor=applicant, application=application)
    if order is not None:
        payments.payment_start(actor=applicant, order=order)
        order.refresh_from_db()
        payments.simulated_payment_decide(
            actor=applicant, gateway_reference=order.gateway_reference, pay=True
        )
    application.refresh_from_db()
    return application


def _replacement(applicant: User, office: Office) -> Application:
    """A paid application for a new card to replace a damaged one, collected at the office."""
    application = services.application_create(
        applicant=applicant, item_code="DL-DAMAGED", office=office, form_data={"declaration": True}
    )
    services.delivery_choose(
        actor=applicant, application=application, method=DeliveryMethod.COLLECT, collect_office=office
    )
    materials.material_upload(
        actor=applicant, application=application, kind=MaterialKind.PHOTO, upload=demo_photo()
    )
    return _pay(applicant, application)


def _move(application: Application, *steps: Status) -> Application:
    """Take `steps`, each by the member the case is assigned to (or the office's clerk for
    production and hand-over)."""
    clerk = User.objects.get(office=application.office, role=Role.CLERK, phone="13900000001")
    for step in steps:
        application.refresh_from_db()
        actor = application.assignee or clerk
        if step == Status.CLOSED:
            services.delivery_hand_over(actor=clerk, application=application)
        else:
            services.application_transition(actor=actor, application=application, to=step)
    application.refresh_from_db()
    return application


def settled_licence_holders(*, exclude_phone: str) -> QuerySet[User]:
    """Citizens whose licence is valid for a while yet (no renewal due), by account age:
    safe to give demo business that their own renewal will not collide with."""
    licences = DriverLicence.objects.filter(
        status=LicenceStatus.NORMAL, valid_until__gt=timezone.localdate() + timedelta(days=120)
    ).values_list("id_number", flat=True)
    return (
        User.objects.filter(role=Role.CITIZEN, id_number__in=licences)
        .exclude(phone=exclude_phone)
        .order_by("pk")
    )


def demo_applications_seed(*, office: Office, exclude_phone: str) -> int:
    """Four cases at `office` from citizens with a licence valid for a while yet; how many.
    None before the catalogue is published (`manage.py load_catalogue` comes first)."""
    if published_item("DL-DAMAGED") is None:
        return 0
    applicants = list(settled_licence_holders(exclude_phone=exclude_phone)[:4])
    if len(applicants) < 4:
        return 0
    # waiting to be accepted
    _replacement(applicants[0], office)
    # accepted, with a reviewer
    _move(_replacement(applicants[1], office), Status.ACCEPTED)
    # approved and made: the production desk hands it over
    _move(
        _replacement(applicants[2], office),
        Status.ACCEPTED,
        Status.IN_REVIEW,
        Status.APPROVED,
        Status.PRODUCED,
    )
    # closed and rated badly: a rectification task for the supervisor
    finished = _move(
        _replacement(applicants[3], office),
        Status.ACCEPTED,
        Status.IN_REVIEW,
        Status.APPROVED,
        Status.PRODUCED,
        Status.CLOSED,
    )
    ratings.application_rate(
        actor=applicants[3], application=finished, level=2, comment="窗口取证排队时间太长，希望改进。"
    )
    return len(applicants)
