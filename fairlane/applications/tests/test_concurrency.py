"""Two staff members moving one application at the same moment (PostgreSQL)."""

from __future__ import annotations

import pytest

from fairlane.accounts.models import Role
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.accounts.tests.test_concurrency import run_together
from fairlane.applications import services
from fairlane.applications.models import ApplicationEvent, ApplicationStatus
from fairlane.catalogue.services import catalogue_load
from fairlane.catalogue.tests.factories import make_item
from fairlane.core.errors import ApiError
from fairlane.registry.tests.factories import make_office

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_clerks_accepting_at_once_accept_it_once() -> None:
    # given: a submitted application and two clerks of its office
    catalogue_load(items=[make_item("DL-RENEW")])
    office = make_office()
    citizen = register_citizen(name="王小明")
    clerks = [make_staff(Role.CLERK, office=office, seed=200 + n) for n in range(2)]
    application = services.application_create(
        applicant=citizen, item_code="DL-RENEW", office=office, form_data={}
    )
    services.application_transition(actor=citizen, application=application, to=ApplicationStatus.SUBMITTED)

    # when
    results = run_together(
        [
            lambda clerk=clerk: services.application_transition(  # type: ignore[misc]
                actor=clerk, application=application, to=ApplicationStatus.ACCEPTED
            )
            for clerk in clerks
        ]
    )

    # then: one succeeds, the other is told the step is no longer possible
    refused = [r for r in results if isinstance(r, ApiError)]
    assert len(refused) == 1
    assert refused[0].status == 409
    accepted = ApplicationEvent.objects.filter(application=application, to_status=ApplicationStatus.ACCEPTED)
    assert accepted.count() == 1
