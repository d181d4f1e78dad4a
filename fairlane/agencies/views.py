"""The hospital's page for sending health certificates, and the public list of
accredited hospitals."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fairlane.agencies import services
from fairlane.agencies.forms import HealthCertificateForm
from fairlane.agencies.models import AgencyMember
from fairlane.agencies.rules import health_certificate_valid_until
from fairlane.agencies.selectors import (
    accredited_hospitals,
    certificates_sent_by_hospital,
    hospital_membership,
)
from fairlane.core.errors import ApiError
from fairlane.core.masking import mask_id_number
from fairlane.web.http import form_add_api_error, no_store, signed_in_user

CERTIFICATES_PER_PAGE = 50

View = Callable[..., HttpResponse]


def hospital_member_required(view: View) -> View:
    """Signed-in active members of a hospital; everyone else sees nothing (404)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = hospital_membership(signed_in_user(request))
        if membership is None:
            raise Http404
        return view(request, membership, *args, **kwargs)

    return wrapper


@hospital_member_required
@require_http_methods(["GET", "POST"])
def hospital_home(request: HttpRequest, membership: AgencyMember) -> HttpResponse:
    form = HealthCertificateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                certificate = services.health_certificate_send(
                    actor=signed_in_user(request), **form.send_arguments()
                )
            except ApiError as error:
                form_add_api_error(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("Certificate %(serial)s for %(id_number)s is on the office's file.")
                    % {"serial": certificate.serial, "id_number": mask_id_number(certificate.id_number)},
                )
                return redirect("agencies:hospital_home")
        else:
            status = 422
    page = Paginator(certificates_sent_by_hospital(membership.agency), CERTIFICATES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [(certificate, health_certificate_valid_until(certificate.issued_on)) for certificate in page]
    context = {"hospital": membership.agency, "form": form, "page": page, "rows": rows}
    return no_store(render(request, "agencies/hospital_home.html", context, status=status))


@require_GET
def hospital_list(request: HttpRequest) -> HttpResponse:
    return render(request, "agencies/hospital_list.html", {"hospitals": accredited_hospitals()})
