from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fairlane.catalogue.announcements import rules
from fairlane.catalogue.announcements.models import (
    BODY_MAX_LENGTH,
    REASON_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    AnnouncementKind,
    AnnouncementVersion,
)

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends
CITY_WIDE = "city"
OWN_OFFICE = "office"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATETIME_FORMAT)


class AnnouncementForm(forms.Form):
    """The text of an announcement in both languages and its display window. The service
    checks the rules again; this form only turns the POST into typed values."""

    kind = forms.ChoiceField(label=_("Kind"), choices=AnnouncementKind.choices)
    title_zh = forms.CharField(label=_("Title in Chinese"), max_length=TITLE_MAX_LENGTH)
    title_en = forms.CharField(label=_("Title in English"), max_length=TITLE_MAX_LENGTH)
    body_zh = forms.CharField(
        label=_("Text in Chinese"),
        max_length=BODY_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Plain text. Leave an empty line between paragraphs."),
    )
    body_en = forms.CharField(
        label=_("Text in English"),
        max_length=BODY_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Plain text. Leave an empty line between paragraphs."),
    )
    starts_at = forms.DateTimeField(
        label=_("Shown from"), input_formats=[DATETIME_FORMAT], widget=LocalDateTimeInput()
    )
    ends_at = forms.DateTimeField(
        label=_("Shown until"), input_formats=[DATETIME_FORMAT], widget=LocalDateTimeInput()
    )

    def content(self) -> rules.Content:
        data = self.cleaned_data
        return rules.Content(
            kind=data["kind"],
            title_zh=data["title_zh"],
            title_en=data["title_en"],
            body_zh=data["body_zh"],
            body_en=data["body_en"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
        )

    @staticmethod
    def initial_from(version: AnnouncementVersion) -> dict[str, Any]:
        return {name: getattr(version, name) for name in AnnouncementForm.base_fields}


class NewAnnouncementForm(AnnouncementForm):
    """For administrators the form also asks whether the announcement is city-wide."""

    scope = forms.ChoiceField(
        label=_("For"),
        choices=[(OWN_OFFICE, _("My office")), (CITY_WIDE, _("The whole city"))],
        initial=OWN_OFFICE,
    )

    field_order = ["scope"]

    def __init__(self, *args: Any, city_wide_allowed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not city_wide_allowed:
            del self.fields["scope"]

    def city_wide(self) -> bool:
        return self.cleaned_data.get("scope") == CITY_WIDE


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX_LENGTH, required=False)
