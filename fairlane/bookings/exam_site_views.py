"""The staff page of the office's exam sites and their daily quotas (L-DL 第54条), under
/staff/bookings/exam-sites/. Booking staff of the office see the table; its supervisors and
administrators also register a site or change its quotas. Everyone else gets 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from fairlane.accounts.decorators import staff_required
from fairlane.accounts.models import User
from fairlane.bookings import policy, selectors
from fairlane.bookings.exam_sites import day_capacity, exam_site_save, may_set_quotas, office_exam_sites
from fairlane.bookings.models import ExamSite
from fairlane.core.errors import ApiError
from fairlane.web.http import form_add_api_error, no_store, signed_in_user


class ExamSiteForm(forms.Form):
    """A site to register, or the new quotas of the site of that name."""

    name = forms.CharField(label=gettext_lazy("Exam site"), max_length=policy.SITE_MAX_LENGTH)
    site_daily_quota = forms.IntegerField(
        label=gettext_lazy("Most exams a day at the site"), min_value=1, max_value=policy.MAX_SITE_DAILY_QUOTA
    )
    examiners = forms.IntegerField(
        label=gettext_lazy("Examiners on duty"), min_value=1, max_value=policy.MAX_EXAMINERS
    )
    examiner_daily_quota = forms.IntegerField(
        label=gettext_lazy("Most exams a day per examiner"),
        min_value=1,
        max_value=policy.MAX_EXAMINER_DAILY_QUOTA,
    )


def _booking_staff(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if user.office_id is None or not selectors.is_office_booking_staff(user, user.office_id):
        raise Http404
    return user


def _initial(sites: list[ExamSite], edit: str) -> dict[str, Any]:
    """The form filled with the quotas of the site picked in the table (?edit=<id>)."""
    chosen = next((site for site in sites if str(site.pk) == edit), None)
    if chosen is None:
        return {}
    return {
        "name": chosen.name,
        "site_daily_quota": chosen.site_daily_quota,
        "examiners": chosen.examiners,
        "examiner_daily_quota": chosen.examiner_daily_quota,
    }


@staff_required
@require_http_methods(["GET", "POST"])
def exam_sites_page(request: HttpRequest) -> HttpResponse:
    user = _booking_staff(request)
    office = user.office
    assert office is not None  # noqa: S101 - checked by _booking_staff
    can_edit = may_set_quotas(user, office.pk)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    sites = office_exam_sites(office)
    form = ExamSiteForm(request.POST or None, initial=_initial(sites, request.GET.get("edit", "")))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                site = exam_site_save(actor=user, office=office, **form.cleaned_data)
            except ApiError as error:
                form_add_api_error(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("%(site)s saved: at most %(capacity)d exams a day.")
                    % {"site": site.name, "capacity": day_capacity(site)},
                )
                return redirect("bookings_staff:exam_sites")
        else:
            status = 422
    context = {
        "office": office,
        "rows": [{"site": site, "capacity": day_capacity(site)} for site in sites],
        "form": form if can_edit else None,
    }
    return no_store(render(request, "bookings/staff/exam_sites.html", context, status=status))
