"""Which licence or vehicle an application is about, and the authorisation under which
the agent who filed it may still act on it (agencies.acting decides; this only asks)."""

from __future__ import annotations

from typing import Any

from fairlane.accounts.models import User
from fairlane.agencies import acting
from fairlane.agencies.models import Authorisation
from fairlane.applications.handlers import handler_for
from fairlane.applications.handlers.base import Handler
from fairlane.applications.models import Application
from fairlane.registry.models import Vehicle
from fairlane.registry.selectors import licences_visible_to


def form_subject(item_code: str, applicant: User, form_data: Any) -> tuple[int | None, int | None]:
    """The vehicle and the licence (ids) a form for `item_code` is about, as authorisations
    name them, read leniently from what was typed: the service checks the cleaned form."""
    handler = handler_for(item_code)
    if handler is None:
        return None, None
    raw = form_data.get("vehicle") if isinstance(form_data, dict) else None
    vehicle_id = int(raw) if isinstance(raw, int | str) and str(raw).isdigit() else None
    return vehicle_id, _licence_id(handler, applicant)


def _licence_id(handler: Handler, applicant: User) -> int | None:
    if not handler.needs_licence:
        return None
    return licences_visible_to(applicant).values_list("pk", flat=True).first()


def subject_ids(handler: Handler, applicant: User, data: dict[str, Any]) -> tuple[int | None, int | None]:
    vehicle = data.get("vehicle")
    vehicle_id = vehicle.pk if isinstance(vehicle, Vehicle) else vehicle if isinstance(vehicle, int) else None
    return vehicle_id, _licence_id(handler, applicant)


def agent_authorisation(actor: User, application: Application, *, lock: bool = False) -> Authorisation | None:
    """The authorisation in force under which `actor`, the agent who filed `application`,
    may act on it now (for its item and the licence or vehicle of its stored form)."""
    if application.agent_id is None or actor.pk != application.agent_id:
        return None
    handler = handler_for(application.item_code)
    if handler is None:
        return None
    vehicle_id, licence_id = subject_ids(handler, application.applicant, application.form_data)
    return acting.authorisation_for(
        actor,
        application.applicant,
        item_code=application.item_code,
        vehicle_id=vehicle_id,
        licence_id=licence_id,
        lock=lock,
    )
