"""The published bans: the public page /agencies/bans/ and GET /api/v1/agencies/bans,
in force first, the person's name masked."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from time_machine import TimeMachineFixture

from fairlane.agencies import oversight
from fairlane.agencies.models import Ban
from fairlane.agencies.oversight_api import BANS_READS_PER_IP
from fairlane.agencies.tests.factories import make_agency
from fairlane.agencies.tests.test_oversight_services import REASON, World, make_world

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
API = "/api/v1/agencies/bans"


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> World:
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI), tick=False)
    return make_world()


def visitor(language: str = "en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def banned_twice(world: World) -> tuple[Ban, Ban]:
    """A past ban on another agency, and one in force on the world's agent."""
    old = make_agency(office=world.office, name="旧代办", seed=8)
    past = oversight.ban_impose(actor=world.supervisor, agency=old, kind="false_materials", reason="伪造材料")
    Ban.objects.filter(pk=past.pk).update(starts_on=date(2024, 1, 1), ends_on=date(2025, 1, 1))
    now = oversight.ban_impose(
        actor=world.supervisor, agency=world.agency, kind="deceit_bribery", reason=REASON, person=world.agent
    )
    return Ban.objects.get(pk=past.pk), now


def test_the_page_lists_bans_in_force_first_with_the_person_masked(world: World) -> None:
    # given
    past, current = banned_twice(world)

    # when
    response = visitor().get(reverse("bans:index"))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(f'id="ban-{current.pk}"') < html.index(f'id="ban-{past.pk}"')
    row = re.search(rf'<tr id="ban-{current.pk}">(.*?)</tr>', html, re.S)
    assert row is not None
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]
    assert cells == [
        world.agency.name,
        world.agency.credit_code,
        "孙*",
        "Deceit or bribery (3 years)",
        "2026-11-30 – 2029-11-30",
        REASON,
        "Yes",
    ]
    assert "孙丽" not in html
    assert "No longer" in html


def test_the_page_renders_in_chinese_and_when_empty(world: World) -> None:
    # when
    response = visitor("zh-hans").get(reverse("bans:index"))

    # then
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"


def test_the_api_lists_the_bans_without_signing_in(world: World) -> None:
    # given
    past, current = banned_twice(world)

    # when
    response = visitor().get(API)

    # then
    body = response.json()
    assert response.status_code == 200
    assert (body["page"], body["pages"], body["count"]) == (1, 1, 2)
    assert [(b["id"], b["person"], b["in_force"]) for b in body["bans"]] == [
        (current.pk, "孙*", True),
        (past.pk, "", False),
    ]


def test_the_api_is_limited_per_address(world: World) -> None:
    # given
    cache.clear()
    client = visitor()
    for _ in range(BANS_READS_PER_IP.limit):
        assert client.get(API).status_code == 200

    # when
    response = client.get(API)

    # then
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1
    cache.clear()
