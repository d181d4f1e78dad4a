"""Staff pages: the office's own values of the items that have some, and changing one item's."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fairlane.accounts.decorators import staff_required
from fairlane.accounts.models import User
from fairlane.catalogue.office_settings import services
from fairlane.catalogue.office_settings.forms import FIELDS, OfficeItemSettingForm
from fairlane.catalogue.office_settings.models import SET_PERMISSION
from fairlane.catalogue.office_settings.selectors import has_office_values, values_at_office
from fairlane.catalogue.schema import Item
from fairlane.catalogue.selectors import published_item, published_items
from fairlane.core.errors import ApiError, NotFound
from fairlane.registry.models import Office
from fairlane.web.http import no_store, signed_in_user


def _office_admin(request: HttpRequest) -> tuple[User, Office]:
    """The signed-in staff member and their office, if they may set its values; anyone else
    sees nothing."""
    user = signed_in_user(request)
    if user.office is None or not user.has_perm(SET_PERMISSION):
        raise Http404
    return user, user.office


@staff_required
@require_GET
def staff_office_settings(request: HttpRequest) -> HttpResponse:
    _user, office = _office_admin(request)
    rows = values_at_office(office, [published.item for published in published_items()])
    return no_store(
        render(request, "catalogue/office_settings/staff_list.html", {"office": office, "rows": rows})
    )


def _item_with_values(code: str) -> Item:
    published = published_item(code)
    if published is None or not has_office_values(published.item):
        raise Http404
    return published.item


@staff_required
@require_http_methods(["GET", "POST"])
def staff_office_setting_edit(request: HttpRequest, code: str) -> HttpResponse:
    user, office = _office_admin(request)
    item = _item_with_values(code)
    (row,) = values_at_office(office, [item])
    initial = OfficeItemSettingForm.initial_from(
        row.values.fee.own if row.values.fee else None,
        row.values.time_limit.own if row.values.time_limit else None,
    )
    form = OfficeItemSettingForm(request.POST or None, item=item, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            fee_fen, time_limit_days = form.values()
            try:
                services.office_item_setting_set(
                    actor=user,
                    office=office,
                    item_code=item.code,
                    fee_fen=fee_fen,
                    time_limit_days=time_limit_days,
                    reason=form.cleaned_data["reason"],
                )
            except NotFound:
                raise Http404 from None
            except ApiError as error:
                for field, message in error.fields.items():
                    form.add_error(FIELDS[field] if FIELDS.get(field) in form.fields else None, message)
                if not error.fields:
                    form.add_error(None, str(error.message))
                status = error.status
            else:
                messages.success(request, _("The office's values are saved."))
                return redirect("office_settings:list")
        else:
            status = 422
    context = {"office": office, "item": item, "row": row, "form": form}
    return no_store(render(request, "catalogue/office_settings/staff_form.html", context, status=status))
