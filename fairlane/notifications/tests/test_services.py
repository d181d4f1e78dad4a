"""Sending notifications (in-app in the caller's transaction, SMS and email after it
commits, failures recorded and never raised) and marking them read."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation

from fairlane.accounts.models import SmsMessage, User
from fairlane.accounts.tests.factories import register_citizen
from fairlane.core.errors import NotFound
from fairlane.core.pii import find_unmasked_pii
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.messages import render
from fairlane.notifications.models import Channel, DeliveryStatus, Notification, NotificationDelivery
from fairlane.notifications.services import (
    notification_deliver,
    notification_mark_all_read,
    notification_mark_read,
    notification_send,
)
from fairlane.notifications.tests.factories import ITEM, publish_item

Kind = NotificationKind
REFERENCE = "ABCDEFGHIJKLMNOP"
STEP = {"reference": REFERENCE, "item_code": ITEM, "status": "returned"}
BROKEN_SMS = "fairlane.notifications.tests.test_services.BrokenSmsBackend"

Capture = Callable[..., Any]


class BrokenSmsBackend:
    """A gateway that is down, and whose error message carries the phone number."""

    def send(self, *, phone: str, text: str) -> None:
        raise ConnectionError(f"gateway refused {phone}")


def registered(name: str, seed: int) -> User:
    user = register_citizen(name=name, seed=seed)
    SmsMessage.objects.filter(phone=user.phone).delete()  # the registration code
    return user


@pytest.fixture
def citizen(db: None) -> User:
    return registered("王小明", 11)


@pytest.fixture
def other(db: None) -> User:
    return registered("李小红", 12)


def sms_to(user: User) -> list[str]:
    return list(
        SmsMessage.objects.filter(phone=user.phone).order_by("sent_at", "pk").values_list("text", flat=True)
    )


@pytest.mark.django_db
def test_the_sms_goes_to_the_outbox_after_commit_in_chinese_without_personal_data(
    citizen: User, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    publish_item()
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notification_send(
            recipient=citizen, kind=Kind.APPLICATION_STEP, params=STEP, link=f"/applications/{REFERENCE}/"
        )
        assert sms_to(citizen) == []  # nothing leaves before the commit
    # then
    assert len(callbacks) == 1
    with translation.override("zh-hans"):
        _title, body = render(notification)
    [text] = sms_to(citizen)
    assert "退回补正" in text and REFERENCE in text
    assert "退回补正" in body
    assert citizen.name not in text and citizen.id_number not in text and citizen.phone not in text
    assert find_unmasked_pii(text) == []
    [delivery] = NotificationDelivery.objects.filter(notification=notification)
    assert (delivery.channel, delivery.status, delivery.attempts, delivery.last_error) == (
        Channel.SMS,
        DeliveryStatus.SENT,
        1,
        "",
    )
    assert delivery.sent_at is not None


@pytest.mark.django_db
def test_the_in_app_notification_is_written_with_its_values(citizen: User) -> None:
    # when
    notification = notification_send(
        recipient=citizen,
        kind=Kind.PAYMENT_RECEIVED,
        params={"reference": "P20261122", "amount_fen": 2500},
        link="/payments/P20261122/",
    )
    # then
    stored = Notification.objects.get(pk=notification.pk)
    assert (stored.recipient_id, stored.kind, stored.params, stored.link, stored.read_at) == (
        citizen.pk,
        "payment_received",
        {"reference": "P20261122", "amount_fen": 2500},
        "/payments/P20261122/",
        None,
    )
    assert list(stored.deliveries.values_list("channel", "status", "attempts")) == [("sms", "queued", 0)]


@pytest.mark.django_db
def test_nothing_is_sent_when_the_caller_rolls_back(
    citizen: User, django_capture_on_commit_callbacks: Capture
) -> None:
    # when
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notification_send(recipient=citizen, kind=Kind.RATING_REQUESTED, params={"reference": REFERENCE})
        raise RuntimeError("the caller failed")
    # then
    assert Notification.objects.count() == 0
    assert NotificationDelivery.objects.count() == 0
    assert sms_to(citizen) == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_sms_backend_records_a_failed_delivery_and_the_caller_still_commits(
    audit_events_purged: None, settings: Any
) -> None:
    # given
    citizen = registered("王小明", 13)
    settings.FAIRLANE_SMS_BACKEND = BROKEN_SMS
    # when: the caller's transaction writes something of its own and a notification
    with transaction.atomic():
        SmsMessage.objects.create(phone="10000000000", text="the caller's own write")
        notification = notification_send(
            recipient=citizen, kind=Kind.RATING_REQUESTED, params={"reference": REFERENCE}
        )
    # then
    assert SmsMessage.objects.filter(text="the caller's own write").exists()
    assert Notification.objects.filter(pk=notification.pk).exists()
    [delivery] = NotificationDelivery.objects.filter(notification=notification)
    assert (delivery.status, delivery.attempts, delivery.last_error, delivery.sent_at) == (
        DeliveryStatus.FAILED,
        1,
        "ConnectionError",
        None,
    )
    assert sms_to(citizen) == []


@pytest.mark.django_db
def test_a_failing_backend_is_logged_without_personal_data(
    citizen: User,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    settings.FAIRLANE_SMS_BACKEND = BROKEN_SMS
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipient=citizen, kind=Kind.RATING_REQUESTED, params={"reference": REFERENCE})
    # then
    [record] = [r for r in caplog.records if r.name == "fairlane.notifications.services"]
    assert "failed: ConnectionError" in record.getMessage()
    assert citizen.phone not in record.getMessage()


@pytest.mark.django_db
def test_delivering_again_sends_only_what_is_still_queued(
    citizen: User, django_capture_on_commit_callbacks: Capture
) -> None:
    # given a notification already delivered
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_send(
            recipient=citizen, kind=Kind.RATING_REQUESTED, params={"reference": REFERENCE}
        )
    # when
    notification_deliver(notification_id=notification.pk)
    # then
    assert len(sms_to(citizen)) == 1
    assert NotificationDelivery.objects.get(notification=notification).attempts == 1


@pytest.mark.django_db
def test_a_disabled_account_gets_the_in_app_notification_only(citizen: User) -> None:
    # given
    User.objects.filter(pk=citizen.pk).update(is_active=False)
    citizen.refresh_from_db()
    # when
    notification = notification_send(
        recipient=citizen, kind=Kind.RATING_REQUESTED, params={"reference": REFERENCE}
    )
    # then
    assert Notification.objects.filter(pk=notification.pk).exists()
    assert NotificationDelivery.objects.count() == 0


@pytest.mark.django_db
def test_a_user_with_an_email_address_also_gets_an_email(
    citizen: User, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Capture
) -> None:
    # given: the User model has no email field yet; give every user an address
    monkeypatch.setattr(User, "email", "someone@example.com", raising=False)
    publish_item()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_send(recipient=citizen, kind=Kind.APPLICATION_STEP, params=STEP)
    # then
    [message] = mail.outbox
    assert message.to == ["someone@example.com"]
    with translation.override("zh-hans"):
        assert (message.subject, message.body) == render(notification)
    assert citizen.name not in message.body
    assert sorted(NotificationDelivery.objects.values_list("channel", "status")) == [
        ("email", "sent"),
        ("sms", "sent"),
    ]


@pytest.mark.django_db
def test_without_an_email_address_no_email_is_queued(citizen: User) -> None:
    notification_send(recipient=citizen, kind=Kind.RATING_REQUESTED, params={"reference": REFERENCE})
    assert list(NotificationDelivery.objects.values_list("channel", flat=True)) == ["sms"]


@pytest.mark.parametrize(
    ("kind", "params", "link", "message"),
    [
        ("nothing", {}, "", "unknown kind"),
        (Kind.RATING_REQUESTED, {"reference": "13812345678"}, "", "reference must be a short code"),
        (Kind.RATING_REQUESTED, {"reference": "A"}, "https://evil.example/", "path on this site"),
        (Kind.RATING_REQUESTED, {"reference": "A"}, "//evil.example/", "path on this site"),
        (Kind.RATING_REQUESTED, {"reference": "A"}, "/search?phone=13812345678", "path on this site"),
        (Kind.RATING_REQUESTED, {"reference": "A"}, "/" + "a" * 200, "path on this site"),
    ],
)
@pytest.mark.django_db
def test_wrong_values_or_links_are_refused_and_nothing_is_written(
    citizen: User, kind: str, params: dict[str, object], link: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        notification_send(recipient=citizen, kind=kind, params=params, link=link)
    assert Notification.objects.count() == 0


# --- Marking read ---------------------------------------------------------------------------


@pytest.fixture
def inbox(citizen: User, other: User) -> Iterator[tuple[list[Notification], Notification]]:
    mine = [
        notification_send(recipient=citizen, kind=Kind.RATING_REQUESTED, params={"reference": f"R{i}"})
        for i in range(3)
    ]
    theirs = notification_send(recipient=other, kind=Kind.RATING_REQUESTED, params={"reference": "R9"})
    yield mine, theirs


@pytest.mark.django_db
def test_marking_one_read(citizen: User, inbox: tuple[list[Notification], Notification]) -> None:
    # given
    mine, _theirs = inbox
    # when
    marked = notification_mark_read(user=citizen, notification=mine[0])
    first_read_at = marked.read_at
    again = notification_mark_read(user=citizen, notification=mine[0])
    # then
    assert first_read_at is not None
    assert again.read_at == first_read_at  # the first reading counts
    assert Notification.objects.filter(recipient=citizen, read_at__isnull=True).count() == 2


@pytest.mark.django_db
def test_marking_another_users_notification_is_not_found_and_changes_nothing(
    citizen: User, inbox: tuple[list[Notification], Notification]
) -> None:
    # given
    _mine, theirs = inbox
    # when
    with pytest.raises(NotFound):
        notification_mark_read(user=citizen, notification=theirs)
    # then
    assert Notification.objects.get(pk=theirs.pk).read_at is None


@pytest.mark.django_db
def test_marking_all_read_touches_only_ones_own(
    citizen: User, other: User, inbox: tuple[list[Notification], Notification]
) -> None:
    # given
    mine, _theirs = inbox
    notification_mark_read(user=citizen, notification=mine[0])
    # when
    count = notification_mark_all_read(user=citizen)
    # then
    assert count == 2
    assert Notification.objects.filter(recipient=citizen, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1
