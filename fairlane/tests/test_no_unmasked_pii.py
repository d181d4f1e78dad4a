"""Walk every page and API response as each role and fail on anybody else's full ID
number or phone number. The viewer's own numbers are allowed; nothing else is."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from pypdf import PdfReader

from fairlane.accounts.models import Role, User
from fairlane.applications.models import Application
from fairlane.catalogue.data_files import read_catalogue
from fairlane.catalogue.services import catalogue_load
from fairlane.core.pii import find_unmasked_pii
from fairlane.payments.models import PaymentOrder
from fairlane.registry.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_seed
from fairlane.registry.models import DriverLicence, Vehicle

pytestmark = pytest.mark.django_db


def concrete_paths(ids: list[int], references: list[str]) -> Iterator[str]:
    """Every GET-able path of the site: plain routes as they are, routes with an integer
    parameter once for each id, routes with a reference once for each reference. Admin
    pages are walked separately."""

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> Iterator[str]:
        for pattern in patterns:
            route = str(pattern.pattern)
            if route.startswith(("admin/", "api/", "i18n/")):
                continue
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + route)
            elif route.count("<") == 1 and "<str:reference>" in route:
                head, _, tail = route.partition("<str:reference>")
                yield from (f"/{prefix}{head}{reference}{tail}" for reference in references)
            elif "<int:" in route:
                head, _, rest = route.partition("<int:")
                tail = rest.partition(">")[2]
                yield from (f"/{prefix}{head}{pk}{tail}" for pk in ids)
            elif "<" not in route:
                yield f"/{prefix}{route}"

    yield from walk(get_resolver().url_patterns, "")


API_PATHS = [
    "/api/v1/me",
    "/api/v1/me/licences",
    "/api/v1/me/vehicles",
    "/api/v1/openapi.json",
    "/api/v1/applications",
    "/api/v1/notifications",
    "/api/v1/health-certificates",
]


@pytest.fixture
def world() -> dict[str, User]:
    """The demo world of `make run`, small: one signed-in viewer per role."""
    catalogue_load(items=read_catalogue())  # the demo's applications need the catalogue
    demo_seed(citizens=40, seed=7)
    phones = {account.role: account.phone for account in DEMO_ACCOUNTS}
    return {role: User.objects.get(phone=phone) for role, phone in phones.items()}


def sign_in(client: Client, user: User) -> None:
    fields = {"username": user.phone, "password": DEMO_PASSWORD}
    if user.is_office_staff:
        device = TOTPDevice.objects.get(user=user)
        fields["otp_token"] = (
            f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
        )
    assert client.post("/accounts/login/", fields).status_code == 302


def assert_clean(text: str, viewer: User, where: str) -> None:
    leaked = find_unmasked_pii(text, allowed=[viewer.id_number, viewer.phone])
    assert leaked == [], f"{where} as {viewer.role} shows {len(leaked)} unmasked value(s)"


def test_no_page_or_response_shows_anothers_numbers(world: dict[str, User]) -> None:
    # Every record's page would be thousands of requests; the first and last ten of each kind
    # cover the office's own, other offices' and the viewer's own records.
    licence_ids = list(DriverLicence.objects.order_by("pk").values_list("pk", flat=True))
    vehicle_ids = list(Vehicle.objects.order_by("pk").values_list("pk", flat=True))
    ids = sorted(set(licence_ids[:10] + licence_ids[-10:] + vehicle_ids[:10] + vehicle_ids[-10:]))
    # The demo's applications and their payment orders, seen by their applicant and the office.
    references = [*Application.objects.values_list("reference", flat=True)]
    references += PaymentOrder.objects.values_list("reference", flat=True)
    paths = sorted(set(concrete_paths(ids, references)))
    assert references and f"/staff/applications/{references[0]}/" in paths  # cases are walked too
    assert "/home/" in paths and "/staff/licences/" in paths  # the walk found the site
    assert sorted(world) == sorted(Role.values)  # every role looks
    checked = 0
    for role, viewer in world.items():
        client = Client()
        sign_in(client, viewer)
        if not viewer.is_office_staff:
            token = client.post(
                "/api/v1/auth/token",
                json.dumps({"username": viewer.phone, "password": DEMO_PASSWORD}),
                content_type="application/json",
            ).json()["token"]
            for path in API_PATHS + [f"/api/v1/me/vehicles/{pk}" for pk in ids]:
                response = client.get(path, headers={"Authorization": f"Bearer {token}"})
                assert_clean(response.content.decode(), viewer, path)
                checked += 1
        for path in paths:
            response = client.get(path)
            assert response.status_code < 500, (path, role)
            if response.get("Content-Type", "").startswith("application/pdf"):
                text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
            else:
                text = response.content.decode()
            assert_clean(text, viewer, path)
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
    assert checked >= len(world) * len(paths)  # nothing was skipped
