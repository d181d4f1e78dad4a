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
