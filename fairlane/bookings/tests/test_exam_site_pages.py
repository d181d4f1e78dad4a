"""The staff page of the office's exam sites (/staff/bookings/exam-sites/): supervisors and
administrators register a site and change its quotas; clerks see the table only; staff of
another office see only their own office's sites; everyone else gets 404."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role
from fairlane.accounts.tests.factories import make_staff
from fairlane.bookings.exam_sites import exam_site_save
from fairlane.bookings.models import ExamSite
from fairlane.bookings.tests.hall import MONDAY, Hall, hall_make, person_make, slot_publish
from fairlane.bookings.tests.test_staff_pages import staff_client, text_of
from fairlane.integrity.models import AuditEvent
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

PAGE = "/staff/bookings/exam-sites/"
EXAM_DAY = MONDAY.date() + timedelta(days=14)
FORM = {"name": "闵行考场", "site_daily_quota": "80", "examiners": "4", "examiner_daily_quota": "15"}


@dataclass
class World:
    hall: Hall
    site: ExamSite  # 浦东考场: 120 a day, 6 examiners of 25 (day capacity 120)


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    cache.clear()
    hall = hall_make()
    site = exam_site_save(
        actor=hall.supervisor,
        office=hall.office,
        name="浦东考场",
        site_daily_quota=120,
        examiners=6,
        examiner_daily_quota=25,
    )
    yield World(hall=hall, site=site)
    cache.clear()


def rows(html: str) -> list[list[str]]:
    """The cells of the sites table, without markup."""
    table = html.split('id="exam-sites"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def stored() -> list[tuple]:
    return list(
        ExamSite.objects.order_by("pk").values_list(
            "name", "site_daily_quota", "examiners", "examiner_daily_quota"
        )
    )


def test_a_supervisor_sees_the_sites_with_their_day_capacity_and_the_form(world: World) -> None:
    # when
    response = staff_client(world.hall.supervisor).get(PAGE)

    # then
    html = text_of(response)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert [row[:5] for row in rows(html)] == [["浦东考场", "120", "6", "25", "120"]]
    assert 'id="site-form"' in html


def test_a_supervisor_registers_a_site(world: World) -> None:
    # given
    client = staff_client(world.hall.supervisor)

    # when
    response = client.post(PAGE, FORM)

    # then
    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert stored() == [("浦东考场", 120, 6, 25), ("闵行考场", 80, 4, 15)]
    page = client.get(PAGE)
    assert "闵行考场 saved: at most 60 exams a day." in text_of(page)


def test_an_admin_changes_the_quotas_from_the_row(world: World) -> None:
    # given
    admin = make_staff(Role.ADMIN, office=world.hall.office, seed=720)
    client = staff_client(admin)

    # when
    form = client.get(f"{PAGE}?edit={world.site.pk}")
    response = client.post(
        PAGE, {"name": "浦东考场", "site_daily_quota": "120", "examiners": "4", "examiner_daily_quota": "25"}
    )

    # then
    assert 'value="浦东考场"' in text_of(form)
    assert response.status_code == 302
    assert stored() == [("浦东考场", 120, 4, 25)]


def test_bad_numbers_are_shown_next_to_their_field(world: World) -> None:
    # when
    response = staff_client(world.hall.supervisor).post(PAGE, {**FORM, "examiners": "0"})

    # then
    assert response.status_code == 422
    assert "Ensure this value is greater than or equal to 1." in text_of(response)
    assert stored() == [("浦东考场", 120, 6, 25)]


def test_lowering_below_what_is_published_is_refused_on_the_form(world: World) -> None:
    # given: 100 places published at 浦东考场 for EXAM_DAY
    slot_publish(world.hall, EXAM_DAY, service=world.hall.exam, capacity=100, site="浦东考场")
    events = AuditEvent.objects.count()

    # when
    response = staff_client(world.hall.supervisor).post(
        PAGE, {"name": "浦东考场", "site_daily_quota": "90", "examiners": "6", "examiner_daily_quota": "25"}
    )

    # then
    assert response.status_code == 422
    assert (
        "100 exam places are already published at this site for 2026-03-16: the day capacity "
        "cannot go below that (it would be 90)." in text_of(response)
    )
    assert stored() == [("浦东考场", 120, 6, 25)]
    assert AuditEvent.objects.count() == events + 1  # the sign-in only


def test_a_clerk_sees_the_table_read_only_and_cannot_post(world: World) -> None:
    # given
    client = staff_client(world.hall.clerk)

    # when
    page = client.get(PAGE)
    posted = client.post(PAGE, FORM)

    # then
    assert page.status_code == 200
    assert [row[:5] for row in rows(text_of(page))] == [["浦东考场", "120", "6", "25", "120"]]
    assert 'id="site-form"' not in text_of(page)
    assert 'id="read-only"' in text_of(page)
    assert posted.status_code == 403
    assert stored() == [("浦东考场", 120, 6, 25)]


def test_staff_of_another_office_see_only_their_own_sites(world: World) -> None:
    # given
    other = make_staff(Role.SUPERVISOR, office=make_office(code="310001", name="浦东分所"), seed=721)
    client = staff_client(other)

    # when
    page = client.get(f"{PAGE}?edit={world.site.pk}")
    posted = client.post(PAGE, FORM)

    # then: nothing of the first office shown or changed; the site went to their own office
    assert page.status_code == 200
    assert "浦东考场" not in text_of(page)
    assert posted.status_code == 302
    assert list(ExamSite.objects.filter(office=world.hall.office).values_list("name", flat=True)) == [
        "浦东考场"
    ]
    assert list(ExamSite.objects.filter(office=other.office).values_list("name", flat=True)) == ["闵行考场"]


@pytest.mark.parametrize("who", ["citizen", "reviewer", "anonymous"])
def test_everyone_else_gets_404(world: World, who: str) -> None:
    # given
    client = Client()
    if who == "citizen":
        client.force_login(person_make(1))
    elif who == "reviewer":
        client = staff_client(make_staff(Role.REVIEWER, office=world.hall.office, seed=722))

    # when
    got = client.get(PAGE)
    posted = client.post(PAGE, FORM)

    # then
    if who == "anonymous":
        assert (got.status_code, posted.status_code) == (302, 302)  # to the sign-in page
    else:
        assert (got.status_code, posted.status_code) == (404, 404)
    assert stored() == [("浦东考场", 120, 6, 25)]


def test_the_staff_home_links_to_the_page(world: World) -> None:
    # when
    response = staff_client(world.hall.clerk).get("/staff/bookings/")

    # then
    assert f'href="{PAGE}"' in text_of(response)
