"""The citizen's electronic licence page and PDF, and the public verification pages."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader
from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import PASSWORD, register_citizen
from fairlane.core.ratelimit import RateLimit
from fairlane.elicence import keys, rules, selectors, services, signing
from fairlane.elicence.tests.conftest import OFFICE_KEY
from fairlane.elicence.tests.factories import Holder, issued, make_code, make_holder
from fairlane.registry.models import LicenceStatus

pytestmark = pytest.mark.django_db

QR_TITLE = "QR code to verify this electronic licence"
GUIDE = 'href="/services/DL-ELECTRONIC/"'


def sign_in(client: Client, user: User) -> None:
    assert client.post("/accounts/login/", {"username": user.phone, "password": PASSWORD}).status_code == 302


def check_link(html: str) -> str:
    found = re.search(r'href="(http://testserver/verify/\?c=[^"]+)"', html)
    assert found is not None, "no link to the check page"
    return unescape(found.group(1))


def code_in(url: str) -> str:
    return parse_qs(urlsplit(url).query)["c"][0]


@pytest.fixture
def en_client(client: Client) -> Client:
    """The test client with English chosen: the pages default to Chinese."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def holder() -> Holder:
    return make_holder()


def test_a_holder_sees_their_electronic_licence_with_a_signed_qr_code(
    en_client: Client, holder: Holder
) -> None:
    # given
    sign_in(en_client, holder.citizen)

    # when
    response = en_client.get("/licence/electronic/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    electronic = issued(holder)
    assert electronic.serial in html
    assert "王*明" in html and "王小明" not in html.split("<main", 1)[1]
    assert holder.licence.id_number[:3] + "*" * 11 + holder.licence.id_number[-4:] in html
    assert holder.licence.id_number not in html
    url = check_link(html)
    qr = segno.make(url, error="m").svg_inline(scale=3, title=QR_TITLE)
    assert qr in html
    verification = signing.code_verify(code_in(url), OFFICE_KEY.public_key(), now=electronic.issued_at)
    assert verification.outcome == signing.Outcome.VALID
    assert verification.statement is not None and verification.statement.serial == electronic.serial
    assert 'href="/licence/electronic/pdf"' in html


def test_every_view_signs_a_fresh_code(
    client: Client, holder: Holder, time_machine: TimeMachineFixture
) -> None:
    # given
    sign_in(client, holder.citizen)
    first = code_in(check_link(client.get("/licence/electronic/").content.decode()))

    # when
    time_machine.move_to(timezone.now() + timedelta(minutes=5), tick=False)
    second = code_in(check_link(client.get("/licence/electronic/").content.decode()))

    # then
    assert first != second


def test_another_citizen_never_sees_my_electronic_licence(client: Client, holder: Holder) -> None:
    # given
    other = register_citizen(name="李小红", seed=2)
    sign_in(client, other)

    # when
    page = client.get("/licence/electronic/")
    pdf = client.get("/licence/electronic/pdf")

    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert issued(holder).serial not in html and "王*明" not in html
    assert GUIDE in html
    assert pdf.status_code == 404


def test_a_citizen_without_a_licence_is_told_how_to_apply(en_client: Client) -> None:
    # given
    sign_in(en_client, register_citizen(name="李小红", seed=2))

    # when
    response = en_client.get("/licence/electronic/")

    # then
    html = response.content.decode()
    assert "No driving licence issued on your ID number is on record" in html
    assert "has the same legal force" in html and GUIDE in html
    assert "<svg" not in html.split("<main", 1)[1]


def test_a_holder_who_has_not_applied_is_told_how(en_client: Client) -> None:
    # given
    holder = make_holder(issue=False)
    sign_in(en_client, holder.citizen)

    # when
    html = en_client.get("/licence/electronic/").content.decode()

    # then
    assert "You have no electronic licence yet." in html and GUIDE in html


def test_a_revoked_electronic_licence_shows_why_and_how_to_apply_again(
    en_client: Client, holder: Holder
) -> None:
    # given
    services.elicence_revoke(licence=holder.licence, actor=holder.clerk, reason="持证人申请注销")
    sign_in(en_client, holder.citizen)

    # when
    html = en_client.get("/licence/electronic/").content.decode()
    pdf = en_client.get("/licence/electronic/pdf")

    # then
    assert "Your electronic licence was revoked on" in html and "持证人申请注销" in html
    assert GUIDE in html and "/verify/?c=" not in html
    assert pdf.status_code == 404


def test_no_code_is_signed_once_the_licence_is_no_longer_in_force(en_client: Client, holder: Holder) -> None:
    # given: the licence was revoked in the registry after the electronic one was issued
    holder.licence.status = LicenceStatus.REVOKED
    holder.licence.save(update_fields=["status"])
    sign_in(en_client, holder.citizen)

    # when
    html = en_client.get("/licence/electronic/").content.decode()

    # then
    assert "so its electronic version cannot be shown" in html
    assert "/verify/?c=" not in html and GUIDE not in html
    assert en_client.get("/licence/electronic/pdf").status_code == 404


@pytest.mark.parametrize("path", ["/licence/electronic/", "/licence/electronic/pdf"])
def test_signing_in_comes_first(client: Client, path: str) -> None:
    # given / when
    response = client.get(path)

    # then
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={path}")


def test_the_pdf_carries_the_title_the_masked_details_and_a_verifiable_qr_link(
    client: Client, holder: Holder
) -> None:
    # given
    sign_in(client, holder.citizen)

    # when
    response = client.get("/licence/electronic/pdf")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="electronic-driving-licence.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    electronic = issued(holder)
    assert "电子驾驶证" in text and electronic.serial in text
    assert "310" in text and holder.licence.id_number not in text
    # WeasyPrint writes one link area for the anchor and one for the QR code inside it.
    links = {
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if annotation.get_object().get("/Subtype") == "/Link"
    }
    assert len(links) == 1
    (link,) = links
    assert link.startswith("http://testserver/verify/?c=FL1.")
    verification = signing.code_verify(code_in(link), OFFICE_KEY.public_key(), now=electronic.issued_at)
    assert verification.outcome == signing.Outcome.VALID


# --- The public check ----------------------------------------------------------------------


def test_the_check_page_shows_the_form_and_the_key_fingerprint(client: Client) -> None:
    # given / when
    response = client.get("/verify/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert signing.key_fingerprint(OFFICE_KEY.public_key()) in html
    assert 'name="c"' in html and 'href="/verify/key"' in html
    assert "verdict" not in html


def test_a_valid_code_opened_from_the_qr_shows_valid_and_the_signed_statement(
    client: Client, holder: Holder
) -> None:
    # given: a police officer scans the code; nobody is signed in
    electronic = issued(holder)
    signed = selectors.electronic_licence_code(electronic, now=electronic.issued_at)
    assert signed is not None

    # when
    response = client.get("/verify/", {"c": signed.code})

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "verdict--valid" in html and "王*明" in html and signed.statement.serial in html


def test_a_pasted_link_is_checked_like_its_code(client: Client, holder: Holder) -> None:
    # given
    electronic = issued(holder)
    code = make_code(OFFICE_KEY, now=electronic.issued_at, serial=electronic.serial)

    # when
    response = client.get("/verify/", {"c": f" https://fairlane.example/verify/?c={code}\n"})

    # then
    assert "verdict--valid" in response.content.decode()


def test_a_forged_code_is_reported_forged(en_client: Client, holder: Holder) -> None:
    # given
    electronic = issued(holder)
    code = make_code(Ed25519PrivateKey.generate(), now=electronic.issued_at, serial=electronic.serial)

    # when
    response = en_client.get("/verify/", {"c": code})

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "verdict--forged" in html and "Do not accept it." in html
    assert "王*明" not in html


def test_an_old_code_is_reported_expired_with_when(
    client: Client, holder: Holder, time_machine: TimeMachineFixture
) -> None:
    # given: the holder's code, then someone signed out checks it in English
    sign_in(client, holder.citizen)
    code = code_in(check_link(client.get("/licence/electronic/").content.decode()))
    client.logout()  # which drops every cookie, so English is chosen after it
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when
    time_machine.move_to(timezone.now() + rules.CODE_TTL + timedelta(minutes=1), tick=False)
    response = client.get("/verify/", {"c": code})

    # then
    html = response.content.decode()
    assert "verdict--expired" in html and "this code expired on" in html


def test_a_revoked_electronic_licence_is_reported_revoked_online(client: Client, holder: Holder) -> None:
    # given
    sign_in(client, holder.citizen)
    code = code_in(check_link(client.get("/licence/electronic/").content.decode()))
    services.elicence_revoke(licence=holder.licence, actor=holder.clerk, reason="持证人申请注销")

    # when
    response = client.get("/verify/", {"c": code})

    # then
    assert "verdict--revoked" in response.content.decode()


@pytest.mark.parametrize(
    ("pasted", "message"), [("  ", "Paste the code or link"), ("https://x.example/?a=1", "holds no code")]
)
def test_nothing_to_check_is_said_next_to_the_field(en_client: Client, pasted: str, message: str) -> None:
    # given / when
    response = en_client.get("/verify/", {"c": pasted})

    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert message in html and "verdict" not in html


def test_checks_are_rate_limited_per_address(
    client: Client, holder: Holder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    monkeypatch.setattr(selectors, "VERIFY_PER_IP", RateLimit("elicence-verify-ip", 2, 60))
    code = make_code(OFFICE_KEY, now=issued(holder).issued_at)
    for _ in range(2):
        assert client.get("/verify/", {"c": code}).status_code == 200

    # when
    response = client.get("/verify/", {"c": code})

    # then
    html = response.content.decode()
    assert response.status_code == 429
    assert "verdict--throttled" in html and "verdict--forged" not in html and "verdict--valid" not in html
    assert client.get("/verify/").status_code == 200  # the empty form still shows


def test_the_public_key_is_published_as_pem(client: Client) -> None:
    # given / when
    response = client.get("/verify/key")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=us-ascii"
    published = keys.public_key_from_pem(response.content)
    assert signing.key_id(published) == signing.key_id(OFFICE_KEY.public_key())
