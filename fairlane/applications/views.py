"""The applicant's pages: start an application, complete it, pay, follow it, rate it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fairlane.accounts.models import User
from fairlane.applications import ratings, services
from fairlane.applications.forms import DeliveryForm, OfficeForm, RatingForm
from fairlane.applications.handlers import handler_for
from fairlane.applications.handlers.base import Handler, VehicleForm, form_input
from fairlane.applications.models import Application, ApplicationStatus, MaterialKind
from fairlane.applications.presenters import (
    PATH,
    application_view,
    application_views,
    delivery_initial,
    item_name,
    material_rows,
    timeline_steps,
)
from fairlane.applications.selectors import access_application, my_applications
from fairlane.catalogue.selectors import published_item
from fairlane.core.errors import ApiError, NotFound
from fairlane.payments.models import OrderStatus
from fairlane.payments.selectors import order_of_subject
from fairlane.registry.models import Office
from fairlane.registry.selectors import vehicles_visible_to
from fairlane.web.http import form_add_api_error, messages_add_api_error, no_store, signed_in_user

Status = ApplicationStatus


def _own(request: HttpRequest, reference: str) -> tuple[User, Application]:
    user = signed_in_user(request)
    try:
        application = access_application(user, reference)
    except NotFound:
        raise Http404 from None
    if application.applicant_id != user.pk:  # staff use the staff pages
        raise Http404
    return user, application


def _back(application: Application) -> HttpResponse:
    return redirect("applications:detail", reference=application.reference)


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    rows = application_views(my_applications(user))
    return no_store(render(request, "applications/list.html", {"rows": rows}))


@login_required
@require_http_methods(["GET", "POST"])
def application_new(request: HttpRequest, item_code: str) -> HttpResponse:
    user = signed_in_user(request)
    handler, published = handler_for(item_code), published_item(item_code)
    if handler is None or published is None:
        raise Http404
    data = request.POST if request.method == "POST" else None
    office_form = OfficeForm(data, initial={"office": _usual_office(user, handler)})
    item_form = handler.form_class(data, applicant=user)
    if request.method == "POST" and office_form.is_valid() and item_form.is_valid():
        try:
            application = services.application_create(
                applicant=user,
                item_code=item_code,
                office=office_form.cleaned_data["office"],
                form_data=form_input(item_form, request),
            )
        except ApiError as error:
            form_add_api_error(item_form, error)
        else:
            messages.success(request, _("Your draft is saved. Complete it below and submit it."))
            return _back(application)
    context = {
        "item": published.item,
        "name": item_name(item_code),
        "office_form": office_form,
        "item_form": item_form,
    }
    status = 422 if request.method == "POST" else 200
    return no_store(render(request, "applications/new.html", context, status=status))


def _usual_office(user: User, handler: Handler) -> int | None:
    """Online applications are reviewed centrally (网上申请、集中审核): the main office; for
    a vehicle item, the office where the applicant's vehicles are registered, if one
    (L-VR 第51条: plates are remade by the registration office)."""
    vehicle_offices = set(vehicles_visible_to(user).values_list("office_id", flat=True))
    if issubclass(handler.form_class, VehicleForm) and len(vehicle_offices) == 1:
        return vehicle_offices.pop()
    main = Office.objects.filter(kind=Office.Kind.MAIN).order_by("code").first()
    return main.pk if main is not None else None


@login_required
def application_detail(request: HttpRequest, reference: str) -> HttpResponse:
    user, application = _own(request, reference)
    return no_store(render(request, "applications/detail.html", _detail_context(user, application)))


def _detail_context(user: User, application: Application, **forms: Any) -> dict[str, Any]:
    handler = handler_for(application.item_code)
    delivery = getattr(application, "delivery", None)
    order = order_of_subject(services.payment_subject(application))
    editable = application.status in services.EDITABLE
    steps = timeline_steps(application)
    reached = {step.status for step in steps}
    return {
        "application": application,
        "view": application_view(application),
        "steps": steps,
        "path": [
            {"label": status.label, "reached": status in reached, "current": status == application.status}
            for status in PATH
        ],
        "handler": handler,
        "delivery": delivery,
        "order": order,
        "order_paid": order is not None and order.status == OrderStatus.PAID,
        "amount_due": services.amount_due(application),
        "editable": editable,
        "material_rows": material_rows(
            application,
            remove_url=lambda material: reverse(
                "applications:material_remove", args=[application.reference, material.pk]
            ),
            download_url=lambda material: reverse(
                "applications:material_download", args=[application.reference, material.pk]
            ),
        ),
        "upload_url": reverse("applications:material_upload", args=[application.reference]),
        "materials_required": services.materials_required(application),
        "material_kinds": MaterialKind,
        "delivery_form": forms.get("delivery_form") or DeliveryForm(initial=delivery_initial(delivery, user)),
        "rating_form": forms.get("rating_form") or RatingForm(),
        "rating": getattr(application, "rating", None),
        "may_withdraw": application.status in (Status.DRAFT, Status.SUBMITTED, Status.RETURNED),
    }


@login_required
@require_POST
def delivery_choose_view(request: HttpRequest, reference: str) -> HttpResponse:
    user, application = _own(request, reference)
    form = DeliveryForm(request.POST)
    if form.is_valid():
        try:
            services.delivery_choose(actor=user, application=application, **form.cleaned_data)
        except ApiError as error:
            form_add_api_error(form, error)
        else:
            messages.success(request, _("Delivery saved."))
            return _back(application)
    context = _detail_context(user, application, delivery_form=form)
    return no_store(render(request, "applications/detail.html", context, status=422))


@login_required
@require_POST
def checkout_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Submit, or go to the payment first; paying submits it."""
    user, application = _own(request, reference)
    try:
        order = services.application_checkout(actor=user, application=application)
    except ApiError as error:
        messages_add_api_error(request, error)
        return _back(application)
    if order is None:
        messages.success(request, _("Submitted. The office will accept it within its time limit."))
        return _back(application)
    return redirect("payments:detail", reference=order.reference)


@login_required
@require_POST
def resubmit_view(request: HttpRequest, reference: str) -> HttpResponse:
    user, application = _own(request, reference)
    try:
        services.application_resubmit(actor=user, application=application)
    except ApiError as error:
        messages_add_api_error(request, error)
    else:
        messages.success(request, _("Sent again to the office."))
    return _back(application)


@login_required
@require_POST
def withdraw_view(request: HttpRequest, reference: str) -> HttpResponse:
    user, application = _own(request, reference)
    try:
        services.application_transition(actor=user, application=application, to=Status.WITHDRAWN)
    except ApiError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Withdrawn. Any fee you paid will be refunded."))
    return _back(application)


@login_required
@require_POST
def rate_view(request: HttpRequest, reference: str) -> HttpResponse:
    user, application = _own(request, reference)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            ratings.application_rate(actor=user, application=application, **form.cleaned_data)
        except ApiError as error:
            if not error.fields:
                # Not closed yet, or rated already: the page shows no rating form to put it on.
                messages.error(request, str(error.message))
                return _back(application)
            form_add_api_error(form, error)
        else:
            messages.success(request, _("Thank you for your rating."))
            return _back(application)
    context = _detail_context(user, application, rating_form=form)
    return no_store(render(request, "applications/detail.html", context, status=422))


def detail_url(application: Application) -> str:
    return reverse("applications:detail", kwargs={"reference": application.reference})
