"""Announcement pages: staff writing and reviewing, and what the public and the API see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from django.utils import timezone
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import PASSWORD, make_staff, register_citizen
from fairlane.catalogue.announcements import services
from fairlane.catalogue.announcements.models import (
    Announcement,
    AnnouncementKind,
    AnnouncementStatus,
    AnnouncementVersion,
)
from fairlane.catalogue.announcements.testing import (
    make_content,
    make_draft,
    make_in_review,
    make_published,
    snapshot,
    staff_login,
)
from fairlane.core.audit import AuditAction
from fairlane.integrity.models import AuditEvent
from fairlane.registry.models import Office
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

Status = AnnouncementStatus
ATOM = "{http://www.w3.org/2005/Atom}"
as_json = DjangoJSONEncoder().default  # how the API writes a datetime


@dataclass
class World:
    office: Office
    other_office: Office
    clerk: User
    reviewer: User
    admin: User
    other_reviewer: User


@pytest.fixture
def world() -> World:
    office = make_office()
    other_office = make_office(code="310001", name="浦东分所")
    return World(
        office=office,
        other_office=other_office,
        clerk=make_staff(Role.CLERK, office=office, seed=101),
        reviewer=make_staff(Role.REVIEWER, office=office, seed=102),
        admin=make_staff(Role.ADMIN, office=office, seed=104),
        other_reviewer=make_staff(Role.REVIEWER, office=other_office, seed=106),
    )


def form_data(**fields: str) -> dict[str, str]:
    now = timezone.localtime()
    data = {
        "kind": "policy_notice",
        "title_zh": "关于调整业务时间的通知",
        "title_en": "New opening hours",
        "body_zh": "自下月起延长服务时间。\r\n\r\n周六上午照常办理。",
        "body_en": "Longer opening hours from next month.\r\n\r\nOpen on Saturday mornings.",
        "starts_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(fields)
    return data


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- Staff pages -------------------------------------------------------------------------


def test_a_clerk_drafts_through_the_form(client: Client, world: World) -> None:
    # given
    staff_login(client, world.clerk)

    # when
    response = client.post("/staff/announcements/new/", form_data())

    # then
    announcement = Announcement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/announcements/{announcement.pk}/"
    version = announcement.current_version
    assert version is not None
    assert (announcement.office_id, announcement.status, version.kind, version.body_zh) == (
        world.office.pk,
        Status.DRAFT,
        AnnouncementKind.POLICY_NOTICE,
        "自下月起延长服务时间。\n\n周六上午照常办理。",
    )
    page = client.get(response["Location"]).content.decode()
    assert "关于调整业务时间的通知" in page
    assert f'action="/staff/announcements/{announcement.pk}/submit/"' in page


def test_form_errors_show_next_to_their_fields(client: Client, world: World) -> None:
    # given
    staff_login(client, world.clerk)
    data = form_data(title_en="", ends_at=form_data()["starts_at"])

    # when
    response = client.post("/staff/announcements/new/", data)

    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_title_en_error"' in html
    assert Announcement.objects.count() == 0


def test_the_service_errors_show_next_to_their_fields(client: Client, world: World) -> None:
    # given: the form is fine, the rules are not (the window ends before it starts)
    staff_login(client, world.clerk)
    data = form_data(ends_at=(timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))

    # when
    response = client.post("/staff/announcements/new/", data)

    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_ends_at_error"' in html
    assert Announcement.objects.count() == 0


def test_only_administrators_are_offered_city_wide(client: Client, world: World) -> None:
    staff_login(client, world.clerk)
    assert 'name="scope"' not in client.get("/staff/announcements/new/").content.decode()
    client.post("/staff/announcements/new/", form_data(scope="city"))
    assert Announcement.objects.get().office_id == world.office.pk

    client.logout()
    staff_login(client, world.admin)
    assert 'name="scope"' in client.get("/staff/announcements/new/").content.decode()
    client.post("/staff/announcements/new/", form_data(scope="city"))
    assert Announcement.objects.filter(office__isnull=True).count() == 1


def test_editing_makes_a_new_version_and_the_history_shows_all(client: Client, world: World) -> None:
    # given
    announcement = make_draft(author=world.clerk, office=world.office, title_zh="第一稿")
    staff_login(client, world.reviewer)
    version = announcement.current_version
    assert version is not None
    form = client.get(f"/staff/announcements/{announcement.pk}/edit/").content.decode()
    assert f'value="{timezone.localtime(version.starts_at):%Y-%m-%dT%H:%M}"' in form
    assert 'value="第一稿"' in form

    # when
    response = client.post(f"/staff/announcements/{announcement.pk}/edit/", form_data(title_zh="第二稿"))

    # then
    assert response.status_code == 302
    assert list(announcement.versions.order_by("number").values_list("number", "title_zh")) == [
        (1, "第一稿"),
        (2, "第二稿"),
    ]
    page = client.get(f"/staff/announcements/{announcement.pk}/").content.decode()
    assert page.count("<details") == 2
    assert "第一稿" in page
    assert "第二稿" in page


def test_a_published_announcement_cannot_be_edited(client: Client, world: World) -> None:
    # given
    announcement = make_published(author=world.clerk, reviewer=world.reviewer, office=world.office)
    staff_login(client, world.clerk)
    before = snapshot()

    # when
    response = client.post(f"/staff/announcements/{announcement.pk}/edit/", form_data(title_zh="偷偷修改"))

    # then
    assert response.status_code == 302
    assert snapshot() == before


def test_review_by_buttons(client: Client, world: World) -> None:
    # given
    announcement = make_draft(author=world.clerk, office=world.office)
    staff_login(client, world.clerk)
    reviewer_client = Client()
    staff_login(reviewer_client, world.reviewer)
    url = f"/staff/announcements/{announcement.pk}"

    # when / then
    assert client.post(f"{url}/submit/").status_code == 302
    assert reviewer_client.post(f"{url}/send-back/", {"send_back-reason": "请补充英文"}).status_code == 302
    assert Announcement.objects.get().status_reason == "请补充英文"
    assert client.post(f"{url}/submit/").status_code == 302
    assert reviewer_client.post(f"{url}/publish/").status_code == 302
    assert client.get(f"/announcements/{announcement.pk}/").status_code == 200
    assert reviewer_client.post(f"{url}/withdraw/", {"withdraw-reason": "政策已调整"}).status_code == 302
    assert client.get(f"/announcements/{announcement.pk}/").status_code == 404
    assert list(
        AuditEvent.objects.filter(action__gte=311, action__lte=316)
        .order_by("seq")
        .values_list("action", flat=True)
    ) == [
        AuditAction.ANNOUNCEMENT_DRAFTED,
        AuditAction.ANNOUNCEMENT_SUBMITTED,
        AuditAction.ANNOUNCEMENT_SENT_BACK,
        AuditAction.ANNOUNCEMENT_SUBMITTED,
        AuditAction.ANNOUNCEMENT_PUBLISHED,
        AuditAction.ANNOUNCEMENT_WITHDRAWN,
    ]


def test_sending_back_without_a_reason_shows_the_error_and_changes_nothing(
    client: Client, world: World
) -> None:
    # given
    announcement = make_in_review(author=world.clerk, office=world.office)
    staff_login(client, world.reviewer)
    before = snapshot()

    # when
    response = client.post(f"/staff/announcements/{announcement.pk}/send-back/", {"send_back-reason": " "})

    # then
    assert response.status_code == 422
    assert 'id="id_send_back-reason_error"' in response.content.decode()
    assert snapshot() == before


def test_the_author_cannot_publish_with_the_button(client: Client, world: World) -> None:
    # given
    announcement = make_in_review(author=world.reviewer, office=world.office)
    staff_login(client, world.reviewer)
    page = client.get(f"/staff/announcements/{announcement.pk}/").content.decode()
    before, events = snapshot(), AuditEvent.objects.count()

    # when
    response = client.post(f"/staff/announcements/{announcement.pk}/publish/")

    # then
    assert response.status_code == 403
    assert snapshot() == before
    assert AuditEvent.objects.count() == events
    assert "publish/" in page  # the button is there; the rule is checked when it is pressed


def test_a_clerk_gets_no_review_buttons_and_a_403_when_trying(client: Client, world: World) -> None:
    announcement = make_in_review(author=world.reviewer, office=world.office)
    staff_login(client, world.clerk)
    page = client.get(f"/staff/announcements/{announcement.pk}/").content.decode()
    assert "publish/" not in page
    before = snapshot()
    assert client.post(f"/staff/announcements/{announcement.pk}/publish/").status_code == 403
    assert snapshot() == before


def test_staff_of_another_office_get_404_and_nothing_changes(client: Client, world: World) -> None:
    # given
    draft = make_draft(author=world.clerk, office=world.office, title_zh="内部草稿")
    in_review = make_in_review(author=world.clerk, office=world.office)
    staff_login(client, world.other_reviewer)
    before, events = snapshot(), AuditEvent.objects.count()

    # when / then
    assert "内部草稿" not in client.get("/staff/announcements/").content.decode()
    for announcement in (draft, in_review):
        url = f"/staff/announcements/{announcement.pk}"
        assert client.get(f"{url}/").status_code == 404
        assert client.get(f"{url}/edit/").status_code == 404
        assert client.post(f"{url}/edit/", form_data(title_zh="改掉")).status_code == 404
        for action in ("submit", "publish", "send-back", "withdraw"):
            response = client.post(f"{url}/{action}/", {"send_back-reason": "x", "withdraw-reason": "x"})
            assert response.status_code == 404, action
    assert snapshot() == before
    assert AuditEvent.objects.count() == events


def test_citizens_cannot_reach_staff_pages(client: Client, world: World) -> None:
    # given
    announcement = make_in_review(author=world.clerk, office=world.office)
    citizen = register_citizen(name="李小红", seed=5)
    client.post("/accounts/login/", {"username": citizen.phone, "password": PASSWORD})
    before = snapshot()

    # when / then
    url = f"/staff/announcements/{announcement.pk}"
    for path in ("/staff/announcements/", "/staff/announcements/new/", f"{url}/", f"{url}/edit/"):
        assert client.get(path).status_code == 404, path
    assert client.post("/staff/announcements/new/", form_data()).status_code == 404
    for action in ("submit", "publish", "send-back", "withdraw"):
        assert client.post(f"{url}/{action}/", {"send_back-reason": "x"}).status_code == 404
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/staff/announcements/")
    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/login/?next=/staff/announcements/",
    )


def test_the_workflow_buttons_only_take_post(client: Client, world: World) -> None:
    announcement = make_draft(author=world.clerk, office=world.office)
    staff_login(client, world.clerk)
    assert client.get(f"/staff/announcements/{announcement.pk}/submit/").status_code == 405
    assert Announcement.objects.get().status == Status.DRAFT


def test_the_staff_list_groups_by_status(client: Client, world: World) -> None:
    make_draft(author=world.clerk, office=world.office, title_zh="草稿甲")
    make_published(author=world.clerk, reviewer=world.reviewer, office=world.office, title_zh="已发布乙")
    make_draft(author=world.other_reviewer, office=world.other_office, title_zh="别处丙")
    staff_login(client, world.reviewer)
    html = client.get("/staff/announcements/").content.decode()
    assert html.index("草稿甲") < html.index('id="status-published"') < html.index("已发布乙")
    assert "别处丙" not in html


# --- Public pages ------------------------------------------------------------------------


@pytest.fixture
def public(world: World) -> dict[str, Announcement]:
    """One announcement in each situation the public must or must not see."""
    now = timezone.now()
    made = {
        "office": make_published(
            author=world.clerk,
            reviewer=world.reviewer,
            office=world.office,
            title_zh="本所公告",
            title_en="Office news",
            starts_at=now - timedelta(days=2),
        ),
        "city": make_published(
            author=world.admin,
            reviewer=make_staff(Role.ADMIN, office=world.other_office, seed=107),
            office=None,
            kind=AnnouncementKind.POLICY_NOTICE,
            title_zh="全市通知",
            title_en="City-wide notice",
            body_en="First paragraph <b>bold?</b>\n\nSecond paragraph.",
            starts_at=now - timedelta(days=1),
        ),
        "other": make_published(
            author=world.other_reviewer,
            reviewer=make_staff(Role.SUPERVISOR, office=world.other_office, seed=108),
            office=world.other_office,
            title_zh="分所公告",
            title_en="Branch news",
            starts_at=now - timedelta(days=3),
        ),
        "draft": make_draft(author=world.clerk, office=world.office, title_zh="草稿", title_en="A draft"),
        "in_review": make_in_review(
            author=world.clerk, office=world.office, title_zh="审核中", title_en="In review"
        ),
        "future": make_published(
            author=world.clerk,
            reviewer=world.reviewer,
            office=world.office,
            title_zh="下月公告",
            title_en="Next month",
            starts_at=now + timedelta(days=1),
        ),
        "ended": make_published(
            author=world.clerk,
            reviewer=world.reviewer,
            office=world.office,
            title_zh="过期公告",
            title_en="Expired",
            starts_at=now - timedelta(days=5),
            ends_at=now + timedelta(minutes=1),
        ),
    }
    withdrawn = make_published(
        author=world.clerk,
        reviewer=world.reviewer,
        office=world.office,
        title_zh="撤回公告",
        title_en="Withdrawn",
    )
    made["withdrawn"] = services.announcement_transition(
        actor=world.reviewer, announcement=withdrawn, to=Status.WITHDRAWN, reason="发布错误"
    )
    return made


VISIBLE = ["city", "office", "other"]  # newest first
HIDDEN = ["draft", "in_review", "future", "ended", "withdrawn"]


@pytest.fixture
def after_the_ended_one(public: dict[str, Announcement], time_machine: TimeMachineFixture) -> None:
    """Two minutes later, when the window of public["ended"] has closed."""
    time_machine.move_to(timezone.now() + timedelta(minutes=2))


def titles(html: str, public: dict[str, Announcement], language: str) -> list[str]:
    """Keys of the announcements whose title is on the page, in page order."""
    found = []
    for key, announcement in public.items():
        version = announcement.current_version
        assert version is not None
        title = version.title_zh if language == "zh" else version.title_en
        if title in html:
            found.append((html.index(title), key))
    return [key for _, key in sorted(found)]


@pytest.mark.usefixtures("after_the_ended_one")
def test_the_public_list_shows_what_is_published_now_newest_first(
    client: Client, public: dict[str, Announcement]
) -> None:
    html = client.get("/announcements/").content.decode()
    assert titles(html, public, "zh") == VISIBLE
    html = english(client).get("/announcements/").content.decode()
    assert titles(html, public, "en") == VISIBLE


@pytest.mark.usefixtures("after_the_ended_one")
def test_the_public_list_filters_by_office(client: Client, public: dict[str, Announcement]) -> None:
    html = client.get("/announcements/", {"office": "310001"}).content.decode()
    assert titles(html, public, "zh") == ["city", "other"]
    html = client.get("/announcements/", {"office": "<script>"}).content.decode()
    assert titles(html, public, "zh") == VISIBLE


@pytest.mark.usefixtures("after_the_ended_one")
def test_public_detail_pages(client: Client, public: dict[str, Announcement]) -> None:
    for key in HIDDEN:
        assert client.get(f"/announcements/{public[key].pk}/").status_code == 404, key
    city = public["city"]
    html = client.get(f"/announcements/{city.pk}/").content.decode()
    assert "全市通知" in html
    html = english(client).get(f"/announcements/{city.pk}/").content.decode()
    assert "<h1>City-wide notice</h1>" in html
    assert "<p>First paragraph &lt;b&gt;bold?&lt;/b&gt;</p>\n\n<p>Second paragraph.</p>" in html
    assert "version 1, last changed" in html


def test_the_public_page_shows_the_version_number(client: Client, world: World) -> None:
    # given: a text changed twice before it was published
    first = make_content(title_en="Draft one")
    announcement = services.announcement_create(actor=world.clerk, office=world.office, content=first)
    for title in ("Draft two", "Final"):
        services.announcement_edit(
            actor=world.clerk, announcement=announcement, content=make_content(title_en=title)
        )
    services.announcement_transition(actor=world.clerk, announcement=announcement, to=Status.IN_REVIEW)
    services.announcement_transition(actor=world.reviewer, announcement=announcement, to=Status.PUBLISHED)
    changed = AnnouncementVersion.objects.get(announcement=announcement, number=3).created_at

    # when
    html = english(client).get(f"/announcements/{announcement.pk}/").content.decode()

    # then
    assert "<h1>Final</h1>" in html
    assert "Draft two" not in html
    assert f"version 3, last changed {timezone.localtime(changed):%Y-%m-%d %H:%M}" in html


@pytest.mark.usefixtures("after_the_ended_one")
@pytest.mark.parametrize(("language", "side"), [("zh-hans", "zh"), ("en", "en")])
def test_the_atom_feed(client: Client, public: dict[str, Announcement], language: str, side: str) -> None:
    # given
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    # when
    response = client.get("/announcements/feed.atom")

    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)  # noqa: S314 - our own response
    entries = feed.findall(f"{ATOM}entry")
    expected = [getattr(public[key].current_version, f"title_{side}") for key in VISIBLE]
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == expected
    assert [entry.find(f"{ATOM}link").get("href") for entry in entries] == [  # type: ignore[union-attr]
        f"http://testserver/announcements/{public[key].pk}/" for key in VISIBLE
    ]
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == language


# --- API ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("after_the_ended_one")
def test_the_api_lists_published_announcements_in_both_languages(
    client: Client, public: dict[str, Announcement]
) -> None:
    # when
    body = client.get("/api/v1/announcements").json()

    # then
    assert [entry["id"] for entry in body] == [public[key].pk for key in VISIBLE]
    city = public["city"]
    version = city.current_version
    assert version is not None
    assert body[0] == {
        "id": city.pk,
        "kind": "policy_notice",
        "office": None,
        "title": {"zh": "全市通知", "en": "City-wide notice"},
        "body": {"zh": version.body_zh, "en": version.body_en},
        "starts_at": as_json(version.starts_at),
        "ends_at": as_json(version.ends_at),
        "version": 1,
        "published_at": as_json(city.published_at),
    }
    assert body[1]["office"] == {"code": "310000", "name": "上海市公安局交警总队车辆管理所"}


@pytest.mark.usefixtures("after_the_ended_one")
def test_the_api_filters_by_office_and_kind(client: Client, public: dict[str, Announcement]) -> None:
    by_office = client.get("/api/v1/announcements", {"office": "310001"}).json()
    assert [entry["id"] for entry in by_office] == [public["city"].pk, public["other"].pk]
    notices = client.get("/api/v1/announcements", {"kind": "policy_notice"}).json()
    assert [entry["id"] for entry in notices] == [public["city"].pk]


@pytest.mark.parametrize("query", [{"kind": "rumour"}, {"office": "' OR 1=1"}, {"office": "x" * 13}])
def test_the_api_refuses_bad_filters(client: Client, query: dict[str, str]) -> None:
    response = client.get("/api/v1/announcements", query)
    assert response.status_code == 422
    assert set(response.json()) == {"code", "message", "fields"}
