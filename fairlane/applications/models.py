"""An application for a catalogue item and its timeline.

The status moves only through `services.application_transition`, along the one table in
`rules.TRANSITIONS`; every move adds an `ApplicationEvent`, which is written once and never
changed.
"""

from __future__ import annotations

import base64
import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

REFERENCE_LENGTH = 16  # base32 characters: 80 random bits
REASON_MAX_LENGTH = 200  # the audit trail keeps a reason of at most 200 characters


def new_reference() -> str:
    """An unguessable reference: 80 bits from `secrets`, as 16 base32 characters."""
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being filled in by the applicant; nobody else sees it yet
    SUBMITTED = "submitted", _("Submitted")  # sent to the office, waiting to be accepted
    ACCEPTED = "accepted", _("Accepted")  # 受理: the office took it on; the time limit runs
    IN_REVIEW = "in_review", _("In review")  # a reviewer is examining it
    APPROVED = "approved", _("Approved")  # decided in the applicant's favour
    PRODUCED = "produced", _("Produced")  # the licence, plate or certificate is made
    DELIVERED = "delivered", _("Delivered")  # sent by post to the applicant
    COLLECTED = "collected", _("Collected")  # picked up at the window
    CLOSED = "closed", _("Closed")  # done; nothing more happens
    RETURNED = "returned", _("Returned for correction")  # 退回补正: the applicant must fix it, with a reason
    REJECTED = "rejected", _("Rejected")  # refused for good, with a reason
    WITHDRAWN = "withdrawn", _("Withdrawn")  # the applicant took it back before a decision
    IN_PERSON = (
        "in_person",
        _("Switched to in-person handling"),
    )  # must be finished at a window, with a reason


class ReasonCode(models.TextChoices):
    CONDITIONS_MET = "conditions_met", _("All conditions met")  # recorded with every approval
    MATERIALS_MISSING = "materials_missing", _("Materials missing or unclear")
    NOT_ELIGIBLE = "not_eligible", _("Conditions not met")
    IDENTITY_MISMATCH = "identity_mismatch", _("Identity does not match")
    RED_FLAG = "red_flag", _("Needs checking in person")
    OTHER = "other", _("Other")


# Statuses reached only with a reason: the database refuses such a row without one.
REASONED = (ApplicationStatus.RETURNED, ApplicationStatus.REJECTED, ApplicationStatus.IN_PERSON)


class Application(models.Model):
    reference = models.CharField(
        _("reference"), max_length=REFERENCE_LENGTH, unique=True, default=new_reference, editable=False
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("applicant"),
    )
    # The licensed agent who filed it for the applicant, if any.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    item_code = models.CharField(_("service item"), max_length=32)
    office = models.ForeignKey(
        "registry.Office", on_delete=models.PROTECT, related_name="applications", verbose_name=_("office")
    )
    form_data = models.JSONField(_("form"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    # The reason given with the move into the current status (empty if it takes none).
    reason_code = models.CharField(_("reason"), max_length=24, choices=ReasonCode.choices, blank=True)
    reason_text = models.CharField(_("explanation"), max_length=REASON_MAX_LENGTH, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    # Copied from the catalogue item when the application is created: the member who
    # accepted a sensitive case may not approve it.
    sensitive = models.BooleanField(_("sensitive"), default=False)
    # The production fee due, from the office's published fee when the draft was created.
    fee_fen = models.PositiveIntegerField(_("fee (fen)"), default=0)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    # The statutory time limit, counted in working days from acceptance.
    due_on = models.DateField(_("due"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering: ClassVar = ["-created_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values), name="application_status_known"
            ),
            models.CheckConstraint(
                condition=Q(reason_code="") | Q(reason_code__in=ReasonCode.values),
                name="application_reason_code_known",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=REASONED) | ~Q(reason_code=""), name="application_reason_given"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["office", "status"]),
            models.Index(fields=["applicant", "-created_at"]),
            models.Index(fields=["assignee", "status"]),
        ]

    def __str__(self) -> str:
        return f"application #{self.pk}"


class ApplicationEvent(models.Model):
    """One step of an application's timeline. Written once, never changed."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    # Empty for the event that created the application.
    from_status = models.CharField(_("from"), max_length=16, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=ApplicationStatus.choices)
    # Null: the system took the step on its own.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason_code = models.CharField(_("reason"), max_length=24, choices=ReasonCode.choices, blank=True)
    reason_text = models.CharField(_("explanation"), max_length=REASON_MAX_LENGTH, blank=True)
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("application event")
        verbose_name_plural = _("application events")
        ordering: ClassVar = ["application", "at", "pk"]

    def __str__(self) -> str:
        return f"application #{self.application_id}: {self.from_status or '-'} → {self.to_status}"


class DeliveryMethod(models.TextChoices):
    MAIL = "mail", _("By post")  # 邮寄: postage is paid with the fee
    COLLECT = "collect", _("Collect at an office")  # 自取


class Delivery(models.Model):
    """How the produced document reaches the applicant, and where it is on the way."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="delivery")
    method = models.CharField(_("delivery"), max_length=8, choices=DeliveryMethod.choices)
    recipient_name = models.CharField(_("recipient"), max_length=50, blank=True)
    recipient_phone = models.CharField(_("recipient's mobile number"), max_length=11, blank=True)
    address = models.CharField(_("postal address"), max_length=200, blank=True)
    postage_fen = models.PositiveIntegerField(_("postage (fen)"), default=0)
    collect_office = models.ForeignKey(
        "registry.Office", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tracking_number = models.CharField(_("tracking number"), max_length=30, blank=True)
    shipped_at = models.DateTimeField(_("posted"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("delivered or collected"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(Q(method="mail") & ~Q(address="") & Q(collect_office__isnull=True))
                | (Q(method="collect") & Q(address="") & Q(postage_fen=0) & Q(collect_office__isnull=False)),
                name="delivery_method_complete",
            )
        ]

    def __str__(self) -> str:
        return f"delivery of application #{self.application_id}"


class MaterialKind(models.TextChoices):
    PHOTO = "photo", _("Photo")  # a licence photo: JPEG or PNG of fixed proportions
    DOCUMENT = "document", _("Document")  # a scan or PDF of a paper document


class Material(models.Model):
    """An uploaded file of an application. Served only through an access check."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="materials")
    kind = models.CharField(_("kind"), max_length=10, choices=MaterialKind.choices)
    file = models.FileField(_("file"), upload_to="materials/%Y/%m/")
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size in bytes"))
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering: ClassVar = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"material #{self.pk} of application #{self.application_id}"


class Rating(models.Model):
    """The applicant's 好差评 of a closed application."""

    class Level(models.IntegerChoices):
        VERY_DISSATISFIED = 1, _("Very dissatisfied")  # 非常不满意
        DISSATISFIED = 2, _("Dissatisfied")  # 不满意
        BASICALLY_SATISFIED = 3, _("Basically satisfied")  # 基本满意
        SATISFIED = 4, _("Satisfied")  # 满意
        VERY_SATISFIED = 5, _("Very satisfied")  # 非常满意

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="rating")
    level = models.PositiveSmallIntegerField(_("rating"), choices=Level.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    at = models.DateTimeField(_("rated"))

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(level__gte=1) & Q(level__lte=5), name="rating_level_1_to_5")
        ]

    def __str__(self) -> str:
        return f"rating of application #{self.application_id}"


class RectificationTask(models.Model):
    """整改: a dissatisfied rating makes the office call the applicant back and put it right
    within 15 working days."""

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="rectification")
    office = models.ForeignKey("registry.Office", on_delete=models.PROTECT, related_name="rectifications")
    due_on = models.DateField(_("due"))
    callback_note = models.TextField(_("call-back record"), blank=True)
    callback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    callback_at = models.DateTimeField(_("called back"), null=True, blank=True)
    resolution = models.TextField(_("what was put right"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened"))

    class Meta:
        verbose_name = _("rectification task")
        verbose_name_plural = _("rectification tasks")
        ordering: ClassVar = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"rectification #{self.pk}"


class StaffAvailability(models.Model):
    """Whether a handling staff member takes new cases now. Without a row they do."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability"
    )
    available = models.BooleanField(_("takes new cases"), default=True)
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("staff availability")
        verbose_name_plural = _("staff availability")

    def __str__(self) -> str:
        return f"availability of user #{self.user_id}"
