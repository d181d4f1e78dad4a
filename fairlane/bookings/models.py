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
    # The letter of this service's queue tickets in the hall (A023); blank: no tickets.
    queue_letter = models.CharField(_("ticket letter"), max_length=1, blank=True)

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


class ExamSite(models.Model):
    """An exam site of an office and its approved daily exam capacity (L-DL 第54条: the office
    sets each site's and each examiner's maximum daily number of exams, from its grounds,
    equipment, cars and examiners). Exam sessions are published only at a registered site,
    and a day's sessions at a site never add up to more than it can examine; the capacities
    are public (第52条)."""

    office = models.ForeignKey("registry.Office", on_delete=models.PROTECT, related_name="exam_sites")
    name = models.CharField(_("exam site"), max_length=80)
    site_daily_quota = models.PositiveIntegerField(_("most exams a day at the site"))
    examiners = models.PositiveSmallIntegerField(_("examiners on duty"))
    examiner_daily_quota = models.PositiveSmallIntegerField(_("most exams a day per examiner"))

    class Meta:
        verbose_name = _("exam site")
        verbose_name_plural = _("exam sites")
        ordering: ClassVar = ["office", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["office", "name"], name="exam_site_unique_name"),
            models.CheckConstraint(
                condition=Q(site_daily_quota__gte=1, examiners__gte=1, examiner_daily_quota__gte=1),
                name="exam_site_quotas_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


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
    # The licensed agent who made the request for the person, if one did: the allocation
    # asks again whether they may still act for the person.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
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
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)  # the day before

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
    # Set when an appeal against the strike was upheld: a voided strike no longer counts.
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)

    class Meta:
        verbose_name = _("strike")
        verbose_name_plural = _("strikes")
        ordering: ClassVar = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"strike #{self.pk}"


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")  # sent by the person; staff decide
    UPHELD = "upheld", _("Upheld: the strike is voided")
    REJECTED = "rejected", _("Rejected: the strike stands")


class StrikeAppeal(models.Model):
    """A person's appeal against one of their strikes, decided by office staff with a reason."""

    strike = models.ForeignKey(Strike, on_delete=models.PROTECT, related_name="appeals")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    grounds = models.TextField(_("grounds"), max_length=1000)
    status = models.CharField(
        _("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    sent_at = models.DateTimeField(_("sent"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.CharField(_("reason for the decision"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("strike appeal")
        verbose_name_plural = _("strike appeals")
        ordering: ClassVar = ["-sent_at", "-pk"]
        constraints: ClassVar = [
            # One appeal waiting per strike at a time.
            models.UniqueConstraint(
                fields=["strike"], condition=Q(status="pending"), name="one_pending_appeal_per_strike"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False) & ~Q(decision_reason="")),
                name="appeal_decided_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"appeal #{self.pk}"


class ExamOutcome(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")  # failed the test and its retest, or did not take the retest
    ABSENT = "absent", _("Did not come: counts as failed")  # L-DL 第46条


class ExamSitting(models.Model):
    """The result of an exam booking, recorded by the examination staff. Exam booking rules
    (the wait after a fail, at most five bookings per driving test) read these."""

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="sitting")
    learner = models.ForeignKey("registry.LearnerRecord", on_delete=models.PROTECT, related_name="sittings")
    subject = models.CharField(_("exam subject"), max_length=1, choices=ExamSubject.choices)
    outcome = models.CharField(_("outcome"), max_length=8, choices=ExamOutcome.choices)
    sat_at = models.DateTimeField(_("exam time"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("exam sitting")
        verbose_name_plural = _("exam sittings")
        ordering: ClassVar = ["-sat_at", "-pk"]

    def __str__(self) -> str:
        return f"exam sitting #{self.pk}"


class WalkInReason(models.TextChoices):
    """Who may come without a booking (the office serves them at the window the same day)."""

    ELDERLY = "elderly", _("Aged 60 or over")
    DISABLED = "disabled", _("Person with a disability")
    NO_SMARTPHONE = "no_smartphone", _("Cannot use a smartphone or the internet")


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")  # issued at check-in, not yet called
    CALLED = "called", _("Called")  # shown on the call screen for a counter; may be recalled
    DONE = "done", _("Served")  # the clerk finished the business
    SKIPPED = "skipped", _("Skipped")  # did not come to the counter when called


class Ticket(models.Model):
    """A queue ticket in the hall (A023): issued at check-in for a booking, or to a walk-in
    who is exempt from booking. Its times measure waiting and service, which feed the
    office's published wait estimate."""

    office = models.ForeignKey("registry.Office", on_delete=models.PROTECT, related_name="tickets")
    service = models.ForeignKey(BookableService, on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField(_("day"))
    number = models.PositiveIntegerField(_("number"))
    code = models.CharField(_("ticket"), max_length=8)  # queue letter + number, e.g. "A023"
    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, null=True, blank=True, related_name="ticket"
    )
    walk_in_reason = models.CharField(
        _("walk-in because"), max_length=16, choices=WalkInReason.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=8, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    counter = models.CharField(_("counter"), max_length=20, blank=True)  # where it was last called to
    issued_at = models.DateTimeField(_("issued"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    called_at = models.DateTimeField(_("first called"), null=True, blank=True)
    last_called_at = models.DateTimeField(_("last called"), null=True, blank=True)
    calls = models.PositiveSmallIntegerField(_("times called"), default=0)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)  # served or skipped

    class Meta:
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")
        ordering: ClassVar = ["day", "issued_at", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["service", "day", "number"], name="ticket_number_unique"),
            models.UniqueConstraint(fields=["office", "day", "code"], name="ticket_code_unique"),
            # A ticket is for a booking or for an exempt walk-in, never both or neither.
            models.CheckConstraint(
                condition=(Q(booking__isnull=False) & Q(walk_in_reason=""))
                | (Q(booking__isnull=True) & ~Q(walk_in_reason="")),
                name="ticket_booking_or_walk_in",
            ),
        ]

    def __str__(self) -> str:
        return self.code
