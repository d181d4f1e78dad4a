"""The files of an application (photo, health certificate, documents): adding and removing
them, and who may see them.

A file is checked (`core.uploads`) and stored under a random name before the database
transaction starts, so no lock is held while an image is decoded or sent to the storage;
if the row or its audit event cannot be written, the stored file is deleted again.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from functools import partial
from typing import Final

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.agencies import acting
from fairlane.agencies.models import Authorisation
from fairlane.applications.agent_scope import agent_authorisation
from fairlane.applications.models import Application, Material, MaterialKind
from fairlane.applications.selectors import access_application
from fairlane.applications.services import EDITABLE
from fairlane.core import uploads
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound

logger = logging.getLogger(__name__)

MAX_FILES_PER_APPLICATION: Final = 10


@dataclass(frozen=True)
class KindRules:
    types: frozenset[uploads.FileType]
    image_rules: uploads.ImageRules | None


# An application has at most one photo (a new one is added after the old one is removed)
# and documents up to the limit of files.
KIND_RULES: Final[dict[MaterialKind, KindRules]] = {
    MaterialKind.PHOTO: KindRules(uploads.IMAGE_TYPES, uploads.LICENCE_PHOTO),
    MaterialKind.DOCUMENT: KindRules(uploads.DOCUMENT_TYPES, None),
}


def may_change_materials(actor: User, application: Application) -> bool:
    """The one place that says who may add or remove files of an application: the applicant
    themself, and the agent who filed it while an authorisation in force covers its item
    and its licence or vehicle."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    return actor.pk == application.applicant_id or _acting_for(actor, application) is not None


def _acting_for(actor: User, application: Application) -> Authorisation | None:
    """The authorisation under which `actor` acts on `application` (locked when asked
    inside a write's transaction, so a revocation committed first wins)."""
    if actor.pk == application.applicant_id:
        return None
    return agent_authorisation(actor, application, lock=transaction.get_connection().in_atomic_block)


def materials_of(application: Application) -> QuerySet[Material]:
    """The files of an application, oldest first."""
    return application.materials.order_by("uploaded_at", "pk")


def access_material(user: User, reference: str, material_id: int) -> Material:
    """The file if `user` may see its application (the applicant, handling staff of its
    office); otherwise the same answer as for a file that does not exist."""
    application = access_application(user, reference)
    material = Material.objects.filter(application=application, pk=material_id).first()
    if material is None:
        raise NotFound("not_found", _("No such file."))
    material.application = application
    return material


def material_upload(
    *, actor: User, application: Application, kind: str, upload: bytes | uploads.Readable
) -> Material:
    """Add the file `upload` of `kind` to `application`. Refusals raise ApiError (a refused
    file: `uploads.UploadRefused`, code and message for the "file" field)."""
    rules = _kind_rules(kind)
    # Cheap refusals first, so a file nobody may add is not even read.
    _refuse_change(actor, application)
    _refuse_over_limit(application, MaterialKind(kind))
    checked = uploads.check_upload(
        upload,
        allowed=rules.types,
        max_bytes=settings.FAIRLANE_UPLOAD_MAX_BYTES,
        image_rules=rules.image_rules,
    )
    material = Material(
        application=application,
        kind=kind,
        content_type=checked.content_type,
        size=checked.size,
        width=checked.width,
        height=checked.height,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    # Never the uploader's file name: it may hold personal data and must not be guessable.
    stored_name = f"{secrets.token_hex(16)}.{checked.file_type.extension}"
    material.file.save(stored_name, ContentFile(checked.content), save=False)
    try:
        return _material_record(actor=actor, material=material)
    except BaseException:
        _stored_file_delete(material.file.storage, material.file.name)
        raise


@transaction.atomic
def _material_record(*, actor: User, material: Material) -> Material:
    application = _locked(material.application_id)
    _refuse_change(actor, application)
    _refuse_over_limit(application, MaterialKind(material.kind))
    material.application = application
    material.uploaded_at = timezone.now()
    material.save(force_insert=True)
    authorisation = _acting_for(actor, application)
    audit_record(
        action=AuditAction.MATERIAL_UPLOADED,
        actor=actor,
        on_behalf_of=application.applicant if authorisation is not None else None,
        office=application.office,
        obj=application,
        changes={
            "material": (None, material.pk),
            "kind": (None, material.kind),
            "content_type": (None, material.content_type),
            "size": (None, material.size),
            "sha256": (None, material.sha256),
        },
    )
    if authorisation is not None:
        acting.agent_acted(
            authorisation=authorisation, action="material_uploaded", item_code=application.item_code
        )
    return material


@transaction.atomic
def material_remove(*, actor: User, material: Material) -> None:
    """Take a file off an application that is still a draft or returned for correction; the
    stored file is deleted once the removal is committed."""
    application = _locked(material.application_id)
    _refuse_change(actor, application)
    current = Material.objects.filter(pk=material.pk, application=application).first()
    if current is None:
        raise NotFound("not_found", _("No such file."))
    storage, name = current.file.storage, current.file.name
    changes = {
        "material": (current.pk, None),
        "kind": (current.kind, None),
        "sha256": (current.sha256, None),
    }
    current.delete()
    authorisation = _acting_for(actor, application)
    audit_record(
        action=AuditAction.MATERIAL_REMOVED,
        actor=actor,
        on_behalf_of=application.applicant if authorisation is not None else None,
        office=application.office,
        obj=application,
        changes=changes,
    )
    if authorisation is not None:
        acting.agent_acted(
            authorisation=authorisation, action="material_removed", item_code=application.item_code
        )
    transaction.on_commit(partial(_stored_file_delete, storage, name))


def _kind_rules(kind: str) -> KindRules:
    if kind not in MaterialKind.values:
        raise InvalidInput(
            "invalid", _("Some fields are not valid."), {"kind": str(_("Choose the kind of file."))}
        )
    return KIND_RULES[MaterialKind(kind)]


def _locked(application_id: int) -> Application:
    return Application.objects.select_for_update(of=("self",)).select_related("office").get(pk=application_id)


def _refuse_change(actor: User, application: Application) -> None:
    if not may_change_materials(actor, application):
        raise ApiError("not_yours", _("Only the applicant may add or remove files."), status=403)
    if application.status not in EDITABLE:
        raise Conflict(
            "not_editable",
            _(
                "Files can be added or removed only while the application is a draft or returned for correction."
            ),
        )


def _refuse_over_limit(application: Application, kind: MaterialKind) -> None:
    files = Material.objects.filter(application=application)
    if kind == MaterialKind.PHOTO and files.filter(kind=kind).exists():
        raise Conflict("photo_exists", _("The application already has a photo. Remove it first."))
    if files.count() >= MAX_FILES_PER_APPLICATION:
        raise Conflict(
            "too_many_files",
            _("An application can have at most %(count)s files. Remove one first.")
            % {"count": MAX_FILES_PER_APPLICATION},
        )


def _stored_file_delete(storage: Storage, name: str) -> None:
    # Runs after the row is gone or was never written: a failure must not undo that, only
    # leave a file without a row, which the log reports (the name is random, not personal).
    try:
        storage.delete(name)
    except Exception:
        logger.exception("could not delete the stored material file %s", name)
