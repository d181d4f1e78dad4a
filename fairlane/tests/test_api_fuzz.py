"""Whatever a client sends, the API answers with a 4xx JSON error or a success, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = {
    "/api/v1/auth/sms-code": ["phone"],
    "/api/v1/auth/register": ["name", "id_number", "phone", "code", "password"],
    "/api/v1/auth/token": ["username", "password"],
}
TEXT = st.text(max_size=40) | st.sampled_from(["13912345678", "11010519491231002X", "123456", "", " "])


def well_shaped(path: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(dict.fromkeys(FIELDS[path], TEXT))


@pytest.mark.parametrize("path", sorted(FIELDS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=JSON)
def test_any_json_body(client: Client, path: str, body: Any) -> None:
    response = client.post(path, json.dumps(body), content_type="application/json", REMOTE_ADDR="10.1.1.1")
    assert response.status_code < 500
    if response.status_code >= 400:
        assert set(response.json()) == {"code", "message", "fields"}


@pytest.mark.parametrize("path", sorted(FIELDS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_well_shaped_bodies_with_any_strings(client: Client, path: str, data: st.DataObject) -> None:
    body = data.draw(well_shaped(path))
    response = client.post(path, json.dumps(body), content_type="application/json", REMOTE_ADDR="10.1.1.2")
    assert response.status_code < 500
    if response.status_code >= 400:
        assert set(response.json()) == {"code", "message", "fields"}
        assert set(response.json()["fields"]) <= set(FIELDS[path]) | {"__all__"}


@pytest.mark.parametrize(
    "path", ["/api/v1/me", "/api/v1/me/vehicles/abc", "/api/v1/me/vehicles/99999999999999999999"]
)
def test_odd_paths_and_tokens(client: Client, path: str) -> None:
    response = client.get(path, headers={"Authorization": "Bearer " + "x" * 500})
    assert response.status_code in (401, 404, 422)
