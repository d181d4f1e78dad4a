"""Public announcement pages and the staff pages that write and review them."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fairlane.accounts.decorators import staff_required
from fairlane.accounts.models import Role, User
from fairlane.catalogue.announcements import services
from fairlane.catalogue.announcements.forms import AnnouncementForm, NewAnnouncementForm, ReasonForm
from fairlane.catalogue.announcements.models import (
    DRAFT_PERMISSION,
    PUBLISH_PERMISSION,
    Announcement,
    AnnouncementStatus,
)
from fairlane.catalogue.announcements.rules import EDITABLE, TRANSITIONS
from fairlane.catalogue.announcements.selectors import (
    access_announcement_for_staff,
    access_public_announcement,
    announcement_history,
    announcements_for_staff,
    in_current_language,
    published_announcements,
)
from fairlane.core.errors import ApiError, NotFound
from fairlane.registry.models import Office
from fairlane.web.http import form_add_api_error, no_store, signed_in_user

OFFICE_CODE = re.compile(r"^[0-9A-Za-z]{1,12}$")

# The buttons of the staff page: action -> the status it moves to.
ACTIONS: dict[str, AnnouncementStatus] = {
    "submit": AnnouncementStatus.IN_REVIEW,
    "send_back": AnnouncementStatus.DRAFT,
    "publish": AnnouncementStatus.PUBLISHED,
    "withdraw": AnnouncementStatus.WITHDRAWN,
}
DONE = {
    AnnouncementStatus.IN_REVIEW: gettext_lazy("Sent for review."),
    AnnouncementStatus.DRAFT: gettext_lazy("Sent back to draft."),
    AnnouncementStatus.PUBLISHED: gettext_lazy("Published."),
    AnnouncementStatus.WITHDRAWN: gettext_lazy("Withdrawn."),
}


@require_GET
def announcement_list(request: HttpRequest) -> HttpResponse:
    office_code = request.GET.get("office", "").strip()
    if not OFFICE_CODE.match(office_code):
        office_code = ""
    announcements = [in_current_language(a) for a in published_announcements(office_code=office_code)]
    context = {
        "announcements": announcements,
        "offices": Office.objects.order_by("code"),
        "office_code": office_code,
    }
    return render(request, "catalogue/announcements/list.html", context)


@require_GET
def announcement_detail(request: HttpRequest, announcement_id: int) -> HttpResponse:
    try:
        announcement = access_public_announcement(announcement_id)
    except NotFound:
        raise Http404 from None
    return render(
        request, "catalogue/announcements/detail.html", {"shown": in_current_language(announcement)}
    )


# --- Staff -------------------------------------------------------------------------------


@staff_required
@require_GET
def staff_announcement_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    found = announcements_for_staff(user).order_by("-created_at", "-pk")
    groups = [(status, [a for a in found if a.status == status]) for status in AnnouncementStatus]
    context = {"groups": groups, "may_draft": user.has_perm(DRAFT_PERMISSION)}
    return no_store(render(request, "catalogue/announcements/staff_list.html", context))


@staff_required
@require_http_methods(["GET", "POST"])
def staff_announcement_create(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not user.has_perm(DRAFT_PERMISSION):
        raise Http404
    form = NewAnnouncementForm(request.POST or None, city_wide_allowed=user.role == Role.ADMIN)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            office = None if form.city_wide() else user.office
            try:
                announcement = services.announcement_create(actor=user, office=office, content=form.content())
            except ApiError as error:
                form_add_api_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Draft saved as version 1."))
                return redirect("announcements:staff_detail", announcement.pk)
        else:
            status = 422
    return no_store(
        render(
            request,
            "catalogue/announcements/staff_form.html",
            {"form": form, "announcement": None},
            status=status,
        )
    )


def _staff_announcement(request: HttpRequest, announcement_id: int) -> Announcement:
    try:
        return access_announcement_for_staff(signed_in_user(request), announcement_id)
    except NotFound:
        raise Http404 from None


@staff_required
@require_http_methods(["GET", "POST"])
def staff_announcement_edit(request: HttpRequest, announcement_id: int) -> HttpResponse:
    user = signed_in_user(request)
    announcement = _staff_announcement(request, announcement_id)
    if announcement.status not in EDITABLE or not user.has_perm(DRAFT_PERMISSION):
        messages.error(request, _("Only a draft can be changed. Ask a reviewer to send it back first."))
        return redirect("announcements:staff_detail", announcement.pk)
    version = announcement.current_version
    assert version is not None  # noqa: S101 - every announcement has a first version
    form = AnnouncementForm(request.POST or None, initial=AnnouncementForm.initial_from(version))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                announcement = services.announcement_edit(
                    actor=user, announcement=announcement, content=form.content()
                )
            except ApiError as error:
                form_add_api_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Changes saved."))
                return redirect("announcements:staff_detail", announcement.pk)
        else:
            status = 422
    context = {"form": form, "announcement": announcement}
    return no_store(render(request, "catalogue/announcements/staff_form.html", context, status=status))


def _detail_context(user: User, announcement: Announcement, **extra: Any) -> dict[str, Any]:
    status = AnnouncementStatus(announcement.status)
    possible = {name for name, target in ACTIONS.items() if (status, target) in TRANSITIONS}
    may_draft, may_publish = user.has_perm(DRAFT_PERMISSION), user.has_perm(PUBLISH_PERMISSION)
    reason_forms = {action: ReasonForm(prefix=action) for action in ("send_back", "withdraw")}
    reason_forms.update(extra.pop("reason_forms", {}))
    return {
        "announcement": announcement,
        "version": announcement.current_version,
        "history": announcement_history(announcement),
        "may_edit": status in EDITABLE and may_draft,
        "actions": {name for name in possible if (may_draft if name == "submit" else may_publish)},
        "reason_forms": reason_forms,
        **extra,
    }


@staff_required
@require_GET
def staff_announcement_detail(request: HttpRequest, announcement_id: int) -> HttpResponse:
    announcement = _staff_announcement(request, announcement_id)
    context = _detail_context(signed_in_user(request), announcement)
    return no_store(render(request, "catalogue/announcements/staff_detail.html", context))


@staff_required
@require_POST
def staff_announcement_transition(request: HttpRequest, announcement_id: int, action: str) -> HttpResponse:
    user = signed_in_user(request)
    announcement = _staff_announcement(request, announcement_id)
    to = ACTIONS[action]
    form = ReasonForm(request.POST, prefix=action)
    try:
        services.announcement_transition(
            actor=user, announcement=announcement, to=to, reason=request.POST.get(f"{action}-reason", "")
        )
    except ApiError as error:
        form.is_valid()
        if "reason" in error.fields and not form.has_error("reason"):
            form.add_error("reason", error.fields["reason"])
        context = _detail_context(
            user,
            announcement,
            reason_forms={action: form},
            error=None if error.fields else str(error.message),
        )
        return no_store(
            render(request, "catalogue/announcements/staff_detail.html", context, status=error.status)
        )
    messages.success(request, str(DONE[to]))
    return redirect("announcements:staff_detail", announcement.pk)
