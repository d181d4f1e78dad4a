"""The citizen's violation pages: the list, one violation with its evidence, handling it,
the decision PDF, paying the fine through the simulated gateway, and bindings."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from fairlane.accounts.models import User
from fairlane.payments.models import OrderStatus, PaymentOrder
from fairlane.violations import bindings
from fairlane.violations.handling import violation_handle
from fairlane.violations.models import (
    BindingStatus,
    Evidence,
    FineStatus,
    PenaltyDecision,
    VehicleBinding,
    Violation,
    ViolationStatus,
)
from fairlane.violations.tests.factories import driver_make, violation_make

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def evidence_add(violation: Violation, position: int = 1) -> Evidence:
    item = Evidence(
        violation=violation,
        position=position,
        reference=f"IMG{position}",
        content_type="image/png",
        sha256="0" * 64,
    )
    item.file.save(f"v{violation.pk}-{position}.png", ContentFile(PNG), save=True)
    return item


def test_the_list_shows_own_violations_with_points_and_cycle_end(client: Client) -> None:
    # given
    driver = driver_make(points=4)
    violation_make(vehicle=driver.vehicle, code="1625")
    other = driver_make(seed=3, name="张三")
    violation_make(vehicle=other.vehicle, code="1352")

    # when
    page = signed_in(client, driver.user).get("/violations/")

    # then
    text = page.content.decode()
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert "violation 1625" in text  # the English description
    assert "violation 1352" not in text
    assert "4 of 12" in text
    assert driver.vehicle.plate in text


def test_the_list_filters_by_one_of_ones_own_plates(client: Client) -> None:
    # given: a violation of the driver's car and one of a bound car
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1)
    binding = bindings.binding_request(driver=driver.user, plate=owner.vehicle.plate)
    bindings.binding_decide(owner=owner.user, binding=binding, confirm=True)
    mine = violation_make(vehicle=driver.vehicle)
    bound = violation_make(vehicle=owner.vehicle, occurred_at=timezone.now())

    # when
    signed_in(client, driver.user)
    everything = client.get("/violations/").content.decode()
    filtered = client.get("/violations/", {"plate": driver.vehicle.plate}).content.decode()

    # then
    assert f"violation-{mine.reference}" in everything
    assert f"violation-{bound.reference}" in everything
    assert f"violation-{mine.reference}" in filtered
    assert f"violation-{bound.reference}" not in filtered


def test_the_detail_shows_what_handling_would_do(client: Client) -> None:
    # given
    driver = driver_make(points=2)
    violation = violation_make(vehicle=driver.vehicle, code="1625")
    evidence_add(violation)

    # when
    page = signed_in(client, driver.user).get(f"/violations/{violation.reference}/")

    # then
    text = page.content.decode()
    assert page.status_code == 200
    assert "6 points are scored on it and a fine of ¥200.00 is to be paid within 15 days" in text
    assert f"/violations/{violation.reference}/evidence/1/" in text
    assert f"/violations/objections/new/{violation.reference}/" in text or "objections" in text


def test_the_detail_lists_the_refusals(client: Client) -> None:
    # given: 12 points
    driver = driver_make(points=12)
    violation = violation_make(vehicle=driver.vehicle, code="6011")

    # when
    text = signed_in(client, driver.user).get(f"/violations/{violation.reference}/").content.decode()

    # then
    assert 'data-code="would_reach_full_score"' in text
    assert "Handle</button>" not in text


def test_evidence_is_served_privately_with_its_stored_type(client: Client) -> None:
    # given
    driver = driver_make()
    violation = violation_make(vehicle=driver.vehicle)
    evidence_add(violation)

    # when
    response = signed_in(client, driver.user).get(f"/violations/{violation.reference}/evidence/1/")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]


def test_another_citizen_gets_404_for_the_violation_its_evidence_and_decision(client: Client) -> None:
    # given
    driver = driver_make()
    violation = violation_make(vehicle=driver.vehicle)
    evidence_add(violation)
    decision = violation_handle(actor=driver.user, violation=violation)
    stranger = driver_make(seed=3, name="张三")

    # when
    signed_in(client, stranger.user)
    answers = [
        client.get(f"/violations/{violation.reference}/").status_code,
        client.get(f"/violations/{violation.reference}/evidence/1/").status_code,
        client.get(f"/violations/decisions/{decision.number}.pdf").status_code,
        client.post(f"/violations/decisions/{decision.number}/pay/").status_code,
        client.post(f"/violations/{violation.reference}/handle/").status_code,
    ]

    # then
    assert answers == [404, 404, 404, 404, 404]
    assert PaymentOrder.objects.count() == 0


def test_handling_on_the_page_then_paying_at_the_gateway(client: Client) -> None:
    # given
    driver = driver_make()
    violation = violation_make(vehicle=driver.vehicle, code="1625")
    signed_in(client, driver.user)

    # when: handle, then pay from the violation page, at the simulated gateway
    handled = client.post(f"/violations/{violation.reference}/handle/")
    decision = PenaltyDecision.objects.get(violation=violation)
    to_order = client.post(f"/violations/decisions/{decision.number}/pay/")
    order = PaymentOrder.objects.get(subject=f"fine:{decision.number}")
    to_gateway = client.post(f"/payments/{order.reference}/pay/")
    order.refresh_from_db()
    client.post(f"/payments/gateway/{order.gateway_reference}/pay/")
    page = client.get(f"/violations/{violation.reference}/").content.decode()
    receipt = client.get(f"/payments/{order.reference}/receipt.pdf")

    # then
    assert handled.status_code == 302
    assert to_order["Location"] == f"/payments/{order.reference}/"
    assert to_gateway.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    decision.fine.refresh_from_db()
    assert decision.fine.status == FineStatus.PAID
    assert f"/payments/{order.reference}/receipt.pdf" in page
    assert receipt.status_code == 200
    violation.refresh_from_db()
    assert violation.status == ViolationStatus.HANDLED


def decision_pdf_text(client: Client) -> tuple[str, PenaltyDecision, User]:
    driver = driver_make()
    violation = violation_make(vehicle=driver.vehicle, code="1625")
    decision = violation_handle(actor=driver.user, violation=violation)
    response = signed_in(client, driver.user).get(f"/violations/decisions/{decision.number}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    # Without the CJK font the fallback font comes out as UTF-16: drop its NUL bytes.
    return "".join(text.replace("\x00", "").split()), decision, driver.user


def test_the_decision_pdf_has_the_number_the_fine_and_the_rights(client: Client) -> None:
    # when
    text, decision, user = decision_pdf_text(client)

    # then: the English lines (any font shows them) and the masked licence number
    assert "penaltyunderthesimpleprocedure" in text
    assert decision.number in text
    assert "¥200.00" in text
    assert "administrativereconsiderationwithin60days" in text
    assert "administrativelawsuit" in text and "within6months" in text
    assert user.id_number not in text
    assert user.id_number[:3] + "*" * 11 + user.id_number[-4:] in text


def cjk_font_installed() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True, check=False)  # noqa: S603
    return bool(found.stdout.strip())


@pytest.mark.skipif(
    not cjk_font_installed(),
    reason="no CJK font on this machine (scripts/system-deps installs fonts-noto-cjk)",
)
def test_the_decision_pdf_is_in_chinese(client: Client) -> None:
    text, _decision, _user = decision_pdf_text(client)
    assert "公安交通管理简易程序处罚决定书" in text
    assert "行政复议" in text and "行政诉讼" in text


def test_bindings_page_ask_confirm_and_end(client: Client) -> None:
    # given
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1)

    # when: the driver asks with a bad plate, then a good one; the owner confirms
    signed_in(client, driver.user)
    bad = client.post("/violations/bindings/", {"plate": ""})
    good = client.post("/violations/bindings/", {"plate": owner.vehicle.plate})
    binding = VehicleBinding.objects.get()
    owner_client = signed_in(Client(), owner.user)
    owner_page = owner_client.get("/violations/bindings/").content.decode()
    confirmed = owner_client.post(f"/violations/bindings/{binding.pk}/confirm/")
    stranger = signed_in(Client(), driver_make(seed=3, name="张三").user)
    foreign = stranger.post(f"/violations/bindings/{binding.pk}/end/")

    # then
    assert bad.status_code == 422
    assert "Enter the plate number" in bad.content.decode()
    assert good.status_code == 302
    assert "王*明" in owner_page  # the driver's name, masked
    assert confirmed.status_code == 302
    assert foreign.status_code == 404
    binding.refresh_from_db()
    assert binding.status == BindingStatus.ACTIVE
    assert binding.confirmed_at is not None
    assert binding.confirmed_at <= timezone.now() + timedelta(seconds=1)


def test_pages_need_a_signed_in_user(client: Client) -> None:
    response = client.get("/violations/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
