"""The inbox at /notifications/, marking read, and the header's unread count."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client, RequestFactory

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import register_citizen
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.models import Notification
from fairlane.notifications.services import notification_mark_read, notification_send
from fairlane.notifications.tests.factories import ITEM, publish_item

pytestmark = pytest.mark.django_db

Kind = NotificationKind


@pytest.fixture
def citizen() -> User:
    return register_citizen(name="王小明", seed=21)


@pytest.fixture
def other() -> User:
    return register_citizen(name="李小红", seed=22)


@pytest.fixture
def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def rating_request(user: User, reference: str, link: str = "") -> Notification:
    return notification_send(
        recipient=user, kind=Kind.RATING_REQUESTED, params={"reference": reference}, link=link
    )


def unread(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def test_the_inbox_needs_a_signed_in_user(client: Client) -> None:
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_inbox_shows_ones_own_newest_first_unread_marked(
    english: Client, citizen: User, other: User
) -> None:
    # given
    publish_item()
    older = rating_request(citizen, "OLDER1", link="/applications/OLDER1/")
    notification_send(
        recipient=citizen,
        kind=Kind.APPLICATION_STEP,
        params={"reference": "NEWER1", "item_code": ITEM, "status": "accepted"},
        link="/applications/NEWER1/",
    )
    notification_mark_read(user=citizen, notification=older)
    rating_request(other, "THEIRS1")
    english.force_login(citizen)
    # when
    response = english.get("/notifications/")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "You have 1 unread message." in html
    assert html.index("Licence renewal: Accepted") < html.index("How did we do?")
    assert "THEIRS1" not in html
    items = re.findall(r'<li class="reminder( reminder--info)?">', html)
    assert items == [" reminder--info", ""]
    assert html.count(">Unread<") == 1
    assert '<a href="/applications/OLDER1/">Open</a>' in html  # read: a plain link
    assert 'action="/notifications/' in html  # unread: opening marks it read


def test_the_inbox_is_paginated(english: Client, citizen: User) -> None:
    # given
    for number in range(23):
        rating_request(citizen, f"R{number:02d}")
    english.force_login(citizen)
    # when
    first = english.get("/notifications/").content.decode()
    second = english.get("/notifications/?page=2").content.decode()
    # then
    assert first.count('<li class="reminder') == 20
    assert second.count('<li class="reminder') == 3
    assert "Page 1 of 2" in first and "?page=2" in first
    assert "R22" in first and "R00" in second and "R00" not in first


def test_opening_a_notification_marks_it_read_and_follows_its_link(english: Client, citizen: User) -> None:
    # given
    notification = rating_request(citizen, "OPEN1", link="/applications/OPEN1/")
    english.force_login(citizen)
    # when
    response = english.post(f"/notifications/{notification.pk}/read/")
    # then
    assert (response.status_code, response["Location"]) == (302, "/applications/OPEN1/")
    assert unread(citizen) == 0


def test_marking_read_without_a_link_returns_to_the_inbox(english: Client, citizen: User) -> None:
    notification = rating_request(citizen, "NOLINK")
    english.force_login(citizen)
    response = english.post(f"/notifications/{notification.pk}/read/")
    assert (response.status_code, response["Location"]) == (302, "/notifications/")


def test_another_users_notification_is_not_found_and_stays_unread(
    english: Client, citizen: User, other: User
) -> None:
    # given
    theirs = rating_request(other, "THEIRS2", link="/applications/THEIRS2/")
    english.force_login(citizen)
    # when
    response = english.post(f"/notifications/{theirs.pk}/read/")
    # then
    assert response.status_code == 404
    assert unread(other) == 1


def test_marking_read_takes_a_post_only(english: Client, citizen: User) -> None:
    notification = rating_request(citizen, "GET1")
    english.force_login(citizen)
    assert english.get(f"/notifications/{notification.pk}/read/").status_code == 405
    assert english.get("/notifications/read-all/").status_code == 405
    assert unread(citizen) == 1


def test_mark_all_as_read(english: Client, citizen: User, other: User) -> None:
    # given
    rating_request(citizen, "ALL1")
    rating_request(citizen, "ALL2")
    rating_request(other, "ALL3")
    english.force_login(citizen)
    # when
    response = english.post("/notifications/read-all/", follow=True)
    # then
    html = response.content.decode()
    assert "2 notifications marked as read." in html
    assert "You have 0 unread messages." in html
    assert "Mark all as read" not in html
    assert (unread(citizen), unread(other)) == (0, 1)


def test_the_inbox_reads_in_chinese_by_default(client: Client, citizen: User) -> None:
    # given
    publish_item()
    notification_send(
        recipient=citizen,
        kind=Kind.APPLICATION_STEP,
        params={"reference": "ZH1", "item_code": ITEM, "status": "accepted"},
    )
    client.force_login(citizen)
    # when
    html = client.get("/notifications/").content.decode()
    # then
    assert "驾驶证期满换证" in html and "已受理" in html
    assert "Licence renewal" not in html


def render_nav(user: User) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load notifications %}{% notifications_nav_link %}|{% unread_notifications %}")
    return template.render(Context({"request": request, "user": user}))


def test_the_header_link_shows_the_unread_count(citizen: User) -> None:
    # given
    rating_request(citizen, "NAV1")
    rating_request(citizen, "NAV2")
    # when
    html = render_nav(citizen)
    # then
    assert 'href="/notifications/"' in html
    assert re.search(r'<span class="chip chip--strong">2 [^<]+</span>', html)
    assert html.endswith("|2")


def test_the_header_link_has_no_count_when_all_is_read(citizen: User) -> None:
    assert render_nav(citizen).endswith("</a></li>\n|0")
    assert "chip" not in render_nav(citizen)
