"""Reading applications: who may see which."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.applications import rules
from fairlane.applications.models import Application, ApplicationEvent
from fairlane.core.errors import NotFound


def applications_visible_to(user: User) -> QuerySet[Application]:
    """A citizen sees their own applications; handling staff those of their office."""
    if not user.is_authenticated or not user.is_active:
        return Application.objects.none()
    scope = Q(applicant=user)
    if user.role in rules.HANDLING_ROLES and user.office_id is not None:
        scope |= Q(office_id=user.office_id)
    return Application.objects.filter(scope)


def access_application(user: User, reference: str) -> Application:
    """The application with `reference` if `user` may see it; otherwise the same answer as
    for one that does not exist."""
    application = applications_visible_to(user).filter(reference=reference).select_related("office").first()
    if application is None:
        raise NotFound("not_found", _("No such application."))
    return application


def application_timeline(application: Application) -> QuerySet[ApplicationEvent]:
    """Every step of the application, oldest first."""
    return application.events.select_related("actor").order_by("at", "pk")
