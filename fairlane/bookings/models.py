"""Window appointments and exam seats: what can be booked, when, how many, and who holds
which.

Scarce slots are not first come, first served. Requests for a batch of slots are collected
while its window is open and allocated when it closes, by the published rules and a
lottery whose seed was committed to in advance (`Batch`). Only the slots left after that
open for immediate booking. A booking belongs to one person for good: nothing can move it
to another (`Booking.person` is refused in the database once written).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ServiceKind(models.TextChoices):
    WINDOW = "window", _("Window appointment")  # a visit to an office for a catalogue item
    EXAM = "exam", _("Driving test")  # a seat in an exam session


class ExamSubject(models.TextChoices):
    THEORY = "1", _("Subject 1: theory")  # 科目一
    SITE = "2", _("Subject 2: site driving")  # 科目二
    ROAD = "3", _("Subject 3: road driving")  # 科目三
    SAFETY = "4", _("Subject 3: safe and civil driving theory")  # 科目三安全文明驾驶常识


class BookableService(models.Model):
    """Something an office takes bookings for: a catalogue item's window, or one exam subject."""

    office = models.ForeignKey("registry.Office", on_delete=models.PROTECT, related_name="bookable_services")
    kind = models.CharField(_("kind"), max_length=8, choices=ServiceKind.choices)
    item_code = models.CharField(_("service item"), max_length=32, blank=True)  # window appointments
    exam_subject = models.CharField(_("exam subject"), max_length=1, choices=ExamSubject.choices, blank=True)

    class Meta:
        verbose_name = _("bookable service")
        verbose_name_plural = _("bookable services")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["office", "kind", "item_code", "exam_subject"], name="bookable_service_unique"
            ),
            models.CheckConstraint(
                condition=(Q(kind="window") & ~Q(item_code="") & Q(exam_subject=""))
                | (Q(kind="exam") & Q(item_code="") & ~Q(exam_subject="")),
                name="bookable_service_kind_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_code or self.exam_subject} at office #{self.office_id}"


class BatchStatus(models.TextChoices):
    OPEN = "open", _("Taking requests")  # the window is open; the seed is committed to
    ALLOCATED = "allocated", _("Allocated")  # the window closed and the lottery ran; all is published


class Batch(models.Model):
    """A set of slots allocated together: requests are collected between `opens_at` and
    `closes_at`; then `allocate(requests, capacities, seed)` runs once.

    `commitment` is SHA-256 of the secret seed, published when the window opens; `seed` is
    revealed when allocation runs, mixed with `entropy` (the hash of the full list of
    requests, which nobody knew before the window closed). Anyone can then re-run the
    allocation from the published data and check the result."""

    service = models.ForeignKey(BookableService, on_delete=models.PROTECT, related_name="batches")
    opens_at = models.DateTimeField(_("requests from"))
    closes_at = models.DateTimeField(_("requests until"))
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.OPEN
    )
    commitment = models.CharField(_("seed commitment (SHA-256)"), max_length=64)
    seed = models.CharField(_("seed"), max_length=64, blank=True)  # hex; secret until allocation
    entropy = models.CharField(_("hash of the requests"), max_length=64, blank=True)
    allocated_at = models.DateTimeField(_("allocated"), null=True, blank=True)
    # What the allocation used and gave, as published: pseudonymous requests with their
    # ranking keys and preferences, capacities, and the assignment.
    published = models.JSONField(_("published data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering: ClassVar = ["-opens_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="batch_window_ordered"),
            models.CheckConstraint(
                condition=Q(status="open", seed="") | (Q(status="allocated") & ~Q(seed="")),
                name="batch_seed_revealed_only_when_allocated",
            ),
        ]

    def __str__(self) -> str:
        return f"batch #{self.pk}"


class Slot(models.Model):
    """One time range of a service with a capacity. `booked` counts active bookings; the
    database refuses more than `capacity`, so two people can never take the last place."""

    service = models.ForeignKey(BookableService, on_delete=models.PROTECT, related_name="slots")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="slots")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("capacity"))
    booked = models.PositiveIntegerField(_("booked"), default=0)
    site = models.CharField(_("exam site"), max_length=80, blank=True)
    published_at = models.DateTimeField(_("published"))

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering: ClassVar = ["starts_at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="slot_never_overbooked"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_times_ordered"),
            models.UniqueConstraint(fields=["service", "starts_at", "site"], name="slot_unique_time"),
        ]

    def __str__(self) -> str:
        return f"slot #{self.pk}"


class BookingRequest(models.Model):
    """One person's request in a batch: their ranked slot preferences and, for exams, their
    ranking key. One per person per batch: asking twice gives nothing more."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="requests")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Published instead of the person: random, unlinkable to the account.
    pseudonym = models.CharField(_("pseudonym"), max_length=16, unique=True)
    preferences = models.JSONField(_("preferred slots, best first"))  # list of slot ids
    # Exams: 排序时间 (earlier ranks first), and whether a priority booking is used.
    ranking_time = models.DateTimeField(_("ranking time"), null=True, blank=True)
    priority = models.BooleanField(_("priority"), default=False)
    created_at = models.DateTimeField(_("requested"))

    class Meta:
        verbose_name = _("booking request")
        verbose_name_plural = _("booking requests")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["batch", "person"], name="one_request_per_person_per_batch")
        ]

    def __str__(self) -> str:
        return f"request {self.pseudonym}"


class BookingStatus(models.TextChoices):
    ACTIVE = "active", _("Booked")  # holds a place
    CANCELLED = "cancelled", _("Cancelled")  # given back; the place goes into the next batch
    ATTENDED = "attended", _("Checked in")  # came in the booked time window
    NO_SHOW = "no_show", _("Did not come")  # a strike


class Booking(models.Model):
    """A place in a slot, held by one person. Never moved to anyone else."""

    class Source(models.TextChoices):
        ALLOCATION = "allocation", _("Batch allocation")
        IMMEDIATE = "immediate", _("Leftover place booked directly")

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings")
    service = models.ForeignKey(BookableService, on_delete=models.PROTECT, related_name="bookings")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    request = models.OneToOneField(
        BookingRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="booking"
    )
    source = models.CharField(_("how it was booked"), max_length=10, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("booked"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)  # cancelled, checked in or missed

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering: ClassVar = ["-created_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["person", "service"],
                condition=Q(status="active"),
                name="one_active_booking_per_person_and_service",
            )
        ]

    def __str__(self) -> str:
        return f"booking #{self.pk}"


class StrikeKind(models.TextChoices):
    NO_SHOW = "no_show", _("Did not come")
    OUTSIDE_TIME = "outside_time", _("Came outside the booked time")
    NOT_THE_PERSON = "not_the_person", _("Booked in someone else's name")


class Strike(models.Model):
    """A mark against a person's booking record; enough of them bar booking for a while."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="strikes")
    kind = models.CharField(_("kind"), max_length=16, choices=StrikeKind.choices)
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("strike")
        verbose_name_plural = _("strikes")
        ordering: ClassVar = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"strike #{self.pk}"
