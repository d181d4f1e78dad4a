"""Pages for the files of an application: adding one, removing one and downloading one.

Uploads are never served from a public URL: every download goes through the access check
and the storage API. Adding and removing answer with a redirect to the application page,
with what happened in django.contrib.messages.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from fairlane.accounts.models import User
from fairlane.applications import materials
from fairlane.applications.selectors import access_application
from fairlane.core.errors import ApiError, NotFound
from fairlane.core.uploads import FileType, UploadSizeLimit, too_large
from fairlane.web.http import signed_in_user

logger = logging.getLogger(__name__)

APPLICATION_PAGE = "applications:detail"


@login_required
@require_GET
def material_download(request: HttpRequest, reference: str, material_id: int) -> HttpResponseBase:
    """The stored file, to the applicant and handling staff of the office only."""
    try:
        material = materials.access_material(_viewer(request), reference, material_id)
    except NotFound:
        raise Http404 from None
    file_type = FileType(material.content_type)
    try:
        stored = material.file.open("rb")
    except FileNotFoundError:
        logger.error("material #%s has no stored file", material.pk)
        raise Http404 from None
    response = FileResponse(
        stored,
        content_type=file_type.value,
        # Images open in the browser; a PDF is saved, never run in the site's origin.
        as_attachment=not file_type.is_image,
        # A neutral name: the uploader's own file name was never kept.
        filename=f"{material.kind}-{material.pk}.{file_type.extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Should a browser ever take the file for a page, nothing in it may run or load.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@csrf_exempt  # checked below by csrf_protect, once the size limit is in place
@require_POST
def material_upload_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Add a file from the form on the application page (fields "kind" and "file")."""
    # Before anything reads the body, the CSRF check included: an oversized file is then
    # dropped while it arrives instead of being written to a temporary file first.
    limit = UploadSizeLimit(settings.FAIRLANE_UPLOAD_MAX_BYTES, request)
    request.upload_handlers = [limit, *request.upload_handlers]
    return _material_upload(request, reference, limit)


@login_required
@csrf_protect
def _material_upload(request: HttpRequest, reference: str, limit: UploadSizeLimit) -> HttpResponse:
    user = _viewer(request)
    try:
        application = access_application(user, reference)
    except NotFound:
        raise Http404 from None
    upload = request.FILES.get("file")
    try:
        if limit.exceeded:
            raise too_large(settings.FAIRLANE_UPLOAD_MAX_BYTES)
        if upload is None:
            messages.error(request, _("Choose a file to upload."))
            return redirect(APPLICATION_PAGE, reference)
        materials.material_upload(
            actor=user, application=application, kind=request.POST.get("kind", ""), upload=upload
        )
    except ApiError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The file was added."))
    return redirect(APPLICATION_PAGE, reference)


@login_required
@require_POST
def material_remove_view(request: HttpRequest, reference: str, material_id: int) -> HttpResponse:
    """Remove a file from the application page."""
    user = _viewer(request)
    try:
        material = materials.access_material(user, reference, material_id)
    except NotFound:
        raise Http404 from None
    try:
        materials.material_remove(actor=user, material=material)
    except ApiError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The file was removed."))
    return redirect(APPLICATION_PAGE, reference)


def _viewer(request: HttpRequest) -> User:
    # Staff read other people's files only after their second factor, as on every staff page.
    user = signed_in_user(request)
    if user.is_office_staff and not getattr(user, "is_verified", lambda: False)():
        raise Http404
    return user


def _error_text(error: ApiError) -> str:
    # A refused file names what is wrong with it in the "file" field.
    return " ".join(error.fields.values()) if error.fields else str(error.message)
