"""What the pages show of an application: the item's name in the page's language, the
status in words, the deadline, the timeline and, for staff, the applicant's answers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.agencies.models import AgencyMember
from fairlane.applications import rules
from fairlane.applications.handlers import handler_for
from fairlane.applications.materials import materials_of
from fairlane.applications.models import Application, ApplicationStatus, Delivery, Material
from fairlane.applications.selectors import application_timeline
from fairlane.catalogue.schema import Bilingual
from fairlane.catalogue.selectors import published_item, published_items
from fairlane.core.masking import mask_name
from fairlane.core.pii import mask_text

Status = ApplicationStatus

# The steps a person sees on the timeline, in order: where the case is now is marked.
PATH: tuple[Status, ...] = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.ACCEPTED,
    Status.IN_REVIEW,
    Status.APPROVED,
    Status.PRODUCED,
    Status.DELIVERED,
    Status.CLOSED,
)
# What each status means for the applicant, in one sentence.
MEANING = {
    Status.DRAFT: _("Not sent yet. Complete it, then submit it."),
    Status.SUBMITTED: _("Sent. The office will accept it or tell you what is missing."),
    Status.ACCEPTED: _("The office accepted it; the time limit runs from now."),
    Status.IN_REVIEW: _("A reviewer is examining it."),
    Status.APPROVED: _("Approved. The document is being made."),
    Status.PRODUCED: _("The document is made and about to be sent or handed over."),
    Status.DELIVERED: _("Posted to you. Follow it with the tracking number."),
    Status.COLLECTED: _("Collected at the office."),
    Status.CLOSED: _("Finished. Tell us how it went."),
    Status.RETURNED: _("Returned to you for correction: see the reason, correct it and send it again."),
    Status.REJECTED: _("Refused: see the reason. Any fee you paid is refunded."),
    Status.WITHDRAWN: _("You withdrew it. Any fee you paid is refunded."),
    Status.IN_PERSON: _("It must be finished at an office window: see the reason."),
}


@dataclass(frozen=True)
class Step:
    status: str
    label: str
    at: datetime | None
    by_staff: bool
    reason: str
    # "by your agent <name> (<agency>)" when the applicant's agent took the step, else "".
    by_agent: str = ""


@dataclass(frozen=True)
class ApplicationView:
    application: Application
    item_name: str
    status_label: str
    meaning: str
    overdue: bool
    due_on: date | None

    @property
    def reference(self) -> str:
        return self.application.reference


def _in_language(name: Bilingual) -> str:
    return name.en if (get_language() or "").startswith("en") else name.zh


def item_names() -> dict[str, str]:
    """Every published item's name in the page's language, by code (one query)."""
    return {published.item.code: _in_language(published.item.name) for published in published_items()}


def item_name(item_code: str) -> str:
    published = published_item(item_code)
    return _in_language(published.item.name) if published is not None else item_code


def application_view(application: Application, names: Mapping[str, str] | None = None) -> ApplicationView:
    """What a page shows of `application`; `names` (item code -> name) saves a catalogue
    query per row when a page lists many."""
    status = Status(application.status)
    return ApplicationView(
        application=application,
        item_name=names.get(application.item_code, application.item_code)
        if names is not None
        else item_name(application.item_code),
        status_label=str(status.label),
        meaning=str(MEANING[status]),
        overdue=rules.is_overdue(status=status, due_on=application.due_on, today=timezone.localdate()),
        due_on=application.due_on,
    )


def application_views(applications: Iterable[Application]) -> list[ApplicationView]:
    """Rows of a list page: the catalogue is read once for all of them."""
    names = item_names()
    return [application_view(application, names) for application in applications]


def timeline_steps(application: Application) -> list[Step]:
    """Every step taken so far, oldest first. Who acted is shown only as "the office", "you"
    or the applicant's own agent, by name: staff names are not the applicant's business."""
    agent = _agent_label(application)
    steps = []
    for event in application_timeline(application):
        by_agent = event.actor_id is not None and event.actor_id == application.agent_id
        steps.append(
            Step(
                status=event.to_status,
                label=str(Status(event.to_status).label),
                at=event.at,
                by_staff=event.actor_id not in (None, application.applicant_id, application.agent_id),
                reason=event.reason_text,
                by_agent=agent if by_agent else "",
            )
        )
    return steps


def _agent_label(application: Application) -> str:
    """The words naming the agent who filed `application` on its timeline ("" if none)."""
    agent = application.agent
    if agent is None:
        return ""
    membership = AgencyMember.objects.filter(user=agent).select_related("agency").first()
    if membership is None:
        return str(_("by your agent %(name)s") % {"name": agent.name})
    return str(
        _("by your agent %(name)s (%(agency)s)") % {"name": agent.name, "agency": membership.agency.name}
    )


def form_rows(application: Application) -> list[tuple[str, str]]:
    """The applicant's answers as (label, value) for the staff's case page. Personal data
    is masked like everywhere else: names (a field named "…name") and any ID or mobile
    number in a value; the registry change applies the unmasked values on approval."""
    handler = handler_for(application.item_code)
    fields = handler.form_class(applicant=application.applicant).fields if handler is not None else {}
    # In the form's order: PostgreSQL's jsonb does not keep the order the keys were stored in.
    names = [name for name in fields if name in application.form_data]
    names += sorted(name for name in application.form_data if name not in fields)
    rows = []
    for name in names:
        field, value = fields.get(name), application.form_data[name]
        label = str(field.label) if field is not None and field.label else name
        shown = _answer(field, value)
        rows.append((label, mask_name(shown) if name.endswith("name") else mask_text(shown)))
    return rows


def _answer(field: forms.Field | None, value: Any) -> str:
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(field, forms.ModelChoiceField) and field.queryset is not None and value is not None:
        chosen = field.queryset.model._default_manager.filter(pk=value).first()
        return str(chosen) if chosen is not None else str(value)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class MaterialRow:
    material: Material
    download_url: str  # empty where the page's viewer does not download files
    remove_url: str


def material_rows(
    application: Application,
    *,
    remove_url: Callable[[Material], str],
    download_url: Callable[[Material], str] | None = None,
) -> list[MaterialRow]:
    """The files of an application as the materials section shows them, with the links of
    the page it is on (the applicant's own page, or their agent's)."""
    return [
        MaterialRow(material, download_url(material) if download_url else "", remove_url(material))
        for material in materials_of(application)
    ]


def delivery_initial(delivery: Delivery | None, person: User) -> dict[str, Any]:
    """The delivery form as saved, or a new delivery by post to `person` (the applicant)."""
    if delivery is None:
        return {"method": "mail", "recipient_name": person.name, "recipient_phone": person.phone}
    return {
        "method": delivery.method,
        "recipient_name": delivery.recipient_name,
        "recipient_phone": delivery.recipient_phone,
        "address": delivery.address,
        "collect_office": delivery.collect_office_id,
    }
