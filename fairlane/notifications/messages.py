"""Turning a notification into words: in the reader's language for the inbox and the API,
in the site's default language (Chinese) for SMS and email. What each kind says is in
`kinds`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fairlane.applications.models import ApplicationStatus
from fairlane.catalogue.schema import Bilingual
from fairlane.catalogue.selectors import published_item
from fairlane.core import money
from fairlane.notifications.kinds import AGENCY_OUTCOMES, AGENT_ACTIONS, KINDS, Texts
from fairlane.notifications.kinds import NotificationKind as NotificationKind  # for callers
from fairlane.notifications.models import Notification


class _Shown(dict[str, str]):
    # A value a kind no longer gives shows as nothing rather than breaking the inbox.
    def __missing__(self, key: str) -> str:
        return ""


def _status_label(value: object) -> str:
    if isinstance(value, str) and value in ApplicationStatus.values:
        return str(ApplicationStatus(value).label)
    return str(value)


def _item_names(codes: Iterable[str]) -> dict[str, Bilingual]:
    names = {}
    for code in set(codes):
        published = published_item(code)
        if published is not None:
            names[code] = published.item.name
    return names


def _shown(params: Mapping[str, Any], item_names: Mapping[str, Bilingual]) -> _Shown:
    shown = _Shown({name: str(value) for name, value in params.items()})
    chinese = (get_language() or settings.LANGUAGE_CODE).startswith("zh")
    if "item_code" in params:
        name = item_names.get(params["item_code"])
        shown["item"] = (name.zh if chinese else name.en) if name else str(params["item_code"])
    if "status" in params:
        shown["status"] = _status_label(params["status"])
    for fen_name, shown_name in (("amount_fen", "amount"), ("fee_fen", "fee")):
        fen = params.get(fen_name)
        if fen_name in params:
            shown[shown_name] = money.amount(fen) if isinstance(fen, int) else ""
    if "action" in params:
        shown["action_label"] = str(AGENT_ACTIONS.get(str(params["action"]), params["action"]))
    if "outcome" in params:
        shown["outcome_label"] = str(AGENCY_OUTCOMES.get(str(params["outcome"]), params["outcome"]))
    return shown


def _texts(notification: Notification) -> Texts | None:
    spec = KINDS.get(notification.kind)
    return spec.texts(notification.params) if spec is not None else None


def _render(notification: Notification, item_names: Mapping[str, Bilingual]) -> tuple[str, str]:
    texts = _texts(notification)
    if texts is None:
        return str(_("Notification")), ""
    shown = _shown(notification.params, item_names)
    return str(texts.title) % shown, str(texts.body) % shown


def _item_codes(notifications: Iterable[Notification]) -> list[str]:
    return [str(n.params["item_code"]) for n in notifications if "item_code" in n.params]


def render(notification: Notification) -> tuple[str, str]:
    """(title, body) of a notification in the active language."""
    return render_all([notification])[0]


def render_all(notifications: Sequence[Notification]) -> list[tuple[str, str]]:
    """(title, body) of each notification, looking each service item up once."""
    names = _item_names(_item_codes(notifications))
    return [_render(notification, names) for notification in notifications]


def render_outgoing(notification: Notification) -> tuple[str, str, str]:
    """(title, body, SMS text) in the site's default language, for SMS and email."""
    texts = _texts(notification)
    if texts is None:
        raise ValueError(f"notification #{notification.pk} has an unknown kind")
    with translation.override(settings.LANGUAGE_CODE):
        shown = _shown(notification.params, _item_names(_item_codes([notification])))
        return str(texts.title) % shown, str(texts.body) % shown, str(texts.sms) % shown
