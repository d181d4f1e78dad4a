"""The files of an application: who may add and remove them and when, the limits, nothing
left behind by a refused or failed upload, and who may download them."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path
from django.utils import timezone, translation
from PIL import Image

import fairlane.urls
from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.agencies.services import health_certificate_send
from fairlane.agencies.tests.factories import make_hospital, make_member
from fairlane.applications import material_views, materials, services
from fairlane.applications.materials import access_material, material_remove, material_upload, materials_of
from fairlane.applications.models import (
    Application,
    ApplicationStatus,
    DeliveryMethod,
    Material,
    MaterialKind,
    ReasonCode,
)
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.catalogue.services import catalogue_load
from fairlane.catalogue.tests.factories import make_item
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, InvalidInput, NotFound
from fairlane.core.uploads import MEGABYTE, UploadRefused
from fairlane.integrity.models import AuditEvent
from fairlane.registry.models import Office
from fairlane.registry.tests.factories import make_licence, make_office, make_police_station

pytestmark = pytest.mark.django_db

Status = ApplicationStatus
PHOTO, DOCUMENT = MaterialKind.PHOTO, MaterialKind.DOCUMENT
ITEM = "DL-RENEW"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
STORED_NAME = re.compile(r"^materials/\d{4}/\d{2}/[0-9a-f]{32}\.(jpg|png|pdf)$")


def photo(width: int = 300, height: int = 400) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (180, 40, 90)).save(out, "JPEG")
    return out.getvalue()


@dataclass
class World:
    media: Path
    office: Office
    other_office: Office
    citizen: User
    other_citizen: User
    clerk: User
    reviewer: User
    other_clerk: User
    police: User


def renewal_possible(citizen: User, office: Office, hospital_member: User, seed: int) -> None:
    """A licence in its renewal window and a fresh health certificate, so the renewal
    may be applied for."""
    today = timezone.localdate()
    make_licence(
        id_number=citizen.id_number,
        holder_name=citizen.name,
        office=office,
        seed=seed,
        valid_until=today + timedelta(30),
    )
    health_certificate_send(
        actor=hospital_member,
        id_number=citizen.id_number,
        holder_name=citizen.name,
        issued_on=today,
        fit_to_drive=True,
        classes_fit="C1",
    )


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def world(settings: Any, tmp_path: Path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    catalogue_load(items=[make_item(ITEM, fee_fen=0)])
    office = make_office()
    other_office = make_office(code="310001", name="浦东分所")
    world = World(
        media=settings.MEDIA_ROOT,
        office=office,
        other_office=other_office,
        citizen=register_citizen(name="王小明", seed=1),
        other_citizen=register_citizen(name="李小红", seed=2),
        clerk=make_staff(Role.CLERK, office=office, seed=101),
        reviewer=make_staff(Role.REVIEWER, office=office, seed=102),
        other_clerk=make_staff(Role.CLERK, office=other_office, seed=103),
        police=make_staff(Role.POLICE, office=office, police_station=make_police_station(), seed=104),
    )
    hospital_member = make_member(make_hospital(office=office), seed=60)
    renewal_possible(world.citizen, office, hospital_member, seed=1)
    renewal_possible(world.other_citizen, office, hospital_member, seed=2)
    return world


def draft(world: World, applicant: User | None = None) -> Application:
    return services.application_create(
        applicant=applicant or world.citizen,
        item_code=ITEM,
        office=world.office,
        form_data={"declaration": True},
    )


def submitted(world: World) -> Application:
    """Complete (photo, collection at the office, nothing to pay), so checkout submits it."""
    application = draft(world)
    material_upload(actor=world.citizen, application=application, kind=PHOTO, upload=photo())
    services.delivery_choose(
        actor=world.citizen,
        application=application,
        method=DeliveryMethod.COLLECT,
        collect_office=world.office,
    )
    assert services.application_checkout(actor=world.citizen, application=application) is None
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    return application


def returned(world: World) -> Application:
    application = submitted(world)
    assert application.assignee is not None
    return services.application_transition(
        actor=application.assignee,
        application=application,
        to=Status.RETURNED,
        reason_code=ReasonCode.MATERIALS_MISSING,
        reason_text="照片不清晰，请重新上传。",
    )


def stored_files(world: World) -> list[str]:
    return sorted(str(p.relative_to(world.media)) for p in world.media.rglob("*") if p.is_file())


def snapshot(world: World) -> tuple[list[tuple[object, ...]], int, list[str]]:
    """Every material row, the length of the audit trail and every stored file."""
    return (
        list(Material.objects.order_by("pk").values_list()),
        AuditEvent.objects.count(),
        stored_files(world),
    )


def audit_of(
    application: Application, action: AuditAction
) -> list[tuple[int | None, int | None, dict[str, Any]]]:
    return list(
        AuditEvent.objects.filter(
            action=action, object_type="applications.application", object_id=str(application.pk)
        )
        .order_by("seq")
        .values_list("actor_id", "office_id", "changes")
    )


# --- Adding files -----------------------------------------------------------------------


def test_the_applicant_adds_a_photo_to_a_draft(world: World) -> None:
    # given
    application = draft(world)

    # when
    material = material_upload(actor=world.citizen, application=application, kind=PHOTO, upload=photo())

    # then
    material.refresh_from_db()
    stored = (world.media / material.file.name).read_bytes()
    assert (
        material.application_id,
        material.kind,
        material.content_type,
        material.size,
        material.width,
        material.height,
        material.uploaded_by_id,
    ) == (application.pk, PHOTO, "image/jpeg", len(stored), 300, 400, world.citizen.pk)
    assert material.sha256 == hashlib.sha256(stored).hexdigest()
    assert STORED_NAME.match(material.file.name)
    assert stored_files(world) == [material.file.name]
    assert audit_of(application, AuditAction.MATERIAL_UPLOADED) == [
        (
            world.citizen.pk,
            world.office.pk,
            {
                "material": [None, material.pk],
                "kind": [None, "photo"],
                "content_type": [None, "image/jpeg"],
                "size": [None, len(stored)],
                "sha256": [None, material.sha256],
            },
        )
    ]


def test_a_document_is_stored_under_a_random_name_never_the_uploaders(world: World) -> None:
    # given
    application = draft(world)
    upload = SimpleUploadedFile("王小明-身份证.pdf", PDF, content_type="application/pdf")

    # when
    material = material_upload(actor=world.citizen, application=application, kind=DOCUMENT, upload=upload)

    # then
    assert STORED_NAME.match(material.file.name)
    assert material.file.name.endswith(".pdf")
    assert (world.media / material.file.name).read_bytes() == PDF
    assert (material.content_type, material.width, material.height) == ("application/pdf", None, None)


def test_a_returned_application_takes_files_again(world: World) -> None:
    # given
    application = returned(world)

    # when
    material = material_upload(actor=world.citizen, application=application, kind=DOCUMENT, upload=PDF)

    # then
    assert list(materials_of(application).values_list("kind", flat=True)) == [PHOTO, DOCUMENT]
    assert material.application_id == application.pk


def test_no_file_is_added_once_the_application_was_submitted(world: World) -> None:
    # given
    application = submitted(world)
    before = snapshot(world)

    # when
    with pytest.raises(ApiError) as caught:
        material_upload(actor=world.citizen, application=application, kind=DOCUMENT, upload=PDF)

    # then
    assert (caught.value.code, caught.value.status) == ("not_editable", 409)
    assert snapshot(world) == before


def test_no_file_is_added_to_a_withdrawn_application(world: World) -> None:
    # given
    application = services.application_transition(
        actor=world.citizen, application=draft(world), to=Status.WITHDRAWN
    )
    before = snapshot(world)

    # when
    with pytest.raises(ApiError) as caught:
        material_upload(actor=world.citizen, application=application, kind=DOCUMENT, upload=PDF)

    # then
    assert (caught.value.code, caught.value.status) == ("not_editable", 409)
    assert snapshot(world) == before


@pytest.mark.parametrize("who", ["other_citizen", "clerk", "reviewer", "other_clerk", "police"])
def test_only_the_applicant_adds_files(world: World, who: str) -> None:
    # given
    application = draft(world)
    before = snapshot(world)

    # when
    with pytest.raises(ApiError) as caught:
        material_upload(actor=getattr(world, who), application=application, kind=DOCUMENT, upload=PDF)

    # then
    assert (caught.value.code, caught.value.status) == ("not_yours", 403)
    assert snapshot(world) == before


def test_an_application_has_one_photo(world: World) -> None:
    # given
    application = draft(world)
    first = material_upload(actor=world.citizen, application=application, kind=PHOTO, upload=photo())
    before = snapshot(world)

    # when
    with pytest.raises(ApiError) as caught:
        material_upload(actor=world.citizen, application=application, kind=PHOTO, upload=photo(330, 440))

    # then
    assert (caught.value.code, caught.value.status, str(caught.value.message)) == (
        "photo_exists",
        409,
        "The application already has a photo. Remove it first.",
    )
    assert snapshot(world) == before
    material_remove(actor=world.citizen, material=first)
    second = material_upload(actor=world.citizen, application=application, kind=PHOTO, upload=photo(330, 440))
    assert (second.width, second.height) == (330, 440)


def test_an_application_has_at_most_ten_files(world: World) -> None:
    # given
    application = draft(world)
    material_upload(actor=world.citizen, application=application, kind=PHOTO, upload=photo())
    for _ in range(9):
        material_upload(actor=world.citizen, application=application, kind=DOCUMENT, upload=PDF)
    before = snapshot(world)

    # when
    with pytest.raises(ApiError) as caught:
        material_upload(actor=world.citizen, application=application, kind=DOCUMENT, upload=PDF)

    # then
    assert (caught.value.code, caught.value.status, str(caught.value.message)) == (
        "too_many_files",
        409,
        "An application can have at most 10 files. Remove one first.",
    )
    assert snapshot(world) == before
    assert len(before[2]) == 10


def test_an_unknown_kind_is_refused(world: World) -> None:
    # given
    application = draft(world)
    before = snapshot(world)

    # when
    with pytest.raises(InvalidInput) as caught:
        material_upload(actor=world.citizen, application=application, kind="selfie", upload=photo())

    # then
    assert caught.value.fields == {"kind": "Choose the kind of file."}
    assert snapshot(world) == before


@pytest.mark.parametrize(
    ("kind", "content", "code", "message"),
    [
        (PHOTO, PDF, "wrong_type", "Only JPEG or PNG files are accepted."),
        (DOCUMENT, b"MZ\x90\x00" + b"\x00" * 100, "wrong_type", "Only JPEG, PNG or PDF files are accepted."),
        (DOCUMENT, b"", "empty", "The file is empty."),
        (DOCUMENT, photo()[:500], "damaged", "The file is damaged or not a real image."),
        (
            PHOTO,
            photo(400, 300),
            "photo_too_small",
            "The photo must be at least 260 × 378 pixels (width × height).",
        ),
    ],
)
def test_a_refused_file_leaves_nothing_behind(
    world: World, kind: MaterialKind, content: bytes, code: str, message: str
) -> None:
    # given
    application = draft(world)
    before = snapshot(world)

    # when
    with pytest.raises(UploadRefused) as caught:
        material_upload(actor=world.citizen, application=application, kind=kind, upload=content)

    # then
    assert (caught.value.code, caught.value.fields) == (code, {"file": message})
    assert snapshot(world) == before
    assert stored_files(world) == []


def test_an_oversized_file_is_refused(world: World, settings: Any) -> None:
    # given
    settings.FAIRLANE_UPLOAD_MAX_BYTES = MEGABYTE
    application = draft(world)
    before = snapshot(world)

    # when
    with pytest.raises(UploadRefused) as caught:
        material_upload(
            actor=world.citizen,
            application=application,
            kind=DOCUMENT,
            upload=io.BytesIO(PDF + b"%" * MEGABYTE),
        )

    # then
    assert (caught.value.code, caught.value.status, str(caught.value.message)) == (
        "too_large",
        413,
        "The file is larger than 1 MB.",
    )
    assert snapshot(world) == before


def test_a_stored_file_is_deleted_when_the_database_write_fails(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    application = draft(world)
    before = snapshot(world)

    def audit_down(**_kwargs: object) -> None:
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(materials, "audit_record", audit_down)

    # when
    with pytest.raises(RuntimeError):
        material_upload(actor=world.citizen, application=application, kind=PHOTO, upload=photo())

    # then
    assert snapshot(world) == before
    assert stored_files(world) == []


# --- Removing files ---------------------------------------------------------------------


def test_the_applicant_removes_a_file_and_it_is_deleted_after_commit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    application = draft(world)
    material = material_upload(actor=world.citizen, application=application, kind=DOCUMENT, upload=PDF)
    name, sha256, pk = material.file.name, material.sha256, material.pk

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        material_remove(actor=world.citizen, material=material)

    # then
    assert Material.objects.filter(application=application).count() == 0
    assert stored_files(world) == [name]  # still there until the removal is committed
    for callback in callbacks:
        callback()
    assert stored_files(world) == []
    assert audit_of(application, AuditAction.MATERIAL_REMOVED) == [
        (
            world.citizen.pk,
            world.office.pk,
            {"material": [pk, None], "kind": ["document", None], "sha256": [sha256, None]},
        )
    ]


def test_no_file_is_removed_once_the_application_was_submitted(world: World) -> None:
    # given
    application = submitted(world)
    material = materials_of(application).get()
    before = snapshot(world)

    # when
    with pytest.raises(ApiError) as caught:
        material_remove(actor=world.citizen, material=material)

    # then
    assert (caught.value.code, caught.value.status) == ("not_editable", 409)
    assert snapshot(world) == before


@pytest.mark.parametrize("who", ["other_citizen", "clerk"])
def test_only_the_applicant_removes_files(world: World, who: str) -> None:
    # given
    application = draft(world)
    material = material_upload(actor=world.citizen, application=application, kind=DOCUMENT, upload=PDF)
    before = snapshot(world)

    # when
    with pytest.raises(ApiError) as caught:
        material_remove(actor=getattr(world, who), material=material)

    # then
    assert (caught.value.code, caught.value.status) == ("not_yours", 403)
    assert snapshot(world) == before


# --- Who may see a file -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["citizen", "clerk", "reviewer"])
def test_the_applicant_and_handling_staff_of_the_office_see_a_file(world: World, who: str) -> None:
    # given
    application = draft(world)
    material = material_upload(actor=world.citizen, application=application, kind=DOCUMENT, upload=PDF)

    # when
    found = access_material(getattr(world, who), application.reference, material.pk)

    # then
    assert found == material


@pytest.mark.parametrize("who", ["other_citizen", "other_clerk", "police"])
def test_nobody_else_sees_a_file(world: World, who: str) -> None:
    # given
    application = draft(world)
    material = material_upload(actor=world.citizen, application=application, kind=DOCUMENT, upload=PDF)

    # when / then
    with pytest.raises(NotFound):
        access_material(getattr(world, who), application.reference, material.pk)


def test_a_file_is_found_only_under_its_own_application(world: World) -> None:
    # given two applications of two citizens
    mine = draft(world)
    theirs = draft(world, world.other_citizen)
    their_file = material_upload(actor=world.other_citizen, application=theirs, kind=DOCUMENT, upload=PDF)

    # when / then
    with pytest.raises(NotFound):
        access_material(world.citizen, mine.reference, their_file.pk)


# --- Pages ------------------------------------------------------------------------------


def application_page(request: HttpRequest, reference: str) -> HttpResponse:
    return HttpResponse("the application page")


# The lead wires the real pages; these stand in so the views can be tested on their own.
urlpatterns = [
    path(
        "test-applications/",
        include(
            (
                [
                    path("<str:reference>/", application_page, name="detail"),
                    path(
                        "<str:reference>/materials/",
                        material_views.material_upload_view,
                        name="material_upload",
                    ),
                    path(
                        "<str:reference>/materials/<int:material_id>/",
                        material_views.material_download,
                        name="material_download",
                    ),
                    path(
                        "<str:reference>/materials/<int:material_id>/remove/",
                        material_views.material_remove_view,
                        name="material_remove",
                    ),
                ],
                "applications",
            )
        ),
    ),
    *fairlane.urls.urlpatterns,
]
pages = pytest.mark.urls(__name__)


def page_url(application: Application, suffix: str = "") -> str:
    return f"/test-applications/{application.reference}/{suffix}"


def english_client(**options: Any) -> Client:
    client = Client(**options)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def signed_in(user: User) -> Client:
    client = english_client()
    if user.is_office_staff:
        staff_login(client, user)
    else:
        client.force_login(user)
    return client


def download(client: Client, url: str) -> tuple[int, dict[str, str], bytes]:
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    response.close()
    headers = {
        name: response.headers.get(name, "")
        for name in (
            "Content-Type",
            "Content-Disposition",
            "X-Content-Type-Options",
            "Cache-Control",
            "Content-Security-Policy",
        )
    }
    return response.status_code, headers, body


def shown_messages(request: HttpRequest) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(request)]


@pages
@pytest.mark.parametrize("who", ["citizen", "clerk"])
def test_the_applicant_and_office_staff_download_a_photo(world: World, who: str) -> None:
    # given
    application = draft(world)
    material = material_upload(actor=world.citizen, application=application, kind=PHOTO, upload=photo())

    # when
    status, headers, body = download(
        signed_in(getattr(world, who)), page_url(application, f"materials/{material.pk}/")
    )

    # then
    assert (status, headers) == (
        200,
        {
            "Content-Type": "image/jpeg",
            "Content-Disposition": f'inline; filename="photo-{material.pk}.jpg"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
    assert body == (world.media / material.file.name).read_bytes()


@pages
def test_a_pdf_is_downloaded_as_an_attachment(world: World) -> None:
    # given
    application = draft(world)
    material = material_upload(actor=world.citizen, application=application, kind=DOCUMENT, upload=PDF)

    # when
    status, headers, body = download(
        signed_in(world.citizen), page_url(application, f"materials/{material.pk}/")
    )

    # then
    assert (status, headers["Content-Type"], headers["Content-Disposition"], body) == (
        200,
        "application/pdf",
        f'attachment; filename="document-{material.pk}.pdf"',
        PDF,
    )


@pages
@pytest.mark.parametrize("who", ["other_citizen", "other_clerk", "police"])
def test_nobody_else_downloads_a_file(world: World, who: str) -> None:
    # given
    application = draft(world)
    material = material_upload(actor=world.citizen, application=application, kind=PHOTO, upload=photo())

    # when
    status, _headers, body = download(
        signed_in(getattr(world, who)), page_url(application, f"materials/{material.pk}/")
    )

    # then
    assert status == 404
    assert body != (world.media / material.file.name).read_bytes()


@pages
def test_staff_without_their_second_factor_download_nothing(world: World) -> None:
    # given a clerk whose session never passed the authenticator code
    application = draft(world)
    material = material_upload(actor=world.citizen, application=application, kind=PHOTO, upload=photo())
    client = english_client()
    client.force_login(world.clerk)

    # when
    status, _headers, _body = download(client, page_url(application, f"materials/{material.pk}/"))

    # then
    assert status == 404


@pages
def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(world: World) -> None:
    # given
    application = draft(world)
    material = material_upload(actor=world.citizen, application=application, kind=PHOTO, upload=photo())

    # when
    response = english_client().get(page_url(application, f"materials/{material.pk}/"))

    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pages
def test_the_applicant_uploads_a_photo_from_the_page(world: World) -> None:
    # given
    application = draft(world)
    client = signed_in(world.citizen)

    # when
    response = client.post(
        page_url(application, "materials/"),
        {
            "kind": "photo",
            "file": SimpleUploadedFile("me.exe", photo(), content_type="application/x-msdownload"),
        },
    )

    # then
    assert (response.status_code, response["Location"]) == (302, page_url(application))
    assert shown_messages(response.wsgi_request) == [("success", "The file was added.")]
    material = materials_of(application).get()
    assert (material.kind, material.content_type, material.uploaded_by_id) == (
        PHOTO,
        "image/jpeg",
        world.citizen.pk,
    )


@pages
def test_a_refused_upload_from_the_page_says_why_and_leaves_nothing(world: World) -> None:
    # given
    application = draft(world)
    client = signed_in(world.citizen)
    before = snapshot(world)

    # when
    response = client.post(
        page_url(application, "materials/"),
        {"kind": "photo", "file": SimpleUploadedFile("photo.jpg", PDF, content_type="image/jpeg")},
    )

    # then
    assert (response.status_code, response["Location"]) == (302, page_url(application))
    assert shown_messages(response.wsgi_request) == [("error", "Only JPEG or PNG files are accepted.")]
    assert snapshot(world) == before


@pages
def test_an_oversized_upload_is_stopped_while_it_arrives(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    settings.FAIRLANE_UPLOAD_MAX_BYTES = MEGABYTE
    application = draft(world)
    client = signed_in(world.citizen)
    before = snapshot(world)

    def not_reached(**_kwargs: object) -> None:
        raise AssertionError("the upload reached the service")

    monkeypatch.setattr(materials, "material_upload", not_reached)

    # when
    response = client.post(
        page_url(application, "materials/"),
        {"kind": "document", "file": SimpleUploadedFile("big.pdf", PDF + b"%" * MEGABYTE)},
    )

    # then
    assert (response.status_code, response["Location"]) == (302, page_url(application))
    assert shown_messages(response.wsgi_request) == [("error", "The file is larger than 1 MB.")]
    assert snapshot(world) == before


@pages
def test_a_form_without_a_file_asks_for_one(world: World) -> None:
    # given
    application = draft(world)

    # when
    response = signed_in(world.citizen).post(page_url(application, "materials/"), {"kind": "photo"})

    # then
    assert shown_messages(response.wsgi_request) == [("error", "Choose a file to upload.")]
    assert Material.objects.count() == 0


@pages
def test_an_upload_without_the_csrf_token_is_refused(world: World) -> None:
    # given
    application = draft(world)
    client = english_client(enforce_csrf_checks=True)
    client.force_login(world.citizen)
    before = snapshot(world)

    # when
    response = client.post(
        page_url(application, "materials/"), {"kind": "photo", "file": SimpleUploadedFile("p.jpg", photo())}
    )

    # then
    assert response.status_code == 403
    assert snapshot(world) == before


@pages
def test_another_citizen_cannot_upload_to_an_application(world: World) -> None:
    # given
    application = draft(world)
    before = snapshot(world)

    # when
    response = signed_in(world.other_citizen).post(
        page_url(application, "materials/"), {"kind": "photo", "file": SimpleUploadedFile("p.jpg", photo())}
    )

    # then
    assert response.status_code == 404
    assert snapshot(world) == before


@pages
def test_the_upload_page_takes_only_post(world: World) -> None:
    # given
    application = draft(world)

    # when
    response = signed_in(world.citizen).get(page_url(application, "materials/"))

    # then
    assert response.status_code == 405


@pages
def test_the_applicant_removes_a_file_from_the_page(world: World) -> None:
    # given
    application = draft(world)
    material = material_upload(actor=world.citizen, application=application, kind=DOCUMENT, upload=PDF)

    # when
    response = signed_in(world.citizen).post(page_url(application, f"materials/{material.pk}/remove/"))

    # then
    assert (response.status_code, response["Location"]) == (302, page_url(application))
    assert shown_messages(response.wsgi_request) == [("success", "The file was removed.")]
    assert Material.objects.count() == 0


@pages
def test_a_refused_removal_from_the_page_says_why(world: World) -> None:
    # given
    application = submitted(world)
    material = materials_of(application).get()
    before = snapshot(world)

    # when
    response = signed_in(world.citizen).post(page_url(application, f"materials/{material.pk}/remove/"))

    # then
    assert shown_messages(response.wsgi_request) == [
        (
            "error",
            "Files can be added or removed only while the application is a draft or returned for correction.",
        )
    ]
    assert snapshot(world) == before


@pages
def test_another_citizen_cannot_remove_a_file(world: World) -> None:
    # given
    application = draft(world)
    material = material_upload(actor=world.citizen, application=application, kind=DOCUMENT, upload=PDF)
    before = snapshot(world)

    # when
    response = signed_in(world.other_citizen).post(page_url(application, f"materials/{material.pk}/remove/"))

    # then
    assert response.status_code == 404
    assert snapshot(world) == before


@pages
def test_a_malformed_upload_request_is_a_bad_request(world: World) -> None:
    # given
    application = draft(world)
    before = snapshot(world)

    # when
    response = signed_in(world.citizen).generic(
        "POST",
        page_url(application, "materials/"),
        b"--nothing like the boundary\r\n\x00\x01",
        content_type="multipart/form-data",
    )

    # then
    assert response.status_code == 400
    assert snapshot(world) == before
