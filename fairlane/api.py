"""The JSON API at /api/v1/: one NinjaAPI, a router per app, one error shape.

Every 4xx answer is {"code": …, "message": …, "fields": {field: message}}.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from fairlane.accounts.api import router as accounts_router
from fairlane.accounts.api_auth import BearerToken
from fairlane.agencies.acting_api import router as acting_router
from fairlane.agencies.api import router as agencies_router
from fairlane.agencies.authorisation_api import router as authorisations_router
from fairlane.agencies.licensing_api import router as licensing_router
from fairlane.agencies.oversight_api import bans_router
from fairlane.agencies.oversight_api import router as oversight_router
from fairlane.applications.api import router as applications_router
from fairlane.bookings.api import router as bookings_router
from fairlane.bookings.appeal_api import router as appeals_router
from fairlane.bookings.batch_api import router as batches_router
from fairlane.bookings.exam_api import router as exams_router
from fairlane.bookings.hall_api import router as hall_router
from fairlane.bookings.monitoring_api import router as monitoring_router
from fairlane.catalogue.announcements.api import router as announcements_router
from fairlane.catalogue.api import router as catalogue_router
from fairlane.catalogue.directory.api import router as offices_router
from fairlane.core.errors import ApiError, Throttled
from fairlane.elicence.api import router as elicence_router
from fairlane.notifications.api import router as notifications_router
from fairlane.payments.api import router as payments_router
from fairlane.registry.api import router as registry_router
from fairlane.violations.api import router as violations_router
from fairlane.violations.intake_api import router as violation_intake_router
from fairlane.violations.objection_api import router as objections_router
from fairlane.violations.staff_api import router as violations_staff_router
from fairlane.violations.study_api import router as study_router

api = NinjaAPI(
    title="fairlane API",
    version="1",
    description="Online services of the vehicle management office.",
    auth=BearerToken(),
    urls_namespace="api",
)
api.add_router("/auth/", accounts_router)
api.add_router("/me", registry_router)
api.add_router("/catalogue/", catalogue_router)
api.add_router("/offices", offices_router)
api.add_router("/announcements", announcements_router)
api.add_router("/applications", applications_router)
api.add_router("/bookings/batches", batches_router)
api.add_router("/bookings/exams", exams_router)
api.add_router("/bookings/appeals", appeals_router)
api.add_router("/hall", hall_router)
api.add_router("/monitoring", monitoring_router)
api.add_router("/bookings", bookings_router)
api.add_router("/violations/batches", violation_intake_router)
api.add_router("/violations/objections", objections_router)
api.add_router("/violations/study", study_router)
api.add_router("/violations/staff", violations_staff_router)
api.add_router("/violations", violations_router)
api.add_router("/payments", payments_router)
api.add_router("/notifications", notifications_router)
api.add_router("/elicence", elicence_router)
api.add_router("/health-certificates", agencies_router)
api.add_router("/agencies/bans", bans_router)
api.add_router("/agencies", licensing_router)
api.add_router("/authorisations", authorisations_router)
api.add_router("/agent", acting_router)
api.add_router("/staff/agencies", oversight_router)


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or {}}


@api.exception_handler(ApiError)
def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    response = api.create_response(
        request, error_body(exc.code, str(exc.message), exc.fields), status=exc.status
    )
    if isinstance(exc, Throttled):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload", "query", "path")]
        name = loc[0] if loc else "__all__"
        fields.setdefault(name, _("This field is missing or has the wrong type."))
    return api.create_response(
        request, error_body("invalid", _("Some fields are not valid."), fields), status=422
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, error_body("unauthorized", _("Sign in first: send a valid bearer token.")), status=401
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, error_body("error", str(exc)), status=exc.status_code)
