"""Staff changes of catalogue items: the line format, the workflow, publishing as the next
version, the pages, and who may do what."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import product
from typing import Any, TypeVar

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.catalogue.changes import rules, services
from fairlane.catalogue.changes.models import PROPOSE_PERMISSION, PUBLISH_PERMISSION, ItemChange
from fairlane.catalogue.changes.models import ItemChangeStatus as Status
from fairlane.catalogue.changes.rules import Entry, Refusal
from fairlane.catalogue.models import CatalogueItem, ItemVersion
from fairlane.catalogue.schema import Item
from fairlane.catalogue.services import catalogue_load
from fairlane.catalogue.tests.factories import bi, make_item
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, Conflict, InvalidInput
from fairlane.integrity.models import AuditEvent
from fairlane.registry.tests.factories import make_office

CODE = "DL-TEST"
AUTHOR, REVIEWER = 1, 2
BOTH = frozenset({PROPOSE_PERMISSION, PUBLISH_PERMISSION})
T = TypeVar("T")


def english(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`function` called with English as the active language, for exact messages."""
    with translation.override("en"):
        return function(*args, **kwargs)


# --- The `中文 | English` lines ------------------------------------------------------------


def test_lines_are_parsed_with_blank_lines_skipped_and_either_bar() -> None:
    # given
    text = "驾驶证 | Driving licence\r\n\r\n  身份证｜ID card  \n"

    # when
    entries = rules.parse_lines(text)

    # then
    assert entries == [Entry("驾驶证", "Driving licence"), Entry("身份证", "ID card")]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("只有中文", "Line 2: write the Chinese and the English, separated by “|”."),
        (" | English only", "Line 2: the Chinese is missing before the “|”."),
        ("只有中文 |", "Line 2: the English is missing after the “|”."),
        (" | ", "Line 2: write the Chinese and the English, separated by “|”."),
        ("一 | one | two", "Line 2: use “|” only once, between the Chinese and the English."),
    ],
)
def test_a_line_missing_a_side_is_named_by_its_number(line: str, message: str) -> None:
    # when
    with pytest.raises(rules.LineErrors) as raised:
        english(rules.parse_lines, f"好 | Good\n{line}")

    # then
    assert raised.value.messages == [message]


def test_every_bad_line_is_named() -> None:
    with pytest.raises(rules.LineErrors) as raised:
        english(rules.parse_lines, "坏\n好 | Good\n\n | bad")
    assert raised.value.messages == [
        "Line 1: write the Chinese and the English, separated by “|”.",
        "Line 4: the Chinese is missing before the “|”.",
    ]


def test_materials_may_be_flagged_online() -> None:
    # when
    entries = rules.parse_lines(
        "身份证 | ID card | online\n照片 | Photo\n行驶证 | Vehicle licence | ONLINE", online_flag=True
    )

    # then
    assert entries == [
        Entry("身份证", "ID card", online=True),
        Entry("照片", "Photo", online=False),
        Entry("行驶证", "Vehicle licence", online=True),
    ]


def test_only_online_may_follow_a_material() -> None:
    with pytest.raises(rules.LineErrors) as raised:
        english(rules.parse_lines, "身份证 | ID card | by post", online_flag=True)
    assert raised.value.messages == ["Line 1: only “online” may follow the English, after a second “|”."]


def test_the_online_flag_is_only_for_materials() -> None:
    with pytest.raises(rules.LineErrors) as raised:
        english(rules.parse_lines, "提交 | Submit | online")
    assert raised.value.messages == ["Line 1: use “|” only once, between the Chinese and the English."]


_side = (
    st.text(
        alphabet=st.characters(blacklist_characters="|｜", blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)


@given(st.lists(st.builds(Entry, zh=_side, en=_side, online=st.booleans()), max_size=8))
def test_written_lines_read_back_the_same(entries: list[Entry]) -> None:
    assert rules.parse_lines(rules.format_lines(entries), online_flag=True) == entries


# --- The edit of an item ---------------------------------------------------------------------


def test_an_edit_replaces_only_the_edited_fields_and_keeps_notes_by_chinese_name() -> None:
    # given
    base = make_item(
        materials=[
            {"name": bi("居民身份证", "ID card"), "waived_online": True, "note": bi("带原件", "Bring it")},
            {"name": bi("照片", "Photo"), "note": bi("白底", "White background")},
        ]
    )
    edit = replace(
        rules.edit_of(base),
        fee_fen=2550,
        materials=(Entry("居民身份证", "Resident ID card"), Entry("相片", "Photo")),
    )

    # when
    proposed = rules.apply_edit(base, edit)

    # then
    assert proposed.fee_fen == 2550
    assert [(m.name.en, m.waived_online, m.note) for m in proposed.materials] == [
        ("Resident ID card", False, base.materials[0].note),
        ("Photo", False, None),
    ]
    unchanged = {"fee_fen", "materials"}
    assert proposed.model_dump(exclude=unchanged) == base.model_dump(exclude=unchanged)


def test_edit_errors_say_what_the_schema_needs() -> None:
    edit = rules.Edit(
        fee_fen=-1, time_limit_days=-1, conditions=(), materials=(), steps=(Entry("一", "one"),)
    )
    assert english(rules.edit_errors, edit) == {
        "fee": "The fee cannot be negative.",
        "time_limit": "The time limit cannot be negative.",
        "conditions": "Enter at least one condition.",
        "steps": "Enter at least two steps.",
    }


def test_yuan_become_fen() -> None:
    assert [rules.fen_of_yuan(Decimal(v)) for v in ("0", "0.01", "12.5", "99999.99")] == [0, 1, 1250, 9999999]


def test_the_diff_marks_lines_not_on_the_other_side() -> None:
    before = make_item()
    after = make_item(fee_fen=2550, steps=[bi("提交", "Submit"), bi("邮寄", "Delivery")])
    assert rules.item_diff(before, after) == [
        rules.FieldDiff("fee", (rules.Line("10.00", True),), (rules.Line("25.50", True),)),
        rules.FieldDiff(
            "steps",
            (rules.Line("提交 | Submit", False), rules.Line("领取 | Collect", True)),
            (rules.Line("提交 | Submit", False), rules.Line("邮寄 | Delivery", True)),
        ),
    ]


# --- The workflow, without a database --------------------------------------------------------

ALLOWED = {
    (Status.DRAFT, Status.IN_REVIEW),
    (Status.IN_REVIEW, Status.DRAFT),
    (Status.IN_REVIEW, Status.PUBLISHED),
    (Status.IN_REVIEW, Status.REJECTED),
}


def refusal(
    source: Status,
    target: Status,
    *,
    actor: int = REVIEWER,
    permissions: frozenset[str] = BOTH,
    reason: str = "费用写错了",
    base_is_current: bool = True,
) -> Refusal | None:
    return rules.transition_refusal(
        source=source,
        target=target,
        permissions=permissions,
        actor_id=actor,
        author_id=AUTHOR,
        reason=reason,
        base_is_current=base_is_current,
    )


def test_the_table_holds_exactly_the_four_moves() -> None:
    assert set(rules.TRANSITIONS) == ALLOWED


@pytest.mark.parametrize(("source", "target"), sorted(set(product(Status, Status)) - ALLOWED))
def test_every_other_move_is_not_allowed(source: Status, target: Status) -> None:
    assert refusal(source, target, actor=AUTHOR) is Refusal.NOT_ALLOWED
    assert refusal(source, target, actor=REVIEWER) is Refusal.NOT_ALLOWED


@pytest.mark.parametrize(
    ("source", "target", "actor", "permissions", "reason", "expected"),
    [
        (Status.DRAFT, Status.IN_REVIEW, AUTHOR, frozenset({PROPOSE_PERMISSION}), "", None),
        (Status.DRAFT, Status.IN_REVIEW, REVIEWER, BOTH, "", Refusal.NOT_AUTHOR),
        (Status.DRAFT, Status.IN_REVIEW, AUTHOR, frozenset({PUBLISH_PERMISSION}), "", Refusal.FORBIDDEN),
        (Status.IN_REVIEW, Status.PUBLISHED, REVIEWER, frozenset({PUBLISH_PERMISSION}), "", None),
        (Status.IN_REVIEW, Status.PUBLISHED, AUTHOR, BOTH, "", Refusal.OWN_WORK),
        (
            Status.IN_REVIEW,
            Status.PUBLISHED,
            REVIEWER,
            frozenset({PROPOSE_PERMISSION}),
            "",
            Refusal.FORBIDDEN,
        ),
        (Status.IN_REVIEW, Status.DRAFT, REVIEWER, BOTH, "写清楚原因", None),
        (Status.IN_REVIEW, Status.DRAFT, REVIEWER, BOTH, "  ", Refusal.REASON_INVALID),
        (Status.IN_REVIEW, Status.DRAFT, AUTHOR, BOTH, "收回修改", Refusal.OWN_WORK),
        (Status.IN_REVIEW, Status.REJECTED, REVIEWER, BOTH, "不需要修改", None),
        (Status.IN_REVIEW, Status.REJECTED, REVIEWER, BOTH, "", Refusal.REASON_INVALID),
        (Status.IN_REVIEW, Status.REJECTED, REVIEWER, BOTH, "长" * 201, Refusal.REASON_INVALID),
        (Status.IN_REVIEW, Status.REJECTED, AUTHOR, BOTH, "不要了", Refusal.OWN_WORK),
    ],
)
def test_who_may_take_each_move(
    source: Status,
    target: Status,
    actor: int,
    permissions: frozenset[str],
    reason: str,
    expected: Refusal | None,
) -> None:
    assert refusal(source, target, actor=actor, permissions=permissions, reason=reason) is expected


def test_only_publishing_needs_the_base_to_be_current() -> None:
    assert refusal(Status.IN_REVIEW, Status.PUBLISHED, base_is_current=False) is Refusal.STALE
    assert refusal(Status.IN_REVIEW, Status.REJECTED, base_is_current=False) is None
    assert refusal(Status.DRAFT, Status.IN_REVIEW, actor=AUTHOR, base_is_current=False) is None


# --- Services ----------------------------------------------------------------------------------


@dataclass
class World:
    item: CatalogueItem
    clerk: User
    reviewer: User  # may propose
    supervisor: User  # may propose and publish
    admin: User  # may propose and publish


@pytest.fixture
def world(db: None) -> World:
    office = make_office()
    catalogue_load(items=[make_item()])
    return World(
        item=CatalogueItem.objects.get(code=CODE),
        clerk=make_staff(Role.CLERK, office=office, seed=201),
        reviewer=make_staff(Role.REVIEWER, office=office, seed=202),
        supervisor=make_staff(Role.SUPERVISOR, office=office, seed=203),
        admin=make_staff(Role.ADMIN, office=office, seed=204),
    )


def an_edit(**fields: object) -> rules.Edit:
    return replace(rules.edit_of(make_item()), **fields)  # type: ignore[arg-type]


def make_draft(world: World, author: User, fee_fen: int = 2550, base_number: int = 1) -> ItemChange:
    return services.item_change_create(
        actor=author,
        item=world.item,
        base_number=base_number,
        edit=an_edit(fee_fen=fee_fen),
        summary="工本费调整",
    )


def make_in_review(world: World, author: User, fee_fen: int = 2550) -> ItemChange:
    draft = make_draft(world, author, fee_fen)
    return services.item_change_transition(actor=author, change=draft, to=Status.IN_REVIEW)


def snapshot() -> list[tuple[object, ...]]:
    """Every change, version and audit row, to show that a refused step changed nothing."""
    return (
        list(ItemChange.objects.order_by("pk").values_list())
        + list(ItemVersion.objects.order_by("pk").values_list())
        + list(AuditEvent.objects.order_by("pk").values_list("pk", "action"))
    )


def change_events(change: ItemChange) -> list[tuple[int, int | None, str]]:
    events = AuditEvent.objects.filter(object_type="catalogue.itemchange", object_id=str(change.pk))
    return list(events.order_by("seq").values_list("action", "actor_id", "reason"))


def test_a_draft_holds_the_full_proposed_item_and_is_audited(world: World) -> None:
    # when
    change = make_draft(world, world.reviewer)

    # then
    change.refresh_from_db()
    assert Item.model_validate(change.content) == make_item(fee_fen=2550)
    assert (change.status, change.base_version.number, change.author, change.reviewer, change.summary) == (
        Status.DRAFT,
        1,
        world.reviewer,
        None,
        "工本费调整",
    )
    event = AuditEvent.objects.get(action=AuditAction.CATALOGUE_CHANGE_DRAFTED)
    assert (event.actor_id, event.object_id, event.changes) == (
        world.reviewer.pk,
        str(change.pk),
        {"code": [None, CODE], "base_version": [None, 1], "fields": [None, ["fee"]]},
    )


def test_a_draft_that_changes_nothing_is_refused(world: World) -> None:
    before = snapshot()
    with pytest.raises(InvalidInput) as raised:
        services.item_change_create(
            actor=world.reviewer, item=world.item, base_number=1, edit=an_edit(), summary="没改"
        )
    assert raised.value.code == "unchanged"
    assert snapshot() == before


def test_a_draft_needs_a_summary_and_a_valid_edit(world: World) -> None:
    before = snapshot()
    with pytest.raises(InvalidInput) as raised:
        english(
            services.item_change_create,
            actor=world.reviewer,
            item=world.item,
            base_number=1,
            edit=an_edit(fee_fen=2550, steps=(Entry("提交", "Submit"),)),
            summary=" ",
        )
    assert raised.value.fields == {
        "steps": "Enter at least two steps.",
        "summary": "Say in a sentence what changes and why.",
    }
    assert snapshot() == before


def test_a_draft_from_an_old_version_is_refused(world: World) -> None:
    # given version 2 is published from the data file
    catalogue_load(items=[make_item(fee_fen=1200)])
    before = snapshot()

    # when / then
    with pytest.raises(Conflict) as raised:
        make_draft(world, world.reviewer, base_number=1)
    assert raised.value.code == "stale"
    assert snapshot() == before


def test_every_allowed_move_through_the_service_is_audited(world: World) -> None:
    # given
    change = make_draft(world, world.reviewer)

    # when
    services.item_change_transition(actor=world.reviewer, change=change, to=Status.IN_REVIEW)
    services.item_change_transition(
        actor=world.supervisor, change=change, to=Status.DRAFT, reason="请写明依据"
    )
    sent_back = ItemChange.objects.get(pk=change.pk)
    services.item_change_transition(actor=world.reviewer, change=change, to=Status.IN_REVIEW)
    rejected = services.item_change_transition(
        actor=world.admin, change=change, to=Status.REJECTED, reason="收费标准未批准"
    )

    # then
    assert (sent_back.status, sent_back.status_reason, sent_back.reviewer) == (
        Status.DRAFT,
        "请写明依据",
        None,
    )
    rejected.refresh_from_db()
    assert (rejected.status, rejected.status_reason, rejected.reviewer, rejected.published_version) == (
        Status.REJECTED,
        "收费标准未批准",
        world.admin,
        None,
    )
    assert change_events(change) == [
        (AuditAction.CATALOGUE_CHANGE_DRAFTED, world.reviewer.pk, ""),
        (AuditAction.CATALOGUE_CHANGE_SUBMITTED, world.reviewer.pk, ""),
        (AuditAction.CATALOGUE_CHANGE_SENT_BACK, world.supervisor.pk, "请写明依据"),
        (AuditAction.CATALOGUE_CHANGE_SUBMITTED, world.reviewer.pk, ""),
        (AuditAction.CATALOGUE_CHANGE_REJECTED, world.admin.pk, "收费标准未批准"),
    ]
    assert ItemVersion.objects.count() == 1


def test_publishing_adds_the_next_version_from_staff(world: World) -> None:
    # given
    change = make_in_review(world, world.reviewer)

    # when
    published = services.item_change_transition(actor=world.supervisor, change=change, to=Status.PUBLISHED)

    # then
    version = ItemVersion.objects.get(item=world.item, number=2)
    assert (version.source, version.content["fee_fen"], published.published_version) == (
        ItemVersion.Source.STAFF_CHANGE,
        2550,
        version,
    )
    assert (published.status, published.reviewer, published.decided_at is not None) == (
        Status.PUBLISHED,
        world.supervisor,
        True,
    )
    assert change_events(change)[-1] == (AuditAction.CATALOGUE_CHANGE_PUBLISHED, world.supervisor.pk, "")
    assert AuditEvent.objects.get(action=AuditAction.CATALOGUE_CHANGE_PUBLISHED).changes == {
        "status": ["in_review", "published"],
        "code": [None, CODE],
        "base_version": [None, 1],
        "version": [1, 2],
    }
    version_events = AuditEvent.objects.filter(action=AuditAction.CATALOGUE_VERSION_PUBLISHED)
    assert sorted(version_events.values_list("object_id", flat=True)) == sorted(
        str(v.pk) for v in ItemVersion.objects.all()
    )


@pytest.mark.parametrize(
    ("setup", "actor", "to", "reason", "code", "status"),
    [
        ("draft", "supervisor", Status.IN_REVIEW, "", "not_author", 403),
        ("draft", "supervisor", Status.PUBLISHED, "", "not_allowed", 409),
        ("draft", "supervisor", Status.REJECTED, "不要", "not_allowed", 409),
        ("in_review", "reviewer", Status.PUBLISHED, "", "forbidden", 403),
        ("in_review", "reviewer", Status.REJECTED, "不要", "forbidden", 403),
        ("in_review", "clerk", Status.PUBLISHED, "", "forbidden", 403),
        ("in_review", "supervisor", Status.DRAFT, "", "invalid", 422),
        ("in_review", "supervisor", Status.IN_REVIEW, "", "not_allowed", 409),
        ("published", "admin", Status.REJECTED, "撤回", "not_allowed", 409),
        ("published", "admin", Status.DRAFT, "撤回", "not_allowed", 409),
        ("rejected", "admin", Status.IN_REVIEW, "", "not_allowed", 409),
    ],
)
def test_refused_moves_change_nothing(
    world: World, setup: str, actor: str, to: Status, reason: str, code: str, status: int
) -> None:
    # given
    change = make_draft(world, world.reviewer)
    if setup != "draft":
        services.item_change_transition(actor=world.reviewer, change=change, to=Status.IN_REVIEW)
    if setup == "published":
        services.item_change_transition(actor=world.supervisor, change=change, to=Status.PUBLISHED)
    if setup == "rejected":
        services.item_change_transition(
            actor=world.supervisor, change=change, to=Status.REJECTED, reason="否"
        )
    before = snapshot()

    # when
    with pytest.raises(ApiError) as raised:
        services.item_change_transition(actor=getattr(world, actor), change=change, to=to, reason=reason)

    # then
    assert (raised.value.code, raised.value.status) == (code, status)
    assert snapshot() == before


def test_the_author_cannot_publish_their_own_change(world: World) -> None:
    # given a supervisor, who may publish, wrote the change
    change = make_in_review(world, world.supervisor)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as raised:
        services.item_change_transition(actor=world.supervisor, change=change, to=Status.PUBLISHED)

    # then
    assert (raised.value.code, raised.value.status) == ("own_work", 403)
    assert snapshot() == before


@pytest.mark.parametrize("reviewer", ["author", "nobody"])
def test_the_database_refuses_a_decision_without_another_reviewer(world: World, reviewer: str) -> None:
    # given
    change = make_in_review(world, world.supervisor)
    change.status, change.decided_at, change.status_reason = Status.REJECTED, timezone.now(), "自己否决"
    change.reviewer = world.supervisor if reviewer == "author" else None

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        change.save()


def test_the_database_accepts_a_decision_by_another(world: World) -> None:
    change = make_in_review(world, world.supervisor)
    change.status, change.decided_at, change.status_reason = Status.REJECTED, timezone.now(), "否决"
    change.reviewer = world.admin
    change.save()
    assert ItemChange.objects.get(pk=change.pk).status == Status.REJECTED


def test_publishing_over_a_newer_version_is_a_conflict_and_writes_nothing(world: World) -> None:
    # given two changes from version 1, the first already published as version 2
    first = make_in_review(world, world.reviewer, fee_fen=2000)
    second = make_in_review(world, world.reviewer, fee_fen=3000)
    services.item_change_transition(actor=world.supervisor, change=first, to=Status.PUBLISHED)
    before = snapshot()

    # when
    with pytest.raises(Conflict) as raised:
        english(services.item_change_transition, actor=world.admin, change=second, to=Status.PUBLISHED)

    # then
    assert (raised.value.code, raised.value.status) == ("stale", 409)
    with translation.override("en"):
        message = str(raised.value.message)
    assert message.startswith("Another version of this item was published after this change")
    assert snapshot() == before
    assert ItemChange.objects.get(pk=second.pk).status == Status.IN_REVIEW


def test_the_author_edits_a_draft_and_it_is_audited(world: World) -> None:
    # given
    change = make_draft(world, world.reviewer)

    # when
    services.item_change_edit(
        actor=world.reviewer,
        change=change,
        edit=an_edit(fee_fen=2550, time_limit_days=3),
        summary="工本费和时限",
    )
    services.item_change_edit(
        actor=world.reviewer,
        change=change,
        edit=an_edit(fee_fen=2550, time_limit_days=3),
        summary="工本费和时限",
    )

    # then
    change.refresh_from_db()
    assert (change.content["time_limit_days"], change.summary) == (3, "工本费和时限")
    edits = AuditEvent.objects.filter(action=AuditAction.CATALOGUE_CHANGE_EDITED)
    assert [event.changes for event in edits] == [{"fields": [None, ["time_limit", "summary"]]}]


@pytest.mark.parametrize(
    ("editor", "submitted", "code"), [("admin", False, "forbidden"), ("reviewer", True, "not_editable")]
)
def test_only_the_author_edits_and_only_a_draft(
    world: World, editor: str, submitted: bool, code: str
) -> None:
    change = make_in_review(world, world.reviewer) if submitted else make_draft(world, world.reviewer)
    before = snapshot()
    with pytest.raises(ApiError) as raised:
        services.item_change_edit(
            actor=getattr(world, editor), change=change, edit=an_edit(fee_fen=100), summary="再改"
        )
    assert raised.value.code == code
    assert snapshot() == before


# --- The public guide and the data files -----------------------------------------------------


def publish_fee(world: World, fee_fen: int) -> ItemChange:
    change = make_in_review(world, world.reviewer, fee_fen=fee_fen)
    return services.item_change_transition(actor=world.supervisor, change=change, to=Status.PUBLISHED)


def guide_facts(client: Client) -> tuple[str, str]:
    """The fee and the "last changed" line of the public guide, as an English reader sees them."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(f"/services/{CODE}/")
    html = " ".join(response.content.decode().split())
    published = response.context["published"]
    fee = f"CNY {published.item.fee_fen // 100}.{published.item.fee_fen % 100:02d}"
    changed = f"{timezone.localtime(published.published_at):%Y-%m-%d} (version {published.version})"
    assert f"<dd>{fee}</dd>" in html
    assert f"<dt>Last changed</dt><dd>{changed}</dd>" in html
    return fee, changed


def test_a_published_change_is_the_guides_next_version(client: Client, world: World) -> None:
    # given
    assert guide_facts(client) == ("CNY 10.00", f"{timezone.localdate():%Y-%m-%d} (version 1)")

    # when
    publish_fee(world, 2550)

    # then
    assert guide_facts(client) == ("CNY 25.50", f"{timezone.localdate():%Y-%m-%d} (version 2)")


def test_loading_unchanged_data_files_keeps_the_staff_version(client: Client, world: World) -> None:
    # given
    publish_fee(world, 2550)

    # when
    result = catalogue_load(items=[make_item()])

    # then
    assert (result.published, result.unchanged) == ([], 1)
    assert list(ItemVersion.objects.order_by("number").values_list("number", "source")) == [
        (1, ItemVersion.Source.DATA_FILE),
        (2, ItemVersion.Source.STAFF_CHANGE),
    ]
    assert guide_facts(client)[0] == "CNY 25.50"


def test_a_changed_data_file_publishes_over_the_staff_version(client: Client, world: World) -> None:
    # given
    publish_fee(world, 2550)

    # when
    result = catalogue_load(items=[make_item(fee_fen=1500)])

    # then
    assert result.published == [CODE]
    assert list(
        ItemVersion.objects.order_by("number").values_list("number", "source", "content__fee_fen")
    ) == [
        (1, ItemVersion.Source.DATA_FILE, 1000),
        (2, ItemVersion.Source.STAFF_CHANGE, 2550),
        (3, ItemVersion.Source.DATA_FILE, 1500),
    ]
    assert guide_facts(client)[0] == "CNY 15.00"


# --- Pages -------------------------------------------------------------------------------------

FORM = {
    "base_version": "1",
    "summary": "工本费调整为25.50元",
    "fee": "25.50",
    "time_limit": "2",
    "conditions": "任何人 | Anyone",
    "materials": "居民身份证 | Resident ID card | online\r\n照片 | Photo",
    "steps": "提交 | Submit\r\n领取 | Collect",
}


def signed_in(client: Client, user: User) -> Client:
    staff_login(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_list_shows_items_and_open_changes(client: Client, world: World) -> None:
    # given
    change = make_draft(world, world.reviewer)
    signed_in(client, world.supervisor)

    # when
    response = client.get("/staff/catalogue/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/staff/catalogue/{CODE}/change/">Propose a change</a>' in html
    assert f'href="/staff/catalogue/changes/{change.pk}/">工本费调整</a>' in html


def test_the_form_is_prefilled_from_the_current_version(client: Client, world: World) -> None:
    signed_in(client, world.reviewer)
    form = client.get(f"/staff/catalogue/{CODE}/change/").context["form"]
    assert {
        name: form[name].value() for name in ("base_version", "fee", "time_limit", "materials", "steps")
    } == {
        "base_version": 1,
        "fee": "10.00",
        "time_limit": 1,
        "materials": "居民身份证 | Resident ID card | online",
        "steps": "提交 | Submit\n领取 | Collect",
    }


def test_posting_the_form_saves_a_draft(client: Client, world: World) -> None:
    # given
    signed_in(client, world.reviewer)

    # when
    response = client.post(f"/staff/catalogue/{CODE}/change/", FORM)

    # then
    change = ItemChange.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/catalogue/changes/{change.pk}/"
    proposed = Item.model_validate(change.content)
    assert (proposed.fee_fen, proposed.time_limit_days, change.status, change.author) == (
        2550,
        2,
        Status.DRAFT,
        world.reviewer,
    )
    assert [(m.name.zh, m.waived_online) for m in proposed.materials] == [
        ("居民身份证", True),
        ("照片", False),
    ]


def test_an_item_may_need_no_materials(client: Client, world: World) -> None:
    signed_in(client, world.reviewer)
    response = client.post(f"/staff/catalogue/{CODE}/change/", {**FORM, "materials": ""})
    assert response.status_code == 302
    assert ItemChange.objects.get().content["materials"] == []


def test_the_author_edits_a_sent_back_draft_on_its_page(client: Client, world: World) -> None:
    # given a change sent back to its author
    change = make_in_review(world, world.reviewer)
    services.item_change_transition(actor=world.supervisor, change=change, to=Status.DRAFT, reason="费用有误")
    signed_in(client, world.reviewer)
    assert client.get(f"/staff/catalogue/changes/{change.pk}/edit/").context["form"]["fee"].value() == "25.50"

    # when
    response = client.post(f"/staff/catalogue/changes/{change.pk}/edit/", {**FORM, "fee": "30.00"})

    # then
    change.refresh_from_db()
    assert response.status_code == 302
    assert (change.content["fee_fen"], change.summary, change.status) == (3000, FORM["summary"], Status.DRAFT)


def test_nobody_else_reaches_the_edit_page(client: Client, world: World) -> None:
    change = make_draft(world, world.reviewer)
    signed_in(client, world.supervisor)
    before = snapshot()
    response = client.post(f"/staff/catalogue/changes/{change.pk}/edit/", {**FORM, "fee": "30.00"})
    assert (response.status_code, response["Location"]) == (302, f"/staff/catalogue/changes/{change.pk}/")
    assert snapshot() == before


def test_a_bad_line_is_shown_next_to_its_field_and_nothing_is_saved(client: Client, world: World) -> None:
    # given
    signed_in(client, world.reviewer)
    before = snapshot()

    # when
    response = client.post(
        f"/staff/catalogue/{CODE}/change/", {**FORM, "steps": "提交 | Submit\r\n领取 |", "fee": "-1"}
    )

    # then
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "steps": ["Line 2: the English is missing after the “|”."],
        "fee": ["Ensure this value is greater than or equal to 0."],
    }
    assert 'id="id_steps_error"' in response.content.decode()
    assert snapshot() == before


def test_a_form_from_an_old_version_is_refused(client: Client, world: World) -> None:
    signed_in(client, world.reviewer)
    catalogue_load(items=[make_item(fee_fen=1200)])
    before = snapshot()
    response = client.post(f"/staff/catalogue/{CODE}/change/", FORM)
    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        "Version 2 of this item was published while you were editing. Start again from it."
    ]
    assert snapshot() == before


def test_the_detail_page_shows_old_and_new_values_side_by_side(client: Client, world: World) -> None:
    # given
    change = make_in_review(world, world.reviewer)
    signed_in(client, world.supervisor)

    # when
    response = client.get(f"/staff/catalogue/changes/{change.pk}/")

    # then
    html = response.content.decode()
    row = html.split('<th scope="row">Fee in yuan</th>')[1].split("</tr>")[0]
    assert " ".join(row.split()) == (
        '<td><ul class="info-list"><li><del>10.00</del></li></ul></td> '
        '<td><ul class="info-list"><li><ins>25.50</ins></li></ul></td>'
    )
    assert "Time limit in working days" not in html
    assert "Approve and publish" in html


def test_the_whole_review_through_the_pages(client: Client, world: World) -> None:
    # given a reviewer proposes and submits
    author = signed_in(Client(), world.reviewer)
    author.post(f"/staff/catalogue/{CODE}/change/", FORM)
    change = ItemChange.objects.get()
    assert author.post(f"/staff/catalogue/changes/{change.pk}/submit/").status_code == 302

    # when a supervisor publishes
    signed_in(client, world.supervisor)
    response = client.post(f"/staff/catalogue/changes/{change.pk}/publish/")

    # then
    assert response.status_code == 302
    assert ItemChange.objects.get().status == Status.PUBLISHED
    assert guide_facts(Client())[0] == "CNY 25.50"


def test_sending_back_needs_a_reason(client: Client, world: World) -> None:
    change = make_in_review(world, world.reviewer)
    signed_in(client, world.supervisor)
    before = snapshot()
    response = client.post(f"/staff/catalogue/changes/{change.pk}/send-back/", {"send_back-reason": ""})
    assert response.status_code == 422
    assert response.context["reason_forms"]["send_back"].errors == {"reason": ["Give a reason."]}
    assert snapshot() == before


def test_publishing_a_stale_change_says_why(client: Client, world: World) -> None:
    change = make_in_review(world, world.reviewer, fee_fen=3000)
    publish_fee(world, 2000)
    signed_in(client, world.admin)
    before = snapshot()
    response = client.post(f"/staff/catalogue/changes/{change.pk}/publish/")
    assert response.status_code == 409
    assert "Reject it and propose the change again from the current version." in response.content.decode()
    assert snapshot() == before


# --- Who may see and do what -------------------------------------------------------------------


def test_a_clerk_cannot_propose(client: Client, world: World) -> None:
    # given
    change = make_draft(world, world.reviewer)
    signed_in(client, world.clerk)
    before = snapshot()

    # when
    responses = [
        client.get("/staff/catalogue/"),
        client.get(f"/staff/catalogue/{CODE}/change/"),
        client.post(f"/staff/catalogue/{CODE}/change/", FORM),
        client.get(f"/staff/catalogue/changes/{change.pk}/"),
        client.post(f"/staff/catalogue/changes/{change.pk}/submit/"),
    ]

    # then
    assert [r.status_code for r in responses] == [404] * 5
    assert snapshot() == before


def test_the_service_refuses_a_clerk_too(world: World) -> None:
    before = snapshot()
    with pytest.raises(ApiError) as raised:
        make_draft(world, world.clerk)
    assert (raised.value.code, raised.value.status) == ("forbidden", 403)
    assert snapshot() == before


def test_a_reviewer_cannot_publish(client: Client, world: World) -> None:
    # given a change another reviewer wrote
    change = make_in_review(world, make_staff(Role.REVIEWER, office=world.clerk.office, seed=205))
    signed_in(client, world.reviewer)
    before = snapshot()

    # when
    page = client.get(f"/staff/catalogue/changes/{change.pk}/").content.decode()
    response = client.post(f"/staff/catalogue/changes/{change.pk}/publish/")

    # then
    assert "Approve and publish" not in page
    assert response.status_code == 403
    assert snapshot() == before


def test_a_citizen_sees_nothing(client: Client, world: World) -> None:
    # given
    change = make_in_review(world, world.reviewer)
    citizen = register_citizen()
    client.force_login(citizen)
    before = snapshot()

    # when
    responses = [
        client.get("/staff/catalogue/"),
        client.get(f"/staff/catalogue/{CODE}/change/"),
        client.post(f"/staff/catalogue/{CODE}/change/", FORM),
        client.get(f"/staff/catalogue/changes/{change.pk}/"),
        client.post(f"/staff/catalogue/changes/{change.pk}/publish/"),
    ]

    # then
    assert [r.status_code for r in responses] == [404] * 5
    assert snapshot() == before


def test_strangers_are_sent_to_sign_in(client: Client, world: World) -> None:
    response = client.get("/staff/catalogue/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/staff/catalogue/")
