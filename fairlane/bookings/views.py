"""Public batch pages — the window, the commitment, and after allocation everything needed
to check it — and the form on which a signed-in person sends their request."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from fairlane.bookings import batches
from fairlane.bookings.batches import Phase
from fairlane.bookings.models import Batch, BatchStatus, Slot
from fairlane.bookings.verification import published_check
from fairlane.core.errors import ApiError, NotFound
from fairlane.core.pow import pow_challenge, pow_verify
from fairlane.web.http import form_add_api_error, no_store, signed_in_user

LIST_MAX = 200
# The proof of work asked of the web request form (not of the API: see
# docs/decisions/0004-proof-of-work-on-the-request-form.md).
POW_PURPOSE = "batch-request"
REQUESTS_PER_PAGE = 200

PHASE_LABELS = {
    Phase.UPCOMING: gettext_lazy("Opens soon"),
    Phase.OPEN: gettext_lazy("Taking requests"),
    Phase.CLOSED: gettext_lazy("Closed, allocation next"),
    Phase.ALLOCATED: gettext_lazy("Allocated"),
}


def _batch(batch_id: int) -> Batch:
    try:
        return batches.access_public_batch(batch_id)
    except NotFound:
        raise Http404 from None


def slot_label(slot: Slot) -> str:
    starts, ends = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
    label = f"#{slot.pk} {starts:%Y-%m-%d %H:%M}–{ends:%H:%M}"
    return f"{label} {slot.site}" if slot.site else label


@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [
        {
            "batch": batch,
            "service": batches.service_label(batch.service),
            "phase": PHASE_LABELS[batches.batch_phase(batch, now)],
        }
        for batch in batches.public_batches()[:LIST_MAX]
    ]
    return render(request, "bookings/batch_list.html", {"rows": rows})


def _allocation_context(request: HttpRequest, batch: Batch) -> dict[str, Any]:
    published = batch.published
    assignment: dict[str, int] = published.get("assignment", {})
    wanted = request.GET.get("find", "").strip().lower()[:16]
    inputs = [item for item in published.get("requests", []) if not wanted or item.get("id") == wanted]
    page = Paginator(inputs, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    return {
        "problems": published_check(batch),
        "ranked": published.get("ranked", False),
        "page": page,
        "rows": [{**item, "result": assignment.get(item.get("id", ""))} for item in page.object_list],
        "wanted": wanted,
        "withdrawn": published.get("withdrawn", []),
        "request_count": len(published.get("requests", [])),
        "allocated_count": len(assignment),
    }


@require_GET
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(batch_id)
    phase = batches.batch_phase(batch, timezone.now())
    slots = batches.batch_slots(batch)
    allocated = Counter(batch.published.get("assignment", {}).values())
    context: dict[str, Any] = {
        "batch": batch,
        "service": batches.service_label(batch.service),
        "phase": phase,
        "phase_label": PHASE_LABELS[phase],
        "slots": [
            {
                "slot": slot,
                "label": slot_label(slot),
                "places": batches.places_offered(batch, slot),
                "allocated": allocated.get(slot.pk, 0),
            }
            for slot in slots
        ],
        "my_request": None,
    }
    if batch.status == BatchStatus.ALLOCATED:
        context.update(_allocation_context(request, batch))
    personal = request.user.is_authenticated
    if personal:
        mine = batches.request_of(signed_in_user(request), batch)
        context["my_request"] = mine
        if mine is not None:
            context["my_outcome"] = batches.request_outcome(mine)
            booking = getattr(mine, "booking", None)
            context["my_result"] = slot_label(booking.slot) if booking is not None else ""
    response = render(request, "bookings/batch_detail.html", context)
    # A signed-in visitor sees their own request on the page: keep it out of caches.
    return no_store(response) if personal else response


@require_GET
def batch_published(request: HttpRequest, batch_id: int) -> JsonResponse:
    """Everything needed to re-run the allocation, as one JSON file."""
    batch = _batch(batch_id)
    if batch.status != BatchStatus.ALLOCATED:
        raise Http404
    record = {
        "batch": batch.pk,
        "commitment": batch.commitment,
        "seed": batch.seed,
        "entropy": batch.entropy,
        "published": batch.published,
    }
    response = JsonResponse(record, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}.json"'
    return response


class RequestForm(forms.Form):
    """One to three slots of the batch, best first."""

    def __init__(self, *args: Any, slots: list[Slot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        slot_choices = [(str(slot.pk), slot_label(slot)) for slot in slots]
        for name, label, empty in (
            ("first", gettext_lazy("First choice"), _("Choose a slot")),
            ("second", gettext_lazy("Second choice"), _("No further choice")),
            ("third", gettext_lazy("Third choice"), _("No further choice")),
        ):
            self.fields[name] = forms.TypedChoiceField(
                label=label,
                choices=[("", empty), *slot_choices],
                coerce=int,
                required=name == "first",
                empty_value=None,
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        seen: set[int] = set()
        for name in ("first", "second", "third"):
            slot = cleaned.get(name)
            if slot is None:
                continue
            if slot in seen:
                self.add_error(name, _("You chose this slot already."))
            seen.add(slot)
        return cleaned

    def preferences(self) -> list[int]:
        chosen = (self.cleaned_data.get(name) for name in ("first", "second", "third"))
        return [slot for slot in chosen if slot is not None]


@require_GET
def pow_challenge_json(request: HttpRequest) -> JsonResponse:
    """A fresh challenge for the request form, fetched by pow.js when the user sends it."""
    return no_store(JsonResponse(pow_challenge(POW_PURPOSE).as_dict()))  # type: ignore[return-value]


@login_required
@require_http_methods(["GET", "POST"])
def batch_request(request: HttpRequest, batch_id: int) -> HttpResponse:
    user = signed_in_user(request)
    batch = _batch(batch_id)
    if batches.request_of(user, batch) is not None:
        messages.info(request, _("You already sent a request for this batch. One is all it takes."))
        return redirect("bookings:batch_detail", batch.pk)
    if request.method == "GET" and batches.batch_phase(batch, timezone.now()) != Phase.OPEN:
        messages.error(request, _("This batch does not take requests now."))
        return redirect("bookings:batch_detail", batch.pk)
    slots = batches.batch_slots(batch)
    form = RequestForm(request.POST or None, slots=slots)
    status = 200
    if request.method == "POST":
        # Checked first, and used up even if the form has other errors: each send is solved anew.
        if not pow_verify(request.POST.get("pow", ""), POW_PURPOSE):
            form.is_valid()
            form.add_error(
                None,
                _(
                    "We could not check that this request was sent from a browser. Send it again; "
                    "the form needs JavaScript. You can also use the API, or the office's phone or window."
                ),
            )
            status = 400
        elif form.is_valid():
            try:
                submitted = batches.booking_request_submit(
                    actor=user, batch=batch, preferences=form.preferences()
                )
            except ApiError as error:
                form_add_api_error(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _(
                        "Your request was received. It appears in the published list as %(pseudonym)s: "
                        "only you know which one is yours."
                    )
                    % {"pseudonym": submitted.pseudonym},
                )
                return redirect("bookings:batch_detail", batch.pk)
        else:
            status = 422
    context = {
        "batch": batch,
        "service": batches.service_label(batch.service),
        "form": form,
        "pow_challenge": pow_challenge(POW_PURPOSE).as_json(),
    }
    return no_store(render(request, "bookings/batch_request.html", context, status=status))
