from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fairlane.elicence import rules

# A real link is about 500 characters; the limit only keeps junk out.
INPUT_MAX_LENGTH = 4096


class VerifyForm(forms.Form):
    """The code to check, or the whole link the QR code opens. Sent by GET, so the link in
    the QR code and this form lead to the same page."""

    c = forms.CharField(
        label=_("Code or link"),
        max_length=INPUT_MAX_LENGTH,
        help_text=_("Scan the QR code on the electronic licence, or paste its code or link here."),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocapitalize": "off"}),
        error_messages={"required": _("Paste the code or link to check.")},
    )

    def clean_c(self) -> str:
        code = rules.code_from_input(self.cleaned_data["c"])
        if not code:
            raise forms.ValidationError(_("This link holds no code. Paste the code or the whole link."))
        return code
