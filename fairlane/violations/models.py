"""Traffic violations, the penalty decisions and fines that settle them, the points they
score, objections against them and study that reduces points.

Camera-recorded (非现场) violations arrive from enforcement systems (`Source`) in batches
(`IntakeBatch`), once per source record. A driver handles one online, if the rules allow,
which makes a numbered `PenaltyDecision`, scores its points on the licence's ledger
(`PointEntry`) and, unless it is a warning, a `Fine` to pay within 15 days. The ledger is
the truth about points; `DriverLicence.points` is its sum for the current cycle, kept
with it by `points.points_record`.
"""

from __future__ import annotations

import base64
import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

POINT_VALUES = (0, 1, 3, 6, 9, 12)  # L-PT 第7条: 12, 9, 6, 3 or 1; 0 for a warning only
REFERENCE_LENGTH = 12


def new_reference() -> str:
    """An unguessable public reference: 60 random bits as 12 base32 characters."""
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii")[:REFERENCE_LENGTH]


class Procedure(models.TextChoices):
    # L-RTSL 第107条, L-VP 第42条: a warning or a fine of at most ¥200 on the spot.
    SIMPLE = "simple", _("Simple procedure")  # 简易程序
    GENERAL = "general", _("General procedure")  # 一般程序: at a window


class ViolationCode(models.Model):
    """One kind of violation, as loaded from `data/codes.toml` (`load_violation_codes`)."""

    code = models.CharField(_("code"), max_length=5, unique=True)
    description_zh = models.CharField(_("description (Chinese)"), max_length=120)
    description_en = models.CharField(_("description (English)"), max_length=160)
    law = models.CharField(_("legal basis"), max_length=120)
    fine_min_fen = models.PositiveIntegerField(_("lowest fine (fen)"))  # 0: a warning is possible
    fine_max_fen = models.PositiveIntegerField(_("highest fine (fen)"))
    points = models.PositiveSmallIntegerField(_("points"))
    procedure = models.CharField(_("procedure"), max_length=8, choices=Procedure.choices)
    # Hit-and-run, drink-driving, false or borrowed plates, selling points: punished for one in
    # the last three cycles bars point reduction (L-PT 第26条).
    bars_point_reduction = models.BooleanField(_("bars point reduction"), default=False)

    class Meta:
        verbose_name = _("violation code")
        verbose_name_plural = _("violation codes")
        ordering: ClassVar = ["code"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(points__in=POINT_VALUES), name="violation_code_points_known"),
            models.CheckConstraint(
                condition=Q(fine_min_fen__lte=models.F("fine_max_fen")), name="violation_code_fine_range"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Source(models.Model):
    """An enforcement system that sends camera records, with the key it signs in with."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=80)
    office = models.ForeignKey("registry.Office", on_delete=models.PROTECT, related_name="violation_sources")
    key_hash = models.CharField(max_length=64, unique=True)  # SHA-256 of the key; the key is shown once
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("enforcement system")
        verbose_name_plural = _("enforcement systems")

    def __str__(self) -> str:
        return self.code


class IntakeChannel(models.TextChoices):
    API = "api", _("API")
    FILE = "file", _("CSV file")


class IntakeBatch(models.Model):
    """One delivery of records from a source, and what became of each row."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="batches")
    channel = models.CharField(_("channel"), max_length=4, choices=IntakeChannel.choices)
    received_at = models.DateTimeField(_("received"))
    rows = models.PositiveIntegerField(_("rows"))
    accepted = models.PositiveIntegerField(_("accepted"))
    duplicates = models.PositiveIntegerField(_("already received"))
    rejected = models.PositiveIntegerField(_("rejected"))
    # [{"row": n, "source_record_id": …, "field": …, "code": …, "message": …}], English messages
    rejections = models.JSONField(_("rejected rows"), default=list, blank=True)

    class Meta:
        verbose_name = _("intake batch")
        verbose_name_plural = _("intake batches")
        ordering: ClassVar = ["-received_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(rows=models.F("accepted") + models.F("duplicates") + models.F("rejected")),
                name="intake_batch_rows_add_up",
            )
        ]

    def __str__(self) -> str:
        return f"intake batch #{self.pk}"


class ViolationStatus(models.TextChoices):
    UNHANDLED = "unhandled", _("Not handled")  # 未处理: recorded, waiting for the driver
    HANDLED = "handled", _("Handled")  # 已处理: a penalty decision was made
    CANCELLED = "cancelled", _("Cancelled")  # 已撤销: an objection was upheld


class Violation(models.Model):
    reference = models.CharField(
        _("reference"), max_length=REFERENCE_LENGTH, unique=True, default=new_reference, editable=False
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="violations")
    source_record_id = models.CharField(_("source record"), max_length=40)
    batch = models.ForeignKey(IntakeBatch, on_delete=models.PROTECT, related_name="violations")
    vehicle = models.ForeignKey("registry.Vehicle", on_delete=models.PROTECT, related_name="violations")
    plate = models.CharField(_("plate number"), max_length=8)  # as recorded
    code = models.ForeignKey(ViolationCode, on_delete=models.PROTECT, related_name="violations")
    occurred_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=120)
    # The office of the place where it happened: it reviews objections (L-VP 第5条).
    office = models.ForeignKey("registry.Office", on_delete=models.PROTECT, related_name="violations")
    fine_fen = models.PositiveIntegerField(_("fine (fen)"))  # 0: a warning
    points = models.PositiveSmallIntegerField(_("points"))
    camera = models.BooleanField(_("camera-recorded"), default=True)  # 非现场
    recorded_at = models.DateTimeField(_("recorded"))
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)
    # Last day of the 30 days to handle it, counted from the notice (L-VP 第20条).
    handle_by = models.DateField(_("handle by"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ViolationStatus.choices, default=ViolationStatus.UNHANDLED
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        ordering: ClassVar = ["-occurred_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["source", "source_record_id"], name="violation_source_record"),
            models.CheckConstraint(condition=Q(points__in=POINT_VALUES), name="violation_points_known"),
            models.CheckConstraint(
                condition=Q(status__in=ViolationStatus.values), name="violation_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="handled", handled_at__isnull=False) | ~Q(status="handled"),
                name="violation_handled_at_when_handled",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["vehicle", "status"]),
            models.Index(fields=["office", "status"]),
        ]

    def __str__(self) -> str:
        return f"violation {self.reference}"


class Evidence(models.Model):
    """A picture of the violation, stored here; served only through an access check."""

    violation = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="evidence")
    position = models.PositiveSmallIntegerField(_("position"))
    reference = models.CharField(_("reference at the source"), max_length=120)
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    content_type = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering: ClassVar = ["violation", "position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["violation", "position"], name="evidence_position"),
        ]

    def __str__(self) -> str:
        return f"evidence {self.position} of violation #{self.violation_id}"


class BindingStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the owner")  # the driver asked; the owner has not answered
    ACTIVE = "active", _("Bound")  # the owner confirmed: the driver may handle its new violations
    REFUSED = "refused", _("Refused by the owner")
    ENDED = "ended", _("Ended")  # by the driver or the owner


BINDING_OPEN = (BindingStatus.REQUESTED, BindingStatus.ACTIVE)


class VehicleBinding(models.Model):
    """A driver's binding of a vehicle registered to someone else, confirmed by its owner.
    Only violations after `confirmed_at` may be handled through it (facts §2.7)."""

    driver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="vehicle_bindings"
    )
    vehicle = models.ForeignKey("registry.Vehicle", on_delete=models.PROTECT, related_name="bindings")
    status = models.CharField(
        _("status"), max_length=10, choices=BindingStatus.choices, default=BindingStatus.REQUESTED
    )
    requested_at = models.DateTimeField(_("requested"))
    confirmed_at = models.DateTimeField(_("bound since"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("vehicle binding")
        verbose_name_plural = _("vehicle bindings")
        ordering: ClassVar = ["-requested_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["driver", "vehicle"], condition=Q(status__in=BINDING_OPEN), name="binding_one_open"
            ),
            models.CheckConstraint(
                condition=Q(status="active", confirmed_at__isnull=False) | ~Q(status="active"),
                name="binding_confirmed_when_active",
            ),
        ]

    def __str__(self) -> str:
        return f"binding #{self.pk}"


class DecisionChannel(models.TextChoices):
    ONLINE = "online", _("Online")  # handled by the driver on the platform
    WINDOW = "window", _("At a window")  # decided by office staff


class PenaltyDecision(models.Model):
    """公安交通管理简易程序处罚决定书: who was penalised for which violation, and how."""

    number = models.CharField(_("decision number"), max_length=24, unique=True)
    violation = models.OneToOneField(Violation, on_delete=models.PROTECT, related_name="decision")
    licence = models.ForeignKey("registry.DriverLicence", on_delete=models.PROTECT, related_name="decisions")
    # The account that handled it: the driver online, or the staff member at a window.
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=6, choices=DecisionChannel.choices)
    office = models.ForeignKey("registry.Office", on_delete=models.PROTECT, related_name="decisions")
    fine_fen = models.PositiveIntegerField(_("fine (fen)"))
    points = models.PositiveSmallIntegerField(_("points"))
    # The vehicle is not registered to the licence holder: the raw material of point-trading
    # signals (see selectors.point_trading_signals).
    other_owner = models.BooleanField(_("another owner's vehicle"))
    decided_at = models.DateTimeField(_("decided"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)  # an objection was upheld

    class Meta:
        verbose_name = _("penalty decision")
        verbose_name_plural = _("penalty decisions")
        ordering: ClassVar = ["-decided_at", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["licence", "-decided_at"]),
            models.Index(fields=["other_owner", "decided_at"]),
        ]

    def __str__(self) -> str:
        return self.number


class DecisionSequence(models.Model):
    """The last decision number used per office and year; locked while a number is taken."""

    office = models.ForeignKey("registry.Office", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["office", "year"], name="decision_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"decisions of office #{self.office_id} in {self.year}"


class FineStatus(models.TextChoices):
    UNPAID = "unpaid", _("Not paid")  # 未缴款
    PAID = "paid", _("Paid")  # 已缴款, with any late fee
    CANCELLED = "cancelled", _("Cancelled")  # the decision was revoked


class Fine(models.Model):
    decision = models.OneToOneField(PenaltyDecision, on_delete=models.PROTECT, related_name="fine")
    amount_fen = models.PositiveIntegerField(_("fine (fen)"))
    # Last day to pay without a late fee: 15 days after the decision (L-RTSL 第108条).
    due_on = models.DateField(_("pay by"))
    status = models.CharField(
        _("status"), max_length=10, choices=FineStatus.choices, default=FineStatus.UNPAID
    )
    late_fee_fen = models.PositiveIntegerField(_("late fee (fen)"), default=0)  # as charged at payment
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    payment_reference = models.CharField(_("payment order"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("fine")
        verbose_name_plural = _("fines")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount_fen__gte=1), name="fine_amount_positive"),
            models.CheckConstraint(
                condition=Q(late_fee_fen__lte=models.F("amount_fen")), name="fine_late_fee_capped"
            ),
            models.CheckConstraint(
                condition=Q(status="paid", paid_at__isnull=False)
                | (~Q(status="paid") & Q(paid_at__isnull=True)),
                name="fine_paid_at_when_paid",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"fine of decision {self.decision_id}"


class PointKind(models.TextChoices):
    SCORED = "scored", _("Scored")  # a penalty decision's points
    CARRIED = "carried", _("Carried over")  # a decision's points carried into a new cycle: its fine is unpaid
    REDUCED = "reduced", _("Reduced by study")  # 学法减分 (negative)
    REVERSED = "reversed", _("Reversed")  # the decision was revoked (negative)
    CLEARED = "cleared", _("Cleared")  # full-score study passed (negative)


class PointEntry(models.Model):
    """One line of a licence's points ledger. The points of a cycle are the sum of its
    entries; `DriverLicence.points` holds that sum for the current cycle."""

    licence = models.ForeignKey(
        "registry.DriverLicence", on_delete=models.PROTECT, related_name="point_entries"
    )
    cycle_start = models.DateField(_("scoring cycle start"))
    kind = models.CharField(_("kind"), max_length=10, choices=PointKind.choices)
    points = models.SmallIntegerField(_("points"))  # positive scores, negative takes off
    decision = models.ForeignKey(
        PenaltyDecision, on_delete=models.PROTECT, null=True, blank=True, related_name="point_entries"
    )
    study = models.ForeignKey(
        "violations.StudySession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="point_entries",
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering: ClassVar = ["licence", "recorded_at", "pk"]
        indexes: ClassVar = [models.Index(fields=["licence", "cycle_start"])]

    def __str__(self) -> str:
        return f"{self.points:+d} on licence #{self.licence_id}"


class FullScoreStudy(models.Model):
    """满分教育: opened when a cycle reaches 12 points (L-PT 第17–23条). Points are cleared
    and the licence given back once the study is done, the tests passed and fines paid."""

    licence = models.ForeignKey(
        "registry.DriverLicence", on_delete=models.PROTECT, related_name="full_score_studies"
    )
    cycle_start = models.DateField(_("scoring cycle start"))
    occurrence = models.PositiveSmallIntegerField(_("full score in this cycle"))  # 1st, 2nd, …
    points_at_opening = models.PositiveSmallIntegerField(_("points"))
    required_days = models.PositiveSmallIntegerField(_("days of study"))
    # Exam subjects to pass besides the theory test: "" , "3" or "2 3" (第22条).
    extra_subjects = models.CharField(_("driving tests also required"), max_length=5, blank=True)
    opened_at = models.DateTimeField(_("opened"))
    study_done_on = models.DateField(_("study completed"), null=True, blank=True)
    tests_passed_on = models.DateField(_("tests passed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)  # points cleared

    class Meta:
        verbose_name = _("full-score study")
        verbose_name_plural = _("full-score studies")
        ordering: ClassVar = ["-opened_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["licence"], condition=Q(closed_at__isnull=True), name="full_score_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"full-score study #{self.pk}"


class StudySession(models.Model):
    """学法减分 online: 30 minutes of study within 3 days, measured by the server from the
    page's heartbeats, then a quiz; passing removes 1 point (L-PT 第25条)."""

    licence = models.ForeignKey(
        "registry.DriverLicence", on_delete=models.PROTECT, related_name="study_sessions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="study_sessions"
    )
    cycle_start = models.DateField(_("scoring cycle start"))
    started_at = models.DateTimeField(_("started"))
    expires_at = models.DateTimeField(_("study until"))  # 3 days after the start
    last_seen_at = models.DateTimeField(_("last heartbeat"))
    studied_seconds = models.PositiveIntegerField(_("seconds studied"), default=0)
    # The quiz drawn when the study time was complete: question ids in order.
    questions = models.JSONField(_("questions"), default=list, blank=True)
    quiz_started_at = models.DateTimeField(_("quiz started"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("correct answers"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=False)
    # Set by staff when the study was faked (L-PT 第31条): the point comes back and it bars
    # reduction for three cycles.
    falsified_at = models.DateTimeField(_("found falsified"), null=True, blank=True)

    class Meta:
        verbose_name = _("point-reduction study")
        verbose_name_plural = _("point-reduction studies")
        ordering: ClassVar = ["-started_at", "-pk"]
        constraints: ClassVar = [
            # One session at a time: a second one opened in parallel would double the clock.
            models.UniqueConstraint(
                fields=["licence"], condition=Q(answered_at__isnull=True), name="study_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"study session #{self.pk}"


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", _("Being reviewed")  # submitted; the office of the place reviews it
    UPHELD = "upheld", _("Upheld")  # the violation is cancelled, points and fine reversed
    REJECTED = "rejected", _("Rejected")  # the record stands, with the reason


class Objection(models.Model):
    """异议: the driver or owner says the record is wrong (L-VP 第5条)."""

    reference = models.CharField(
        _("reference"), max_length=REFERENCE_LENGTH, unique=True, default=new_reference, editable=False
    )
    violation = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="objections")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField(_("reasons"))
    submitted_at = models.DateTimeField(_("submitted"))
    review_by = models.DateField(_("review by"))  # 5 working days
    status = models.CharField(
        _("status"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.CharField(_("reason for the decision"), max_length=500, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering: ClassVar = ["-submitted_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["violation"], condition=Q(status="pending"), name="objection_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"objection {self.reference}"


class ObjectionEvidence(models.Model):
    objection = models.ForeignKey(Objection, on_delete=models.PROTECT, related_name="evidence")
    position = models.PositiveSmallIntegerField(_("position"))
    file = models.FileField(_("file"), upload_to="objections/%Y/%m/")
    content_type = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering: ClassVar = ["objection", "position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["objection", "position"], name="objection_evidence_position"),
        ]

    def __str__(self) -> str:
        return f"evidence {self.position} of objection #{self.objection_id}"
