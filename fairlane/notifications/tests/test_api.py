"""GET /api/v1/notifications and POST /api/v1/notifications/{id}/read."""

from __future__ import annotations

import pytest
from django.test import Client

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import api_token, register_citizen
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.models import Notification
from fairlane.notifications.services import notification_send
from fairlane.notifications.tests.factories import ITEM, publish_item

pytestmark = pytest.mark.django_db

Kind = NotificationKind


@pytest.fixture
def citizen() -> User:
    return register_citizen(name="王小明", seed=31)


@pytest.fixture
def other() -> User:
    return register_citizen(name="李小红", seed=32)


def bearer(client: Client, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(client, user)}"}


def rating_request(user: User, reference: str) -> Notification:
    return notification_send(recipient=user, kind=Kind.RATING_REQUESTED, params={"reference": reference})


def test_the_list_needs_a_token(client: Client) -> None:
    response = client.get("/api/v1/notifications")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_the_list_holds_ones_own_in_both_languages(client: Client, citizen: User, other: User) -> None:
    # given
    publish_item()
    step = notification_send(
        recipient=citizen,
        kind=Kind.APPLICATION_STEP,
        params={"reference": "STEP1", "item_code": ITEM, "status": "accepted"},
        link="/applications/STEP1/",
    )
    rating_request(other, "THEIRS")
    # when
    response = client.get("/api/v1/notifications", headers=bearer(client, citizen))
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["unread"], body["page"], body["pages"]) == (1, 1, 1, 1)
    [item] = body["items"]
    assert item["id"] == step.pk
    assert item["kind"] == "application_step"
    assert item["params"] == {"reference": "STEP1", "item_code": ITEM, "status": "accepted"}
    assert item["link"] == "/applications/STEP1/"
    assert item["read_at"] is None
    assert item["title"]["en"] == "Licence renewal: Accepted"
    assert "驾驶证期满换证" in item["title"]["zh"] and "已受理" in item["title"]["zh"]
    assert item["body"]["en"] == "Your application STEP1 for Licence renewal is now: Accepted."


def test_the_list_is_paginated_newest_first(client: Client, citizen: User) -> None:
    # given
    for number in range(21):
        rating_request(citizen, f"R{number:02d}")
    headers = bearer(client, citizen)
    # when
    first = client.get("/api/v1/notifications", headers=headers).json()
    second = client.get("/api/v1/notifications?page=2", headers=headers).json()
    # then
    assert (first["count"], first["pages"], len(first["items"])) == (21, 2, 20)
    assert first["items"][0]["params"] == {"reference": "R20"}
    assert [item["params"]["reference"] for item in second["items"]] == ["R00"]


def test_a_page_number_that_is_not_a_number_is_a_field_error(client: Client, citizen: User) -> None:
    response = client.get("/api/v1/notifications?page=zero", headers=bearer(client, citizen))
    assert response.status_code == 422
    assert (response.json()["code"], list(response.json()["fields"])) == ("invalid", ["page"])


def test_marking_ones_own_read(client: Client, citizen: User) -> None:
    # given
    notification = rating_request(citizen, "READ1")
    # when
    response = client.post(f"/api/v1/notifications/{notification.pk}/read", headers=bearer(client, citizen))
    # then
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_marking_another_users_is_not_found_and_changes_nothing(
    client: Client, citizen: User, other: User
) -> None:
    # given
    theirs = rating_request(other, "THEIRS")
    # when
    response = client.post(f"/api/v1/notifications/{theirs.pk}/read", headers=bearer(client, citizen))
    missing = client.post("/api/v1/notifications/999999/read", headers=bearer(client, citizen))
    # then
    assert response.status_code == 404
    assert (
        response.json()
        == missing.json()
        == {"code": "not_found", "message": response.json()["message"], "fields": {}}
    )
    assert Notification.objects.get(pk=theirs.pk).read_at is None
