"""The office directory publishes each exam site's daily capacity (L-DL 第52条) as the office
set it (第54条): on the office page and in the API; an office with no site shows none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from time_machine import TimeMachineFixture

from fairlane.bookings.exam_sites import exam_site_save
from fairlane.bookings.tests.hall import MONDAY, Hall, hall_make
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall(time_machine: TimeMachineFixture) -> Iterator[Hall]:
    """An office with two sites: the theory hall's examiners bind (4 × 50 = 200 < 240); the
    site-driving ground's own quota binds (120 < 10 × 15)."""
    time_machine.move_to(MONDAY, tick=False)
    hall = hall_make()
    for name, quotas in (("理论考场", (240, 4, 50)), ("场地考场", (120, 10, 15))):
        site_quota, examiners, examiner_quota = quotas
        exam_site_save(
            actor=hall.supervisor,
            office=hall.office,
            name=name,
            site_daily_quota=site_quota,
            examiners=examiners,
            examiner_daily_quota=examiner_quota,
        )
    yield hall


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_office_page_shows_each_site_and_its_day_capacity(hall: Hall) -> None:
    # when
    html = english().get(f"/offices/{hall.office.code}/").content.decode()

    # then: by name, with exams a day, examiners, per examiner, and the site's own quota
    table = html.split('id="exam-sites"', 1)[1].split("</table>", 1)[0]
    cells = [cell.replace("<strong>", "").replace("</strong>", "") for cell in table.split("<td>")[1:]]
    assert [cell.split("</td>", 1)[0] for cell in cells] == [
        "120",
        "10",
        "15",
        "120",
        "200",
        "4",
        "50",
        "240",
    ]
    assert table.index("场地考场") < table.index("理论考场")
    assert "Exam sites and how many exams each holds a day" in html


def test_the_api_gives_the_same(hall: Hall) -> None:
    # when
    body = english().get(f"/api/v1/offices/{hall.office.code}").json()

    # then
    assert body["exam_sites"] == [
        {
            "name": "场地考场",
            "site_daily_quota": 120,
            "examiners": 10,
            "examiner_daily_quota": 15,
            "day_capacity": 120,
        },
        {
            "name": "理论考场",
            "site_daily_quota": 240,
            "examiners": 4,
            "examiner_daily_quota": 50,
            "day_capacity": 200,
        },
    ]


def test_an_office_without_sites_shows_none(hall: Hall) -> None:
    # given
    other = make_office(code="310115-01", name="浦东分所")

    # when
    html = english().get(f"/offices/{other.code}/").content.decode()
    body = english().get(f"/api/v1/offices/{other.code}").json()

    # then
    assert 'id="exam-sites"' not in html
    assert body["exam_sites"] == []
