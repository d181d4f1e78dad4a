"""The office directory shows what each office publishes for booking: per bookable service,
today's places and how many are booked, the places open for immediate booking now, and
links to booking the service and to the hall's queue; the API gives the same. The guide
of an item some office takes window appointments for starts a booking."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from time_machine import TimeMachineFixture

from fairlane.bookings.booking import booking_cancel, booking_make
from fairlane.bookings.models import BookableService, ServiceKind
from fairlane.bookings.selectors import open_slots
from fairlane.bookings.tests.hall import MONDAY, Hall, batch_make, hall_make, person_make, slot_publish
from fairlane.catalogue.directory.capacity import OpenPlaces, services_today
from fairlane.catalogue.services import catalogue_load
from fairlane.catalogue.tests.factories import bi, make_item
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

TODAY = MONDAY.date()
TUESDAY = TODAY + timedelta(days=1)
WEDNESDAY = TODAY + timedelta(days=2)


@dataclass
class World:
    hall: Hall
    other: Hall  # a second office, with nothing published


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    """Seen on Monday: today the window service has two slots (3 and 2 places, one booked)
    and the exam one slot of 20; from Tuesday on the window has 4 places, one of them given
    back (held for the next batch), and on Wednesday 5 in a batch still taking requests."""
    with translation.override("en"):
        catalogue_load(items=[make_item("DL-RENEW", name=bi("换领驾驶证", "Renew a licence"))])
        time_machine.move_to(MONDAY - timedelta(days=14), tick=False)
        hall = hall_make()
        other = hall_make(office=make_office(code="310115-01", name="浦东分所"), seed=800)
        slot_publish(hall, TODAY, service=hall.exam, capacity=20)
        time_machine.move_to(MONDAY - timedelta(days=3), tick=False)  # the Friday before
        first = slot_publish(hall, TODAY, hour=9, capacity=3)
        slot_publish(hall, TODAY, hour=10, capacity=2)
        tuesday = slot_publish(hall, TUESDAY, hour=9, capacity=4)
        batch_make(hall.window, [slot_publish(hall, WEDNESDAY, hour=9, capacity=5)])
        booking_make(actor=person_make(1), slot=first)
        given_back = person_make(2)
        booking_cancel(actor=given_back, booking=booking_make(actor=given_back, slot=tuesday))
        time_machine.move_to(MONDAY, tick=False)
        yield World(hall=hall, other=other)


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def section(html: str, heading_id: str) -> str:
    return html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def test_figures_per_service(world: World) -> None:
    # when
    found = services_today([world.hall.office.pk, world.other.office.pk], with_open=True)

    # then: exams come before window appointments; the other office has nothing today
    window, exam = world.hall.window, world.hall.exam
    assert [(r.service, r.slots, r.capacity, r.booked, r.open) for r in found[world.hall.office.pk]] == [
        (exam, 1, 20, 0, OpenPlaces(places=0, first_day=None)),
        (window, 2, 5, 1, OpenPlaces(places=3, first_day=TUESDAY)),
    ]
    assert [(r.slots, r.capacity, r.booked) for r in found[world.other.office.pk]] == [(0, 0, 0), (0, 0, 0)]


def test_open_places_are_those_immediate_booking_offers(world: World) -> None:
    # given
    offered = sum(slot.places_left for slot in open_slots(world.hall.window))  # type: ignore[attr-defined]

    # when
    found = services_today([world.hall.office.pk], with_open=True)[world.hall.office.pk]

    # then
    assert found[1].open == OpenPlaces(places=offered, first_day=TUESDAY)
    assert offered == 3


def test_the_office_page_shows_todays_places_and_links(world: World) -> None:
    # when
    response = english().get(f"/offices/{world.hall.office.code}/")

    # then
    assert response.status_code == 200
    places = section(response.content.decode(), "places-title")
    window, exam = world.hall.window.pk, world.hall.exam.pk
    assert "Published places today (2026-03-02)" in places
    rows = places.split("<tbody>")[1].split("</tbody>")[0].split("</tr>")[:-1]
    assert [" ".join(row.split()) for row in rows] == [
        f'<tr> <th scope="row"><a href="/bookings/service/{exam}/">Subject 2: site driving</a></th> '
        "<td>20</td> <td>0</td> <td>None at the moment</td>",
        f'<tr> <th scope="row"><a href="/bookings/service/{window}/">Renew a licence</a></th> '
        "<td>5</td> <td>1</td> <td>3 places, from 2026-03-03</td>",
    ]
    assert f"""<a href="/hall/{world.hall.office.code}/">Today's queue in the hall</a>""" in places


def test_the_list_shows_todays_places_of_every_office(world: World) -> None:
    # when
    html = english().get("/offices/").content.decode()

    # then: today's figures without the open places, and the hall link of each office
    table = html.split(f'id="today-{world.hall.office.code}"', 1)[1].split("</table>", 1)[0]
    assert " ".join(table.split("<tbody>")[1].split()) == (
        '<tr> <th scope="row">Subject 2: site driving</th> <td>20</td> <td>0</td> </tr> '
        '<tr> <th scope="row">Renew a licence</th> <td>5</td> <td>1</td> </tr> </tbody>'
    )
    assert "Open for booking now" not in html
    assert f'href="/hall/{world.other.office.code}/"' in html


def test_an_office_without_bookable_services_says_so(world: World) -> None:
    # given
    office = make_office(code="310106-01", name="静安服务站")

    # when
    html = english().get(f"/offices/{office.code}/").content.decode()
    api = english().get(f"/api/v1/offices/{office.code}").json()

    # then
    assert "This office takes no appointments online." in section(html, "places-title")
    assert (api["services"], api["hall_url"]) == ([], "/hall/310106-01/")


def test_the_api_gives_the_same_figures(world: World) -> None:
    # when
    detail = english().get(f"/api/v1/offices/{world.hall.office.code}").json()
    listed = {office["code"]: office for office in english().get("/api/v1/offices").json()}

    # then
    exam = {
        "id": world.hall.exam.pk,
        "kind": "exam",
        "item_code": "",
        "exam_subject": "2",
        "name": "Subject 2: site driving",
        "slots_today": 1,
        "capacity_today": 20,
        "booked_today": 0,
        "open_places": 0,
        "open_from": None,
        "booking_url": f"/bookings/service/{world.hall.exam.pk}/",
    }
    window = {
        "id": world.hall.window.pk,
        "kind": "window",
        "item_code": "DL-RENEW",
        "exam_subject": "",
        "name": "Renew a licence",
        "slots_today": 2,
        "capacity_today": 5,
        "booked_today": 1,
        "open_places": 3,
        "open_from": "2026-03-03",
        "booking_url": f"/bookings/service/{world.hall.window.pk}/",
    }
    assert (detail["services"], detail["hall_url"]) == ([exam, window], f"/hall/{world.hall.office.code}/")
    assert listed[world.hall.office.code]["services"] == [
        {**exam, "open_places": None},
        {**window, "open_places": None, "open_from": None},
    ]


def test_the_list_takes_the_same_queries_however_many_offices(world: World) -> None:
    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert english().get(path).status_code == 200
        return len(captured.captured_queries)

    # given
    before = (queries("/offices/"), queries("/api/v1/offices"))
    for n in range(3):
        hall_make(office=make_office(code=f"31010{n}-01", name=f"分所{n}"), seed=900 + 10 * n)

    # when
    after = (queries("/offices/"), queries("/api/v1/offices"))

    # then
    assert after == before


# --- the guide's "start now" --------------------------------------------------------------


@pytest.fixture
def items() -> None:
    catalogue_load(
        items=[
            make_item(
                "VH-WINDOW", category="vehicle", name=bi("窗口业务", "Window business"), channels=["window"]
            ),
            make_item(
                "VH-OTHER", category="vehicle", name=bi("其他业务", "Other business"), channels=["window"]
            ),
            make_item("DL-RENEW", name=bi("换领驾驶证", "Renew a licence"), channels=["online", "window"]),
            make_item("LN-EXAM-BOOK", name=bi("考试预约", "Book an exam"), channels=["online"]),
            make_item(
                "LN-EXAM-CANCEL", name=bi("取消考试预约", "Cancel an exam booking"), channels=["online"]
            ),
        ]
    )


def window_service(item_code: str) -> BookableService:
    return BookableService.objects.create(
        office=make_office(code=f"{item_code[:6]}-9"), kind=ServiceKind.WINDOW, item_code=item_code
    )


@pytest.mark.usefixtures("items")
def test_the_guide_of_a_window_appointment_item_starts_a_booking() -> None:
    # given: an office takes window appointments for VH-WINDOW, none for VH-OTHER
    window_service("VH-WINDOW")

    # when
    booked = english().get("/services/VH-WINDOW/").content.decode()
    other = english().get("/services/VH-OTHER/").content.decode()

    # then
    assert '<a class="button" href="/bookings/start/VH-WINDOW/">Start now: book a visit</a>' in booked
    assert "/bookings/start/" not in other


@pytest.mark.usefixtures("items")
def test_an_item_also_applied_for_online_offers_the_visit_second() -> None:
    # given: DL-RENEW is an online application too
    window_service("DL-RENEW")

    # when
    html = english().get("/services/DL-RENEW/").content.decode()

    # then
    assert '<a class="button" href="/applications/new/DL-RENEW/">Start now: apply online</a>' in html
    assert (
        '<a class="button button--secondary" href="/bookings/start/DL-RENEW/">Or book a visit to an office</a>'
        in html
    )


@pytest.mark.usefixtures("items")
def test_an_exam_service_does_not_make_a_guide_start_a_booking() -> None:
    # given: the only bookable service is an exam
    hall = hall_make()
    BookableService.objects.filter(pk=hall.window.pk).delete()

    # when
    html = english().get("/services/DL-RENEW/").content.decode()

    # then
    assert "/bookings/start/" not in html


@pytest.mark.usefixtures("items")
def test_the_exam_items_start_on_the_learner_pages() -> None:
    # when
    book = english().get("/services/LN-EXAM-BOOK/").content.decode()
    cancel = english().get("/services/LN-EXAM-CANCEL/").content.decode()

    # then
    assert '<a class="button" href="/bookings/exams/">Start now</a>' in book
    assert '<a class="button" href="/bookings/mine/">Start now</a>' in cancel
    assert (
        '<a class="button" href="/bookings/exams/">Start now</a>'
        not in english().get("/services/VH-OTHER/").content.decode()
    )
