"""Reading hospitals and their health certificates.

`valid_health_certificate` is what the online applications (licence renewal, submission of
a health certificate) ask before they accept an applicant's medical fitness.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from fairlane.accounts.models import Role, User
from fairlane.agencies import rules
from fairlane.agencies.models import Agency, AgencyKind, AgencyMember, AgencyStatus
from fairlane.registry.models import HealthCertificate


def hospital_membership(user: User) -> AgencyMember | None:
    """The active membership of an active hospital-role account in a hospital, whatever the
    hospital's status (its staff still see what they sent when it is suspended), or None."""
    if not user.is_authenticated or not user.is_active or user.role != Role.HOSPITAL:
        return None
    return (
        AgencyMember.objects.filter(user=user, active=True, agency__kind=AgencyKind.HOSPITAL)
        .select_related("agency", "agency__office")
        .first()
    )


def valid_health_certificate(id_number: str, on: date, *, covering: str = "") -> HealthCertificate | None:
    """The certificate that decides whether the holder of `id_number` is fit to drive on
    `on`, or None if none does.

    Of the certificates valid on `on` from hospitals not revoked now (L-DL 第86条: once
    recognition is withdrawn, none of its certificates count, whenever issued), the newest
    decides. If that one says unfit, an older "fit" certificate does not count: the later
    examination is what the office knows about the holder now. A suspended hospital's
    earlier certificates still count; suspension only stops it issuing new ones.

    With `covering` (a licence's classes, e.g. "A2 C1"), the deciding certificate must
    also be fit for every class that licence permits.
    """
    candidates = (
        HealthCertificate.objects.filter(
            id_number=id_number,
            issued_on__gte=rules.health_certificate_earliest_issue(on),
            issued_on__lte=on,
        )
        .exclude(hospital__status=AgencyStatus.REVOKED)
        .select_related("hospital")
        .order_by("-issued_on", "-sent_at", "-pk")
    )
    newest = candidates.first()
    if newest is None or not newest.fit_to_drive:
        return None
    if covering and not rules.classes_cover(newest.classes_fit, covering):
        return None
    return newest


def health_certificates_for_holder(id_number: str) -> QuerySet[HealthCertificate]:
    """Every certificate sent for `id_number`, newest first, whatever it says and whoever sent it."""
    return (
        HealthCertificate.objects.filter(id_number=id_number)
        .select_related("hospital")
        .order_by("-issued_on", "-sent_at", "-pk")
    )


def certificates_sent_by_hospital(agency: Agency) -> QuerySet[HealthCertificate]:
    """What one hospital sent, most recently sent first."""
    return HealthCertificate.objects.filter(hospital=agency).order_by("-sent_at", "-pk")


def accredited_hospitals(on: date | None = None) -> QuerySet[Agency]:
    """Hospitals whose certificates the office accepts on `on` (default today): licensed,
    with `on` inside their licence period. The list the police publish (L-DL 第85条)."""
    on = timezone.localdate() if on is None else on
    return (
        Agency.objects.filter(
            kind=AgencyKind.HOSPITAL,
            status=AgencyStatus.LICENSED,
            licensed_from__lte=on,
            licensed_until__gte=on,
        )
        .select_related("office")
        .order_by("name", "pk")
    )
