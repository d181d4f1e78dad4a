"""Forms of the licensing pages. They only turn a POST into typed values: the services
check every rule, so that the pages and the API say the same."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.agencies import rules
from fairlane.agencies.forms import DateInput
from fairlane.agencies.licensing import APPLY_KINDS
from fairlane.agencies.models import AgencyKind
from fairlane.catalogue.templatetags.catalogue import pick
from fairlane.registry.models import Office
from fairlane.registry.rules import add_months

AMOUNT_HELP = _("In yuan, for example 150 or 150.50.")


def fen_of(text: str) -> int | None:
    """Yuan typed by a person ("150", "150.5", "¥150.50") as fen, or None if it is not an
    amount with at most two decimals."""
    cleaned = text.strip().lstrip("¥￥").replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


class LooseMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes whose values the service checks (it names a refused item precisely)."""

    def valid_value(self, value: Any) -> bool:
        return True


def item_choices(items: list[Any]) -> list[tuple[str, str]]:
    return [
        (published.item.code, f"{published.item.code} {pick(published.item.name)}") for published in items
    ]


def _choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 - the form declares it so
    field.choices = choices


class DirectoryFilterForm(forms.Form):
    office = forms.ChoiceField(label=_("Office"), required=False)
    item = forms.ChoiceField(label=_("Service item"), required=False)

    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offices = Office.objects.order_by("code").values_list("code", "name")
        _choices(self, "office", [("", _("Every office")), *offices])
        _choices(self, "item", [("", _("Every item")), *item_choices(items)])


class ApplicationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(kind.value, kind.label) for kind in APPLY_KINDS],
        widget=forms.RadioSelect,
        required=False,
        initial=AgencyKind.AGENCY.value,
    )
    name = forms.CharField(label=_("Registered name of the company"), max_length=80, required=False)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        help_text=_("The 18 characters on the business licence."),
        max_length=30,
        required=False,
    )
    address = forms.CharField(label=_("Address of the premises"), max_length=200, required=False)
    phone = forms.CharField(label=_("Telephone"), max_length=20, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=30, required=False)
    office = forms.ModelChoiceField(
        label=_("Licensing office"), queryset=Office.objects.order_by("code"), required=False
    )
    item_codes = LooseMultipleChoiceField(
        label=_("Items the agency will handle"),
        help_text=_(
            "Only items an agent may do for a citizen are listed: first applications and exams are done in person."
        ),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    staff_phones = forms.CharField(
        label=_("Mobile numbers of the staff who will act as agents"),
        help_text=_(
            "At most 20, one per line. Each must be a registered real-name account. When the agency "
            "is licensed they are invited, and each becomes an agent on accepting."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "item_codes", item_choices(items))


class FeeForm(forms.Form):
    fee = forms.CharField(label=_("Your fee"), help_text=AMOUNT_HELP, max_length=20, required=False)


class MemberForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number of the new agent"),
        help_text=_(
            "A registered real-name account that works for no other agency. They become an agent "
            "when they accept the invitation in their own account."
        ),
        max_length=20,
        required=False,
    )


def default_period(today: date) -> tuple[date, date]:
    """The licence period the decision form offers: from `today` for LICENCE_MAX_YEARS
    years, ending the day before the same date comes round if the rule counts that day
    as one too many."""
    until = add_months(today, 12 * rules.LICENCE_MAX_YEARS)
    if not rules.licence_period_fits(today, until):
        until -= timedelta(days=1)
    return today, until


DECIDE_LICENSE = "license"
DECIDE_REFUSE = "refuse"


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (DECIDE_LICENSE, _("License for the period below")),
            (DECIDE_REFUSE, _("Refuse, with a reason")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose: license or refuse.")},
    )
    licensed_from = forms.DateField(label=_("Licensed from"), widget=DateInput(), required=False)
    licensed_until = forms.DateField(
        label=_("Licensed until"),
        help_text=_("At most 3 years after the start."),
        widget=DateInput(),
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason (needed to refuse)"),
        help_text=_("The applicant reads it. At most 200 characters."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 200}),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        licensed_from, licensed_until = default_period(timezone.localdate())
        self.fields["licensed_from"].initial = licensed_from
        self.fields["licensed_until"].initial = licensed_until

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == DECIDE_LICENSE:
            for field in ("licensed_from", "licensed_until"):
                if data.get(field) is None and field not in self.errors:
                    self.add_error(field, _("Enter a date."))
        return data


class FeeCapForm(forms.Form):
    item_code = forms.ChoiceField(label=_("Service item"), required=False)
    cap = forms.CharField(label=_("Fee cap"), help_text=AMOUNT_HELP, max_length=20, required=False)

    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "item_code", item_choices(items))
