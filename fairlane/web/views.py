from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from fairlane.registry import rules
from fairlane.registry.selectors import licences_visible_to, vehicles_visible_to
from fairlane.web.http import no_store, signed_in_user


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "web/index.html")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My services: my licence, my vehicles and what is due."""
    user = signed_in_user(request)
    licence = licences_visible_to(user).first()
    vehicles = list(vehicles_visible_to(user))
    context = {
        "licence": licence,
        "permitted_classes": rules.licence_permitted_classes(licence.classes) if licence else [],
        "vehicles": vehicles,
        "reminders": rules.reminders(licence, vehicles, timezone.localdate()),
    }
    return no_store(render(request, "web/home.html", context))
