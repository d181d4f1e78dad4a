"""The /api/v1/auth and /api/v1/me contract that apps and partners rely on."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from fairlane.accounts.models import ApiToken, User
from fairlane.accounts.tests.factories import PASSWORD, api_token, latest_code, register_citizen
from fairlane.registry.models import Vehicle
from fairlane.registry.tests.factories import make_licence, make_office, make_vehicle

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body: Any, **headers: str) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def test_register_through_the_api(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    # given
    with django_capture_on_commit_callbacks(execute=True):
        sent = post(client, "/api/v1/auth/sms-code", {"phone": "13912345678"})
    assert sent.status_code == 200

    # when
    response = post(
        client,
        "/api/v1/auth/register",
        {
            "name": "王小明",
            "id_number": "11010519491231002x",
            "phone": "13912345678",
            "code": latest_code("13912345678"),
            "password": PASSWORD,
        },
    )

    # then
    assert response.status_code == 201
    assert response.json() == {
        "id": User.objects.get().pk,
        "name": "王小明",
        "id_number": "110***********002X",
        "phone": "139****5678",
    }


def test_register_errors_name_every_field(client: Client) -> None:
    response = post(
        client,
        "/api/v1/auth/register",
        {"name": "王", "id_number": "123", "phone": "123", "code": "1", "password": "1"},
    )
    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "invalid"
    assert sorted(body["fields"]) == ["code", "id_number", "name", "password", "phone"]
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": 1},
        [],
        "text",
        {"name": None, "id_number": None, "phone": None, "code": None, "password": None},
    ],
)
def test_malformed_bodies_get_422_json(client: Client, body: Any) -> None:
    response = post(client, "/api/v1/auth/register", body)
    assert response.status_code in (400, 422)
    assert set(response.json()) == {"code", "message", "fields"}


def test_not_json_at_all_gets_a_4xx_json(client: Client) -> None:
    response = client.post("/api/v1/auth/register", "{not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert set(response.json()) == {"code", "message", "fields"}


def test_sms_code_throttle_answers_429_with_retry_after(client: Client) -> None:
    post(client, "/api/v1/auth/sms-code", {"phone": "13912345678"})
    response = post(client, "/api/v1/auth/sms-code", {"phone": "13912345678"})
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_bad_phone_for_sms_code(client: Client) -> None:
    response = post(client, "/api/v1/auth/sms-code", {"phone": "12345"})
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["phone"]


def test_token_and_me(client: Client) -> None:
    # given
    user = register_citizen(name="王小明")
    office = make_office()
    make_licence(id_number=user.id_number, holder_name=user.name, office=office, points=4)
    vehicle = make_vehicle(owner_id_number=user.id_number, owner_name=user.name, office=office)
    token = api_token(client, user)

    # when
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()

    # then
    assert me["name"] == "王小明"
    assert me["id_number"] == user.id_number[:3] + "*" * 11 + user.id_number[-4:]
    assert me["phone"] == user.phone[:3] + "****" + user.phone[-4:]
    assert me["licence"]["points"] == 4
    assert me["licence"]["permitted_classes"] == ["C1", "C2", "C3", "C4"]
    assert [v["plate"] for v in me["vehicles"]] == [vehicle.plate]
    assert isinstance(me["reminders"], list)


def test_wrong_credentials_get_401_and_no_token(client: Client) -> None:
    user = register_citizen()
    response = post(client, "/api/v1/auth/token", {"username": user.phone, "password": "nope-nope-nope"})
    assert response.status_code == 401
    assert response.json()["code"] == "bad_credentials"
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize(
    "path", ["/api/v1/me", "/api/v1/me/licences", "/api/v1/me/vehicles", "/api/v1/me/vehicles/1"]
)
@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer not-a-token", "Basic abc"])
def test_me_needs_a_valid_token(client: Client, path: str, header: str) -> None:
    response = client.get(path, headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_citizen_never_reads_another_citizens_records(client: Client) -> None:
    # given: two citizens with records
    office = make_office()
    alice = register_citizen(name="王小明", seed=1)
    bob = register_citizen(name="李小红", seed=2)
    make_licence(id_number=bob.id_number, holder_name=bob.name, office=office, seed=2)
    bobs_car = make_vehicle(owner_id_number=bob.id_number, owner_name=bob.name, office=office, seed=2)
    before = list(Vehicle.objects.values_list("pk", "plate", "owner_id_number"))
    auth = {"Authorization": f"Bearer {api_token(client, alice)}"}

    # when
    detail = client.get(f"/api/v1/me/vehicles/{bobs_car.pk}", headers=auth)
    listing = client.get("/api/v1/me/vehicles", headers=auth)
    licences = client.get("/api/v1/me/licences", headers=auth)
    me = client.get("/api/v1/me", headers=auth)

    # then
    assert detail.status_code == 404
    assert detail.json()["code"] == "not_found"
    assert listing.json() == []
    assert licences.json() == []
    assert me.json()["licence"] is None
    assert bobs_car.plate not in me.content.decode()
    assert list(Vehicle.objects.values_list("pk", "plate", "owner_id_number")) == before


def test_disabled_user_token_stops_working(client: Client) -> None:
    from fairlane.accounts import services
    from fairlane.accounts.models import Role
    from fairlane.accounts.tests.factories import make_staff

    user = register_citizen()
    token = api_token(client, user)
    admin = make_staff(Role.ADMIN, office=make_office(), seed=9)
    services.account_disable(actor=admin, user=user, reason="test")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_openapi_schema_lists_the_contract(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/auth/sms-code",
        "/api/v1/auth/register",
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/me/licences",
        "/api/v1/me/vehicles",
    ):
        assert path in paths


def test_register_api_checks_plate_and_vin(client: Client) -> None:
    response = post(
        client,
        "/api/v1/auth/register",
        {
            "name": "王小明",
            "id_number": "11010519491231002X",
            "phone": "13912345678",
            "code": "123456",
            "password": PASSWORD,
            "plate": "沪AO1234",
            "vin": "LSVAU2I80N2183294",
        },
    )
    assert response.status_code == 422
    assert sorted(response.json()["fields"]) == ["plate", "vin"]
    assert User.objects.count() == 0
