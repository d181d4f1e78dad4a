"""The admin shows electronic licences and changes none."""

from __future__ import annotations

from django.contrib import admin
from django.test import RequestFactory

from fairlane.elicence.models import ElectronicLicence


def test_the_admin_is_read_only() -> None:
    # given
    model_admin = admin.site._registry[ElectronicLicence]
    request = RequestFactory().get("/admin/elicence/electroniclicence/")

    # when
    permissions = (
        model_admin.has_add_permission(request),
        model_admin.has_change_permission(request),
        model_admin.has_delete_permission(request),
    )

    # then
    assert permissions == (False, False, False)
    assert sorted(model_admin.get_readonly_fields(request)) == sorted(
        field.name for field in ElectronicLicence._meta.fields
    )
