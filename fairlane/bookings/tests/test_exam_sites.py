"""Exam sites and their daily quotas (L-DL 第54条): registered and changed by the office's
supervisors and administrators only, audited, never lowered below what is published for a
day to come; exam sessions published only at a registered site and never beyond its day
capacity, all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import translation
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.bookings.capacity import SlotSpec, slots_publish
from fairlane.bookings.exam_sites import exam_site_save
from fairlane.bookings.models import ExamSite, ExamSubject, Slot
from fairlane.bookings.tests.exam_setup import exam_service
from fairlane.bookings.tests.hall import MONDAY, Hall, at, hall_make
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, InvalidInput
from fairlane.integrity.models import AuditEvent
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

EXAM_DAY = MONDAY.date() + timedelta(days=14)  # a Monday, far enough ahead for exam plans
SITE = "浦东考场"


@dataclass
class World:
    hall: Hall
    admin: User
    other_supervisor: User  # of another office


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    with translation.override("en"):
        hall = hall_make()
        yield World(
            hall=hall,
            admin=make_staff(Role.ADMIN, office=hall.office, seed=710),
            other_supervisor=make_staff(
                Role.SUPERVISOR, office=make_office(code="310001", name="浦东分所"), seed=711
            ),
        )


def save(
    world: World, *, actor: User | None = None, name: str = SITE, quotas: tuple = (100, 5, 30)
) -> ExamSite:
    site_quota, examiners, examiner_quota = quotas
    return exam_site_save(
        actor=actor or world.hall.supervisor,
        office=world.hall.office,
        name=name,
        site_daily_quota=site_quota,
        examiners=examiners,
        examiner_daily_quota=examiner_quota,
    )


def sites() -> list[tuple]:
    return list(
        ExamSite.objects.order_by("pk").values_list(
            "office__code", "name", "site_daily_quota", "examiners", "examiner_daily_quota"
        )
    )


def site_events() -> list[tuple]:
    return list(
        AuditEvent.objects.filter(action=AuditAction.EXAM_SITE_SAVED)
        .order_by("seq")
        .values_list("actor_id", "changes")
    )


def publish(world: World, *capacities: int, subject: str = ExamSubject.SITE, site: str = SITE) -> list[Slot]:
    """Sessions of an hour from 9:00 on EXAM_DAY, by the hall's clerk."""
    return slots_publish(
        actor=world.hall.clerk,
        service=exam_service(world.hall, subject),
        slots=[
            SlotSpec(at(EXAM_DAY, 9 + index), at(EXAM_DAY, 10 + index), capacity, site)
            for index, capacity in enumerate(capacities)
        ],
    )


# --- Registering and changing a site --------------------------------------------------------


def test_a_supervisor_registers_a_site_and_it_is_audited(world: World) -> None:
    # when
    site = save(world, name="  浦东考场 ")

    # then
    assert sites() == [("310000", SITE, 100, 5, 30)]
    assert site.name == SITE
    assert site_events() == [
        (
            world.hall.supervisor.pk,
            {
                "site": [None, SITE],
                "site_daily_quota": [None, 100],
                "examiners": [None, 5],
                "examiner_daily_quota": [None, 30],
            },
        )
    ]


def test_an_admin_changes_the_quotas_of_the_site_of_that_name(world: World) -> None:
    # given
    save(world)

    # when
    save(world, actor=world.admin, quotas=(100, 6, 30))

    # then: the same site, and only what changed is recorded
    assert sites() == [("310000", SITE, 100, 6, 30)]
    assert site_events()[1] == (world.admin.pk, {"site": [SITE, SITE], "examiners": [5, 6]})


def test_saving_the_same_quotas_again_records_nothing(world: World) -> None:
    # given
    save(world)

    # when
    save(world)

    # then
    assert len(site_events()) == 1


@pytest.mark.parametrize("who", ["clerk", "other_supervisor", "reviewer"])
def test_only_a_supervisor_or_admin_of_the_office_may_set_quotas(world: World, who: str) -> None:
    # given
    actor = {
        "clerk": world.hall.clerk,
        "other_supervisor": world.other_supervisor,
        "reviewer": make_staff(Role.REVIEWER, office=world.hall.office, seed=712),
    }[who]

    # when
    with pytest.raises(ApiError) as refused:
        save(world, actor=actor)

    # then
    assert (refused.value.code, refused.value.status) == ("not_office_supervisor", 403)
    assert sites() == []
    assert site_events() == []


def test_quotas_out_of_bounds_and_a_bad_name_are_refused(world: World) -> None:
    # when
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        exam_site_save(
            actor=world.hall.supervisor,
            office=world.hall.office,
            name=" ",
            site_daily_quota=10_001,
            examiners=0,
            examiner_daily_quota=1,
        )

    # then
    assert refused.value.fields == {
        "site_daily_quota": "Enter a whole number from 1 to 10000.",
        "examiners": "Enter a whole number from 1 to 1000.",
        "name": "Name the exam site.",
    }
    assert sites() == []


def test_a_name_that_is_too_long_is_refused(world: World) -> None:
    # when
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        save(world, name="场" * 81)

    # then
    assert refused.value.fields == {"name": "At most 80 characters."}
    assert sites() == []


def test_quotas_cannot_go_below_what_is_published_for_a_day_to_come(world: World) -> None:
    # given: 60 places published at the site for EXAM_DAY
    save(world)
    publish(world, 40, 20)

    # when: 3 examiners of 19 a day would hold 57
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        save(world, quotas=(100, 3, 19))

    # then
    assert refused.value.code == "quota_below_published"
    assert refused.value.fields == {
        "quotas": "60 exam places are already published at this site for 2026-03-16: the day "
        "capacity cannot go below that (it would be 57)."
    }
    assert sites() == [("310000", SITE, 100, 5, 30)]
    assert len(site_events()) == 1


def test_quotas_may_go_down_to_exactly_what_is_published(world: World) -> None:
    # given
    save(world)
    publish(world, 40, 20)

    # when
    save(world, quotas=(60, 3, 20))

    # then
    assert sites() == [("310000", SITE, 60, 3, 20)]


def test_past_days_do_not_hold_the_quota_up(world: World, time_machine: TimeMachineFixture) -> None:
    # given: 60 places on EXAM_DAY, which is now over
    save(world)
    publish(world, 60)
    time_machine.move_to(at(EXAM_DAY + timedelta(days=1), 9), tick=False)

    # when
    save(world, quotas=(10, 1, 10))

    # then
    assert sites() == [("310000", SITE, 10, 1, 10)]


# --- Publishing exam sessions against the sites ------------------------------------------------


def test_sessions_up_to_the_day_capacity_are_published(world: World) -> None:
    # given: 5 examiners of 30 a day, at a site of 100: 100 a day
    save(world)

    # when
    published = publish(world, 60, 40)

    # then
    assert [slot.capacity for slot in published] == [60, 40]


def test_sessions_at_a_site_that_is_not_registered_are_refused_with_nothing_written(world: World) -> None:
    # given
    save(world)
    events = AuditEvent.objects.count()

    # when
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        slots_publish(
            actor=world.hall.clerk,
            service=world.hall.exam,
            slots=[
                SlotSpec(at(EXAM_DAY, 9), at(EXAM_DAY, 10), 10, SITE),
                SlotSpec(at(EXAM_DAY, 9), at(EXAM_DAY, 10), 10, "闵行考场"),
            ],
        )

    # then
    assert refused.value.fields == {"slots.1.site": "Register the exam site and its daily quota first."}
    assert Slot.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_over_the_day_capacity_nothing_is_published(world: World) -> None:
    # given: 70 of 100 already published for the day, by another exam subject at the same site
    save(world)
    publish(world, 70, subject=ExamSubject.THEORY)
    events = AuditEvent.objects.count()

    # when: 31 more
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        publish(world, 1, 30)

    # then
    message = (
        "浦东考场 can hold 100 exams a day; 70 are already published for 2026-03-16, "
        "and these sessions add 31."
    )
    assert refused.value.fields == {"slots.0.capacity": message, "slots.1.capacity": message}
    assert Slot.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_the_examiners_bind_when_they_can_do_fewer_than_the_site(world: World) -> None:
    # given: a site of 100, but 2 examiners of 30 a day
    save(world, quotas=(100, 2, 30))

    # when
    with pytest.raises(InvalidInput):
        publish(world, 61)
    published = publish(world, 60)

    # then
    assert [slot.capacity for slot in published] == [60]


def test_a_site_of_another_office_does_not_count(world: World) -> None:
    # given: a site of that name registered only at the other office
    exam_site_save(
        actor=world.other_supervisor,
        office=world.other_supervisor.office,  # type: ignore[arg-type]
        name=SITE,
        site_daily_quota=100,
        examiners=10,
        examiner_daily_quota=10,
    )

    # when
    with pytest.raises(InvalidInput) as refused:
        publish(world, 10)

    # then
    assert list(refused.value.fields) == ["slots.0.site"]
    assert Slot.objects.count() == 0


def test_window_slots_need_no_site(world: World) -> None:
    # when
    published = slots_publish(
        actor=world.hall.clerk,
        service=world.hall.window,
        slots=[SlotSpec(at(EXAM_DAY, 9), at(EXAM_DAY, 10), 10, "")],
    )

    # then
    assert len(published) == 1
