from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fairlane.core.validators import validate_id_number

FIT = "fit"
UNFIT = "unfit"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class HealthCertificateForm(forms.Form):
    """What the hospital clerk copies from the certificate. The service checks every rule
    again; this form only turns the POST into typed values."""

    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    holder_name = forms.CharField(
        label=_("Name"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    issued_on = forms.DateField(label=_("Date of issue"), input_formats=["%Y-%m-%d"], widget=DateInput())
    # A choice rather than a checkbox: an unticked box would send "unfit" by omission.
    conclusion = forms.ChoiceField(
        label=_("Conclusion"),
        choices=[(FIT, _("Fit to drive")), (UNFIT, _("Not fit to drive"))],
        widget=forms.RadioSelect,
    )
    classes_fit = forms.CharField(
        label=_("Fit for classes"),
        max_length=60,
        required=False,
        help_text=_("Licence classes as on the certificate, such as C1 or A2 C1. Leave empty if not fit."),
    )

    def clean_id_number(self) -> str:
        # Checked here too, so a mistyped number shows with the form's other mistakes.
        return validate_id_number(self.cleaned_data["id_number"])

    def send_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "id_number": data["id_number"],
            "holder_name": data["holder_name"],
            "issued_on": data["issued_on"],
            "fit_to_drive": data["conclusion"] == FIT,
            "classes_fit": data["classes_fit"],
        }
