"""Walk every page and API response as each role and fail on anybody else's full ID
number or phone number. The viewer's own numbers are allowed; nothing else is."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import PASSWORD, api_token, make_staff, register_citizen
from fairlane.core.pii import find_unmasked_pii
from fairlane.core.testdata import make_id_number, make_mobile
from fairlane.registry.models import DriverLicence, Vehicle
from fairlane.registry.tests.factories import make_licence, make_office, make_police_station, make_vehicle
from fairlane.registry.tests.test_staff_pages import staff_login

pytestmark = pytest.mark.django_db

STAFF = [Role.CLERK, Role.REVIEWER, Role.SUPERVISOR, Role.POLICE, Role.ADMIN]


def concrete_paths(ids: list[int]) -> Iterator[str]:
    """Every GET-able path of the site: plain routes as they are, routes with an integer
    parameter once for each id. Admin pages are walked separately."""

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> Iterator[str]:
        for pattern in patterns:
            route = str(pattern.pattern)
            if route.startswith(("admin/", "api/", "i18n/")):
                continue
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + route)
            elif "<int:" in route:
                head, _, rest = route.partition("<int:")
                tail = rest.partition(">")[2]
                yield from (f"/{prefix}{head}{pk}{tail}" for pk in ids)
            elif "<" not in route:
                yield f"/{prefix}{route}"

    yield from walk(get_resolver().url_patterns, "")


API_PATHS = ["/api/v1/me", "/api/v1/me/licences", "/api/v1/me/vehicles", "/api/v1/openapi.json"]


@pytest.fixture
def world() -> dict[str, User]:
    office = make_office()
    station = make_police_station()
    people: dict[str, User] = {}
    for n, name in enumerate(["王小明", "李小红", "张大力"]):
        citizen = register_citizen(name=name, seed=n + 1)
        make_licence(id_number=citizen.id_number, holder_name=name, office=office, seed=n + 1)
        make_vehicle(owner_id_number=citizen.id_number, owner_name=name, office=office, seed=n + 1)
        people[f"citizen{n}"] = citizen
    # A record whose holder never registered online.
    rng = random.Random(99)
    make_licence(id_number=make_id_number(rng), holder_name="赵六", office=office, seed=99)
    for n, role in enumerate(STAFF):
        people[role] = make_staff(
            role,
            seed=200 + n,
            office=None if role == Role.POLICE else office,
            police_station=station if role == Role.POLICE else None,
        )
    for n, role in enumerate([Role.AGENT, Role.HOSPITAL]):
        user = register_citizen(name="周代办", seed=300 + n, phone=make_mobile(random.Random(300 + n)))
        user.role = role
        user.save(update_fields=["role"])
        people[role] = user
    return people


def assert_clean(text: str, viewer: User, where: str) -> None:
    leaked = find_unmasked_pii(text, allowed=[viewer.id_number, viewer.phone])
    assert leaked == [], f"{where} as {viewer.role} shows {len(leaked)} unmasked value(s)"


def test_no_page_or_response_shows_anothers_numbers(world: dict[str, User]) -> None:
    ids = sorted(
        set(DriverLicence.objects.values_list("pk", flat=True))
        | set(Vehicle.objects.values_list("pk", flat=True))
    )
    paths = sorted(set(concrete_paths(ids)))
    assert "/home/" in paths and "/staff/licences/" in paths  # the walk found the site
    checked = 0
    for key, viewer in world.items():
        client = Client()
        if viewer.is_office_staff:
            staff_login(client, viewer)
        else:
            client.post("/accounts/login/", {"username": viewer.phone, "password": PASSWORD})
            token = api_token(client, viewer)
            for path in API_PATHS:
                response = client.get(path, headers={"Authorization": f"Bearer {token}"})
                assert_clean(response.content.decode(), viewer, path)
                checked += 1
        for path in paths:
            response = client.get(path)
            assert response.status_code < 500, (path, key)
            assert_clean(response.content.decode(), viewer, path)
            checked += 1
        if viewer.is_staff:
            for model in admin.site._registry:
                meta = model._meta
                if not viewer.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
                    continue
                path = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
                response = client.get(path)
                assert response.status_code == 200, path
                assert_clean(response.content.decode(), viewer, path)
                checked += 1
    assert checked > 50
