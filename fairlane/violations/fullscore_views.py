"""Office staff pages for full-score study under /staff/violations/full-score/: the open
studies of licences the office issued, a form to record the days the study was completed
and the tests passed, and closing (points cleared, licence back). Staff with MFA only;
everyone else, and a study of another office, is 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fairlane.accounts.decorators import staff_required
from fairlane.accounts.models import User
from fairlane.core.errors import ApiError, NotFound
from fairlane.core.masking import mask_id_number, mask_name
from fairlane.violations import fullscore
from fairlane.violations.models import FullScoreStudy
from fairlane.web.http import form_add_api_error, messages_add_api_error, no_store, signed_in_user


class RecordForm(forms.Form):
    study_done_on = forms.DateField(
        label=gettext_lazy("Study completed on"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Give a day as YYYY-MM-DD.")},
    )
    tests_passed_on = forms.DateField(
        label=gettext_lazy("Tests passed on"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Give a day as YYYY-MM-DD.")},
    )


def _staff(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not fullscore.is_full_score_staff(user):
        raise Http404
    return user


def _list_page(
    request: HttpRequest, user: User, bound: dict[int, RecordForm] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    rows: list[dict[str, Any]] = []
    for study in fullscore.open_studies_for_staff(user)[: fullscore.OPEN_SHOWN]:
        form = bound.get(study.pk) or RecordForm(
            prefix=f"study-{study.pk}",
            initial={"study_done_on": study.study_done_on, "tests_passed_on": study.tests_passed_on},
        )
        rows.append(
            {
                "study": study,
                "licence_number": mask_id_number(study.licence.id_number),
                "holder": mask_name(study.licence.holder_name),
                "missing": fullscore.full_score_missing(study),
                "form": form,
            }
        )
    return no_store(render(request, "violations/fullscore/list.html", {"rows": rows}, status=status))


@staff_required
@require_GET
def study_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, _staff(request))


@staff_required
@require_POST
def study_record(request: HttpRequest, study_id: int) -> HttpResponse:
    user = _staff(request)
    try:
        fullscore.access_full_score_for_staff(user, study_id)
    except NotFound:
        raise Http404 from None
    form = RecordForm(request.POST, prefix=f"study-{study_id}")
    if not form.is_valid():
        return _list_page(request, user, {study_id: form}, status=422)
    try:
        fullscore.full_score_record(
            actor=user,
            study=FullScoreStudy(pk=study_id),
            study_done_on=form.cleaned_data["study_done_on"],
            tests_passed_on=form.cleaned_data["tests_passed_on"],
        )
    except NotFound:
        raise Http404 from None
    except ApiError as error:
        form_add_api_error(form, error)
        return _list_page(request, user, {study_id: form}, status=error.status)
    messages.success(request, _("Full-score study %(number)s recorded.") % {"number": study_id})
    return redirect("fullscore_urls:list")


@staff_required
@require_POST
def study_close(request: HttpRequest, study_id: int) -> HttpResponse:
    user = _staff(request)
    try:
        fullscore.full_score_close(actor=user, study=FullScoreStudy(pk=study_id))
    except NotFound:
        raise Http404 from None
    except ApiError as error:
        messages_add_api_error(request, error)
        return _list_page(request, user, status=error.status)
    messages.success(
        request,
        _("Full-score study %(number)s closed: the points are cleared and the licence is back in use.")
        % {"number": study_id},
    )
    return redirect("fullscore_urls:list")
