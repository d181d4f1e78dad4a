"""/api/v1/health-certificates: an accredited hospital's systems send certificates and
read back what the hospital sent (警医邮). Bearer token of a hospital member."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fairlane.agencies import services
from fairlane.agencies.models import Agency
from fairlane.agencies.rules import health_certificate_valid_until
from fairlane.agencies.selectors import certificates_sent_by_hospital, hospital_membership
from fairlane.core.errors import ApiError
from fairlane.core.masking import mask_id_number, mask_name
from fairlane.registry.models import HealthCertificate
from fairlane.web.http import signed_in_user

router = Router(tags=["health certificates"])

MAX_PAGE = 200


class HealthCertificateIn(Schema):
    id_number: str = Field(max_length=30)
    holder_name: str = Field(max_length=50)
    issued_on: date
    fit_to_drive: bool
    classes_fit: str = Field("", max_length=60, description='e.g. "C1" or "A2 C1"; empty if not fit')


class HealthCertificateOut(Schema):
    serial: str
    id_number: str = Field(description="masked")
    holder_name: str = Field(description="masked")
    hospital: str
    issued_on: date
    valid_until: date = Field(description="last day it counts (included)")
    fit_to_drive: bool
    classes_fit: str
    sent_at: datetime


class Page(Schema):
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0)


def certificate_out(certificate: HealthCertificate, hospital: Agency) -> HealthCertificateOut:
    return HealthCertificateOut(
        serial=certificate.serial,
        id_number=mask_id_number(certificate.id_number),
        holder_name=mask_name(certificate.holder_name),
        hospital=hospital.name,
        issued_on=certificate.issued_on,
        valid_until=health_certificate_valid_until(certificate.issued_on),
        fit_to_drive=certificate.fit_to_drive,
        classes_fit=certificate.classes_fit,
        sent_at=certificate.sent_at,
    )


@router.post("", response={201: HealthCertificateOut})
def health_certificate_send(request: HttpRequest, payload: HealthCertificateIn) -> Status:
    """Send one certificate to the office. 403 unless the caller works for a licensed
    hospital accredited on the date of issue; 422 with per-field messages for bad input;
    429 when sending too fast."""
    certificate = services.health_certificate_send(actor=signed_in_user(request), **payload.dict())
    return Status(201, certificate_out(certificate, certificate.hospital))


@router.get("", response=list[HealthCertificateOut])
def health_certificates_sent(request: HttpRequest, page: Query[Page]) -> list[HealthCertificateOut]:
    """The certificates the caller's hospital sent, most recently sent first, masked."""
    membership = hospital_membership(signed_in_user(request))
    if membership is None:
        raise ApiError(
            "forbidden", _("Only staff of an accredited hospital can see sent certificates."), status=403
        )
    hospital = membership.agency
    found = certificates_sent_by_hospital(hospital)[page.offset : page.offset + page.limit]
    return [certificate_out(certificate, hospital) for certificate in found]
