"""The public directory: which agencies are listed, their items, fees, caps, rating and
complaint count, and the filters by office and item."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.agencies import directory, licensing
from fairlane.agencies.models import AgencyKind, AgencyStatus, AuthorisationStatus, Complaint, ComplaintKind
from fairlane.agencies.tests.factories import make_agency, make_agent, make_authorisation, make_hospital
from fairlane.core.errors import NotFound
from fairlane.registry.tests.factories import make_licence, make_office

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _now(time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI), tick=False)
    call_command("load_catalogue", verbosity=0)


def test_only_licensed_and_suspended_agencies_in_their_period_are_listed() -> None:
    # given
    office = make_office()
    licensed = make_agency(office=office, name="甲代办", seed=1)
    suspended = make_agency(office=office, name="乙代办", status=AgencyStatus.SUSPENDED, seed=2)
    make_agency(office=office, name="丙代办", status=AgencyStatus.REVOKED, seed=3)
    make_hospital(office=office, name="丁医院", seed=4)
    ended = make_agency(office=office, name="戊代办", seed=5)
    ended.licensed_from, ended.licensed_until = (
        timezone.localdate() - timedelta(days=400),
        timezone.localdate() - timedelta(days=1),
    )
    ended.save()

    # when
    listed = list(directory.listed_agencies())

    # then
    assert {agency.name for agency in listed} == {licensed.name, suspended.name}


def test_an_entry_has_items_fees_caps_rating_and_complaints() -> None:
    # given
    office = make_office()
    supervisor = make_staff(Role.SUPERVISOR, office=office, seed=102)
    licensing.fee_cap_set(actor=supervisor, item_code="DL-RENEW", cap_fen=20_000)
    agency = make_agency(office=office, items={"DL-RENEW": 15_000, "DL-LOST": 10_000})
    agent = make_agent(agency)
    citizen = register_citizen(seed=3)
    licence = make_licence(id_number=citizen.id_number, holder_name=citizen.name, office=office)
    for rating in (5, 4, None):
        closed = make_authorisation(
            agent=agent, citizen=citizen, licence=licence, status=AuthorisationStatus.CLOSED
        )
        closed.rating = rating
        closed.save(update_fields=["rating"])
    Complaint.objects.create(
        agency=agency, citizen=citizen, kind=ComplaintKind.CONDUCT, opened_at=timezone.now(), detail="态度差"
    )

    # when
    entry = directory.directory_entry(agency.pk)

    # then
    assert [(row.code, row.fee_fen, row.cap_fen) for row in entry.items] == [
        ("DL-LOST", 10_000, None),
        ("DL-RENEW", 15_000, 20_000),
    ]
    assert entry.items[1].item is not None and entry.items[1].item.name.en == "Renewal on expiry"
    assert (entry.rating, entry.ratings, entry.complaints) == (4.5, 2, 1)


def test_an_agency_not_listed_is_not_found() -> None:
    # given
    agency = make_agency(office=make_office(), status=AgencyStatus.REVOKED)

    # when / then
    with pytest.raises(NotFound):
        directory.directory_entry(agency.pk)


def test_search_by_office_and_by_item() -> None:
    # given
    shanghai = make_office()
    nanjing = make_office(code="320000", name="南京市公安局交通管理局车辆管理所")
    renew = make_agency(office=shanghai, name="甲代办", items={"DL-RENEW": 100}, seed=1)
    inspect = make_agency(office=shanghai, name="乙代办", items={"VH-INSPECT-BOOK": 100}, seed=2)
    post = make_agency(office=nanjing, name="丙邮政", kind=AgencyKind.POST, items={"DL-RENEW": 100}, seed=3)

    # when / then
    assert set(directory.directory_search(office_code="310000")) == {renew, inspect}
    # by office code first: Shanghai (310000) before Nanjing (320000)
    assert list(directory.directory_search(item_code="dl-renew")) == [renew, post]
    assert list(directory.directory_search(office_code="320000", item_code="DL-RENEW")) == [post]
    assert list(directory.directory_search(office_code="999999")) == []
