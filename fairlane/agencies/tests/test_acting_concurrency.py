"""A revocation racing an agent's write (PostgreSQL): the write that waited for the
revocation's row lock sees the revocation and is refused; nothing is half-written."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections, transaction
from django.utils import timezone, translation
from time_machine import TimeMachineFixture

from fairlane.agencies.models import Authorisation, AuthorisationStatus
from fairlane.agencies.tests.acting_world import ITEM, World, world_make
from fairlane.applications import services
from fairlane.applications.models import Application
from fairlane.bookings.tests.hall import MONDAY
from fairlane.core.errors import ApiError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def world(time_machine: TimeMachineFixture, settings: Any, tmp_path: Path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    time_machine.move_to(MONDAY, tick=True)
    return world_make()


def test_a_write_waiting_behind_a_revocation_is_refused(world: World) -> None:
    # given: the citizen's revocation holds the authorisation's row lock
    locked = threading.Event()
    release = threading.Event()
    outcome: list[object] = []

    def citizen_revokes() -> None:
        try:
            with transaction.atomic():
                row = Authorisation.objects.select_for_update().get(pk=world.authorisation.pk)
                locked.set()
                release.wait(timeout=10)
                row.status = AuthorisationStatus.REVOKED
                row.ended_at = timezone.now()
                row.save(update_fields=["status", "ended_at"])
        finally:
            connections.close_all()

    def agent_files() -> None:
        try:
            outcome.append(
                services.application_create(
                    applicant=world.citizen,
                    agent=world.agent,
                    item_code=ITEM,
                    office=world.hall.office,
                    form_data={"vehicle": world.car.pk},
                )
            )
        except ApiError as error:
            outcome.append(error)
        finally:
            connections.close_all()

    revoker = threading.Thread(target=citizen_revokes)
    revoker.start()
    assert locked.wait(timeout=10)

    # when: the agent files while the revocation is under way, and then it commits
    filer = threading.Thread(target=agent_files)
    filer.start()
    time.sleep(0.5)  # lets the agent's transaction reach the lock (ordering, not a timing check)
    release.set()
    revoker.join()
    filer.join()

    # then
    assert len(outcome) == 1
    refused = outcome[0]
    assert isinstance(refused, ApiError), refused
    assert (refused.code, refused.status) == ("not_authorised", 403)
    assert Application.objects.count() == 0
