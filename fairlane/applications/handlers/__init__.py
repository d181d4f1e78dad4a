"""One handler per online catalogue item; `handler_for` finds it.

Items handled elsewhere are not here: exam booking (bookings), plate selection (plates),
violations, fines, objections and study for point reduction (violations); see
docs/decisions/0003-online-items-and-their-apps.md.
"""

from __future__ import annotations

from fairlane.applications.handlers import licence, vehicle
from fairlane.applications.handlers.base import Handler

HANDLERS: dict[str, Handler] = {handler.code: handler for handler in [*licence.HANDLERS, *vehicle.HANDLERS]}


def handler_for(item_code: str) -> Handler | None:
    """The handler of the item, or None when the item is not handled as an application."""
    return HANDLERS.get(item_code)
