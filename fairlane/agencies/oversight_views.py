"""Oversight pages. Under /staff/agencies/: the office's agencies with their statistics,
and one agency with its members, complaints, bans and the forms to set its daily cap,
suspend, reinstate or revoke it and impose a ban. Under /agencies/bans/: the published
bans, for everyone.

The staff pages are for reviewers, supervisors and administrators of the agency's office
who signed in with their second factor (others get 404); supervisors and administrators
decide. Names and phone numbers are masked."""

from __future__ import annotations

from typing import Any, Final

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fairlane.accounts.decorators import staff_required
from fairlane.accounts.models import User
from fairlane.agencies import oversight, oversight_stats, rules
from fairlane.agencies.models import Agency, AgencyKind, AgencyStatus, BanKind
from fairlane.core.errors import ApiError, InvalidInput, NotFound
from fairlane.core.masking import mask_name, mask_phone
from fairlane.web.http import form_add_api_error, no_store, signed_in_user

LIST_SHOWN: Final = 200
BANS_PER_PAGE: Final = 50
REASON_HELP = gettext_lazy("Published with the decision. At most 200 characters.")


class FilterForm(forms.Form):
    # Checked by oversight_stats.filters_clean, so that the page and the API say the same.
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("Any status")), *AgencyStatus.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[("", gettext_lazy("Any kind")), *AgencyKind.choices],
        required=False,
    )
    days = forms.CharField(
        label=gettext_lazy("Statistics of the last days"),
        help_text=gettext_lazy("From 1 to 366."),
        initial=oversight_stats.DAYS_DEFAULT,
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": oversight_stats.DAYS_MAX}),
    )


class DailyCapForm(forms.Form):
    cap = forms.CharField(
        label=gettext_lazy("Daily cap"),
        help_text=gettext_lazy("The most new authorisations its agents may ask for in one day, 1 to 1000."),
        widget=forms.NumberInput(attrs={"min": rules.DAILY_CAP_MIN, "max": rules.DAILY_CAP_MAX}),
        required=False,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        help_text=REASON_HELP,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": rules.OVERSIGHT_REASON_MAX_LENGTH}),
        required=False,
    )


class BanForm(ReasonForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of ban"),
        choices=BanKind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    person = forms.ChoiceField(
        label=pgettext_lazy("ban", "Person"),
        help_text=gettext_lazy("The member who did it, if the office names one."),
        required=False,
    )
    field_order = ("kind", "person", "reason")

    def __init__(self, *args: Any, members: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        assert isinstance(person, forms.ChoiceField)  # noqa: S101 - declared above
        person.choices = [("", _("Nobody: the agency only")), *members]


def _staff(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not oversight.is_oversight_staff(user):
        raise Http404
    return user


# --- The office's agencies --------------------------------------------------------------------


@staff_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = FilterForm(request.GET or None)
    status = 200
    try:
        filters = oversight_stats.filters_clean(
            request.GET.get("status"), request.GET.get("kind"), request.GET.get("days")
        )
    except InvalidInput as error:
        form.is_valid()
        form_add_api_error(form, error)
        filters = oversight_stats.filters_clean()
        status = error.status
    found = oversight.agencies_for_staff(user)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    rows = oversight_stats.agency_rows(list(found[:LIST_SHOWN]), filters.period) if status == 200 else []
    context = {"form": form, "rows": rows, "period": filters.period, "valid": status == 200}
    return no_store(render(request, "agencies/oversight/index.html", context, status=status))


# --- One agency -------------------------------------------------------------------------------


def _member_choices(members: list[Any]) -> list[tuple[str, str]]:
    return [(str(member.user_id), mask_name(member.user.name)) for member in members]


def _detail_page(
    request: HttpRequest,
    user: User,
    agency: Agency,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    period = oversight_stats.last_days()
    members = oversight_stats.agency_members(agency)
    today = timezone.localdate()
    decides = oversight.may_decide(user)
    may = {
        "cap": decides,
        "suspend": decides and rules.may_suspend(agency.status),
        "reinstate": decides
        and rules.may_reinstate(agency.status, agency.licensed_from, agency.licensed_until, today),
        "revoke": decides and rules.may_revoke(agency.status),
        "ban": decides,
    }
    # A form whose section the page no longer shows (the status changed meanwhile, or the
    # user does not decide) has its errors shown at the top.
    hidden = [form for name, form in bound.items() if not may[name]]
    context: dict[str, Any] = {
        "agency": agency,
        "period": period,
        "stats": oversight_stats.agency_stats([agency], period)[agency.pk],
        "members": [
            {"member": member, "name": mask_name(member.user.name), "phone": mask_phone(member.user.phone)}
            for member in members
        ],
        "complaints": oversight_stats.recent_complaints(agency),
        "bans": [
            {
                "ban": ban,
                "person": mask_name(ban.person.name) if ban.person else "",
                "in_force": rules.ban_in_force(ban.starts_on, ban.ends_on, today),
            }
            for ban in oversight_stats.agency_bans(agency)
        ],
        "may_decide": decides,
        "may_suspend": may["suspend"],
        "may_reinstate": may["reinstate"],
        "may_revoke": may["revoke"],
        "refused": hidden[0] if hidden else None,
        "cap_form": bound.get("cap") or DailyCapForm(initial={"cap": agency.daily_cap}, prefix="cap"),
        "suspend_form": bound.get("suspend") or ReasonForm(prefix="suspend"),
        "reinstate_form": bound.get("reinstate") or ReasonForm(prefix="reinstate"),
        "revoke_form": bound.get("revoke") or ReasonForm(prefix="revoke"),
        "ban_form": bound.get("ban") or BanForm(prefix="ban", members=_member_choices(members)),
    }
    return no_store(render(request, "agencies/oversight/detail.html", context, status=status))


def _agency(user: User, agency_id: int) -> Agency:
    try:
        return oversight.access_agency_for_staff(user, agency_id)
    except NotFound:
        raise Http404 from None


@staff_required
@require_GET
def detail(request: HttpRequest, agency_id: int) -> HttpResponse:
    user = _staff(request)
    return _detail_page(request, user, _agency(user, agency_id))


def _decide(request: HttpRequest, agency_id: int, name: str) -> HttpResponse:
    """Run decision `name` from its form; on success back to the agency with a message,
    otherwise the page again with the error next to the field."""
    user = _staff(request)
    agency = _agency(user, agency_id)
    form: forms.Form
    if name == "cap":
        form = DailyCapForm(request.POST, prefix="cap")
    elif name == "ban":
        form = BanForm(
            request.POST, prefix="ban", members=_member_choices(oversight_stats.agency_members(agency))
        )
    else:
        form = ReasonForm(request.POST, prefix=name)
    if not form.is_valid():
        return _detail_page(request, user, agency, {name: form}, status=422)
    data = form.cleaned_data
    try:
        if name == "cap":
            text = str(data["cap"]).strip()
            cap: Any = int(text) if text.isdigit() else text
            oversight.agency_daily_cap_set(actor=user, agency=agency, cap=cap)
            done = _("Daily cap set to %(cap)s.") % {"cap": cap}
        elif name == "suspend":
            oversight.agency_suspend(actor=user, agency=agency, reason=data["reason"])
            done = _("The agency is suspended.")
        elif name == "reinstate":
            oversight.agency_reinstate(actor=user, agency=agency, reason=data["reason"])
            done = _("The suspension is lifted.")
        elif name == "revoke":
            oversight.agency_revoke(actor=user, agency=agency, reason=data["reason"])
            done = _("The licence is revoked and the agency's authorisations ended.")
        else:
            person = User.objects.filter(pk=int(data["person"])).first() if data["person"] else None
            oversight.ban_impose(
                actor=user, agency=agency, kind=data["kind"], reason=data["reason"], person=person
            )
            done = _("The ban is imposed and published.")
    except NotFound:
        raise Http404 from None
    except ApiError as error:
        form_add_api_error(form, error)
        agency.refresh_from_db()
        return _detail_page(request, user, agency, {name: form}, status=error.status)
    messages.success(request, done)
    return redirect("oversight:detail", agency_id=agency.pk)


@staff_required
@require_POST
def daily_cap(request: HttpRequest, agency_id: int) -> HttpResponse:
    return _decide(request, agency_id, "cap")


@staff_required
@require_POST
def suspend(request: HttpRequest, agency_id: int) -> HttpResponse:
    return _decide(request, agency_id, "suspend")


@staff_required
@require_POST
def reinstate(request: HttpRequest, agency_id: int) -> HttpResponse:
    return _decide(request, agency_id, "reinstate")


@staff_required
@require_POST
def revoke(request: HttpRequest, agency_id: int) -> HttpResponse:
    return _decide(request, agency_id, "revoke")


@staff_required
@require_POST
def ban(request: HttpRequest, agency_id: int) -> HttpResponse:
    return _decide(request, agency_id, "ban")


# --- Published bans ---------------------------------------------------------------------------


@require_GET
def bans(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    page = Paginator(oversight_stats.bans_published(today=today), BANS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "ban": ban,
            "person": mask_name(ban.person.name) if ban.person else "",
            "in_force": rules.ban_in_force(ban.starts_on, ban.ends_on, today),
        }
        for ban in page
    ]
    return render(request, "agencies/oversight/bans.html", {"rows": rows, "page": page})
