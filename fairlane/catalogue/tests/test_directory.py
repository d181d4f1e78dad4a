"""The office directory: the list by kind and district, one office with the business that
needs a visit there, the JSON API, and a fixed number of queries however many offices."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from fairlane.catalogue.directory.selectors import directory_office, home_district
from fairlane.catalogue.services import catalogue_load
from fairlane.catalogue.tests.factories import bi, make_item
from fairlane.registry.demo import demo_seed
from fairlane.registry.demo_data import OFFICE_DIRECTIONS, OFFICES
from fairlane.registry.models import District, Office, PoliceStation
from fairlane.registry.tests.factories import make_office, make_police_station

pytestmark = pytest.mark.django_db

MAIN_DIRECTIONS = "地铁：1号线延长路站2号口出。\n公交：46路至共和新路站下车。"


def _district(code: str, name: str) -> District:
    return District.objects.get_or_create(code=code, defaults={"name": name})[0]


def _office(
    code: str, name: str, kind: str, address: str, districts: list[District], **fields: str
) -> Office:
    office = Office.objects.create(
        code=code,
        name=name,
        kind=kind,
        address=address,
        phone=fields.get("phone", "021-50000000"),
        hours=fields.get("hours", "周一至周五 9:00-16:30"),
        directions=fields.get("directions", ""),
    )
    office.districts.set(districts)
    return office


def _station(code: str, name: str, district: District, phone: str) -> PoliceStation:
    station = PoliceStation.objects.create(code=code, name=name, address="上海市某路1号", phone=phone)
    station.districts.set([district])
    return station


@pytest.fixture
def city() -> dict[str, Office]:
    """Three offices, one of each kind, created in the reverse of the order shown."""
    huangpu, jingan, pudong = (
        _district("310101", "黄浦区"),
        _district("310106", "静安区"),
        _district("310115", "浦东新区"),
    )
    _station("31010101", "外滩派出所", huangpu, "021-63210001")
    _station("31010601", "南京西路派出所", jingan, "021-62170001")
    _station("31011501", "陆家嘴派出所", pudong, "021-58880001")
    _station("31011502", "张江派出所", pudong, "021-58880002")
    station = _office("310115-02", "张江服务站", Office.Kind.STATION, "上海市浦东新区科苑路8号", [pudong])
    branch = _office(
        "310115-01",
        "浦东分所",
        Office.Kind.BRANCH,
        "上海市浦东新区龙阳路200号",
        [pudong],
        phone="021-58001234",
    )
    main = _office(
        "310000-00",
        "市车辆管理所",
        Office.Kind.MAIN,
        "上海市静安区共和新路100号",
        [jingan, huangpu],
        phone="021-56001234",
        hours="周一至周五 9:00-17:00，周六 9:00-12:00",
        directions=MAIN_DIRECTIONS,
    )
    return {"main": main, "branch": branch, "station": station}


@pytest.fixture
def catalogue() -> None:
    catalogue_load(
        items=[
            make_item("DL-VISIT", name=bi("到所业务", "Visit business"), channels=["booked_visit"]),
            make_item("DL-ONLINE", name=bi("网上业务", "Online business"), channels=["online"]),
            make_item(
                "VH-EITHER",
                category="vehicle",
                name=bi("两可业务", "Either way"),
                channels=["online", "window"],
            ),
            make_item(
                "VH-WINDOW", category="vehicle", name=bi("窗口业务", "Window business"), channels=["window"]
            ),
        ]
    )


def _english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _section(html: str, heading_id: str) -> str:
    return html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


# --- The list ----------------------------------------------------------------------------


@pytest.mark.usefixtures("city")
def test_list_shows_every_office_by_kind_in_chinese(client: Client) -> None:
    # when
    response = client.get("/offices/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="zh-hans"' in html
    assert html.index(">车管所</h2>") < html.index(">分所</h2>") < html.index(">服务站</h2>")
    main = _section(html, "kind-main")
    assert '<a href="/offices/310000-00/">市车辆管理所</a>' in main
    assert "上海市静安区共和新路100号" in main
    assert '<a href="tel:021-56001234">021-56001234</a>' in main
    assert "周一至周五 9:00-17:00，周六 9:00-12:00" in main
    assert "地铁：1号线延长路站2号口出。<br>公交：46路至共和新路站下车。" in main
    assert '<span class="chip">黄浦区</span>' in main and '<span class="chip">静安区</span>' in main
    # the police station of the district the office stands in, not of all its jurisdiction
    assert "南京西路派出所" in main and "外滩派出所" not in main
    branch = _section(html, "kind-branch")
    assert "浦东分所" in branch and "陆家嘴派出所" in branch and "张江派出所" in branch
    assert "张江服务站" in _section(html, "kind-station")
    assert 'href="/offices/" aria-current="page"' in html  # the main navigation


@pytest.mark.usefixtures("city")
def test_list_in_english_keeps_the_offices_own_chinese_data(client: Client) -> None:
    # given
    _english(client)

    # when
    html = client.get("/offices/").content.decode()

    # then
    assert 'lang="en"' in html
    assert "<h1>Offices and service stations</h1>" in html
    assert ">Vehicle management office</h2>" in html
    assert ">Branch office</h2>" in html
    assert ">Service station</h2>" in html
    assert "<dt>How to get there</dt>" in html
    assert "市车辆管理所" in html and "上海市浦东新区龙阳路200号" in html


@pytest.mark.usefixtures("city")
def test_district_filter_keeps_the_offices_covering_it(client: Client) -> None:
    # when
    pudong = client.get("/offices/", {"district": "310115"}).content.decode()
    huangpu = client.get("/offices/", {"district": "310101"}).content.decode()
    unknown = client.get("/offices/", {"district": "999999"}).content.decode()

    # then
    offices = ("市车辆管理所", "浦东分所", "张江服务站")
    assert [name in pudong for name in offices] == [False, True, True]
    assert 'href="/offices/?district=310115" aria-current="page">浦东新区</a>' in pudong
    assert [name in huangpu for name in offices] == [True, False, False]
    assert [name in unknown for name in offices] == [True, True, True]


def test_district_nobody_covers_says_so(client: Client) -> None:
    # given
    _district("310151", "崇明区")
    make_office()
    _english(client)

    # when
    html = client.get("/offices/", {"district": "310151"}).content.decode()

    # then
    assert "No office covers this district yet." in html
    assert "上海市示例路1号" not in html


# --- One office --------------------------------------------------------------------------


@pytest.mark.usefixtures("city", "catalogue")
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_office_page_lists_what_needs_a_visit_and_what_does_not(client: Client, language: str) -> None:
    # given
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    zh = language == "zh-hans"

    # when
    response = client.get("/offices/310000-00/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert f'lang="{language}"' in html
    assert "<h1>市车辆管理所</h1>" in html
    facts = _section(html, "facts-title")
    assert "上海市静安区共和新路100号" in facts and "021-56001234" in facts
    assert "地铁：1号线延长路站2号口出。<br>公交：46路至共和新路站下车。" in facts
    assert "南京西路派出所" in facts and "021-62170001" in facts and "外滩派出所" not in facts
    visit = _section(html, "visit-title")
    assert '<a href="/services/DL-VISIT/">' + ("到所业务" if zh else "Visit business") + "</a>" in visit
    assert '<a href="/services/VH-EITHER/">' + ("两可业务" if zh else "Either way") + "</a>" in visit
    assert "/services/DL-ONLINE/" not in visit
    # what cannot be done online first, marked; booking marked where a window will not do
    rows = [row.split("</li>", 1)[0] for row in visit.split("<li>")[1:]]
    assert [row.split('"')[1] for row in rows] == [
        "/services/DL-VISIT/",
        "/services/VH-WINDOW/",
        "/services/VH-EITHER/",
    ]
    assert [row.count('class="chip chip--strong"') for row in rows] == [1, 1, 0]
    assert [row.count('<span class="chip">') for row in rows] == [1, 0, 0]
    online = _section(html, "online-title")
    assert "/services/DL-ONLINE/" in online and "/services/VH-EITHER/" in online
    assert "/services/DL-VISIT/" not in online
    if not zh:
        assert "Business handled here" in html
        assert "Only at an office" in rows[0] and "Book online first" in rows[0]
        assert "Can be done online without coming here" in html


def test_office_page_without_catalogue_says_so(client: Client) -> None:
    # given
    make_office(code="310000-00")
    _english(client)

    # when
    html = client.get("/offices/310000-00/").content.decode()

    # then
    assert html.count("No business is listed yet.") == 2


def test_unknown_office_is_404_on_the_page_and_the_api(client: Client) -> None:
    # given
    make_office()
    _english(client)

    # when
    page = client.get("/offices/NO-SUCH/")
    api = client.get("/api/v1/offices/NO-SUCH")

    # then
    assert page.status_code == 404
    assert api.status_code == 404
    assert api.json() == {"code": "not_found", "message": "No office has this code.", "fields": {}}


# --- The API -----------------------------------------------------------------------------


MAIN_OUT = {
    "code": "310000-00",
    "name": "市车辆管理所",
    "kind": "main",
    "address": "上海市静安区共和新路100号",
    "phone": "021-56001234",
    "hours": "周一至周五 9:00-17:00，周六 9:00-12:00",
    "directions": MAIN_DIRECTIONS,
    "districts": [{"code": "310101", "name": "黄浦区"}, {"code": "310106", "name": "静安区"}],
    "police_stations": [{"code": "31010601", "name": "南京西路派出所", "phone": "021-62170001"}],
    "services": [],
    "hall_url": "/hall/310000-00/",
}
PUDONG_STATIONS = [
    {"code": "31011501", "name": "陆家嘴派出所", "phone": "021-58880001"},
    {"code": "31011502", "name": "张江派出所", "phone": "021-58880002"},
]


@pytest.mark.usefixtures("city")
def test_api_lists_every_office(client: Client) -> None:
    # when
    response = client.get("/api/v1/offices")

    # then
    assert response.status_code == 200
    assert response.json() == [
        MAIN_OUT,
        {
            "code": "310115-01",
            "services": [],
            "hall_url": "/hall/310115-01/",
            "name": "浦东分所",
            "kind": "branch",
            "address": "上海市浦东新区龙阳路200号",
            "phone": "021-58001234",
            "hours": "周一至周五 9:00-16:30",
            "directions": "",
            "districts": [{"code": "310115", "name": "浦东新区"}],
            "police_stations": PUDONG_STATIONS,
        },
        {
            "code": "310115-02",
            "services": [],
            "hall_url": "/hall/310115-02/",
            "name": "张江服务站",
            "kind": "station",
            "address": "上海市浦东新区科苑路8号",
            "phone": "021-50000000",
            "hours": "周一至周五 9:00-16:30",
            "directions": "",
            "districts": [{"code": "310115", "name": "浦东新区"}],
            "police_stations": PUDONG_STATIONS,
        },
    ]
    pudong = client.get("/api/v1/offices", {"district": "310115"}).json()
    assert [office["code"] for office in pudong] == ["310115-01", "310115-02"]


@pytest.mark.usefixtures("city", "catalogue")
def test_api_shows_one_office_with_its_visit_business(client: Client) -> None:
    # when
    response = client.get("/api/v1/offices/310000-00")

    # then
    assert response.status_code == 200
    assert response.json() == {
        **MAIN_OUT,
        "items_visit": ["DL-VISIT", "VH-WINDOW", "VH-EITHER"],
        "exam_sites": [],
    }


# --- Queries -----------------------------------------------------------------------------


def _more_offices(count: int) -> None:
    for number in range(count):
        district = _district(f"3102{number:02d}", f"第{number}区")
        _station(f"3102{number:02d}01", f"第{number}派出所", district, "021-60000000")
        _office(f"3102{number:02d}-01", f"第{number}服务站", Office.Kind.STATION, "上海市某路1号", [district])


@pytest.mark.usefixtures("city", "catalogue")
def test_query_count_does_not_grow_with_the_offices(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # given
    _more_offices(5)

    # when / then: districts for the filter, offices, their districts, those districts' stations
    with django_assert_num_queries(5):
        assert client.get("/offices/").status_code == 200
    with django_assert_num_queries(4):
        assert len(client.get("/api/v1/offices").json()) == 8
    # the office with its districts and stations, the published catalogue, and its exam sites
    with django_assert_num_queries(6):
        assert client.get("/offices/310000-00/").status_code == 200
    with django_assert_num_queries(6):
        assert client.get("/api/v1/offices/310000-00").status_code == 200


# --- Which district an office stands in ---------------------------------------------------


@pytest.mark.usefixtures("city")
def test_home_district_is_read_from_the_address_then_the_code() -> None:
    # given
    pudong = District.objects.get(code="310115")
    by_code = _office("310115-09", "无区名服务站", Office.Kind.STATION, "上海市某路1号", [pudong])
    nowhere = make_office(code="320000-00")  # address without a district, code of no district
    make_police_station()

    # when
    main = directory_office("310000-00")
    undecided = directory_office("320000-00")

    # then
    assert main is not None and main.home_district is not None and main.home_district.code == "310106"
    assert home_district(by_code, [pudong]) == pudong
    assert home_district(nowhere, list(nowhere.districts.all())) is None
    # with no own district found, the stations of the whole jurisdiction
    assert undecided is not None
    # (by station code: the factory's 310115001 sorts first)
    assert [station.name for station in undecided.police_stations] == [
        "示例派出所",
        "陆家嘴派出所",
        "张江派出所",
    ]


def test_every_demo_office_has_directions_by_metro_and_bus() -> None:
    # when
    demo_seed(citizens=1, seed=1)

    # then
    assert sorted(OFFICE_DIRECTIONS) == sorted(code for code, *_rest in OFFICES)
    offices = list(Office.objects.order_by("code"))
    assert len(offices) == len(OFFICES)
    assert [o.code for o in offices if "地铁" not in o.directions or "公交" not in o.directions] == []
    for entry in (directory_office(o.code) for o in offices):
        assert entry is not None and entry.home_district is not None and entry.police_stations, entry
