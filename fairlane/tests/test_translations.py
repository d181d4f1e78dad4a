"""zh-hans is the default language: every string has a Chinese translation, and the main
pages show no English sentence to a Chinese reader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from fairlane.accounts.tests.factories import PASSWORD, register_citizen
from fairlane.registry.tests.factories import make_licence, make_office, make_vehicle

CATALOGUE = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def catalogue_entries() -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for each entry of the .po file, header excluded."""
    entries = []
    for block in CATALOGUE.read_text(encoding="utf-8").split("\n\n"):
        fuzzy = "#, fuzzy" in block
        parts: dict[str, str] = {}
        current = ""
        for line in block.splitlines():
            found = re.match(r'^(msgid|msgstr(?:\[0\])?|msgid_plural) "(.*)"$', line)
            if found:
                current = found.group(1)
                parts[current] = found.group(2)
            elif line.startswith('"') and current:
                parts[current] += line[1:-1]
        msgid = parts.get("msgid", "")
        if msgid:
            entries.append((msgid, parts.get("msgstr", parts.get("msgstr[0]", "")), fuzzy))
    return entries


def test_every_message_has_a_chinese_translation() -> None:
    entries = catalogue_entries()
    assert len(entries) > 250
    assert [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy] == []


ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}\b")
ALLOWED = {"Tesla Model", "English"}


def visible_text(html: str) -> str:
    # Textareas hold bilingual data being edited ("中文 | English"), not interface text.
    html = re.sub(r"<(script|style|svg|textarea)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.django_db
def test_main_pages_are_all_chinese(client: Client) -> None:
    citizen = register_citizen(name="王小明")
    office = make_office()
    make_licence(id_number=citizen.id_number, holder_name=citizen.name, office=office)
    make_vehicle(owner_id_number=citizen.id_number, owner_name=citizen.name, office=office)
    call_command("load_catalogue", verbosity=0)
    public = (
        "/",
        "/accounts/login/",
        "/accounts/register/",
        "/services/",
        "/services/?q=驾照到期",
        "/services/wizard/?topic=vehicle",
        "/services/DL-RENEW/",
        "/services/VH-INSPECT-BOOK/print/",
        "/offices/",
        f"/offices/{office.code}/",
        "/announcements/",
    )
    pages = {path: client.get(path) for path in public}
    bad_registration = {
        "name": "王",
        "id_number": "1",
        "phone": "1",
        "code": "1",
        "password": "short",
        "plate": "X",
    }
    pages["register with errors"] = client.post("/accounts/register/", bad_registration)
    client.post("/accounts/login/", {"username": citizen.phone, "password": PASSWORD})
    pages["/home/"] = client.get("/home/")
    for path, response in pages.items():
        assert response.status_code in (200, 400), path
        english = [
            s for s in ENGLISH_SENTENCE.findall(visible_text(response.content.decode())) if s not in ALLOWED
        ]
        assert english == [], path


@pytest.mark.django_db
def test_chinese_by_default_english_by_choice(client: Client) -> None:
    # given a browser that prefers English
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}

    # when / then: still Chinese until the visitor switches
    assert 'lang="zh-hans"' in client.get("/", headers=english_browser).content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get("/", headers=english_browser).content.decode()


@pytest.mark.django_db
def test_staff_pages_are_all_chinese(client: Client) -> None:
    from fairlane.accounts.models import Role
    from fairlane.accounts.tests.factories import make_staff
    from fairlane.registry.tests.test_staff_pages import staff_login

    call_command("load_catalogue", verbosity=0)
    admin = make_staff(Role.ADMIN, office=make_office(), seed=31)
    staff_login(client, admin)
    for path in (
        "/staff/licences/",
        "/staff/catalogue/",
        "/staff/catalogue/DL-RENEW/change/",
        "/staff/office-settings/",
        "/staff/office-settings/DL-RENEW/",
        "/staff/announcements/",
        "/staff/announcements/new/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        english = [
            s for s in ENGLISH_SENTENCE.findall(visible_text(response.content.decode())) if s not in ALLOWED
        ]
        assert english == [], path
