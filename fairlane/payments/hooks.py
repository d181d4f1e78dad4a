"""What other apps do once an order of theirs is paid.

An app registers a handler for the subjects it names, in its AppConfig.ready():

    from fairlane.payments.hooks import on_paid
    on_paid("application:", submit_paid_application)

Handlers run inside the transaction that marks the order paid, exactly once per order. A
handler that raises undoes the payment's recording too (the gateway delivers again later),
so a handler deals with its own refusals, e.g. by asking for a refund.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fairlane.accounts.models import User
    from fairlane.payments.models import PaymentOrder

PaidHandler = Callable[["PaymentOrder"], None]

_handlers: list[tuple[str, PaidHandler]] = []


def on_paid(subject_prefix: str, handler: PaidHandler) -> Callable[[], None]:
    """Call `handler` with every order whose subject starts with `subject_prefix` once it is
    paid. Registering the same pair twice has no effect. Returns a function that removes it."""
    entry = (subject_prefix, handler)
    if entry not in _handlers:
        _handlers.append(entry)

    def remove() -> None:
        if entry in _handlers:
            _handlers.remove(entry)

    return remove


def paid_hooks_run(order: PaymentOrder) -> None:
    for prefix, handler in list(_handlers):
        if order.subject.startswith(prefix):
            handler(order)


# (subject, viewer) -> the path of the page the viewer opens for it, or None if they have none.
SubjectPage = Callable[[str, "User"], str | None]

_pages: list[tuple[str, SubjectPage]] = []


def subject_page(subject_prefix: str, page: SubjectPage) -> None:
    """Name the page of what an order pays for (`page(subject, viewer)` gives its path), so
    the order page can lead the payer back to it. Registered in the owning app's ready()."""
    if (subject_prefix, page) not in _pages:
        _pages.append((subject_prefix, page))


def subject_page_of(subject: str, viewer: User) -> str | None:
    for prefix, page in _pages:
        if subject.startswith(prefix):
            return page(subject, viewer)
    return None
