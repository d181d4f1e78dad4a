"""Forms of the application pages that are the same for every item. The per-item form is
the handler's own (`handlers.base.ApplicationForm`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fairlane.applications.models import REASON_MAX_LENGTH, DeliveryMethod, Rating, ReasonCode
from fairlane.applications.rules import ADDRESS_MAX_LENGTH, ADVERSE_REASONS
from fairlane.registry.models import Office


class OfficeForm(forms.Form):
    office = forms.ModelChoiceField(
        label=_("Office that handles it"),
        queryset=Office.objects.order_by("code"),
        error_messages={"required": _("Choose an office."), "invalid_choice": _("Choose an office.")},
    )


class DeliveryForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How you receive the document"), choices=DeliveryMethod.choices, widget=forms.RadioSelect
    )
    recipient_name = forms.CharField(label=_("Recipient"), max_length=50, required=False)
    recipient_phone = forms.CharField(label=_("Recipient's mobile number"), max_length=20, required=False)
    address = forms.CharField(label=_("Postal address"), max_length=ADDRESS_MAX_LENGTH, required=False)
    collect_office = forms.ModelChoiceField(
        label=_("Office where you collect it"), queryset=Office.objects.order_by("code"), required=False
    )


class ReasonForm(forms.Form):
    reason_code = forms.ChoiceField(
        label=_("Reason"),
        choices=[
            ("", "—"),
            *[(code, label) for code, label in ReasonCode.choices if code in ADVERSE_REASONS],
        ],
    )
    reason_text = forms.CharField(
        label=_("Explanation for the applicant"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TrackingForm(forms.Form):
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=30)


class ReassignForm(forms.Form):
    reason = forms.CharField(label=_("Why it must be drawn again"), max_length=200)


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        choices=[(level.value, level.label) for level in reversed(Rating.Level)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Record"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
