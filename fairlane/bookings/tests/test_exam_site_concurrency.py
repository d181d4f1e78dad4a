"""Publishers of different exam subjects racing for the last places of a site's day
(PostgreSQL): the office's exam sites are locked while a publisher checks them, so the day
never ends up beyond the site's capacity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db.models import Sum

from fairlane.accounts.tests.test_concurrency import run_together
from fairlane.bookings.capacity import SlotSpec, slots_publish
from fairlane.bookings.exam_sites import exam_site_save
from fairlane.bookings.models import BookableService, ExamSubject, Slot
from fairlane.bookings.tests.exam_setup import exam_service
from fairlane.bookings.tests.hall import Hall, at, hall_make
from fairlane.bookings.tests.test_concurrency import limited, working_day_after
from fairlane.core.errors import ApiError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SITE = "浦东考场"


def publish(hall: Hall, service: BookableService, hour: int) -> Callable[[], object]:
    day = working_day_after(14)
    return lambda: slots_publish(
        actor=hall.clerk,
        service=service,
        slots=[SlotSpec(at(day, hour), at(day, hour) + timedelta(hours=1), 10, SITE)],
    )


def test_twenty_publishers_of_four_subjects_fill_a_site_of_100_and_no_more() -> None:
    # given: a site that holds 100 exams a day
    hall = hall_make()
    exam_site_save(
        actor=hall.supervisor,
        office=hall.office,
        name=SITE,
        site_daily_quota=100,
        examiners=10,
        examiner_daily_quota=10,
    )
    services = [exam_service(hall, subject) for subject in ExamSubject.values]

    # when: 20 sessions of 10, five per subject at different hours
    jobs = [publish(hall, service, 8 + n) for service in services for n in range(5)]
    results = run_together(limited(jobs))

    # then: nothing else raised
    published = sum(isinstance(result, list) for result in results)
    refused = [(r.status, r.code) for r in results if isinstance(r, ApiError)]
    assert (published, refused) == (10, [(422, "invalid")] * 10)
    assert Slot.objects.filter(site=SITE).aggregate(places=Sum("capacity"))["places"] == 100
