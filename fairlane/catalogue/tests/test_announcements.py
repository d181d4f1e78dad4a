"""The announcement services: workflow, four eyes, offices, history and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.catalogue.announcements import services
from fairlane.catalogue.announcements.models import Announcement, AnnouncementStatus, AnnouncementVersion
from fairlane.catalogue.announcements.selectors import access_announcement_for_staff, announcements_for_staff
from fairlane.catalogue.announcements.testing import (
    make_content,
    make_draft,
    make_in_review,
    make_published,
    snapshot,
)
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, NotFound
from fairlane.integrity.models import AuditEvent
from fairlane.registry.models import Office
from fairlane.registry.tests.factories import make_office, make_police_station

pytestmark = pytest.mark.django_db

Status = AnnouncementStatus


@dataclass
class World:
    office: Office
    other_office: Office
    clerk: User
    reviewer: User
    supervisor: User
    admin: User
    other_admin: User
    other_reviewer: User


@pytest.fixture
def world() -> World:
    office = make_office()
    other_office = make_office(code="310001", name="浦东分所")
    return World(
        office=office,
        other_office=other_office,
        clerk=make_staff(Role.CLERK, office=office, seed=101),
        reviewer=make_staff(Role.REVIEWER, office=office, seed=102),
        supervisor=make_staff(Role.SUPERVISOR, office=office, seed=103),
        admin=make_staff(Role.ADMIN, office=office, seed=104),
        other_admin=make_staff(Role.ADMIN, office=other_office, seed=105),
        other_reviewer=make_staff(Role.REVIEWER, office=other_office, seed=106),
    )


def in_state(world: World, status: Status) -> Announcement:
    """An announcement of the office drafted by the clerk, brought to `status`."""
    if status == Status.DRAFT:
        return make_draft(author=world.clerk, office=world.office)
    if status == Status.IN_REVIEW:
        return make_in_review(author=world.clerk, office=world.office)
    published = make_published(author=world.clerk, reviewer=world.reviewer, office=world.office)
    if status == Status.PUBLISHED:
        return published
    return services.announcement_transition(
        actor=world.reviewer, announcement=published, to=Status.WITHDRAWN, reason="政策已调整"
    )


def audit_actions(announcement: Announcement) -> list[int]:
    return list(
        AuditEvent.objects.filter(object_id=str(announcement.pk), object_type__icontains="announcement")
        .order_by("seq")
        .values_list("action", flat=True)
    )


# --- Drafting ----------------------------------------------------------------------------


def test_a_clerk_drafts_version_one_for_their_office(world: World) -> None:
    # given
    content = make_content(title_zh=" 春节  安排 ")

    # when
    announcement = services.announcement_create(actor=world.clerk, office=world.office, content=content)

    # then
    announcement.refresh_from_db()
    version = announcement.current_version
    assert version is not None
    assert (
        announcement.status,
        announcement.author_id,
        announcement.last_editor_id,
        announcement.reviewer_id,
    ) == (
        Status.DRAFT,
        world.clerk.pk,
        world.clerk.pk,
        None,
    )
    assert (version.number, version.title_zh, version.editor_id) == (1, "春节 安排", world.clerk.pk)
    event = AuditEvent.objects.get(action=AuditAction.ANNOUNCEMENT_DRAFTED)
    assert (event.actor_id, event.office_id, event.object_id, event.changes) == (
        world.clerk.pk,
        world.office.pk,
        str(announcement.pk),
        {"version": [None, 1], "kind": [None, "announcement"], "city_wide": [None, False]},
    )


def test_a_draft_with_problems_names_every_field_and_writes_nothing(world: World) -> None:
    # given
    now = timezone.now()
    content = make_content(title_en="", body_zh="  ", starts_at=now, ends_at=now - timedelta(hours=1))

    # when
    with pytest.raises(ApiError) as raised:
        services.announcement_create(actor=world.clerk, office=world.office, content=content)

    # then
    assert (raised.value.status, sorted(raised.value.fields)) == (422, ["body_zh", "ends_at", "title_en"])
    assert snapshot() == []
    assert not AuditEvent.objects.filter(action=AuditAction.ANNOUNCEMENT_DRAFTED).exists()


def test_staff_draft_only_for_their_own_office(world: World) -> None:
    with pytest.raises(ApiError) as raised:
        make_draft(author=world.clerk, office=world.other_office)
    assert (raised.value.status, raised.value.code) == (403, "forbidden")
    assert snapshot() == []


@pytest.mark.parametrize("role", [Role.CLERK, Role.REVIEWER, Role.SUPERVISOR])
def test_only_administrators_draft_city_wide(world: World, role: Role) -> None:
    # given
    staff = make_staff(role, office=world.office, seed=120)

    # when
    with pytest.raises(ApiError) as raised:
        make_draft(author=staff, office=None)

    # then
    assert (raised.value.status, raised.value.code) == (403, "forbidden")
    assert snapshot() == []


def test_citizens_and_police_may_not_draft(world: World) -> None:
    # given
    citizen = register_citizen(name="王小明")
    police = make_staff(Role.POLICE, police_station=make_police_station(), seed=121)

    for person in (citizen, police):
        # when
        with pytest.raises(ApiError) as raised:
            make_draft(author=person, office=world.office)

        # then
        assert (raised.value.status, raised.value.code) == (403, "forbidden")
    assert snapshot() == []


# --- The workflow ------------------------------------------------------------------------


def test_the_whole_workflow_is_audited_step_by_step(world: World) -> None:
    # given
    announcement = make_draft(author=world.clerk, office=world.office)

    # when
    steps = [
        (world.clerk, Status.IN_REVIEW, ""),
        (world.reviewer, Status.DRAFT, "英文标题有误"),
        (world.clerk, Status.IN_REVIEW, ""),
        (world.reviewer, Status.PUBLISHED, ""),
        (world.supervisor, Status.WITHDRAWN, "政策已调整"),
    ]
    for actor, to, reason in steps:
        announcement = services.announcement_transition(
            actor=actor, announcement=announcement, to=to, reason=reason
        )

    # then
    announcement.refresh_from_db()
    assert (announcement.status, announcement.reviewer_id, announcement.status_reason) == (
        Status.WITHDRAWN,
        world.reviewer.pk,
        "政策已调整",
    )
    assert announcement.published_at is not None
    assert announcement.withdrawn_at is not None
    events = AuditEvent.objects.filter(action__gte=313, action__lte=316).order_by("seq")
    assert [(e.action, e.actor_id, e.reason, e.changes["status"]) for e in events] == [
        (AuditAction.ANNOUNCEMENT_SUBMITTED, world.clerk.pk, "", ["draft", "in_review"]),
        (AuditAction.ANNOUNCEMENT_SENT_BACK, world.reviewer.pk, "英文标题有误", ["in_review", "draft"]),
        (AuditAction.ANNOUNCEMENT_SUBMITTED, world.clerk.pk, "", ["draft", "in_review"]),
        (AuditAction.ANNOUNCEMENT_PUBLISHED, world.reviewer.pk, "", ["in_review", "published"]),
        (AuditAction.ANNOUNCEMENT_WITHDRAWN, world.supervisor.pk, "政策已调整", ["published", "withdrawn"]),
    ]
    assert audit_actions(announcement) == [
        AuditAction.ANNOUNCEMENT_DRAFTED,
        AuditAction.ANNOUNCEMENT_SUBMITTED,
        AuditAction.ANNOUNCEMENT_SENT_BACK,
        AuditAction.ANNOUNCEMENT_SUBMITTED,
        AuditAction.ANNOUNCEMENT_PUBLISHED,
        AuditAction.ANNOUNCEMENT_WITHDRAWN,
    ]


def test_sending_back_keeps_the_reason_for_the_author(world: World) -> None:
    # given
    announcement = make_in_review(author=world.clerk, office=world.office)

    # when
    services.announcement_transition(
        actor=world.reviewer, announcement=announcement, to=Status.DRAFT, reason="日期写错了"
    )

    # then
    announcement.refresh_from_db()
    assert (announcement.status, announcement.status_reason, announcement.submitted_at) == (
        Status.DRAFT,
        "日期写错了",
        None,
    )


REFUSED = [
    (source, target)
    for source in Status
    for target in Status
    if (source, target)
    not in {
        (Status.DRAFT, Status.IN_REVIEW),
        (Status.IN_REVIEW, Status.DRAFT),
        (Status.IN_REVIEW, Status.PUBLISHED),
        (Status.PUBLISHED, Status.WITHDRAWN),
    }
]


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_moves_outside_the_table_are_refused_and_change_nothing(
    world: World, source: Status, target: Status
) -> None:
    # given: a supervisor, who holds every permission, did not write it
    announcement = in_state(world, source)
    before, events = snapshot(), AuditEvent.objects.count()

    # when
    with pytest.raises(ApiError) as raised:
        services.announcement_transition(
            actor=world.supervisor, announcement=announcement, to=target, reason="任意理由"
        )

    # then
    assert (raised.value.status, raised.value.code) == (409, "not_allowed")
    assert snapshot() == before
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (Status.IN_REVIEW, Status.PUBLISHED),
        (Status.IN_REVIEW, Status.DRAFT),
        (Status.PUBLISHED, Status.WITHDRAWN),
    ],
)
def test_a_clerk_may_not_review(world: World, source: Status, target: Status) -> None:
    # given
    announcement = in_state(world, source)
    other_clerk = make_staff(Role.CLERK, office=world.office, seed=130)
    before, events = snapshot(), AuditEvent.objects.count()

    # when
    with pytest.raises(ApiError) as raised:
        services.announcement_transition(
            actor=other_clerk, announcement=announcement, to=target, reason="理由"
        )

    # then
    assert (raised.value.status, raised.value.code) == (403, "forbidden")
    assert snapshot() == before
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("source", "target"), [(Status.IN_REVIEW, Status.DRAFT), (Status.PUBLISHED, Status.WITHDRAWN)]
)
def test_sending_back_and_withdrawing_need_a_reason(world: World, source: Status, target: Status) -> None:
    # given
    announcement = in_state(world, source)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as raised:
        services.announcement_transition(
            actor=world.reviewer, announcement=announcement, to=target, reason="  "
        )

    # then
    assert (raised.value.status, raised.value.code, list(raised.value.fields)) == (422, "invalid", ["reason"])
    assert snapshot() == before


def test_nothing_is_published_once_its_window_has_closed(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    announcement = make_in_review(author=world.clerk, office=world.office)
    time_machine.move_to(timezone.now() + timedelta(days=31))
    before = snapshot()

    # when
    with pytest.raises(ApiError) as raised:
        services.announcement_transition(actor=world.reviewer, announcement=announcement, to=Status.PUBLISHED)

    # then
    assert (raised.value.status, raised.value.code) == (409, "window_over")
    assert snapshot() == before


# --- Four eyes ---------------------------------------------------------------------------


def test_a_reviewer_may_not_publish_what_they_drafted(world: World) -> None:
    # given
    announcement = make_in_review(author=world.reviewer, office=world.office)
    before, events = snapshot(), AuditEvent.objects.count()

    # when
    with pytest.raises(ApiError) as raised:
        services.announcement_transition(actor=world.reviewer, announcement=announcement, to=Status.PUBLISHED)

    # then
    assert (raised.value.status, raised.value.code) == (403, "own_work")
    assert snapshot() == before
    assert AuditEvent.objects.count() == events
    published = services.announcement_transition(
        actor=world.supervisor, announcement=announcement, to=Status.PUBLISHED
    )
    assert (published.status, published.reviewer_id) == (Status.PUBLISHED, world.supervisor.pk)


def test_the_last_editor_may_not_publish_either(world: World) -> None:
    # given: the clerk drafted, the reviewer changed the text and sent it for review
    draft = make_draft(author=world.clerk, office=world.office)
    services.announcement_edit(
        actor=world.reviewer, announcement=draft, content=make_content(title_en="Changed")
    )
    services.announcement_transition(actor=world.reviewer, announcement=draft, to=Status.IN_REVIEW)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as raised:
        services.announcement_transition(actor=world.reviewer, announcement=draft, to=Status.PUBLISHED)

    # then
    assert (raised.value.status, raised.value.code) == (403, "own_work")
    assert snapshot() == before


@pytest.mark.parametrize("field", ["author", "last_editor"])
def test_the_database_refuses_a_row_published_by_its_author_or_last_editor(world: World, field: str) -> None:
    # given
    announcement = make_in_review(author=world.reviewer, office=world.office)
    if field == "last_editor":
        Announcement.objects.filter(pk=announcement.pk).update(author=world.clerk)
        announcement.refresh_from_db()

    # when: bypassing the service
    announcement.status = Status.PUBLISHED
    announcement.reviewer = world.reviewer
    announcement.published_at = timezone.now()

    # then
    with pytest.raises(IntegrityError), transaction.atomic():
        announcement.save()
    announcement.refresh_from_db()
    assert (announcement.status, announcement.reviewer_id) == (Status.IN_REVIEW, None)


def test_the_database_refuses_a_published_row_without_a_reviewer(world: World) -> None:
    announcement = make_in_review(author=world.clerk, office=world.office)
    with pytest.raises(IntegrityError), transaction.atomic():
        Announcement.objects.filter(pk=announcement.pk).update(
            status=Status.PUBLISHED, published_at=timezone.now()
        )


def test_the_database_accepts_a_row_published_by_someone_else(world: World) -> None:
    announcement = make_in_review(author=world.clerk, office=world.office)
    updated = Announcement.objects.filter(pk=announcement.pk).update(
        status=Status.PUBLISHED, reviewer=world.reviewer, published_at=timezone.now()
    )
    assert updated == 1


def test_city_wide_needs_a_second_administrator(world: World) -> None:
    # given
    announcement = make_in_review(author=world.admin, office=None)

    # when / then: the author may not, another office's administrator may
    with pytest.raises(ApiError) as raised:
        services.announcement_transition(actor=world.admin, announcement=announcement, to=Status.PUBLISHED)
    assert raised.value.code == "own_work"
    published = services.announcement_transition(
        actor=world.other_admin, announcement=announcement, to=Status.PUBLISHED
    )
    assert (published.status, published.office_id, published.reviewer_id) == (
        Status.PUBLISHED,
        None,
        world.other_admin.pk,
    )


# --- Offices -----------------------------------------------------------------------------


def test_staff_of_another_office_neither_see_nor_act(world: World) -> None:
    # given
    announcement = make_in_review(author=world.clerk, office=world.office)
    before, events = snapshot(), AuditEvent.objects.count()

    # when / then
    assert list(announcements_for_staff(world.other_reviewer)) == []
    with pytest.raises(NotFound):
        access_announcement_for_staff(world.other_reviewer, announcement.pk)
    for to in Status:
        with pytest.raises(NotFound):
            services.announcement_transition(
                actor=world.other_reviewer, announcement=announcement, to=to, reason="理由"
            )
    with pytest.raises(NotFound):
        services.announcement_edit(
            actor=world.other_reviewer, announcement=announcement, content=make_content()
        )
    assert snapshot() == before
    assert AuditEvent.objects.count() == events


def test_city_wide_ones_are_seen_by_administrators_only(world: World) -> None:
    # given
    city_wide = make_draft(author=world.admin, office=None)
    local = make_draft(author=world.clerk, office=world.office)

    # when / then
    assert list(announcements_for_staff(world.other_admin)) == [city_wide]
    assert set(announcements_for_staff(world.admin)) == {city_wide, local}
    assert list(announcements_for_staff(world.reviewer)) == [local]
    with pytest.raises(NotFound):
        services.announcement_transition(actor=world.supervisor, announcement=city_wide, to=Status.IN_REVIEW)
    assert Announcement.objects.get(pk=city_wide.pk).status == Status.DRAFT


def test_citizens_see_no_drafts(world: World) -> None:
    make_draft(author=world.clerk, office=world.office)
    assert list(announcements_for_staff(register_citizen(name="王小明"))) == []


# --- History -----------------------------------------------------------------------------


def test_every_edit_keeps_the_earlier_versions(world: World) -> None:
    # given
    first = make_content(title_zh="第一稿")
    announcement = services.announcement_create(actor=world.clerk, office=world.office, content=first)

    # when
    second = replace(first, title_zh="第二稿")
    services.announcement_edit(actor=world.reviewer, announcement=announcement, content=second)
    services.announcement_edit(
        actor=world.clerk, announcement=announcement, content=replace(second, body_en="Third.")
    )

    # then
    announcement.refresh_from_db()
    versions = AnnouncementVersion.objects.filter(announcement=announcement).order_by("number")
    assert [(v.number, v.title_zh, v.body_en[:6], v.editor_id) for v in versions] == [
        (1, "第一稿", "The wi", world.clerk.pk),
        (2, "第二稿", "The wi", world.reviewer.pk),
        (3, "第二稿", "Third.", world.clerk.pk),
    ]
    assert announcement.current_version_id == versions[2].pk
    assert announcement.last_editor_id == world.clerk.pk
    edits = AuditEvent.objects.filter(action=AuditAction.ANNOUNCEMENT_EDITED).order_by("seq")
    assert [e.changes for e in edits] == [
        {"version": [1, 2], "fields": [None, ["title_zh"]]},
        {"version": [2, 3], "fields": [None, ["body_en"]]},
    ]


def test_an_edit_that_changes_nothing_writes_nothing(world: World) -> None:
    # given
    announcement = make_draft(author=world.clerk, office=world.office)
    version = announcement.current_version
    assert version is not None
    before, events = snapshot(), AuditEvent.objects.count()
    same = make_content(
        starts_at=version.starts_at, ends_at=version.ends_at, title_zh=f"  {version.title_zh}"
    )

    # when
    services.announcement_edit(actor=world.reviewer, announcement=announcement, content=same)

    # then
    assert snapshot() == before
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("status", [Status.IN_REVIEW, Status.PUBLISHED, Status.WITHDRAWN])
def test_only_a_draft_can_be_edited(world: World, status: Status) -> None:
    # given
    announcement = in_state(world, status)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as raised:
        services.announcement_edit(
            actor=world.clerk, announcement=announcement, content=make_content(title_zh="改")
        )

    # then
    assert (raised.value.status, raised.value.code) == (409, "not_editable")
    assert snapshot() == before


def test_versions_are_numbered_once(world: World) -> None:
    announcement = make_draft(author=world.clerk, office=world.office)
    version = announcement.current_version
    assert version is not None
    version.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        version.save()
