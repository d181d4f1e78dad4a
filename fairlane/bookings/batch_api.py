"""The JSON API of batches: published plans, requests, allocation results.

GET  /api/v1/bookings/batches                 every batch (public)
GET  /api/v1/bookings/batches/{id}            one batch with its published record and our check
POST /api/v1/bookings/batches/{id}/requests   the signed-in person's request
GET  /api/v1/bookings/batches/{id}/my-request that request and, after allocation, its result
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fairlane.bookings import batches
from fairlane.bookings.models import Batch, BatchStatus, BookingRequest
from fairlane.bookings.verification import published_check
from fairlane.core.errors import NotFound
from fairlane.web.http import signed_in_user

router = Router(tags=["bookings"])

LIST_MAX = 200


class ServiceOut(Schema):
    id: int
    kind: str
    name: str
    item_code: str
    exam_subject: str
    office_code: str
    office_name: str


class SlotOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    site: str
    places: int  # the places this batch hands out


class BatchSummaryOut(Schema):
    id: int
    service: ServiceOut
    opens_at: datetime
    closes_at: datetime
    status: str
    phase: str  # upcoming, open, closed (allocation next) or allocated
    commitment: str  # SHA-256 of the secret seed, published when the batch opened
    allocated_at: datetime | None


class CheckOut(Schema):
    matches: bool
    problems: list[str]


class BatchOut(BatchSummaryOut):
    slots: list[SlotOut]
    seed: str | None  # revealed by the allocation
    entropy: str | None  # SHA-256 of the canonical list of requests
    published: dict[str, Any] | None  # lottery.published_data, plus "withdrawn"
    check: CheckOut | None  # our own run of the allocation from `published`


class BatchFilter(Schema):
    office: str | None = Field(None, pattern=r"^[0-9A-Za-z]{1,12}$", description="office code")


class RequestIn(Schema):
    preferences: list[int]  # slot ids of the batch, best first: one to three


class ResultOut(Schema):
    slot_id: int
    starts_at: datetime
    ends_at: datetime
    site: str
    booking_id: int


class RequestOut(Schema):
    batch_id: int
    pseudonym: str  # how the request appears in the published record
    preferences: list[int]
    requested_at: datetime
    outcome: str  # waiting (not allocated yet), allocated, not_allocated or withdrawn
    result: ResultOut | None


def _summary(batch: Batch, now: datetime) -> dict[str, Any]:
    service = batch.service
    return {
        "id": batch.pk,
        "service": ServiceOut(
            id=service.pk,
            kind=service.kind,
            name=batches.service_label(service),
            item_code=service.item_code,
            exam_subject=service.exam_subject,
            office_code=service.office.code,
            office_name=service.office.name,
        ),
        "opens_at": batch.opens_at,
        "closes_at": batch.closes_at,
        "status": batch.status,
        "phase": batches.batch_phase(batch, now),
        "commitment": batch.commitment,
        "allocated_at": batch.allocated_at,
    }


def batch_out(batch: Batch) -> BatchOut:
    allocated = batch.status == BatchStatus.ALLOCATED
    problems = published_check(batch) if allocated else []
    return BatchOut(
        **_summary(batch, timezone.now()),
        slots=[
            SlotOut(
                id=slot.pk,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                site=slot.site,
                places=batches.places_offered(batch, slot),
            )
            for slot in batches.batch_slots(batch)
        ],
        seed=batch.seed if allocated else None,
        entropy=batch.entropy if allocated else None,
        published=batch.published if allocated else None,
        check=CheckOut(matches=not problems, problems=problems) if allocated else None,
    )


def request_out(request: BookingRequest) -> RequestOut:
    booking = getattr(request, "booking", None)
    return RequestOut(
        batch_id=request.batch_id,
        pseudonym=request.pseudonym,
        preferences=list(request.preferences),
        requested_at=request.created_at,
        outcome=batches.request_outcome(request),
        result=(
            ResultOut(
                slot_id=booking.slot.pk,
                starts_at=booking.slot.starts_at,
                ends_at=booking.slot.ends_at,
                site=booking.slot.site,
                booking_id=booking.pk,
            )
            if booking is not None
            else None
        ),
    )


@router.get("", response=list[BatchSummaryOut], auth=None)
def batch_list(request: HttpRequest, filters: Query[BatchFilter]) -> list[BatchSummaryOut]:
    """Batches, newest window first (at most 200); with `office`, that office's."""
    found = batches.public_batches()
    if filters.office:
        found = found.filter(service__office__code=filters.office)
    now = timezone.now()
    return [BatchSummaryOut(**_summary(batch, now)) for batch in found[:LIST_MAX]]


@router.get("/{batch_id}", response=BatchOut, auth=None)
def batch_detail(request: HttpRequest, batch_id: int) -> BatchOut:
    """The batch, its slots and commitment; once allocated, the seed, the hash of the
    requests, the published record and whether running the allocation again matches."""
    return batch_out(batches.access_public_batch(batch_id))


@router.post("/{batch_id}/requests", response={201: RequestOut})
def request_submit(request: HttpRequest, batch_id: int, payload: RequestIn) -> Status:
    """Send your request: one to three slots of the batch, best first. One per person."""
    submitted = batches.booking_request_submit(
        actor=signed_in_user(request),
        batch=batches.access_public_batch(batch_id),
        preferences=payload.preferences,
    )
    return Status(201, request_out(submitted))


@router.get("/{batch_id}/my-request", response=RequestOut)
def my_request(request: HttpRequest, batch_id: int) -> RequestOut:
    """Your request in the batch and, once allocated, its result."""
    found = batches.request_of(signed_in_user(request), batches.access_public_batch(batch_id))
    if found is None:
        raise NotFound("not_found", _("You have not sent a request for this batch."))
    return request_out(found)
