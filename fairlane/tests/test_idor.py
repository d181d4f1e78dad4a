"""A citizen reaches only their own records, whatever path or id they try."""

from __future__ import annotations

import pytest
from django.test import Client

from fairlane.accounts.tests.factories import PASSWORD, api_token, register_citizen
from fairlane.applications import services
from fairlane.applications.models import Application, ApplicationEvent
from fairlane.catalogue.data_files import read_catalogue
from fairlane.catalogue.services import catalogue_load
from fairlane.registry.models import DriverLicence, Vehicle
from fairlane.registry.tests.factories import make_licence, make_office, make_vehicle
from fairlane.tests.test_no_unmasked_pii import concrete_paths

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple[object, ...]]:
    return [
        *DriverLicence.objects.order_by("pk").values_list(),
        *Vehicle.objects.order_by("pk").values_list(),
        *Application.objects.order_by("pk").values_list(),
        *ApplicationEvent.objects.order_by("pk").values_list(),
    ]


def test_another_citizens_records_never_show(client: Client) -> None:
    # given: Bob has a licence and a car; Alice signs in on the web and the API
    office = make_office()
    alice = register_citizen(name="王小明", seed=1)
    bob = register_citizen(name="李小红", seed=2)
    bobs_licence = make_licence(id_number=bob.id_number, holder_name=bob.name, office=office, seed=2)
    bobs_car = make_vehicle(owner_id_number=bob.id_number, owner_name=bob.name, office=office, seed=2)
    # ... and an application for his electronic licence, sent to the office
    catalogue_load(items=[item for item in read_catalogue() if item.code == "DL-ELECTRONIC"])
    bobs_application = services.application_create(
        applicant=bob, item_code="DL-ELECTRONIC", office=office, form_data={}
    )
    services.application_checkout(actor=bob, application=bobs_application)
    secrets = [bobs_car.plate, bobs_car.vin, bobs_licence.file_number, bob.name, bobs_application.reference]
    before = snapshot()
    client.post("/accounts/login/", {"username": alice.phone, "password": PASSWORD})
    auth = {"Authorization": f"Bearer {api_token(client, alice)}"}
    ids = [bobs_licence.pk, bobs_car.pk]
    api_paths = ["/api/v1/me", "/api/v1/me/licences", "/api/v1/me/vehicles", "/api/v1/applications"] + [
        f"/api/v1/me/vehicles/{pk}" for pk in ids
    ]
    api_paths.append(f"/api/v1/applications/{bobs_application.reference}")

    # when / then: every page and every API path, with Bob's ids where a path takes one
    for path in sorted(set(concrete_paths(ids, [bobs_application.reference]))):
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            body = response.content.decode()
            assert response.status_code < 500, (method, path)
            # his reference may echo back only in the address of the page that refuses it
            shown = [s for s in secrets if s in body and not (s == bobs_application.reference and s in path)]
            assert shown == [], (method, path)
    for path in api_paths:
        response = client.get(path, headers=auth)
        assert response.status_code in (200, 404), path
        assert [s for s in secrets if s in response.content.decode()] == [], path
    assert client.get(f"/api/v1/me/vehicles/{bobs_car.pk}", headers=auth).status_code == 404
    assert snapshot() == before
