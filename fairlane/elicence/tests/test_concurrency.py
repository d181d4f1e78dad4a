"""Two approvals of an electronic licence at the same moment issue it once (PostgreSQL)."""

from __future__ import annotations

import pytest

from fairlane.accounts.models import Role
from fairlane.accounts.tests.factories import make_staff
from fairlane.accounts.tests.test_concurrency import run_together
from fairlane.core.audit import AuditAction
from fairlane.elicence import services
from fairlane.elicence.models import ElectronicLicence
from fairlane.elicence.tests.factories import make_holder
from fairlane.integrity.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("attempt", range(3))
def test_two_clerks_issuing_at_once_issue_one(attempt: int) -> None:
    # given: a licence without an electronic one, and two clerks of its office
    holder = make_holder(issue=False, seed=attempt + 1)
    clerks = [holder.clerk, make_staff(Role.CLERK, office=holder.office, seed=300 + attempt)]

    # when
    results = run_together(
        [
            lambda clerk=clerk: services.elicence_issue(licence=holder.licence, actor=clerk)  # type: ignore[misc]
            for clerk in clerks
        ]
    )

    # then: both get the same electronic licence, issued and audited once
    assert all(isinstance(result, ElectronicLicence) for result in results), results
    assert len({result.serial for result in results}) == 1
    assert ElectronicLicence.objects.filter(licence=holder.licence).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.ELECTRONIC_LICENCE_ISSUED).count() == 1
