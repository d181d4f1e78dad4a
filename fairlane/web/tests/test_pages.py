"""The public pages, the sign-in and registration forms and "My services", rendered through
the real views."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from fairlane.accounts.models import SmsMessage, User
from fairlane.accounts.tests.factories import PASSWORD
from fairlane.core.masking import mask_id_number, mask_name, mask_phone
from fairlane.registry import rules
from fairlane.registry.models import Office
from fairlane.registry.tests.factories import make_licence, make_vehicle
from fairlane.web.templatetags.fairlane_ui import plate_colour, plate_display
from fairlane.web.tests.conftest import Citizen, sign_in

GOOD_ID = "11010519491231002X"
Capture = Callable[..., AbstractContextManager[object]]
GOOD_PHONE = "13912345678"


def element(html: str, element_id: str) -> str:
    """The outer HTML of the <div> with this id (nested divs included)."""
    start = html.find(f'id="{element_id}"')
    assert start != -1, f"no element #{element_id}"
    start = html.rfind("<div", 0, start)
    depth = 0
    for tag in re.finditer(r"<(/?)div\b", html[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return html[start : start + tag.end() + 1]
    raise AssertionError(f"unclosed #{element_id}")


def h1(html: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert found is not None
    return re.sub(r"\s+", " ", found.group(1)).strip()


def widget(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert found is not None, f"no input {name}"
    return found.group(0)


# --- Public pages ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "Licence and vehicle services, online and fair"),
        ("/accounts/login/", "Sign in"),
        ("/accounts/register/", "Register"),
    ],
)
def test_public_page_renders_with_its_heading(en_client: Client, path: str, heading: str) -> None:
    # when
    response = en_client.get(path)

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert h1(html) == heading
    assert '<html lang="en">' in html
    assert '<main id="main"' in html
    assert 'href="#main"' in html  # skip link
    assert "fairlane Vehicle Office Online Services" in html


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/register/"])
def test_pages_keep_to_the_content_security_policy(client: Client, path: str) -> None:
    # when
    html = client.get(path).content.decode()

    # then: no inline styles and no scripts at all (the pages need no JavaScript)
    assert "<style" not in html
    assert " style=" not in html
    assert "<script" not in html
    assert "//cdn" not in html and "https://" not in html


def test_stylesheet_is_served_from_static() -> None:
    assert finders.find("web/site.css") is not None


@pytest.mark.django_db
def test_default_language_is_chinese(client: Client) -> None:
    html = client.get("/").content.decode()

    assert '<html lang="zh-hans">' in html


@pytest.mark.django_db
def test_signed_out_navigation_offers_sign_in_and_register(en_client: Client) -> None:
    html = en_client.get("/").content.decode()

    assert 'href="/accounts/login/"' in html
    assert 'href="/accounts/register/"' in html
    assert 'action="/accounts/logout/"' not in html
    assert 'href="/home/"' not in html


@pytest.mark.django_db
def test_language_switch_is_a_form_that_returns_to_the_same_page(client: Client) -> None:
    # given
    html = client.get("/accounts/register/").content.decode()
    form = re.search(
        r'<form class="lang-switch" action="/i18n/setlang/" method="post">(.*?)</form>', html, re.S
    )
    assert form is not None
    assert 'name="next" value="/accounts/register/"' in form.group(1)
    assert 'name="language" value="en"' in form.group(1)
    assert 'name="language" value="zh-hans"' in form.group(1)

    # when
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/register/"})

    # then
    assert response.status_code == 302
    assert response["Location"] == "/accounts/register/"
    html = client.get("/accounts/register/").content.decode()
    assert '<html lang="en">' in html
    assert re.search(r'value="en" lang="en"\s+aria-pressed="true"', html)


# --- Home ("My services") ------------------------------------------------------------------


@pytest.mark.django_db
def test_home_sends_anonymous_visitors_to_sign_in(client: Client) -> None:
    response = client.get("/home/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/home/"


def test_citizen_sees_own_records_masked(en_client: Client, citizen: Citizen) -> None:
    # given
    user = citizen.user
    vehicle = citizen.vehicles[0]
    sign_in(en_client, user)

    # when
    response = en_client.get("/home/")

    # then
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert h1(html) == "My services"
    masked = mask_id_number(user.id_number)
    assert re.fullmatch(r"310\*{11}\d{3}[\dX]", masked)
    assert masked in html
    assert user.id_number not in html
    assert user.phone not in html
    assert mask_phone(user.phone) in html
    assert user.name not in html
    assert mask_name(user.name) in html  # "王*明" in the navigation and the account box
    assert citizen.licence is not None
    assert citizen.licence.file_number in html
    assert plate_display(vehicle.plate) in html
    assert vehicle.vin in html
    assert "plate plate--blue" in html
    assert 'action="/accounts/logout/"' in html


def test_licence_card_shows_classes_validity_and_points(en_client: Client, citizen: Citizen) -> None:
    # given
    sign_in(en_client, citizen.user)
    licence = citizen.licence
    assert licence is not None

    # when
    html = en_client.get("/home/").content.decode()

    # then
    assert '<span class="chip chip--strong">C1</span>' in html
    for code in rules.licence_permitted_classes("C1"):
        assert f'<li class="chip">{code}</li>' in html
    assert licence.valid_until is not None
    assert f'<time datetime="{licence.valid_until:%Y-%m-%d}">{licence.valid_until:%Y-%m-%d}</time>' in html
    assert "3 / 12" in html
    assert re.search(r'<meter class="points__meter" min="0" max="12"[^>]*value="3"', html)
    assert citizen.office.name in html
    assert "Normal" in html


def test_long_term_licence_says_so(en_client: Client, bare_citizen: User, office: Office) -> None:
    # given
    make_licence(
        id_number=bare_citizen.id_number,
        holder_name=bare_citizen.name,
        office=office,
        validity="long",
        valid_until=None,
        classes="A1",
    )
    sign_in(en_client, bare_citizen)

    # when
    html = en_client.get("/home/").content.decode()

    # then
    licence_section = html[html.index('id="licence-title"') : html.index('id="vehicles-title"')]
    assert "Long-term" in licence_section


@pytest.mark.parametrize(
    ("plate_type", "new_energy", "colour"),
    [("02", False, "blue"), ("52", True, "green"), ("01", False, "yellow"), ("51", True, "yellow-green")],
)
def test_plate_badge_takes_the_colour_of_the_plate_type(
    en_client: Client, bare_citizen: User, office: Office, plate_type: str, new_energy: bool, colour: str
) -> None:
    # given
    make_vehicle(
        owner_id_number=bare_citizen.id_number,
        owner_name=bare_citizen.name,
        office=office,
        plate_type=plate_type,
        plate="沪AD12345" if new_energy else "沪A12345",
    )
    sign_in(en_client, bare_citizen)

    # when
    html = en_client.get("/home/").content.decode()

    # then
    expected = "沪A·D12345" if new_energy else "沪A·12345"
    assert f'<span class="plate plate--{colour}">{expected}</span>' in html


def test_home_without_records_shows_empty_states(en_client: Client, bare_citizen: User) -> None:
    # given
    sign_in(en_client, bare_citizen)

    # when
    html = en_client.get("/home/").content.decode()

    # then
    assert "No driving licence issued on your ID number is on record at this office." in html
    assert "No vehicle registered on your ID number is on record at this office." in html
    assert "points__meter" not in html
    assert mask_id_number(bare_citizen.id_number) in html  # in the account box


@dataclass(frozen=True)
class FakeReminder:
    kind: str
    severity: str
    subject: str
    message: str
    due_on: date | None


def test_reminders_come_first_with_a_text_label_per_severity(
    en_client: Client, citizen: Citizen, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    due = date(2030, 1, 31)
    reminders = [
        FakeReminder("inspection", "danger", "沪A·12345", "The inspection has expired.", due),
        FakeReminder(
            "insurance", "warning", "沪A·12345", "The insurance ends soon.", due + timedelta(days=1)
        ),
        FakeReminder("points", "info", "C1", "You have 3 points.", None),
    ]
    monkeypatch.setattr(rules, "reminders", lambda licence, vehicles, today: reminders)
    sign_in(en_client, citizen.user)

    # when
    html = en_client.get("/home/").content.decode()

    # then
    assert (
        html.index('id="reminders-title"')
        < html.index('id="licence-title"')
        < html.index('id="vehicles-title"')
    )
    items = re.findall(r'<li class="reminder reminder--(\w+)">(.*?)</li>', html, re.S)
    assert [severity for severity, _ in items] == ["danger", "warning", "info"]
    labels = [re.search(r'<span class="reminder__label">(.*?)</span>', body).group(1) for _, body in items]  # type: ignore[union-attr]
    assert labels == ["Urgent", "Attention", "Notice"]
    assert "The inspection has expired." in items[0][1]
    assert '<time datetime="2030-01-31">2030-01-31</time>' in items[0][1]
    assert "Due on" not in items[2][1]


def test_home_with_no_reminders_says_nothing_is_due(
    en_client: Client, citizen: Citizen, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "reminders", lambda licence, vehicles, today: [])
    sign_in(en_client, citizen.user)

    html = en_client.get("/home/").content.decode()

    assert "Nothing needs your attention right now." in html


# --- Sign in -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_explains_staff_codes_and_links_to_register(en_client: Client) -> None:
    html = en_client.get("/accounts/login/").content.decode()

    assert "authenticator" in html
    assert '<label class="field__label" for="id_otp_token">' in html
    assert 'href="/accounts/register/"' in html
    assert 'autocomplete="current-password"' in html


def test_login_with_wrong_password_shows_the_error_at_the_top(en_client: Client, citizen: Citizen) -> None:
    # when
    response = en_client.post(
        "/accounts/login/", {"username": citizen.user.phone, "password": "wrong-password"}
    )

    # then
    assert response.status_code == 400
    html = response.content.decode()
    summary = html[html.index('class="error-summary"') : html.index('<form class="form')]
    assert "The phone number or ID number, or the password, is not correct." in summary
    assert "_auth_user_id" not in en_client.session


@pytest.mark.django_db
def test_login_missing_username_shows_the_error_next_to_the_field(en_client: Client) -> None:
    # when
    html = en_client.post("/accounts/login/", {"username": "", "password": "x"}).content.decode()

    # then
    block = element(html, "id_username_field")
    assert 'class="field field--invalid"' in block
    assert "This field is required." in element(html, "id_username_error")
    field = widget(block, "username")
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="id_username_error"' in field
    assert "This field is required." not in element(html, "id_password_field")


def test_signing_in_by_id_number_leads_to_my_services(en_client: Client, citizen: Citizen) -> None:
    # when
    response = en_client.post(
        "/accounts/login/", {"username": citizen.user.id_number, "password": PASSWORD}, follow=True
    )

    # then
    assert response.redirect_chain == [("/home/", 302)]
    assert h1(response.content.decode()) == "My services"


def test_sign_out_shows_a_status_message(en_client: Client, citizen: Citizen) -> None:
    # given
    sign_in(en_client, citizen.user)

    # when
    response = en_client.post("/accounts/logout/", follow=True)

    # then
    html = response.content.decode()
    assert '<div class="messages" role="status">' in html
    assert "You have signed out." in html
    assert 'href="/accounts/login/"' in html


# --- Register ----------------------------------------------------------------------------


def _register_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "王小明",
        "id_number": GOOD_ID,
        "phone": GOOD_PHONE,
        "code": "",
        "password": PASSWORD,
        "action": "register",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_register_page_explains_the_rules_and_has_both_actions(en_client: Client) -> None:
    html = en_client.get("/accounts/register/").content.decode()

    assert "One resident ID number can have only one account" in html
    assert re.search(r'<button type="submit" name="action" value="send_code"[^>]*>Send code</button>', html)
    assert re.search(
        r'<button type="submit" name="action" value="register" class="button[^"]*">Register</button>', html
    )
    # The first submit button is what Enter presses: it registers, never re-sends a code.
    first = re.search(r'<button type="submit" name="action" value="(\w+)"', html)
    assert first is not None and first.group(1) == "register"
    assert 'aria-describedby="id_password_helptext"' in widget(html, "password")


@pytest.mark.django_db
def test_register_with_malformed_id_number_shows_the_error_in_that_field(en_client: Client) -> None:
    # when
    response = en_client.post(
        "/accounts/register/", _register_data(id_number="11010519491231002", code="123456")
    )

    # then
    assert response.status_code == 400
    html = response.content.decode()
    block = element(html, "id_id_number_field")
    assert "field--invalid" in block
    error = element(html, "id_id_number_error")
    assert error in block
    assert re.search(r'<p class="field__error">.*?\S.*?</p>', error, re.S)
    field = widget(block, "id_number")
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="id_id_number_error"' in field
    # the other fields are fine and say nothing
    assert "field--invalid" not in element(html, "id_name_field")
    assert "field--invalid" not in element(html, "id_phone_field")
    # the summary at the top links to the field
    assert 'href="#id_id_number"' in html
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_send_code_says_the_code_was_sent(
    en_client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = en_client.post("/accounts/register/", _register_data(action="send_code"))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "A 6-digit code was sent to your phone." in html  # the status message
    assert "Code sent." in element(html, "id_code_field")  # next to the code field
    assert SmsMessage.objects.filter(phone=GOOD_PHONE).count() == 1
    assert User.objects.count() == 0
    # what was typed is kept for the second submission
    assert f'value="{GOOD_ID}"' in widget(html, "id_number")


@pytest.mark.django_db
def test_register_through_the_pages_signs_the_citizen_in(
    en_client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    with django_capture_on_commit_callbacks(execute=True):
        en_client.post("/accounts/register/", _register_data(action="send_code"))
    message = SmsMessage.objects.filter(phone=GOOD_PHONE).first()
    assert message is not None
    code = re.search(r"\b(\d{6})\b", message.text).group(1)  # type: ignore[union-attr]

    # when
    response = en_client.post("/accounts/register/", _register_data(code=code), follow=True)

    # then
    assert response.redirect_chain == [("/home/", 302)]
    html = response.content.decode()
    assert h1(html) == "My services"
    assert "Welcome! Your account is bound to your ID number." in html
    assert "王*明" in html
    assert GOOD_ID not in html


@pytest.mark.django_db
def test_fields_render_the_same_way_on_both_forms(en_client: Client) -> None:
    for path, name in (("/accounts/login/", "password"), ("/accounts/register/", "password")):
        html = en_client.get(path).content.decode()
        block = element(html, f"id_{name}_field")
        assert block.startswith('<div class="field"')
        assert f'<label class="field__label" for="id_{name}">' in block


# --- Template helpers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plate", "shown"),
    [("沪A12345", "沪A·12345"), ("沪AD12345", "沪A·D12345"), ("", ""), (None, ""), ("沪A", "沪A")],
)
def test_plate_display(plate: str | None, shown: str) -> None:
    assert plate_display(plate) == shown


@pytest.mark.parametrize(
    ("plate_type", "colour"),
    [
        ("01", "yellow"),
        ("02", "blue"),
        ("51", "yellow-green"),
        ("52", "green"),
        ("99", "blue"),
        (None, "blue"),
    ],
)
def test_plate_colour(plate_type: str | None, colour: str) -> None:
    assert plate_colour(plate_type) == colour
