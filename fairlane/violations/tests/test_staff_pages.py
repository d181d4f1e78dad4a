"""Office staff pages for violations: search, one violation, the objection queue with its
decision form, and point-trading signals. MFA'd office staff only; other offices get 404."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.core.workdays import add_working_days_from, working_days_from_to
from fairlane.registry.tests.factories import make_office
from fairlane.violations.models import Evidence, Objection, ObjectionStatus, Violation, ViolationStatus
from fairlane.violations.objections import objection_submit
from fairlane.violations.tests.factories import driver_make, violation_make
from fairlane.violations.tests.test_objections import REASONS, handled, png_bytes
from fairlane.violations.tests.test_trading import others_handled

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    staff_login(client, user)
    return client


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_search_by_plate_finds_the_violation_with_the_owner_masked() -> None:
    # given
    owner = driver_make(seed=1, name="王小明")
    violation = violation_make(vehicle=owner.vehicle)
    other = violation_make(vehicle=driver_make(seed=2, name="李小红").vehicle)
    client = signed_in(make_staff(Role.CLERK, office=violation.office, seed=103))

    # when
    response = client.get(reverse("staff_urls:index"), {"q": owner.vehicle.plate.lower()})

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert violation.reference in html
    assert other.reference not in html
    assert "王*明" in html
    assert "王小明" not in html


def test_the_detail_shows_decision_fine_objection_and_evidence() -> None:
    # given
    owner = driver_make(seed=1, name="王小明")
    violation = violation_make(vehicle=owner.vehicle)
    picture = Evidence(
        violation=violation, position=1, reference="P1", content_type="image/png", sha256="0" * 64
    )
    picture.file.save("evidence.png", ContentFile(png_bytes()), save=True)
    decision = handled(owner, violation)
    objection = objection_submit(actor=owner.user, violation=violation, reasons=REASONS, files=[png_bytes()])
    client = signed_in(make_staff(Role.REVIEWER, office=violation.office, seed=101))

    # when
    response = client.get(reverse("staff_urls:detail", args=[violation.reference]))

    # then
    page = text(response.content.decode())
    assert response.status_code == 200
    assert decision.number in page
    assert "Not paid" in page
    assert objection.reference in page
    assert owner.user.id_number not in page
    picture_response = client.get(reverse("staff_urls:evidence", args=[violation.reference, 1]))
    assert (picture_response.status_code, picture_response["Content-Type"]) == (200, "image/png")
    file_response = client.get(reverse("staff_urls:objection_evidence", args=[objection.reference, 1]))
    assert file_response.status_code == 200


def test_an_unhandled_violation_links_to_the_window_page() -> None:
    # given
    violation = violation_make(vehicle=driver_make(seed=1).vehicle)
    client = signed_in(make_staff(Role.CLERK, office=violation.office, seed=103))

    # when
    response = client.get(reverse("staff_urls:detail", args=[violation.reference]))

    # then
    assert f'href="/staff/violations/window/{violation.reference}/"' in response.content.decode()


def test_other_offices_and_citizens_see_nothing() -> None:
    # given
    owner = driver_make(seed=1)
    violation = violation_make(vehicle=owner.vehicle)
    objection = objection_submit(actor=owner.user, violation=violation, reasons=REASONS, files=[png_bytes()])
    elsewhere = signed_in(
        make_staff(Role.REVIEWER, office=make_office(code="320000", name="南京车管所"), seed=104)
    )
    citizen = Client()
    citizen.force_login(owner.user)

    # when / then
    assert elsewhere.get(reverse("staff_urls:detail", args=[violation.reference])).status_code == 404
    assert (
        elsewhere.get(reverse("staff_urls:objection_evidence", args=[objection.reference, 1])).status_code
        == 404
    )
    decided = elsewhere.post(
        reverse("staff_urls:objection_decide", args=[objection.reference]),
        {f"o-{objection.reference}-decision": "upheld", f"o-{objection.reference}-reason": "Misread."},
    )
    assert decided.status_code == 404
    assert violation.reference not in elsewhere.get(reverse("staff_urls:index")).content.decode()
    assert citizen.get(reverse("staff_urls:index")).status_code == 404
    assert citizen.get(reverse("staff_urls:objections")).status_code == 404
    assert Objection.objects.get().status == ObjectionStatus.PENDING


def test_the_queue_shows_working_days_left_and_decides() -> None:
    # given
    owner = driver_make(seed=1)
    violation = violation_make(vehicle=owner.vehicle)
    objection = objection_submit(actor=owner.user, violation=violation, reasons=REASONS)
    client = signed_in(make_staff(Role.REVIEWER, office=violation.office, seed=101))
    queue = client.get(reverse("staff_urls:objections"))
    assert queue.status_code == 200
    assert "5 working days left" in text(queue.content.decode())

    # when
    response = client.post(
        reverse("staff_urls:objection_decide", args=[objection.reference]),
        {f"o-{objection.reference}-decision": "upheld", f"o-{objection.reference}-reason": "Misread plate."},
    )

    # then
    assert response.status_code == 302
    assert Objection.objects.get().status == ObjectionStatus.UPHELD
    assert Violation.objects.get().status == ViolationStatus.CANCELLED


def test_an_overdue_objection_says_so() -> None:
    # given: due about two weeks ago
    owner = driver_make(seed=1)
    violation = violation_make(vehicle=owner.vehicle)
    objection = objection_submit(actor=owner.user, violation=violation, reasons=REASONS)
    past = timezone.localdate() - timedelta(days=14)
    Objection.objects.filter(pk=objection.pk).update(review_by=add_working_days_from(past, 0))
    overdue = -working_days_from_to(timezone.localdate(), add_working_days_from(past, 0))
    client = signed_in(make_staff(Role.SUPERVISOR, office=violation.office, seed=102))

    # when
    response = client.get(reverse("staff_urls:objections"))

    # then
    assert f"Overdue by {overdue} working days" in text(response.content.decode())


def test_the_decision_form_shows_errors_next_to_the_fields() -> None:
    # given
    owner = driver_make(seed=1)
    violation = violation_make(vehicle=owner.vehicle)
    objection = objection_submit(actor=owner.user, violation=violation, reasons=REASONS)
    client = signed_in(make_staff(Role.REVIEWER, office=violation.office, seed=101))
    url = reverse("staff_urls:objection_decide", args=[objection.reference])

    # when: no choice
    no_choice = client.post(url, {f"o-{objection.reference}-reason": "Misread."})
    # when: no reason
    no_reason = client.post(url, {f"o-{objection.reference}-decision": "rejected"})

    # then
    assert no_choice.status_code == 422
    assert "Error: Choose: uphold the objection or reject it." in text(no_choice.content.decode())
    assert no_reason.status_code == 422
    reason_field = re.search(
        rf'id="id_o-{objection.reference}-reason_field".*?</div>', no_reason.content.decode(), re.S
    )
    assert reason_field is not None
    assert "Give a reason: the person who objected reads it." in reason_field.group(0)
    assert Objection.objects.get().status == ObjectionStatus.PENDING


def test_a_clerk_sees_the_queue_without_the_form() -> None:
    # given
    owner = driver_make(seed=1)
    violation = violation_make(vehicle=owner.vehicle)
    objection_submit(actor=owner.user, violation=violation, reasons=REASONS)
    client = signed_in(make_staff(Role.CLERK, office=violation.office, seed=103))

    # when
    response = client.get(reverse("staff_urls:objections"))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "A reviewer or a supervisor of the office decides objections." in html
    assert "-decision" not in html


def test_signals_page_filters_and_drills_down() -> None:
    # given
    seller = driver_make(seed=1, name="王小明")
    decisions = others_handled(seller, 3, seed=10)
    client = signed_in(make_staff(Role.REVIEWER, office=seller.licence.issuing_office, seed=101))

    # when
    page = client.get(reverse("staff_urls:signals"))
    higher = client.get(reverse("staff_urls:signals"), {"threshold": "4", "days": "365"})
    drill = client.get(reverse("staff_urls:signal_detail", args=[seller.licence.pk]), {"days": "365"})

    # then
    assert page.status_code == 200
    assert f'id="signal-{seller.licence.pk}"' in page.content.decode()
    assert "王*明" in page.content.decode()
    assert f'id="signal-{seller.licence.pk}"' not in higher.content.decode()
    assert drill.status_code == 200
    drill_html = drill.content.decode()
    assert all(decision.number in drill_html for decision in decisions)
    assert seller.licence.id_number not in drill_html


def test_a_bad_signal_filter_shows_errors_next_to_the_fields() -> None:
    # given
    seller = driver_make(seed=1)
    client = signed_in(make_staff(Role.REVIEWER, office=seller.licence.issuing_office, seed=101))

    # when
    response = client.get(reverse("staff_urls:signals"), {"threshold": "1", "days": "abc"})

    # then
    html = response.content.decode()
    assert response.status_code == 422
    for field in ("threshold", "days"):
        match = re.search(rf'id="id_{field}_field".*?</div>', html, re.S)
        assert match is not None
        assert "Enter a whole number from" in match.group(0)


def test_signals_are_404_for_clerks_and_other_offices_licences() -> None:
    # given
    seller = driver_make(seed=1)
    others_handled(seller, 3, seed=10)
    clerk = signed_in(make_staff(Role.CLERK, office=seller.licence.issuing_office, seed=103))
    elsewhere = signed_in(
        make_staff(Role.REVIEWER, office=make_office(code="320000", name="南京车管所"), seed=104)
    )

    # when / then
    assert clerk.get(reverse("staff_urls:signals")).status_code == 404
    assert elsewhere.get(reverse("staff_urls:signal_detail", args=[seller.licence.pk])).status_code == 404
