from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from fairlane.catalogue.data_files import read_catalogue
from fairlane.catalogue.models import ItemVersion
from fairlane.catalogue.services import catalogue_load
from fairlane.catalogue.tests.factories import bi, make_item
from fairlane.core.audit import AuditAction
from fairlane.integrity.models import AuditEvent

pytestmark = pytest.mark.django_db

# The business the issue asks for, by the codes of the data files.
REQUIRED_CODES = {
    "DL-RENEW", "DL-LOST", "DL-DAMAGED", "DL-INFOCHG", "DL-TRANSFER", "DL-DOWNGRADE", "DL-AGEDOWN",
    "DL-DEFER-RENEW", "DL-DEFER-AUDIT", "DL-DEFER-HEALTH", "DL-HEALTH", "DL-CANCEL", "DL-RESTORE",
    "DL-AUDIT-EDU", "DL-FULLPTS", "DL-POINTS-STUDY", "DL-ELECTRONIC", "LN-EXAM-BOOK", "LN-EXAM-CANCEL",
    "LN-PERMIT", "VH-PLATE-SELECT", "VH-PLATE-LOST", "VH-PLATE-REPLACE", "VH-LICENCE-REPLACE",
    "VH-CERT-REPLACE", "VH-MARK-LOST", "VH-MARK-EXEMPT", "VH-INSPECT-BOOK", "VH-TEMP-PLATE", "VH-CONTACT",
    "VH-TRANSFER-BOOK", "VH-DEREG-BOOK", "VH-KEEP-PLATE", "VH-SWAP-PLATE", "VI-QUERY", "VI-HANDLE",
    "VI-FINE-PAY", "VI-OBJECTION", "VI-ACCIDENT",
}  # fmt: skip


@pytest.fixture
def loaded() -> None:
    call_command("load_catalogue", verbosity=0)


def test_data_files_hold_every_required_item() -> None:
    codes = {item.code for item in read_catalogue()}
    assert sorted(REQUIRED_CODES - codes) == []


def test_loading_twice_publishes_nothing_new() -> None:
    items = read_catalogue()
    first = catalogue_load(items=items)
    second = catalogue_load(items=items)
    assert (len(first.published), first.unchanged) == (len(items), 0)
    assert (second.published, second.unchanged) == ([], len(items))
    assert ItemVersion.objects.count() == len(items)


def test_a_change_publishes_the_next_version_and_keeps_the_old() -> None:
    # given
    catalogue_load(items=[make_item(fee_fen=1000)])

    # when
    result = catalogue_load(items=[make_item(fee_fen=1500)])

    # then
    assert result.published == ["DL-TEST"]
    versions = list(ItemVersion.objects.order_by("number").values_list("number", "content__fee_fen"))
    assert versions == [(1, 1000), (2, 1500)]
    assert AuditEvent.objects.filter(action=AuditAction.CATALOGUE_VERSION_PUBLISHED).count() == 2


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_guide_page_renders_and_links_resolve(client: Client, language: str) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    index = client.get("/services/")
    assert index.status_code == 200
    checked: set[str] = set()
    for item in read_catalogue():
        page = client.get(f"/services/{item.code}/")
        html = page.content.decode()
        assert page.status_code == 200, item.code
        side = "zh" if language == "zh-hans" else "en"
        assert getattr(item.name, side) in html
        assert f'lang="{language}"' in html
        for link in set(re.findall(r'href="(/[^"#?]*)"', html)) - checked:
            checked.add(link)
            if link.startswith("/static/"):
                continue
            assert client.get(link).status_code in (200, 302), (item.code, link)


@pytest.mark.usefixtures("loaded")
def test_unknown_item_is_404(client: Client) -> None:
    assert client.get("/services/NO-SUCH/").status_code == 404
    response = client.get("/api/v1/catalogue/items/NO-SUCH")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.usefixtures("loaded")
def test_api_lists_shows_and_searches(client: Client) -> None:
    listing = client.get("/api/v1/catalogue/items").json()
    assert {entry["code"] for entry in listing} == {item.code for item in read_catalogue()}
    detail = client.get("/api/v1/catalogue/items/DL-RENEW").json()
    assert detail["name"]["zh"] == "期满换证"
    assert detail["content"]["steps"]
    results = client.get("/api/v1/catalogue/search", {"q": "驾照到期"}).json()
    assert results[0]["item"]["code"] == "DL-RENEW"


@pytest.mark.usefixtures("loaded")
def test_search_page(client: Client) -> None:
    html = client.get("/services/", {"q": "丢了驾驶证"}).content.decode()
    results = html.split('id="results-title"', 1)[1]
    assert results.index("/services/DL-LOST/") < results.index(
        "/services/", results.index("/services/DL-LOST/") + 1
    )


def test_a_bad_data_file_names_itself(tmp_path: Path) -> None:
    from fairlane.catalogue.data_files import CatalogueDataError

    (tmp_path / "broken.toml").write_text('[[items]]\ncode = "DL-X"\n', encoding="utf-8")
    with pytest.raises(CatalogueDataError, match=r"^broken\.toml: "):
        read_catalogue(tmp_path)


def test_item_names_in_both_languages_are_required() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        make_item(name=bi("期满换证", ""))


def test_print_page_has_the_flow_and_a_qr_code_to_the_guide(client: Client) -> None:
    # given
    catalogue_load(items=[make_item()])

    # when
    html = client.get("/services/DL-TEST/print/").content.decode()

    # then
    assert 'class="flow"' in html
    assert html.count("<svg") >= 2  # the flow and the QR code
    assert "http://testserver/services/DL-TEST/" in html
    assert "测试业务" in html


def test_guide_shows_version_and_no_agent_statement(client: Client) -> None:
    catalogue_load(items=[make_item(fee_fen=1000)])
    catalogue_load(items=[make_item(fee_fen=1500)])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/services/DL-TEST/").content.decode()
    assert "version 2" in html
    assert "You do not need an agent or any middleman for this." in html
    assert "CNY 15.00" in html


def test_wizard_leads_from_topic_to_the_guide(client: Client) -> None:
    # given
    catalogue_load(
        items=[make_item(), make_item("VH-TEST", category="vehicle", name=bi("车辆测试", "Vehicle test"))]
    )

    # when: first the topic, then the situation
    first = client.get("/services/wizard/").content.decode()
    second = client.get("/services/wizard/", {"topic": "vehicle"}).content.decode()
    answer = client.get("/services/wizard/", {"topic": "vehicle", "item": "VH-TEST"})

    # then
    assert 'value="licence"' in first and 'value="vehicle"' in first
    assert 'value="VH-TEST"' in second and 'value="DL-TEST"' not in second
    assert (answer.status_code, answer["Location"]) == (302, "/services/VH-TEST/")
    assert client.get("/services/wizard/", {"topic": "nonsense", "item": "NOPE"}).status_code == 200
