"""The citizen's electronic licence (page and PDF) and the public verification pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fairlane.accounts.services import client_ip
from fairlane.core.errors import NotFound, Throttled
from fairlane.core.pdf import pdf_render, pdf_response
from fairlane.elicence import keys, rules, selectors, signing
from fairlane.elicence.forms import VerifyForm
from fairlane.elicence.selectors import SignedCode
from fairlane.registry.models import LicenceStatus
from fairlane.registry.rules import licence_permitted_classes
from fairlane.web.http import no_store, signed_in_user


def verification_url(request: HttpRequest, code: str) -> str:
    """The link in the QR code: the public verification page with the code."""
    return request.build_absolute_uri(f"{reverse('elicence:verify')}?{urlencode({'c': code})}")


def _qr_svg(url: str) -> SafeString:
    svg = segno.make(url, error="m").svg_inline(scale=3, title=_("QR code to verify this electronic licence"))
    return mark_safe(svg)  # noqa: S308 - segno escapes the title and writes only paths


def _code_context(request: HttpRequest, signed: SignedCode) -> dict[str, Any]:
    url = verification_url(request, signed.code)
    statement = signed.statement
    return {
        "statement": statement,
        "status_label": _status_label(statement.status),
        "permitted_classes": licence_permitted_classes(" ".join(statement.classes)),
        "url": url,
        "qr": _qr_svg(url),
        "code_hours": int(rules.CODE_TTL.total_seconds() // 3600),
    }


def _status_label(code: str) -> str:
    return str(LicenceStatus(code).label) if code in LicenceStatus.values else code


@login_required
@require_GET
def electronic_licence(request: HttpRequest) -> HttpResponse:
    """My electronic licence with a freshly signed QR code, or how to apply for one."""
    licence, electronic = selectors.electronic_licence_of(signed_in_user(request))
    signed = selectors.electronic_licence_code(electronic, now=timezone.now()) if electronic else None
    context: dict[str, Any] = {
        "licence": licence,
        "electronic": electronic,
        "in_force": licence is not None and rules.licence_in_force(licence.status),
        "guide_url": reverse("catalogue:guide", args=[rules.CATALOGUE_ITEM]),
    }
    if signed is not None:
        context.update(_code_context(request, signed))
    return no_store(render(request, "elicence/mine.html", context))


@login_required
@require_GET
def electronic_licence_pdf(request: HttpRequest) -> HttpResponse:
    """The electronic licence as a PDF to print or keep, with a code valid for a day."""
    try:
        signed = selectors.access_own_code(signed_in_user(request), now=timezone.now())
    except NotFound:
        raise Http404 from None
    content = pdf_render("elicence/pdf.html", _code_context(request, signed))
    return pdf_response(content, "electronic-driving-licence.pdf")


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """Anyone checks a code: the QR code opens this page with ?c=, or the form sends it."""
    form = VerifyForm(request.GET if "c" in request.GET else None)
    context: dict[str, Any] = {"form": form, "fingerprint": signing.key_fingerprint(keys.public_key())}
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                check = selectors.code_check_throttled(
                    code=form.cleaned_data["c"], ip=client_ip(request), now=timezone.now()
                )
            except Throttled as error:
                context["throttled"] = str(error.message)
                status = error.status
            else:
                context["check"] = check
                if check.statement is not None:
                    context["status_label"] = _status_label(check.statement.status)
                    context["permitted_classes"] = licence_permitted_classes(
                        " ".join(check.statement.classes)
                    )
        else:
            status = 422
    response = render(request, "elicence/verify.html", context, status=status)
    # The code names an electronic licence: keep checks out of shared caches.
    return no_store(response) if form.is_bound else response


@require_GET
def public_key(request: HttpRequest) -> HttpResponse:
    """The public key that verifies every code, for checking offline."""
    return HttpResponse(keys.public_key_pem(keys.public_key()), content_type="text/plain; charset=us-ascii")
