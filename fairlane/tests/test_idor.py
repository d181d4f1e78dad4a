"""A citizen reaches only their own records, whatever path or id they try."""

from __future__ import annotations

import pytest
from django.test import Client

from fairlane.accounts.tests.factories import PASSWORD, api_token, register_citizen
from fairlane.registry.models import DriverLicence, Vehicle
from fairlane.registry.tests.factories import make_licence, make_office, make_vehicle
from fairlane.tests.test_no_unmasked_pii import concrete_paths

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple[object, ...]]:
    return list(DriverLicence.objects.order_by("pk").values_list()) + list(
        Vehicle.objects.order_by("pk").values_list()
    )


def test_another_citizens_records_never_show(client: Client) -> None:
    # given: Bob has a licence and a car; Alice signs in on the web and the API
    office = make_office()
    alice = register_citizen(name="王小明", seed=1)
    bob = register_citizen(name="李小红", seed=2)
    bobs_licence = make_licence(id_number=bob.id_number, holder_name=bob.name, office=office, seed=2)
    bobs_car = make_vehicle(owner_id_number=bob.id_number, owner_name=bob.name, office=office, seed=2)
    secrets = [bobs_car.plate, bobs_car.vin, bobs_licence.file_number, bob.name]
    before = snapshot()
    client.post("/accounts/login/", {"username": alice.phone, "password": PASSWORD})
    auth = {"Authorization": f"Bearer {api_token(client, alice)}"}
    ids = [bobs_licence.pk, bobs_car.pk]
    api_paths = ["/api/v1/me", "/api/v1/me/licences", "/api/v1/me/vehicles"] + [
        f"/api/v1/me/vehicles/{pk}" for pk in ids
    ]

    # when / then: every page and every API path, with Bob's ids where a path takes one
    for path in sorted(set(concrete_paths(ids))):
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            body = response.content.decode()
            assert response.status_code < 500, (method, path)
            assert [s for s in secrets if s in body] == [], (method, path)
    for path in api_paths:
        response = client.get(path, headers=auth)
        assert response.status_code in (200, 404), path
        assert [s for s in secrets if s in response.content.decode()] == [], path
    assert client.get(f"/api/v1/me/vehicles/{bobs_car.pk}", headers=auth).status_code == 404
    assert snapshot() == before
