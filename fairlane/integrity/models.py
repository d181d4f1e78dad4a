"""The audit trail: an append-only hash chain of everything staff and agents do."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    # Position in the chain: 1, 2, 3, … without gaps. The chain order is seq, never time.
    seq = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    actor_role = models.CharField(max_length=16, blank=True)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    office = models.ForeignKey("registry.Office", on_delete=models.PROTECT, null=True, related_name="+")
    action = models.PositiveIntegerField()  # fairlane.core.audit.AuditAction
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)  # {"field": [before, after]}, masked
    request_id = models.CharField(max_length=36, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering: ClassVar = ["seq"]
        indexes: ClassVar = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"audit #{self.seq} action {self.action}"
