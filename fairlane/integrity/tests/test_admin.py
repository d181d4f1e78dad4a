"""The audit trail in the admin can be read and never written, even by a superuser."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from fairlane.accounts.models import User
from fairlane.core.audit import AuditAction, audit_record
from fairlane.integrity.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_and_event(make_user: Callable[..., User]) -> tuple[Client, AuditEvent]:
    superuser = User.objects.create_superuser(
        phone="13900000009", password="x-strong-Pass-123", name="管理员", id_number="11010519491231002X"
    )
    citizen = make_user(1)
    event = audit_record(
        action=AuditAction.ACCOUNT_DISABLED,
        actor=superuser,
        obj=citizen,
        reason="test",
        changes={"phone": (citizen.phone, "")},
    )
    client = Client()
    client.force_login(superuser)
    return client, event


def test_superuser_can_read_the_trail(admin_client_and_event: tuple[Client, AuditEvent]) -> None:
    # given
    client, event = admin_client_and_event
    # when
    listing = client.get(reverse("admin:integrity_auditevent_changelist"))
    detail = client.get(reverse("admin:integrity_auditevent_change", args=[event.pk]))
    # then
    assert listing.status_code == 200
    assert "ACCOUNT_DISABLED" in listing.content.decode()
    assert detail.status_code == 200
    assert "138****0001" in detail.content.decode()
    assert "13800000001" not in detail.content.decode()


def test_nobody_can_add_change_or_delete(admin_client_and_event: tuple[Client, AuditEvent]) -> None:
    # given
    client, event = admin_client_and_event
    before = AuditEvent.objects.values().get(pk=event.pk)
    # when
    add = client.get(reverse("admin:integrity_auditevent_add"))
    change = client.post(reverse("admin:integrity_auditevent_change", args=[event.pk]), {"reason": "x"})
    delete = client.post(reverse("admin:integrity_auditevent_delete", args=[event.pk]), {"post": "yes"})
    bulk = client.post(
        reverse("admin:integrity_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    # then
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert bulk.status_code in {200, 302}  # no such action: the changelist just answers
    assert AuditEvent.objects.values().get(pk=event.pk) == before
    assert AuditEvent.objects.count() == 1
