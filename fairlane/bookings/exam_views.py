"""The learner's exam page (their record, permit and what each subject allows) and the
office's exam desk (open a learner record, record results of a day's exam bookings)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fairlane.accounts.decorators import staff_required
from fairlane.bookings import exam_rules, exams
from fairlane.bookings.models import Batch, BatchStatus, ExamOutcome, ExamSubject, ServiceKind
from fairlane.bookings.selectors import bookings_visible_to, is_office_booking_staff
from fairlane.core.errors import ApiError
from fairlane.core.masking import mask_id_number, mask_name
from fairlane.registry.models import LearnerRecord
from fairlane.registry.rules import LICENCE_CLASSES
from fairlane.web.http import form_add_api_error, messages_add_api_error, no_store, signed_in_user


def open_exam_batches(record: LearnerRecord, subject: str) -> list[Batch]:
    """The exam batches of the record's office for `subject` taking requests now."""
    now = timezone.now()
    return list(
        Batch.objects.filter(
            service__office_id=record.office_id,
            service__kind=ServiceKind.EXAM,
            service__exam_subject=subject,
            status=BatchStatus.OPEN,
            opens_at__lte=now,
            closes_at__gt=now,
        ).order_by("closes_at", "pk")
    )


def subject_rows(terms: exams.LearnerTerms) -> list[dict[str, Any]]:
    record = terms.record
    rows = []
    for subject in terms.subjects:
        rows.append(
            {
                "terms": subject,
                "label": ExamSubject(subject.subject).label,
                "limit": exam_rules.MAX_BOOKINGS,
                "batches": open_exam_batches(record, subject.subject) if record and subject.allowed else [],
            }
        )
    return rows


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    terms = exams.learner_terms(user, now=timezone.now())
    record = terms.record
    context = {
        "record": record,
        "masked_id": mask_id_number(record.id_number) if record else "",
        "masked_name": mask_name(record.holder_name) if record else "",
        "rows": subject_rows(terms),
    }
    return no_store(render(request, "bookings/exams/mine.html", context))


# --- The office's exam desk ---------------------------------------------------------------


class LearnerForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=18)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)
    licence_class = forms.ChoiceField(
        label=gettext_lazy("Class applied for"), choices=[(code, code) for code in LICENCE_CLASSES]
    )
    adds_class = forms.BooleanField(label=gettext_lazy("Adds a class to a licence held"), required=False)


class DayForm(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("Exam day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _desk_user(request: HttpRequest) -> Any:
    user = signed_in_user(request)
    if user.office_id is None or not is_office_booking_staff(user, user.office_id):
        raise Http404
    return user


def _desk(
    request: HttpRequest, *, learner_form: LearnerForm | None = None, status: int = 200
) -> HttpResponse:
    user = _desk_user(request)
    day_form = DayForm(request.GET or None)
    day: date = timezone.localdate()
    if day_form.is_valid() and day_form.cleaned_data.get("day"):
        day = day_form.cleaned_data["day"]
    bookings = exams.office_exam_bookings(user.office_id, day)
    rows = [
        {
            "booking": booking,
            "label": ExamSubject(booking.service.exam_subject).label,
            "masked_name": mask_name(booking.person.name),
            "masked_id": mask_id_number(booking.person.id_number),
            "sitting": getattr(booking, "sitting", None),
        }
        for booking in bookings
    ]
    context = {
        "learner_form": learner_form or LearnerForm(),
        "day_form": day_form,
        "day": day,
        "rows": rows,
        "outcomes": ExamOutcome.choices,
    }
    return no_store(render(request, "bookings/exams/staff_home.html", context, status=status))


@staff_required
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    return _desk(request)


@staff_required
@require_POST
def learner_open(request: HttpRequest) -> HttpResponse:
    user = _desk_user(request)
    form = LearnerForm(request.POST)
    if not form.is_valid():
        return _desk(request, learner_form=form, status=422)
    try:
        record = exams.learner_record_open(
            actor=user,
            id_number=form.cleaned_data["id_number"],
            name=form.cleaned_data["name"],
            licence_class=form.cleaned_data["licence_class"],
            adds_class=form.cleaned_data["adds_class"],
        )
    except ApiError as error:
        form_add_api_error(form, error)
        return _desk(request, learner_form=form, status=error.status)
    messages.success(
        request,
        _("Learner record opened for %(id)s (class %(class)s).")
        % {"id": mask_id_number(record.id_number), "class": record.licence_class},
    )
    return redirect("exams:staff_home")


@staff_required
@require_POST
def result_record(request: HttpRequest) -> HttpResponse:
    user = _desk_user(request)
    outcome = request.POST.get("outcome", "")
    try:
        booking_id = int(request.POST.get("booking_id", ""))
    except ValueError:
        raise Http404 from None
    booking = bookings_visible_to(user).filter(service__office_id=user.office_id, pk=booking_id).first()
    if booking is None:
        raise Http404
    try:
        exams.exam_result_record(actor=user, booking=booking, outcome=outcome)
    except ApiError as error:
        messages_add_api_error(request, error)
    else:
        messages.success(request, _("Result recorded."))
    day = timezone.localdate(booking.slot.starts_at).isoformat()
    return redirect(f"/staff/exams/?day={day}")
