"""Each office's own fee and time limit of the items that leave them to the office: setting and
clearing them (who may, what is checked, the audit trail), the staff pages, and what the
guide and the office pages show, in a fixed number of queries."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from pytest_django import DjangoAssertNumQueries

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.catalogue.office_settings.models import OfficeItemSetting
from fairlane.catalogue.office_settings.services import office_item_setting_set
from fairlane.catalogue.services import catalogue_load
from fairlane.catalogue.tests.factories import bi, make_item
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, InvalidInput, NotFound
from fairlane.integrity.models import AuditEvent
from fairlane.registry.models import Office
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

BOTH = "DL-BOTH"  # the fee and the time limit are left to each office
TIME_ONLY = "DL-TIME"  # only the time limit
NONE = "DL-NONE"  # the same everywhere


@dataclass
class World:
    office: Office
    other_office: Office
    admin: User
    clerk: User
    other_admin: User


@pytest.fixture
def world() -> World:
    catalogue_load(
        items=[
            make_item(
                BOTH,
                name=bi("两项自定", "Both set by offices"),
                fee_fen=1000,
                time_limit_days=3,
                office_settings=["fee", "time_limit"],
            ),
            make_item(TIME_ONLY, name=bi("时限自定", "Time set by offices"), office_settings=["time_limit"]),
            make_item(NONE, name=bi("全市统一", "Same everywhere")),
        ]
    )
    office = make_office(code="310000-00", name="市车管所")
    other_office = make_office(code="310115-01", name="浦东分所")
    return World(
        office=office,
        other_office=other_office,
        admin=make_staff(Role.ADMIN, office=office, seed=101),
        clerk=make_staff(Role.CLERK, office=office, seed=102),
        other_admin=make_staff(Role.ADMIN, office=other_office, seed=103),
    )


def _set(
    actor: User,
    office: Office,
    code: str = BOTH,
    *,
    fee_fen: int | None = None,
    time_limit_days: int | None = None,
    reason: str = "2026年第3号收费公告",
) -> OfficeItemSetting | None:
    return office_item_setting_set(
        actor=actor,
        office=office,
        item_code=code,
        fee_fen=fee_fen,
        time_limit_days=time_limit_days,
        reason=reason,
    )


def _stored() -> list[tuple[object, ...]]:
    return list(
        OfficeItemSetting.objects.order_by("pk").values_list(
            "office__code", "item__code", "fee_fen", "time_limit_days"
        )
    )


def _events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.OFFICE_ITEM_SETTING_CHANGED).order_by("seq"))


# --- The service --------------------------------------------------------------------------


def test_an_admin_sets_the_office_values_and_it_is_audited(world: World) -> None:
    # when
    setting = _set(world.admin, world.office, fee_fen=1500, time_limit_days=5)

    # then
    assert setting is not None
    assert (setting.updated_by, _stored()) == (world.admin, [("310000-00", BOTH, 1500, 5)])
    (event,) = _events()
    assert (event.actor_id, event.office_id, event.object_type, event.object_id, event.reason) == (
        world.admin.pk,
        world.office.pk,
        "catalogue.officeitemsetting",
        str(setting.pk),
        "2026年第3号收费公告",
    )
    assert event.changes == {"item": [None, BOTH], "fee_fen": [None, 1500], "time_limit_days": [None, 5]}


def test_none_clears_a_value_back_to_the_default(world: World) -> None:
    # given
    _set(world.admin, world.office, fee_fen=1500, time_limit_days=5)

    # when
    _set(world.admin, world.office, fee_fen=None, time_limit_days=5, reason="收费公告废止")

    # then
    assert _stored() == [("310000-00", BOTH, None, 5)]
    last = _events()[-1]
    assert (last.reason, last.changes) == ("收费公告废止", {"item": [None, BOTH], "fee_fen": [1500, None]})


def test_setting_the_same_values_again_writes_nothing(world: World) -> None:
    # given
    _set(world.admin, world.office, fee_fen=1500)

    # when
    _set(world.admin, world.office, fee_fen=1500)
    cleared_nothing = _set(world.admin, world.office, code=TIME_ONLY)

    # then
    assert (cleared_nothing, _stored(), len(_events())) == (None, [("310000-00", BOTH, 1500, None)], 1)


def test_a_clerk_may_not_set_values(world: World) -> None:
    # when
    with pytest.raises(ApiError) as refused:
        _set(world.clerk, world.office, fee_fen=1500)

    # then
    assert (refused.value.code, refused.value.status) == ("forbidden", 403)
    assert (_stored(), _events()) == ([], [])


def test_an_admin_of_another_office_is_told_it_does_not_exist(world: World) -> None:
    # when
    with pytest.raises(NotFound) as refused:
        _set(world.other_admin, world.office, fee_fen=1500)

    # then
    assert (refused.value.code, refused.value.status) == ("not_found", 404)
    assert (_stored(), _events()) == ([], [])


def test_a_fact_the_item_does_not_leave_to_the_office_is_refused(world: World) -> None:
    # when
    with pytest.raises(InvalidInput) as refused:
        _set(world.admin, world.office, code=TIME_ONLY, fee_fen=500, time_limit_days=2)

    # then
    assert list(refused.value.fields) == ["fee_fen"]
    assert (_stored(), _events()) == ([], [])


def test_negative_values_and_a_missing_reason_are_refused(world: World) -> None:
    # when
    with pytest.raises(InvalidInput) as refused:
        _set(world.admin, world.office, fee_fen=-1, time_limit_days=-2, reason="  ")

    # then
    assert sorted(refused.value.fields) == ["fee_fen", "reason", "time_limit_days"]
    assert (_stored(), _events()) == ([], [])


def test_an_unknown_item_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        _set(world.admin, world.office, code="DL-NOWHERE", fee_fen=100)
    assert (_stored(), _events()) == ([], [])


# --- The staff pages ---------------------------------------------------------------------


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _rows(html: str, heading_id: str) -> list[str]:
    """The text of each body row of the table in the section headed `heading_id`."""
    section = html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [_text(row) for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]


def test_the_staff_page_lists_the_items_with_default_and_own_values(client: Client, world: World) -> None:
    # given
    _set(world.admin, world.office, fee_fen=1250)
    _set(world.other_admin, world.other_office, code=TIME_ONLY, time_limit_days=9)
    staff_login(client, world.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when
    page = client.get("/staff/office-settings/")

    # then
    body = page.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = [_text(row) for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]
    assert (page.status_code, page["Cache-Control"]) == (200, "no-store")
    assert rows == [
        "Both set by offices DL-BOTH CNY 12.50 Published by the office Default: CNY 10.00 "
        "3 working days Default Change Both set by offices",
        "Time set by offices DL-TIME Same at every office 1 working day Default Change Time set by offices",
    ]


def test_an_admin_changes_the_values_on_the_page(client: Client, world: World) -> None:
    # given
    staff_login(client, world.admin)

    # when
    response = client.post(
        f"/staff/office-settings/{BOTH}/", {"fee": "12.50", "time_limit_days": "0", "reason": "新收费公告"}
    )

    # then
    assert (response.status_code, response["Location"]) == (302, "/staff/office-settings/")
    assert _stored() == [("310000-00", BOTH, 1250, 0)]
    assert [(e.actor_id, e.reason) for e in _events()] == [(world.admin.pk, "新收费公告")]


def test_the_form_shows_what_is_wrong_next_to_the_field(client: Client, world: World) -> None:
    # given
    staff_login(client, world.admin)

    # when
    response = client.post(
        f"/staff/office-settings/{BOTH}/", {"fee": "-1", "time_limit_days": "-3", "reason": ""}
    )

    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert [field for field in ("fee", "time_limit_days", "reason") if f'id="id_{field}_error"' in html] == [
        "fee",
        "time_limit_days",
        "reason",
    ]
    assert (_stored(), _events()) == ([], [])


def test_the_form_asks_only_for_the_facts_left_to_the_office(client: Client, world: World) -> None:
    # given
    staff_login(client, world.admin)

    # when
    response = client.post(
        f"/staff/office-settings/{TIME_ONLY}/", {"fee": "5.00", "time_limit_days": "2", "reason": "新规定"}
    )

    # then: the fee of this item is the same everywhere, so it is not asked and not stored
    assert response.status_code == 302
    assert _stored() == [("310000-00", TIME_ONLY, None, 2)]
    assert 'name="fee"' not in client.get(f"/staff/office-settings/{TIME_ONLY}/").content.decode()


def test_a_clerk_sees_no_staff_page_and_changes_nothing(client: Client, world: World) -> None:
    # given
    staff_login(client, world.clerk)

    # when
    listing = client.get("/staff/office-settings/")
    posted = client.post(f"/staff/office-settings/{BOTH}/", {"fee": "1.00", "reason": "试试"})

    # then
    assert (listing.status_code, posted.status_code) == (404, 404)
    assert (_stored(), _events()) == ([], [])


def test_an_item_without_office_values_has_no_staff_form(client: Client, world: World) -> None:
    staff_login(client, world.admin)
    assert client.get(f"/staff/office-settings/{NONE}/").status_code == 404
    assert client.get("/staff/office-settings/DL-NOWHERE/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, world: World) -> None:
    response = client.get("/staff/office-settings/")
    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/login/?next=/staff/office-settings/",
    )


# --- What the public sees ----------------------------------------------------------------


def _expected(language: str, *texts: str) -> list[str]:
    """`texts` in `language`, so the tests hold before and after the strings are translated."""
    with translation.override(language):
        return [gettext(text) for text in texts]


@pytest.mark.parametrize(
    ("language", "fee", "default_fee", "days"),
    [("zh-hans", "12.50 元", "10.00 元", "3 个工作日"), ("en", "CNY 12.50", "CNY 10.00", "3 working days")],
)
def test_the_guide_lists_each_office_with_its_own_value_or_the_default(
    client: Client, world: World, language: str, fee: str, default_fee: str, days: str
) -> None:
    # given
    _set(world.admin, world.office, fee_fen=1250)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    own, default = _expected(language, "Published by the office", "Default")

    # when
    page = client.get(f"/services/{BOTH}/")

    # then
    assert page.status_code == 200
    assert _rows(page.content.decode(), "office-values-title") == [
        f"市车管所 {fee} {own} {days} {default}",
        f"浦东分所 {default_fee} {default} {days} {default}",
    ]


def test_the_guide_of_an_item_without_office_values_has_no_such_section(client: Client, world: World) -> None:
    page = client.get(f"/services/{NONE}/")
    assert page.status_code == 200
    assert "office-values-title" not in page.content.decode()


@pytest.mark.parametrize(
    ("language", "both", "fee", "three_days", "time_only", "nine_days"),
    [
        ("zh-hans", "两项自定", "10.00 元", "3 个工作日", "时限自定", "9 个工作日"),
        ("en", "Both set by offices", "CNY 10.00", "3 working days", "Time set by offices", "9 working days"),
    ],
)
def test_the_office_page_shows_its_own_values(
    client: Client,
    world: World,
    language: str,
    both: str,
    fee: str,
    three_days: str,
    time_only: str,
    nine_days: str,
) -> None:
    # given: each office publishes its own time limit of one item
    _set(world.other_admin, world.other_office, code=TIME_ONLY, time_limit_days=9)
    _set(world.admin, world.office, code=TIME_ONLY, time_limit_days=1)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    own, default, same = _expected(language, "Published by the office", "Default", "Same at every office")

    # when
    page = client.get("/offices/310115-01/")

    # then
    assert page.status_code == 200
    assert _rows(page.content.decode(), "office-values-title") == [
        f"{both} {fee} {default} {three_days} {default}",
        f"{time_only} {same} {nine_days} {own}",
    ]


def _more_offices(count: int) -> None:
    for number in range(count):
        make_office(code=f"3102{number:02d}-01", name=f"第{number}服务站")


def test_the_guide_needs_the_same_queries_however_many_offices(
    client: Client, world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # given
    _set(world.admin, world.office, fee_fen=1250)

    # when / then: the item, the catalogue (for related items), every office with its values,
    # whether any office takes window appointments for the item
    with django_assert_num_queries(4):
        assert client.get(f"/services/{BOTH}/").status_code == 200
    _more_offices(5)
    with django_assert_num_queries(4):
        page = client.get(f"/services/{BOTH}/")
    assert len(_rows(page.content.decode(), "office-values-title")) == 7
    # an item without office values asks for none
    with django_assert_num_queries(3):
        assert client.get(f"/services/{NONE}/").status_code == 200


def test_the_office_page_reads_all_its_values_in_one_query(
    client: Client, world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # given
    _set(world.admin, world.office, fee_fen=1250, time_limit_days=2)
    _set(world.admin, world.office, code=TIME_ONLY, time_limit_days=4)

    # when / then: the office with its districts and stations, the catalogue, its values,
    # its bookable services, its exam sites
    with django_assert_num_queries(7):
        page = client.get("/offices/310000-00/")
    assert len(_rows(page.content.decode(), "office-values-title")) == 2
