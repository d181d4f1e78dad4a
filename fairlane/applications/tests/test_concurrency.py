"""Moves on one application at the same moment, on real parallel connections (PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fairlane.accounts.models import User
from fairlane.accounts.tests.test_concurrency import run_together
from fairlane.applications import services
from fairlane.applications.models import ApplicationEvent, ApplicationStatus
from fairlane.applications.tests import flow
from fairlane.core.errors import ApiError
from fairlane.payments.models import PaymentOrder
from fairlane.registry.models import DriverLicence, IssuedDocument
from fairlane.registry.rules import add_years
from fairlane.registry.tests.factories import make_licence

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Status = ApplicationStatus


def renewal_ready() -> tuple[flow.Desk, User]:
    desk = flow.desk_make("DL-RENEW")
    citizen = flow.citizen_make("王小明")
    expires = timezone.localdate() + timedelta(days=30)
    make_licence(
        id_number=citizen.id_number,
        holder_name=citizen.name,
        office=desk.office,
        valid_from=add_years(expires, -6),
        valid_until=expires,
    )
    flow.health_certificate_give(citizen, office=desk.office)
    return desk, citizen


def test_an_accept_clicked_twice_at_once_accepts_once() -> None:
    # given: a submitted renewal and the member it was drawn to
    desk, citizen = renewal_ready()
    application = flow.submit_and_pay(
        citizen, flow.draft_complete(citizen, "DL-RENEW", desk.office, {"declaration": True})
    )
    member = application.assignee

    # when
    results = run_together(
        [
            lambda: services.application_transition(actor=member, application=application, to=Status.ACCEPTED)
            for _ in range(2)
        ]
    )

    # then: one succeeds, the other is told the step is no longer possible
    refused = [r for r in results if isinstance(r, ApiError)]
    assert [r.status for r in refused] == [409]
    assert ApplicationEvent.objects.filter(application=application, to_status=Status.ACCEPTED).count() == 1


def test_an_approval_clicked_twice_at_once_changes_the_registry_once() -> None:
    # given: a renewal in review
    desk, citizen = renewal_ready()
    application = flow.submit_and_pay(
        citizen, flow.draft_complete(citizen, "DL-RENEW", desk.office, {"declaration": True})
    )
    services.application_transition(actor=application.assignee, application=application, to=Status.ACCEPTED)
    application.refresh_from_db()
    reviewer = application.assignee
    services.application_transition(actor=reviewer, application=application, to=Status.IN_REVIEW)
    before = DriverLicence.objects.get().valid_until

    # when
    run_together(
        [
            lambda: services.application_transition(
                actor=reviewer, application=application, to=Status.APPROVED
            )
            for _ in range(3)
        ]
    )

    # then: one new licence, valid 10 years from the old expiry
    assert IssuedDocument.objects.count() == 1
    assert before is not None and DriverLicence.objects.get().valid_until == add_years(before, 10)


def test_checkout_clicked_five_times_at_once_makes_one_payment_order() -> None:
    # given: a complete draft
    desk, citizen = renewal_ready()
    application = flow.draft_complete(citizen, "DL-RENEW", desk.office, {"declaration": True})

    # when
    results = run_together(
        [lambda: services.application_checkout(actor=citizen, application=application) for _ in range(5)]
    )

    # then: every click is answered with the same order
    orders = {result.reference for result in results if isinstance(result, PaymentOrder)}
    assert PaymentOrder.objects.count() == 1
    assert orders == {PaymentOrder.objects.get().reference}
