"""Checking an allocated batch: from its published data alone, as anyone can, and against
the office's own records, as the office and its supervisors can.

Each check returns a list of problems in the active language; [] means it checks out.
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fairlane.bookings import lottery
from fairlane.bookings.models import Batch, BatchStatus, Booking


def published_check(batch: Batch) -> list[str]:
    """Run the allocation again from the published record: the seed matches the commitment
    made when the window opened, the requests match the hash taken when it closed, and the
    result is the one published (`lottery.verify`)."""
    if batch.status != BatchStatus.ALLOCATED:
        return [str(_("The batch has not been allocated yet: there is nothing to check."))]
    problems = lottery.verify(
        batch.published, seed_hex=batch.seed, commitment=batch.commitment, entropy=batch.entropy
    )
    return [gettext(problem) for problem in problems]


def records_check(batch: Batch) -> list[str]:
    """The published record against the rows: every request of the batch is published (as an
    input or as withdrawn), nothing else is, and the bookings the allocation made are the
    published result."""
    published = batch.published
    try:
        inputs = {str(item["id"]) for item in published["requests"]}
        withdrawn = {str(pseudonym) for pseudonym in published.get("withdrawn", [])}
        assignment = {str(pseudonym): slot for pseudonym, slot in published["assignment"].items()}
    except (AttributeError, KeyError, TypeError):
        return [gettext(lottery.Problem.MALFORMED)]
    problems: list[str] = []
    requested = set(batch.requests.values_list("pseudonym", flat=True))
    if requested != inputs | withdrawn or inputs & withdrawn:
        problems.append(str(_("The published requests are not the requests the office received.")))
    booked = dict(
        Booking.objects.filter(request__batch=batch, source=Booking.Source.ALLOCATION).values_list(
            "request__pseudonym", "slot_id"
        )
    )
    if booked != assignment:
        problems.append(str(_("The bookings made are not the published result.")))
    return problems


def batch_check(batch: Batch) -> list[str]:
    """Both checks: what anyone can verify, then the office's records."""
    problems = published_check(batch)
    if batch.status == BatchStatus.ALLOCATED:
        problems += records_check(batch)
    return problems
