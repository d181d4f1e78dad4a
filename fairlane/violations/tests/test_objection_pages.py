"""The citizen's objection pages: the form with errors next to the fields, the list and the
detail, and files served only to the person who objected."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from fairlane.accounts.models import User
from fairlane.violations.models import Objection, ObjectionStatus
from fairlane.violations.objections import objection_submit
from fairlane.violations.tests.factories import Driver, driver_make, violation_make
from fairlane.violations.tests.test_objections import REASONS, png_bytes

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def owner() -> Driver:
    return driver_make(seed=1, name="王小明")


def field_error(html: str, field: str) -> str:
    """The error shown in the wrapper of form field `field`, as text."""
    match = re.search(rf'id="id_{field}_field".*?<div class="field__errors"[^>]*>(.*?)</div>', html, re.S)
    assert match is not None, f"no error shown at {field}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_the_form_sends_an_objection_with_a_file(owner: Driver) -> None:
    # given
    violation = violation_make(vehicle=owner.vehicle)
    client = signed_in(owner.user)
    url = reverse("objection_urls:new", args=[violation.reference])
    assert client.get(url).status_code == 200

    # when
    response = client.post(
        url,
        {"reasons": REASONS, "evidence_2": SimpleUploadedFile("photo.png", png_bytes(), "image/png")},
    )

    # then
    objection = Objection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("objection_urls:detail", args=[objection.reference])
    assert list(objection.evidence.values_list("position", flat=True)) == [1]
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "Being reviewed" in detail.content.decode()
    file = client.get(reverse("objection_urls:evidence", args=[objection.reference, 1]))
    assert (file.status_code, file["Content-Type"]) == (200, "image/png")


def test_errors_are_shown_next_to_their_fields(owner: Driver) -> None:
    # given
    violation = violation_make(vehicle=owner.vehicle)
    client = signed_in(owner.user)

    # when
    response = client.post(
        reverse("objection_urls:new", args=[violation.reference]),
        {"reasons": "short", "evidence_3": SimpleUploadedFile("x.gif", b"GIF89a...", "image/gif")},
    )

    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert field_error(html, "reasons") == "Error: Say why the record is wrong, in at least 10 characters."
    assert not Objection.objects.exists()


def test_a_refused_file_is_named_at_its_own_field(owner: Driver) -> None:
    # given
    violation = violation_make(vehicle=owner.vehicle)
    client = signed_in(owner.user)

    # when
    response = client.post(
        reverse("objection_urls:new", args=[violation.reference]),
        {"reasons": REASONS, "evidence_3": SimpleUploadedFile("x.gif", b"GIF89a...", "image/gif")},
    )

    # then
    assert response.status_code == 422
    assert (
        field_error(response.content.decode(), "evidence_3")
        == "Error: Only JPEG, PNG or PDF files are accepted."
    )
    assert not Objection.objects.exists()


def test_a_pending_objection_hides_the_form(owner: Driver) -> None:
    # given
    violation = violation_make(vehicle=owner.vehicle)
    objection_submit(actor=owner.user, violation=violation, reasons=REASONS)

    # when
    response = signed_in(owner.user).get(reverse("objection_urls:new", args=[violation.reference]))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "An objection to this violation is being reviewed" in html
    assert 'name="reasons"' not in html


def test_another_persons_violation_objection_and_files_are_404(owner: Driver) -> None:
    # given
    violation = violation_make(vehicle=owner.vehicle)
    objection = objection_submit(actor=owner.user, violation=violation, reasons=REASONS, files=[png_bytes()])
    stranger = signed_in(driver_make(seed=2, name="李小红").user)

    # when / then
    assert stranger.get(reverse("objection_urls:new", args=[violation.reference])).status_code == 404
    assert (
        stranger.post(
            reverse("objection_urls:new", args=[violation.reference]), {"reasons": REASONS}
        ).status_code
        == 404
    )
    assert stranger.get(reverse("objection_urls:detail", args=[objection.reference])).status_code == 404
    assert stranger.get(reverse("objection_urls:evidence", args=[objection.reference, 1])).status_code == 404
    assert Objection.objects.count() == 1


def test_the_list_shows_status_review_date_and_reason(owner: Driver) -> None:
    # given
    violation = violation_make(vehicle=owner.vehicle)
    objection = objection_submit(actor=owner.user, violation=violation, reasons=REASONS)
    Objection.objects.filter(pk=objection.pk).update(
        status=ObjectionStatus.REJECTED, decision_reason="The photo is clear."
    )

    # when
    response = signed_in(owner.user).get(reverse("objection_urls:mine"))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert objection.reference in html
    assert objection.review_by.isoformat() in html
    assert "Rejected" in html
    assert "The photo is clear." in html


def test_signing_in_is_required() -> None:
    # when
    response = Client().get(reverse("objection_urls:mine"))

    # then
    assert response.status_code == 302
    assert "/login/" in response["Location"]
