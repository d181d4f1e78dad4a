from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from fairlane.payments.models import REASON_MAX_LENGTH, REFERENCE_LENGTH
from fairlane.payments.rules import MAX_ORDER_FEN


class OrderLookupForm(forms.Form):
    reference = forms.RegexField(
        label=_("Order reference"),
        regex=rf"^[A-Za-z2-7]{{{REFERENCE_LENGTH}}}$",
        max_length=REFERENCE_LENGTH,
        error_messages={"invalid": _("An order reference is 16 letters and digits.")},
    )


class RefundRequestForm(forms.Form):
    """How much to pay back (in yuan, two decimals) and why. The service checks everything
    again; this form only turns the POST into typed values."""

    amount = forms.DecimalField(
        label=_("Amount to refund (CNY)"),
        min_value=Decimal("0.01"),
        max_value=Decimal(MAX_ORDER_FEN) / 100,
        decimal_places=2,
        help_text=_("In yuan, for example 10.00."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        help_text=_("Kept in the audit trail and shown to the colleague who decides."),
    )

    # The service's field names -> the form's.
    SERVICE_FIELDS = {"amount_fen": "amount", "reason": "reason"}

    def amount_fen(self) -> int:
        amount: Decimal = self.cleaned_data["amount"]
        return int((amount * 100).to_integral_value())


class RefundDecisionForm(forms.Form):
    APPROVE, REFUSE = "approve", "refuse"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve and pay the money back")), (REFUSE, _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        help_text=_("Needed when you refuse. Kept in the audit trail."),
    )

    def approve(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE
