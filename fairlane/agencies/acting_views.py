"""Pages of a licensed agent acting for a citizen inside one authorisation (/agent/<ref>/):
what it covers, the applications filed under it, and forms to file, complete, pay and
book. Thin: every write is a service; every request is checked against the authorisation
first (`acting.acting_check` records a refusal) and again inside the service."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from fairlane.agencies import acting
from fairlane.agencies.models import Authorisation
from fairlane.applications import materials, services
from fairlane.applications.agent_scope import form_subject
from fairlane.applications.forms import DeliveryForm, OfficeForm
from fairlane.applications.handlers import handler_for
from fairlane.applications.handlers.base import Handler, VehicleForm, form_input
from fairlane.applications.models import Application, Material, MaterialKind
from fairlane.applications.presenters import application_view, delivery_initial, item_name, material_rows
from fairlane.applications.selectors import applications_filed_under
from fairlane.bookings import batches
from fairlane.bookings.booking import booking_make
from fairlane.bookings.models import Batch, BatchStatus, BookableService, ServiceKind, Slot
from fairlane.catalogue.selectors import published_item
from fairlane.core.errors import ApiError
from fairlane.registry.models import Vehicle
from fairlane.web.http import form_add_api_error, messages_add_api_error, no_store, signed_in_user

View = Callable[..., HttpResponse]


def _refusals_as_pages(view: View) -> View:
    """A refusal of the acting check is a 403 page, an application not found a 404: the
    page says nothing about the citizen either way."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ApiError as error:
            if error.status == 404:
                raise Http404 from None
            if error.status == 403 and error.code == "not_authorised":
                raise PermissionDenied from None
            raise

    return checked


def _page(request: HttpRequest, reference: str) -> HttpResponse:
    return redirect("acting:home", reference=reference)


def _application_page(reference: str, application: Application) -> HttpResponse:
    return redirect("acting:application", reference=reference, application_reference=application.reference)


class BookingForm(forms.Form):
    # Lazy: the labels are read when a page is shown, in that request's language.
    slot = forms.ModelChoiceField(
        label=gettext_lazy("Leftover place"), queryset=Slot.objects.none(), required=False
    )
    batch = forms.ModelChoiceField(
        label=gettext_lazy("Lottery batch"), queryset=Batch.objects.none(), required=False
    )
    preferences = forms.CharField(
        label=gettext_lazy("Slots wanted in the batch, best first (numbers, separated by commas)"),
        max_length=40,
        required=False,
    )

    def __init__(self, *args: Any, authorisation: Authorisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        now = timezone.now()
        services_in_scope = {
            "service__kind": ServiceKind.WINDOW,
            "service__item_code__in": authorisation.item_codes,
        }
        slot_field = cast(forms.ModelChoiceField, self.fields["slot"])
        slot_field.queryset = (
            Slot.objects.filter(**services_in_scope, starts_at__gt=now, published_at__lte=now)
            .exclude(batch__status=BatchStatus.OPEN)
            .order_by("starts_at")[:50]
        )
        batch_field = cast(forms.ModelChoiceField, self.fields["batch"])
        batch_field.queryset = Batch.objects.filter(
            service__kind=ServiceKind.WINDOW,
            service__item_code__in=authorisation.item_codes,
            status=BatchStatus.OPEN,
            closes_at__gt=now,
        )

    def offers_something(self) -> bool:
        """Whether a leftover place or an open lottery batch can be chosen now."""
        slots = cast(forms.ModelChoiceField, self.fields["slot"]).queryset
        batches_ = cast(forms.ModelChoiceField, self.fields["batch"]).queryset
        return bool(slots is not None and slots.exists()) or bool(batches_ is not None and batches_.exists())

    def preference_list(self) -> list[int]:
        text = self.cleaned_data.get("preferences") or ""
        return [int(part) for part in text.replace("，", ",").split(",") if part.strip().isdigit()]


def _item_form(handler: Handler, authorisation: Authorisation, data: Any) -> forms.Form:
    """The item's form for the citizen, offering only the vehicle the authorisation names."""
    form = handler.form_class(data, applicant=authorisation.citizen)
    if isinstance(form, VehicleForm):
        field = cast(forms.ModelChoiceField, form.fields["vehicle"])
        field.queryset = Vehicle.objects.filter(pk__in=[authorisation.vehicle_id or 0])
    return form


@login_required
@_refusals_as_pages
def home(request: HttpRequest, reference: str) -> HttpResponse:
    """The authorisation (citizen masked), what was filed under it, and what can be done."""
    authorisation = acting.acting_read_check(agent=signed_in_user(request), reference=reference)
    return no_store(render(request, "agencies/acting/home.html", _home_context(authorisation)))


def _home_context(authorisation: Authorisation, **forms_: Any) -> dict[str, Any]:
    filed = [(a, application_view(a)) for a in applications_filed_under(authorisation)[:100]]
    items = [(code, item_name(code)) for code in authorisation.item_codes if handler_for(code)]
    booking_form = forms_.get("booking_form") or BookingForm(authorisation=authorisation)
    has_window = BookableService.objects.filter(
        kind=ServiceKind.WINDOW, item_code__in=authorisation.item_codes
    ).exists()
    return {
        "authorisation": authorisation,
        "filed": filed,
        "items": items,
        "booking_form": booking_form,
        # Empty selects help nobody: the form only when there is something to choose (or
        # the agent's own choice to show again with its error).
        "booking_open": booking_form.is_bound or booking_form.offers_something(),
        "booking_service": has_window,
    }


@login_required
@require_http_methods(["GET", "POST"])
@_refusals_as_pages
def application_new(request: HttpRequest, reference: str, item_code: str) -> HttpResponse:
    """File an application for the citizen."""
    agent = signed_in_user(request)
    handler, published = handler_for(item_code), published_item(item_code)
    if request.method == "GET" or handler is None or published is None:
        authorisation = acting.acting_read_check(agent=agent, reference=reference, item_code=item_code)
        if handler is None or published is None:
            raise Http404
    else:
        found = Authorisation.objects.filter(reference=reference, agent=agent).first()
        vehicle_id, licence_id = (
            form_subject(item_code, found.citizen, request.POST.dict()) if found else (None, None)
        )
        authorisation = acting.acting_check(
            agent=agent,
            reference=reference,
            action="application_filed",
            item_code=item_code,
            vehicle_id=vehicle_id,
            licence_id=licence_id,
        )
    data = request.POST if request.method == "POST" else None
    office_form = OfficeForm(data)
    item_form = _item_form(handler, authorisation, data)
    if request.method == "POST" and office_form.is_valid() and item_form.is_valid():
        try:
            application = services.application_create(
                applicant=authorisation.citizen,
                agent=agent,
                item_code=item_code,
                office=office_form.cleaned_data["office"],
                form_data=form_input(item_form, request),
            )
        except ApiError as error:
            if error.code == "not_authorised":
                raise
            form_add_api_error(item_form, error)
        else:
            messages.success(request, _("The draft is saved for the citizen. Complete it below."))
            return _application_page(reference, application)
    context = {
        "authorisation": authorisation,
        "item": published.item,
        "name": item_name(item_code),
        "office_form": office_form,
        "item_form": item_form,
    }
    status = 422 if request.method == "POST" else 200
    return no_store(render(request, "agencies/acting/new.html", context, status=status))


@login_required
@_refusals_as_pages
def application_detail(request: HttpRequest, reference: str, application_reference: str) -> HttpResponse:
    authorisation, application = acting.acting_application(
        agent=signed_in_user(request),
        reference=reference,
        application_reference=application_reference,
        action=None,
    )
    context = _application_context(authorisation, application)
    return no_store(render(request, "agencies/acting/application.html", context))


def _application_context(
    authorisation: Authorisation, application: Application, **forms_: Any
) -> dict[str, Any]:
    handler = handler_for(application.item_code)
    delivery = getattr(application, "delivery", None)
    citizen = application.applicant
    return {
        "authorisation": authorisation,
        "application": application,
        "delivery": delivery,
        "view": application_view(application),
        "handler": handler,
        "editable": application.status in services.EDITABLE,
        "amount_due": services.amount_due(application),
        "material_rows": material_rows(
            application,
            remove_url=lambda material: reverse(
                "acting:material_remove", args=[authorisation.reference, application.reference, material.pk]
            ),
        ),
        "upload_url": reverse(
            "acting:material_upload", args=[authorisation.reference, application.reference]
        ),
        "materials_required": services.materials_required(application),
        "material_kinds": MaterialKind,
        "delivery_form": forms_.get("delivery_form")
        or DeliveryForm(initial=delivery_initial(delivery, citizen)),
    }


@login_required
@require_POST
@_refusals_as_pages
def delivery_choose(request: HttpRequest, reference: str, application_reference: str) -> HttpResponse:
    agent = signed_in_user(request)
    authorisation, application = acting.acting_application(
        agent=agent,
        reference=reference,
        application_reference=application_reference,
        action="delivery_chosen",
    )
    form = DeliveryForm(request.POST)
    if form.is_valid():
        try:
            services.delivery_choose(actor=agent, application=application, **form.cleaned_data)
        except ApiError as error:
            if error.code == "not_authorised":
                raise
            form_add_api_error(form, error)
        else:
            messages.success(request, _("Delivery saved."))
            return _application_page(reference, application)
    context = _application_context(authorisation, application, delivery_form=form)
    return no_store(render(request, "agencies/acting/application.html", context, status=422))


@login_required
@require_POST
@_refusals_as_pages
def material_upload(request: HttpRequest, reference: str, application_reference: str) -> HttpResponse:
    agent = signed_in_user(request)
    _authorisation, application = acting.acting_application(
        agent=agent,
        reference=reference,
        application_reference=application_reference,
        action="material_uploaded",
    )
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
        return _application_page(reference, application)
    try:
        materials.material_upload(
            actor=agent, application=application, kind=request.POST.get("kind", ""), upload=upload
        )
    except ApiError as error:
        if error.code == "not_authorised":
            raise
        messages_add_api_error(request, error)
    else:
        messages.success(request, _("The file was added."))
    return _application_page(reference, application)


@login_required
@require_POST
@_refusals_as_pages
def material_remove(
    request: HttpRequest, reference: str, application_reference: str, material_id: int
) -> HttpResponse:
    agent = signed_in_user(request)
    _authorisation, application = acting.acting_application(
        agent=agent,
        reference=reference,
        application_reference=application_reference,
        action="material_removed",
    )
    material = Material.objects.filter(application=application, pk=material_id).first()
    if material is None:
        raise Http404
    try:
        materials.material_remove(actor=agent, material=material)
    except ApiError as error:
        if error.code == "not_authorised":
            raise
        messages_add_api_error(request, error)
    else:
        messages.success(request, _("The file was removed."))
    return _application_page(reference, application)


@login_required
@require_POST
@_refusals_as_pages
def checkout(request: HttpRequest, reference: str, application_reference: str) -> HttpResponse:
    """Submit, or go to the payment first (the agent pays); paying submits it."""
    agent = signed_in_user(request)
    _authorisation, application = acting.acting_application(
        agent=agent,
        reference=reference,
        application_reference=application_reference,
        action="application_paid",
    )
    try:
        if application.status == "returned":
            services.application_resubmit(actor=agent, application=application)
            order = None
        else:
            order = services.application_checkout(actor=agent, application=application)
    except ApiError as error:
        if error.code == "not_authorised":
            raise
        messages_add_api_error(request, error)
        return _application_page(reference, application)
    if order is None:
        messages.success(request, _("Submitted. The office will accept it within its time limit."))
        return _application_page(reference, application)
    return redirect("payments:detail", reference=order.reference)


@login_required
@require_POST
@_refusals_as_pages
def booking_create(request: HttpRequest, reference: str) -> HttpResponse:
    """Book a leftover place, or send a lottery request, for the citizen."""
    agent = signed_in_user(request)
    # The item is the chosen slot's or batch's, whatever the form offers: a place outside
    # the authorisation is refused and recorded, not just missing from the list.
    slot = _chosen(Slot, request.POST.get("slot", ""))
    batch = None if slot is not None else _chosen(Batch, request.POST.get("batch", ""))
    service = slot.service if slot is not None else batch.service if batch is not None else None
    if service is None:  # nothing chosen: say so, if they may be here at all
        authorisation = acting.acting_read_check(agent=agent, reference=reference)
        form = BookingForm(request.POST, authorisation=authorisation)
        form.is_valid()
        form.add_error("slot", _("Choose a leftover place or a lottery batch."))
        context = _home_context(authorisation, booking_form=form)
        return no_store(render(request, "agencies/acting/home.html", context, status=422))
    authorisation = acting.acting_check(
        agent=agent,
        reference=reference,
        action="booking_made" if slot is not None else "booking_requested",
        item_code=service.item_code,
    )
    form = BookingForm(request.POST, authorisation=authorisation)
    form.is_valid()
    try:
        if slot is not None:
            booking_make(actor=agent, slot=slot, person=authorisation.citizen)
        elif batch is not None:
            batches.booking_request_submit(
                actor=agent, batch=batch, preferences=form.preference_list(), person=authorisation.citizen
            )
    except ApiError as error:
        if error.code == "not_authorised":
            raise
        form_add_api_error(form, error)
    else:
        messages.success(request, _("Booked for the citizen."))
        return _page(request, reference)
    context = _home_context(authorisation, booking_form=form)
    return no_store(render(request, "agencies/acting/home.html", context, status=422))


def _chosen(model: type[Slot] | type[Batch], raw: str) -> Any:
    if not raw.isdigit():
        return None
    return model.objects.select_related("service").filter(pk=int(raw)).first()
