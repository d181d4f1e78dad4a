"""降级换证: a downgrade by choice or for health (L-DL 第65条 last paragraph, 第67条), and the
exchange the holder's age requires (第65条).
"""

from __future__ import annotations

from typing import Any, Final

from django import forms
from django.utils.translation import gettext_lazy as _

from fairlane.applications.handlers.base import ALL, Facts, Problem
from fairlane.applications.handlers.licence.exchanges import Exchange
from fairlane.applications.handlers.licence.shared import (
    DeclarationForm,
    certificate_problem,
    checked_licence,
    class_choices,
    classes_minimal,
    holder_age,
)
from fairlane.applications.models import Application
from fairlane.registry import rules as registry_rules

# --- 降级换证（自愿）------------------------------------------------------------------------------


class DowngradeForm(DeclarationForm):
    keep = forms.MultipleChoiceField(
        label=_("Classes to keep"),
        choices=class_choices(list(registry_rules.LICENCE_CLASSES)),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose the classes you want to keep.")},
    )
    health_reasons = forms.BooleanField(
        label=_("I am downgrading because my health no longer meets my current class."),
        required=False,
    )
    field_order = ["keep", "health_reasons", "declaration"]


def downgrade_problem(classes: str, keep: list[str]) -> Problem | None:
    """A problem unless `keep` permits strictly less than `classes` (L-DL 第65条 last para)."""
    permitted = set(registry_rules.licence_permitted_classes(classes))
    beyond = [code for code in registry_rules.LICENCE_CLASSES if code in set(keep) - permitted]
    if beyond:
        return Problem(
            "keep",
            _("Your licence does not permit %(classes)s.") % {"classes": " ".join(beyond)},
        )
    if set(registry_rules.licence_permitted_classes(" ".join(keep))) == permitted:
        return Problem("keep", _("Keep fewer classes than your licence permits now."))
    return None


class Downgrade(Exchange):
    """L-DL 第65条 last paragraph (voluntary) and 第67条 first paragraph (health no longer
    meets the class: with a health certificate for the classes kept)."""

    code = "DL-DOWNGRADE"
    form_class = DowngradeForm
    needs_health_certificate = True

    def item_problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        licence = checked_licence(facts)
        problem = downgrade_problem(licence.classes, data["keep"])
        if problem is None and data["health_reasons"]:
            problem = certificate_problem(facts, classes_minimal(data["keep"]))
        return [problem] if problem else []

    def licence_changes(
        self, *, application: Application, facts: Facts, data: dict[str, Any]
    ) -> dict[str, Any]:
        return {"classes": classes_minimal(data["keep"])}


# --- 年龄原因降级换证 -----------------------------------------------------------------------------


SMALL_CAR_CLASSES: Final = ("C1", "C2")
_SMALL_CAR: Final = "small car"  # stands for the small-car class the holder chooses
# L-DL 第65条: class → (age from which it may not be driven, the classes it is exchanged for).
# Machinery, trolleybus, tram, low-speed truck and three-wheeled vehicle are simply lost.
AGE_LIMITS: Final[dict[str, tuple[int, tuple[str, ...]]]] = {
    "A1": (60, (_SMALL_CAR,)),
    "A2": (60, (_SMALL_CAR,)),
    "A3": (60, (_SMALL_CAR,)),
    "B1": (60, (_SMALL_CAR,)),
    "B2": (60, (_SMALL_CAR,)),
    "M": (60, ()),
    "N": (60, ()),
    "P": (60, ()),
    "C3": (70, ()),
    "C4": (70, ()),
    "C6": (70, (_SMALL_CAR,)),
    "D": (70, ("F",)),
    "E": (70, ("F",)),
}


def classes_at_age(classes: str, age: int, *, small_car: str = "C1", keep_light_trailer: bool = False) -> str:
    """The classes a holder of `classes` keeps at `age` (L-DL 第65条, `AGE_LIMITS`). A heavy
    tractor-trailer holder under 70 may also keep the light tractor-trailer. Empty when
    nothing remains: such a licence is cancelled (第79条(十))."""
    kept: list[str] = []
    for code in classes.split():
        limit, replacements = AGE_LIMITS.get(code, (None, ()))
        if limit is None or age < limit:
            kept.append(code)
            continue
        kept += [small_car if replacement == _SMALL_CAR else replacement for replacement in replacements]
        if code == "A2" and keep_light_trailer and age < AGE_LIMITS["C6"][0]:
            kept.append("C6")
    return classes_minimal(kept)


class AgeDowngradeForm(DeclarationForm):
    small_car = forms.ChoiceField(
        label=_("Small-car class to receive"),
        choices=class_choices(list(SMALL_CAR_CLASSES)),
        initial="C1",
        help_text=_("Used only where a bus, truck or light tractor-trailer class must go."),
    )
    keep_light_trailer = forms.BooleanField(
        label=_("Keep the light tractor-trailer class (C6)"),
        required=False,
        help_text=_("Only for holders of the heavy tractor-trailer class (A2) under 70."),
    )
    field_order = ["small_car", "keep_light_trailer", "declaration"]


class AgeDowngrade(Exchange):
    """L-DL 第65条: exchange for the classes allowed at 60 and at 70, with a health certificate
    for the classes kept (the article refers to 第63条's materials; the guide lists it). The
    30 days from the office's notice are not checked: the registry holds no notice."""

    code = "DL-AGEDOWN"
    form_class = AgeDowngradeForm
    needs_health_certificate = True

    def classes_after(self, facts: Facts, data: dict[str, Any]) -> str:
        licence = checked_licence(facts)
        return classes_at_age(
            licence.classes,
            holder_age(licence, facts.today),
            small_car=data["small_car"],
            keep_light_trailer=data["keep_light_trailer"],
        )

    def item_problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        licence = checked_licence(facts)
        age = holder_age(licence, facts.today)
        if data["keep_light_trailer"] and not ("A2" in licence.classes.split() and 60 <= age < 70):
            return [
                Problem(
                    "keep_light_trailer",
                    _("Only holders of the heavy tractor-trailer class (A2) aged 60 to 69 may keep it."),
                )
            ]
        after = self.classes_after(facts, data)
        if not after:
            return [
                Problem(
                    ALL,
                    _(
                        "None of your classes may be driven at your age, so the licence is cancelled "
                        "rather than exchanged. Contact the vehicle office."
                    ),
                )
            ]
        if after == classes_minimal(licence.classes.split()):
            return [Problem(ALL, _("Your licence has no class you must give up at your age."))]
        problem = certificate_problem(facts, after)
        return [problem] if problem else []

    def licence_changes(
        self, *, application: Application, facts: Facts, data: dict[str, Any]
    ) -> dict[str, Any]:
        return {"classes": self.classes_after(facts, data)}
