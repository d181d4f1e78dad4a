from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fairlane.catalogue.office_settings.models import MAX_FEE_FEN, MAX_TIME_LIMIT_DAYS, REASON_MAX_LENGTH
from fairlane.catalogue.schema import Item, OfficeSetting

# The service's field names -> the form's.
FIELDS = {"fee_fen": "fee", "time_limit_days": "time_limit_days", "reason": "reason"}


class OfficeItemSettingForm(forms.Form):
    """The office's own fee (in yuan, two decimals) and time limit (working days) of one item,
    each only if the item lists it in `office_settings`. Empty: the catalogue default applies.
    The service checks everything again; this form only turns the POST into typed values."""

    fee = forms.DecimalField(
        label=_("Fee at this office (CNY)"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(MAX_FEE_FEN) / 100,
        decimal_places=2,
        help_text=_("In yuan, for example 10.00. Leave empty to use the default."),
    )
    time_limit_days = forms.IntegerField(
        label=_("Time limit at this office (working days)"),
        required=False,
        min_value=0,
        max_value=MAX_TIME_LIMIT_DAYS,
        help_text=_("0 means on the spot. Leave empty to use the default."),
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=REASON_MAX_LENGTH,
        help_text=_("Kept in the audit trail, for example the notice that sets the value."),
    )

    def __init__(self, *args: Any, item: Item, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if OfficeSetting.FEE not in item.office_settings:
            del self.fields["fee"]
        if OfficeSetting.TIME_LIMIT not in item.office_settings:
            del self.fields["time_limit_days"]

    def values(self) -> tuple[int | None, int | None]:
        """(fee in fen, time limit in working days), None where empty or not asked."""
        fee: Decimal | None = self.cleaned_data.get("fee")
        days: int | None = self.cleaned_data.get("time_limit_days")
        return (None if fee is None else int(fee * 100)), days

    @staticmethod
    def initial_from(fee_fen: int | None, time_limit_days: int | None) -> dict[str, Any]:
        fee = None if fee_fen is None else (Decimal(fee_fen) / 100).quantize(Decimal("0.01"))
        return {"fee": fee, "time_limit_days": time_limit_days}
