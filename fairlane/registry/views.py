"""Staff pages on the records of truth."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from fairlane.accounts.decorators import staff_required
from fairlane.core.errors import ApiError, NotFound
from fairlane.registry.selectors import access_licence_for_staff, licences_for_staff
from fairlane.registry.services import licence_unmask
from fairlane.web.http import no_store, signed_in_user


@staff_required
def staff_licence_list(request: HttpRequest) -> HttpResponse:
    licences = licences_for_staff(signed_in_user(request)).order_by("pk")
    query = request.GET.get("file_number", "").strip()
    if query:
        licences = licences.filter(file_number=query)
    page = Paginator(licences, 25).get_page(request.GET.get("page"))
    return no_store(render(request, "registry/staff_licence_list.html", {"page": page, "query": query}))


@staff_required
@require_http_methods(["GET", "POST"])
def staff_licence_detail(request: HttpRequest, licence_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        licence = access_licence_for_staff(user, licence_id)
    except NotFound:
        raise Http404 from None
    context: dict[str, object] = {"licence": licence, "can_unmask": user.has_perm("accounts.unmask_pii")}
    status = 200
    if request.method == "POST":
        try:
            context["full_id_number"] = licence_unmask(
                actor=user, licence=licence, reason=request.POST.get("reason", "")
            )
        except ApiError as error:
            context["error"] = error.fields.get("reason") or str(error.message)
            status = error.status
    return no_store(render(request, "registry/staff_licence_detail.html", context, status=status))
