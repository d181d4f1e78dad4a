"""Reading applications: who may see which."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.agencies.models import Authorisation
from fairlane.applications import rules
from fairlane.applications.assignment import STAGE_OF
from fairlane.applications.models import Application, ApplicationEvent, ApplicationStatus, RectificationTask
from fairlane.applications.ratings import RECTIFIERS
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


def my_applications(user: User) -> QuerySet[Application]:
    """The applicant's own applications, newest first."""
    return Application.objects.filter(applicant=user).select_related("office").order_by("-created_at", "-pk")


def work_queue(user: User) -> QuerySet[Application]:
    """The cases waiting for `user`: assigned to them and not yet decided, oldest deadline
    first, cases without a deadline (not accepted yet) by submission time."""
    return (
        Application.objects.filter(assignee=user, status__in=list(STAGE_OF))
        .select_related("applicant", "office")
        .order_by(F("due_on").asc(nulls_last=True), "submitted_at", "pk")
    )


def office_queue(user: User) -> QuerySet[Application]:
    """Every open case of the user's office, for supervisors and the production desk:
    submitted and not closed, overdue first."""
    if user.role not in rules.HANDLING_ROLES or user.office_id is None:
        return Application.objects.none()
    return (
        Application.objects.filter(office_id=user.office_id)
        .exclude(status__in=[*rules.FINAL, ApplicationStatus.DRAFT])
        .select_related("applicant", "assignee")
        .order_by(F("due_on").asc(nulls_last=True), "submitted_at", "pk")
    )


def access_application_for_staff(user: User, reference: str) -> Application:
    """A case of the user's own office, for handling staff; otherwise not found."""
    if user.role not in rules.HANDLING_ROLES or user.office_id is None:
        raise NotFound("not_found", _("No such application."))
    application = (
        Application.objects.filter(office_id=user.office_id, reference=reference)
        .select_related("office", "applicant", "assignee", "accepted_by")
        .first()
    )
    if application is None:
        raise NotFound("not_found", _("No such application."))
    return application


def rectifications_of_office(user: User) -> QuerySet[RectificationTask]:
    if user.office_id is None:
        return RectificationTask.objects.none()
    return RectificationTask.objects.filter(office_id=user.office_id).select_related("rating__application")


def access_rectification(user: User, task_id: int) -> RectificationTask:
    task = rectifications_of_office(user).filter(pk=task_id).first()
    if task is None or user.role not in RECTIFIERS:
        raise NotFound("not_found", _("No such rectification task."))
    return task


def applications_filed_under(authorisation: Authorisation) -> QuerySet[Application]:
    """The applications the agent filed for the citizen under `authorisation`: its items,
    its vehicle, since it was confirmed; newest first."""
    found = Application.objects.filter(
        agent_id=authorisation.agent_id,
        applicant_id=authorisation.citizen_id,
        item_code__in=authorisation.item_codes,
        created_at__gte=authorisation.confirmed_at or authorisation.requested_at,
    )
    if authorisation.vehicle_id is not None:
        found = found.filter(form_data__vehicle=authorisation.vehicle_id)
    return found.select_related("office").order_by("-created_at", "-pk")
