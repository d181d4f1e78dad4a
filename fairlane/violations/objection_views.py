"""The citizen's objection pages under /violations/objections/: their objections, the form
to object to a violation, one objection with its files. Files are served only to the
person who objected, after the access check."""

from __future__ import annotations

import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from fairlane.core.errors import ApiError, NotFound
from fairlane.core.uploads import FileType, UploadSizeLimit, megabytes, too_large
from fairlane.violations import objections, rules
from fairlane.violations.models import ObjectionEvidence, Violation
from fairlane.web.http import form_add_api_error, no_store, signed_in_user

logger = logging.getLogger(__name__)

EVIDENCE_FIELDS = tuple(f"evidence_{n}" for n in range(1, objections.MAX_EVIDENCE_FILES + 1))


class ObjectionForm(forms.Form):
    # Lengths and files are checked by the service, so that the page and the API say the same.
    reasons = forms.CharField(
        label=gettext_lazy("Why the record is wrong"),
        help_text=gettext_lazy(
            "For example: the vehicle was elsewhere at that time, or the plate was misread. 10 to 1000 characters."
        ),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": objections.REASONS_MAX_LENGTH}),
        required=False,
    )
    evidence_1 = forms.FileField(label=gettext_lazy("File 1"), required=False)
    evidence_2 = forms.FileField(label=gettext_lazy("File 2"), required=False)
    evidence_3 = forms.FileField(label=gettext_lazy("File 3"), required=False)


def _file_response(row: ObjectionEvidence, name: str) -> HttpResponseBase:
    file_type = FileType(row.content_type)
    try:
        stored = row.file.open("rb")
    except FileNotFoundError:
        logger.error("objection evidence #%s has no stored file", row.pk)
        raise Http404 from None
    response = FileResponse(
        stored,
        content_type=file_type.value,
        as_attachment=not file_type.is_image,
        filename=f"{name}-{row.position}.{file_type.extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    rows = objections.objections_of(signed_in_user(request))
    context = {"objections": rows, "review_days": rules.OBJECTION_REVIEW_WORKING_DAYS}
    return no_store(render(request, "violations/objections/mine.html", context))


@login_required
@require_GET
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        objection = objections.access_objection(signed_in_user(request), reference)
    except NotFound:
        raise Http404 from None
    return no_store(render(request, "violations/objections/detail.html", {"objection": objection}))


@login_required
@require_GET
def evidence(request: HttpRequest, reference: str, position: int) -> HttpResponseBase:
    try:
        objection = objections.access_objection(signed_in_user(request), reference)
        row = objections.access_objection_evidence(objection, position)
    except NotFound:
        raise Http404 from None
    return _file_response(row, "objection")


@csrf_exempt  # checked below by csrf_protect, once the size limit is in place
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest, reference: str) -> HttpResponse:
    limit = None
    if request.method == "POST":
        # Before anything reads the body: an oversized file is dropped while it arrives.
        limit = UploadSizeLimit(settings.FAIRLANE_UPLOAD_MAX_BYTES, request)
        request.upload_handlers = [limit, *request.upload_handlers]
    return _new(request, reference, limit)


@login_required
@csrf_protect
def _new(request: HttpRequest, reference: str, limit: UploadSizeLimit | None) -> HttpResponse:
    user = signed_in_user(request)
    try:
        violation = objections.access_violation_for_objection(user, reference)
    except NotFound:
        raise Http404 from None
    refusal = objections.objection_refusal(violation)
    if request.method != "POST":
        return _new_page(request, violation, ObjectionForm(), refusal)
    form = ObjectionForm(request.POST, request.FILES)
    form.is_valid()
    if limit is not None and limit.exceeded:
        error = too_large(settings.FAIRLANE_UPLOAD_MAX_BYTES)
        form.add_error(None, str(error.message))
        return _new_page(request, violation, form, None, status=error.status)
    files: list[UploadedFile] = [
        upload for name in EVIDENCE_FIELDS if (upload := request.FILES.get(name)) is not None
    ]
    try:
        objection = objections.objection_submit(
            actor=user, violation=violation, reasons=form.cleaned_data.get("reasons", ""), files=files
        )
    except NotFound:
        raise Http404 from None
    except ApiError as error:
        # A file refused at position n is the n-th file sent, which is the n-th filled field.
        filled = [name for name in EVIDENCE_FIELDS if name in request.FILES]
        for field, message in error.fields.items():
            if field.startswith("evidence_") and field[9:].isdigit() and int(field[9:]) <= len(filled):
                form.add_error(filled[int(field[9:]) - 1], message)
            else:
                form.add_error(field if field in form.fields else None, message)
        if not error.fields:
            form_add_api_error(form, error)
        return _new_page(request, violation, form, None, status=error.status)
    messages.success(
        request,
        _("Your objection was sent. The office reviews it by %(date)s and you will be told.")
        % {"date": objection.review_by.isoformat()},
    )
    return redirect("objection_urls:detail", objection.reference)


def _new_page(
    request: HttpRequest,
    violation: Violation,
    form: ObjectionForm,
    refusal: ApiError | None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "violation": violation,
        "form": form,
        "refusal": refusal,
        "evidence_fields": [form[name] for name in EVIDENCE_FIELDS],
        "review_days": rules.OBJECTION_REVIEW_WORKING_DAYS,
        "max_files": objections.MAX_EVIDENCE_FILES,
        "max_mb": megabytes(settings.FAIRLANE_UPLOAD_MAX_BYTES),
    }
    return no_store(render(request, "violations/objections/new.html", context, status=status))
