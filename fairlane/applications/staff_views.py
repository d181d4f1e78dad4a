"""Staff pages: my work queue, the office's open cases, one case with what I may do with it,
and the rectification tasks opened by dissatisfied ratings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fairlane.accounts.decorators import staff_required
from fairlane.accounts.models import User
from fairlane.applications import assignment, ratings, rules, services
from fairlane.applications.forms import NoteForm, ReasonForm, ReassignForm, TrackingForm
from fairlane.applications.handlers import handler_for
from fairlane.applications.materials import materials_of
from fairlane.applications.models import Application, ApplicationStatus, RectificationTask, StaffAvailability
from fairlane.applications.presenters import application_view, application_views, form_rows, timeline_steps
from fairlane.applications.selectors import (
    access_application_for_staff,
    access_rectification,
    office_queue,
    rectifications_of_office,
    work_queue,
)
from fairlane.core.errors import ApiError, InvalidInput, NotFound
from fairlane.web.http import form_add_api_error, messages_add_api_error, no_store, signed_in_user

Status = ApplicationStatus

# The buttons that move a case without a reason: action -> target status.
SIMPLE_ACTIONS: dict[str, Status] = {
    "accept": Status.ACCEPTED,
    "review": Status.IN_REVIEW,
    "approve": Status.APPROVED,
    "produce": Status.PRODUCED,
}
# The decisions against the applicant, each with a reason: action -> target status.
REASONED_ACTIONS: dict[str, Status] = {
    "return": Status.RETURNED,
    "reject": Status.REJECTED,
    "in_person": Status.IN_PERSON,
}
# The buttons that send a form: action -> (its form, the form's name on the page).
FORM_ACTIONS: dict[str, tuple[type[Form], str]] = {
    **dict.fromkeys(REASONED_ACTIONS, (ReasonForm, "reason_form")),
    "post": (TrackingForm, "tracking_form"),
    "reassign": (ReassignForm, "reassign_form"),
}


def _case(request: HttpRequest, reference: str) -> tuple[User, Application]:
    user = signed_in_user(request)
    try:
        return user, access_application_for_staff(user, reference)
    except NotFound:
        raise Http404 from None


def _back(application: Application) -> HttpResponse:
    return redirect("applications_staff:detail", reference=application.reference)


@staff_required
def staff_queue(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    availability = StaffAvailability.objects.filter(user=user).first()
    context = {
        "mine": application_views(work_queue(user)),
        "office": application_views(office_queue(user)[:200]),
        "available": availability is None or availability.available,
        "takes_cases": user.role
        in assignment.POOLS[assignment.Stage.ACCEPTANCE] | assignment.POOLS[assignment.Stage.REVIEW],
        "may_rectify": user.role in ratings.RECTIFIERS,
    }
    return no_store(render(request, "applications/staff_queue.html", context))


@staff_required
@require_POST
def staff_availability(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    available = request.POST.get("available") == "1"
    try:
        assignment.staff_availability_set(actor=user, available=available)
    except ApiError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("You take new cases.") if available else _("You take no new cases for now.")
        )
    return redirect("applications_staff:queue")


def _actions(user: User, application: Application) -> list[str]:
    """The buttons `user` may press on the case now."""
    source = Status(application.status)
    found = []
    for action, target in {**SIMPLE_ACTIONS, **REASONED_ACTIONS}.items():
        refusal = rules.transition_refusal(
            source=source,
            target=target,
            actor_id=user.pk,
            actor_role=user.role,
            actor_office_id=user.office_id,
            applicant_id=application.applicant_id,
            office_id=application.office_id,
            assignee_id=application.assignee_id,
            accepted_by_id=application.accepted_by_id,
            sensitive=application.sensitive,
            reason_code="other" if action in REASONED_ACTIONS else "",
            reason_text="-" if action in REASONED_ACTIONS else "",
        )
        if refusal is None:
            found.append(action)
    delivery = getattr(application, "delivery", None)
    if source == Status.PRODUCED and delivery is not None:
        found.append("post" if delivery.method == "mail" else "hand_over")
    if source == Status.DELIVERED:
        found.append("hand_over")
    if source in assignment.STAGE_OF and user.role in assignment.REASSIGNERS:
        found.append("reassign")
    return found


def _detail_context(user: User, application: Application, **forms: Any) -> dict[str, Any]:
    return {
        "application": application,
        "view": application_view(application),
        "handler": handler_for(application.item_code),
        "form_rows": form_rows(application),
        "steps": timeline_steps(application),
        "materials": materials_of(application),
        "delivery": getattr(application, "delivery", None),
        "actions": _actions(user, application),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "tracking_form": forms.get("tracking_form") or TrackingForm(),
        "reassign_form": forms.get("reassign_form") or ReassignForm(),
        # Only while the decision is still open: afterwards the notice would mislead.
        "four_eyes": application.sensitive
        and application.accepted_by_id == user.pk
        and application.status in rules.SLA_RUNNING,
    }


@staff_required
def staff_detail(request: HttpRequest, reference: str) -> HttpResponse:
    user, application = _case(request, reference)
    return no_store(render(request, "applications/staff_detail.html", _detail_context(user, application)))


@staff_required
@require_POST
def staff_act(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """One button of the case page."""
    user, application = _case(request, reference)
    if action not in SIMPLE_ACTIONS and action not in FORM_ACTIONS and action != "hand_over":
        raise Http404
    form: Form | None = None
    if action in FORM_ACTIONS:
        form_class, form_name = FORM_ACTIONS[action]
        form = form_class(request.POST)
        if not form.is_valid():
            return _invalid(request, user, application, **{form_name: form})
    try:
        _act(user, application, action, form.cleaned_data if form is not None else {})
    except ApiError as error:
        if form is not None and isinstance(error, InvalidInput):
            form_add_api_error(form, error)
            return _invalid(request, user, application, **{FORM_ACTIONS[action][1]: form})
        messages_add_api_error(request, error)
        return _back(application)
    messages.success(request, _("Done."))
    return _back(application)


def _act(user: User, application: Application, action: str, data: dict[str, Any]) -> None:
    if action in SIMPLE_ACTIONS:
        services.application_transition(actor=user, application=application, to=SIMPLE_ACTIONS[action])
    elif action in REASONED_ACTIONS:
        services.application_transition(
            actor=user, application=application, to=REASONED_ACTIONS[action], **data
        )
    elif action == "post":
        services.delivery_post(actor=user, application=application, **data)
    elif action == "reassign":
        assignment.application_reassign(actor=user, application=application, **data)
    else:
        services.delivery_hand_over(actor=user, application=application)


def _invalid(request: HttpRequest, user: User, application: Application, **forms: Any) -> HttpResponse:
    context = _detail_context(user, application, **forms)
    return no_store(render(request, "applications/staff_detail.html", context, status=422))


# --- Rectification ---------------------------------------------------------------------------


@staff_required
def rectification_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if user.role not in ratings.RECTIFIERS:
        raise Http404
    tasks = rectifications_of_office(user).order_by("closed_at", "due_on", "pk")
    today = timezone.localdate()
    return no_store(render(request, "applications/rectification_list.html", {"tasks": tasks, "today": today}))


def _task(request: HttpRequest, task_id: int) -> tuple[User, RectificationTask]:
    user = signed_in_user(request)
    try:
        return user, access_rectification(user, task_id)
    except NotFound:
        raise Http404 from None


@staff_required
def rectification_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    _user, task = _task(request, task_id)
    application = task.rating.application
    context = {"task": task, "view": application_view(application), "note_form": NoteForm()}
    return no_store(render(request, "applications/rectification_detail.html", context))


@staff_required
@require_POST
def rectification_act(request: HttpRequest, task_id: int, action: str) -> HttpResponse:
    user, task = _task(request, task_id)
    if action not in ("call_back", "close"):
        raise Http404
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            if action == "call_back":
                ratings.rectification_call_back(actor=user, task=task, note=form.cleaned_data["text"])
            else:
                ratings.rectification_close(actor=user, task=task, resolution=form.cleaned_data["text"])
        except ApiError as error:
            messages_add_api_error(request, error)
        else:
            messages.success(request, _("Recorded."))
    else:
        messages.error(request, _("Write what was said or done."))
    return redirect("applications_staff:rectification", task_id=task.pk)
