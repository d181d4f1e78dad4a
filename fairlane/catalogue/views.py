from __future__ import annotations

import segno
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from fairlane.applications.handlers import handler_for
from fairlane.bookings.models import BookableService, ServiceKind
from fairlane.catalogue import rules
from fairlane.catalogue.diagram import steps_svg
from fairlane.catalogue.office_settings.selectors import values_at_every_office
from fairlane.catalogue.schema import Category, Item
from fairlane.catalogue.selectors import PublishedItem, published_item, published_items, search_published
from fairlane.catalogue.templatetags.catalogue import pick

# Exam items are not applications nor window visits: they start on the learner's pages.
EXAM_ITEM_PAGES = {
    "LN-EXAM-BOOK": "exams:mine",  # what the learner may request, and the open batches
    "LN-PERMIT": "exams:mine",  # the permit's number and validity
    "LN-EXAM-CANCEL": "bookings:mine",  # cancelling is done from the booking itself
    # Violations are not applications either: the list leads to each one, its handling and fine.
    "VI-QUERY": "citizen_urls:index",
    "VI-HANDLE": "citizen_urls:index",
    "VI-FINE-PAY": "citizen_urls:index",
}


def catalogue_index(request: HttpRequest) -> HttpResponse:
    """Every business by category, or the search results for ?q=."""
    items = published_items()
    query = request.GET.get("q", "").strip()[: rules.MAX_QUERY_LENGTH]
    results = [published for published, _score in search_published(items, query)] if query else []
    groups = [(category, [p for p in items if p.item.category == category]) for category in Category]
    return render(
        request,
        "catalogue/index.html",
        {"groups": [(c, ps) for c, ps in groups if ps], "query": query, "results": results},
    )


def _published_or_404(code: str) -> PublishedItem:
    published = published_item(code)
    if published is None:
        raise Http404
    return published


def _flow(item: Item) -> str:
    return steps_svg(
        [pick(step) for step in item.steps], title=_("Steps of %(name)s") % {"name": pick(item.name)}
    )


def catalogue_guide(request: HttpRequest, code: str) -> HttpResponse:
    published = _published_or_404(code)
    by_code = {p.item.code: p.item for p in published_items()}
    related = [by_code[c] for c in published.item.related if c in by_code]
    context = {
        "published": published,
        "item": published.item,
        "related": related,
        "flow": _flow(published.item),
        "office_values": values_at_every_office(published.item),
        # "Start now": the online application, for the items handled as one.
        "apply_online": handler_for(code) is not None,
        # ...and booking: a visit, for the items some office takes window appointments for;
        # the exam pages, for the exam items.
        "book_visit": BookableService.objects.filter(kind=ServiceKind.WINDOW, item_code=code).exists(),
        "exam_page": EXAM_ITEM_PAGES.get(code),
    }
    return render(request, "catalogue/guide.html", context)


def catalogue_guide_print(request: HttpRequest, code: str) -> HttpResponse:
    """One printable page, with a QR code that opens the full guide online."""
    published = _published_or_404(code)
    url = request.build_absolute_uri(reverse("catalogue:guide", args=[code]))
    qr = mark_safe(segno.make(url, error="m").svg_inline(scale=4, title=url))  # noqa: S308 - segno escapes
    context = {
        "published": published,
        "item": published.item,
        "flow": _flow(published.item),
        "qr": qr,
        "url": url,
    }
    return render(request, "catalogue/guide_print.html", context)


def catalogue_wizard(request: HttpRequest) -> HttpResponse:
    """The question "what do you want to do?" in two steps: the topic, then the situation; the
    answer is the item's guide. Plain GET forms, so it works without JavaScript."""
    items = [published.item for published in published_items()]
    topic = request.GET.get("topic", "")
    code = request.GET.get("item", "")
    if code and any(item.code == code for item in items):
        return redirect("catalogue:guide", code=code)
    topics = [category for category in Category if any(item.category == category for item in items)]
    chosen = next((category for category in topics if category.value == topic), None)
    choices = [item for item in items if item.category == chosen] if chosen else []
    return render(request, "catalogue/wizard.html", {"topics": topics, "chosen": chosen, "choices": choices})
