"""Announcements for tests, made through the services as staff would make them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import PASSWORD
from fairlane.catalogue.announcements import rules, services
from fairlane.catalogue.announcements.models import (
    Announcement,
    AnnouncementKind,
    AnnouncementStatus,
    AnnouncementVersion,
)
from fairlane.registry.models import Office


def make_content(**fields: Any) -> rules.Content:
    now = timezone.now()
    content = rules.Content(
        kind=AnnouncementKind.ANNOUNCEMENT,
        title_zh="春节期间业务安排",
        title_en="Opening hours over the Spring Festival",
        body_zh="春节期间窗口暂停办理。\n\n网上业务照常受理。",
        body_en="The windows are closed over the Spring Festival.\n\nOnline services stay open.",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=30),
    )
    return replace(content, **fields)


def make_draft(*, author: User, office: Office | None, **fields: Any) -> Announcement:
    return services.announcement_create(actor=author, office=office, content=make_content(**fields))


def make_in_review(*, author: User, office: Office | None, **fields: Any) -> Announcement:
    draft = make_draft(author=author, office=office, **fields)
    return services.announcement_transition(actor=author, announcement=draft, to=AnnouncementStatus.IN_REVIEW)


def make_published(*, author: User, reviewer: User, office: Office | None, **fields: Any) -> Announcement:
    in_review = make_in_review(author=author, office=office, **fields)
    return services.announcement_transition(
        actor=reviewer, announcement=in_review, to=AnnouncementStatus.PUBLISHED
    )


def staff_login(client: Client, user: User) -> None:
    """Sign in on the web with password and the current code of the user's authenticator."""
    device = TOTPDevice.objects.get(user=user)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    response = client.post(
        "/accounts/login/", {"username": user.phone, "password": PASSWORD, "otp_token": code}
    )
    assert response.status_code == 302, response.content  # noqa: S101 - a test helper


def snapshot() -> list[tuple[object, ...]]:
    """Every announcement and version row, to show that a refused request changed nothing."""
    return list(Announcement.objects.order_by("pk").values_list()) + list(
        AnnouncementVersion.objects.order_by("pk").values_list()
    )
