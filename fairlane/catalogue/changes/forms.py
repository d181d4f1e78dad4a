from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fairlane.catalogue.changes import rules
from fairlane.catalogue.changes.models import REASON_MAX_LENGTH, SUMMARY_MAX_LENGTH
from fairlane.catalogue.schema import Item
from fairlane.catalogue.templatetags.catalogue import yuan

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

LINES_MAX_LENGTH = 10_000


def _lines_field(label: StrOrPromise, help_text: StrOrPromise, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=LINES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class ItemChangeForm(forms.Form):
    """The fields staff may change. The service checks the edit again; this form turns the
    POST into typed values and says which line of a list is wrong."""

    summary = forms.CharField(
        label=_("Summary of the change"),
        max_length=SUMMARY_MAX_LENGTH,
        help_text=_("What changes and why, in a sentence. The reviewer and the audit trail see it."),
    )
    fee = forms.DecimalField(
        label=_("Fee in yuan"),
        min_value=Decimal(0),
        max_digits=9,
        decimal_places=2,
        help_text=_("0 means free of charge."),
    )
    time_limit = forms.IntegerField(
        label=_("Time limit in working days"), min_value=0, help_text=_("0 means on the spot.")
    )
    conditions = _lines_field(_("Conditions"), _("One condition per line, written: 中文 | English"))
    materials = _lines_field(
        _("Materials"),
        _(
            "One material per line, written: 中文 | English. End the line with “| online” when "
            "it is not needed online. A material keeps its note while its Chinese name stays."
        ),
        required=False,  # some items need nothing: the office has it all on record
    )
    steps = _lines_field(_("Steps"), _("One step per line, in order, written: 中文 | English"))

    def _clean_lines(self, name: str, *, online_flag: bool = False) -> list[rules.Entry]:
        try:
            return rules.parse_lines(self.cleaned_data[name], online_flag=online_flag)
        except rules.LineErrors as error:
            raise ValidationError(error.messages) from None

    def clean_conditions(self) -> list[rules.Entry]:
        return self._clean_lines("conditions")

    def clean_materials(self) -> list[rules.Entry]:
        return self._clean_lines("materials", online_flag=True)

    def clean_steps(self) -> list[rules.Entry]:
        return self._clean_lines("steps")

    def edit(self) -> rules.Edit:
        data = self.cleaned_data
        return rules.Edit(
            fee_fen=rules.fen_of_yuan(data["fee"]),
            time_limit_days=data["time_limit"],
            conditions=tuple(data["conditions"]),
            materials=tuple(data["materials"]),
            steps=tuple(data["steps"]),
        )

    @staticmethod
    def initial_from(item: Item, summary: str = "") -> dict[str, Any]:
        edit = rules.edit_of(item)
        return {
            "summary": summary,
            "fee": yuan(edit.fee_fen),
            "time_limit": edit.time_limit_days,
            "conditions": rules.format_lines(edit.conditions),
            "materials": rules.format_lines(edit.materials),
            "steps": rules.format_lines(edit.steps),
        }


class NewItemChangeForm(ItemChangeForm):
    """A new change also says which version it was edited from."""

    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX_LENGTH, required=False)
