"""好差评: the applicant rates a closed application; a dissatisfied rating makes the office
call them back and put things right within 15 working days (facts §4, the national
government-service rating rules)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role, User
from fairlane.applications import rules
from fairlane.applications.models import Application, ApplicationStatus, Rating, RectificationTask
from fairlane.core import review, workdays
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, InvalidInput
from fairlane.notifications.messages import NotificationKind
from fairlane.notifications.services import notification_send

RECTIFICATION_WORKING_DAYS = 15
COMMENT_MAX_LENGTH = 500
# Who in the office answers for a dissatisfied rating.
RECTIFIERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


@transaction.atomic
def application_rate(*, actor: User, application: Application, level: int, comment: str = "") -> Rating:
    """The applicant's one rating of a closed application."""
    if actor.pk != application.applicant_id:
        raise ApiError("not_yours", _("Only the applicant may rate the application."), status=403)
    if application.status != ApplicationStatus.CLOSED:
        raise ApiError("not_closed", _("You can rate an application once it is closed."), status=409)
    comment = comment.strip()
    errors: dict[str, str] = {}
    if not isinstance(level, int) or level not in Rating.Level.values:
        errors["level"] = str(_("Choose a rating from 1 to 5."))
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = str(_("Keep the comment under 500 characters."))
    if rules.rating_needs_comment(level) and not comment and "level" not in errors:
        errors["comment"] = str(_("Tell us what went wrong, so the office can put it right."))
    if errors:
        raise InvalidInput("invalid", _("Some fields are not valid."), errors)
    if Rating.objects.filter(application=application).exists():
        raise ApiError("already_rated", _("You have already rated this application."), status=409)
    now = timezone.now()
    rating = Rating.objects.create(application=application, level=level, comment=comment, at=now)
    audit_record(
        action=AuditAction.RATING_GIVEN,
        actor=actor,
        office=application.office,
        obj=application,
        changes={"level": (None, level)},
    )
    if rules.rating_is_dissatisfied(level):
        _rectification_open(rating, application)
    return rating


def _rectification_open(rating: Rating, application: Application) -> RectificationTask:
    now = timezone.now()
    task = RectificationTask.objects.create(
        rating=rating,
        office=application.office,
        due_on=workdays.add_working_days_from(timezone.localdate(now), RECTIFICATION_WORKING_DAYS),
        created_at=now,
    )
    audit_record(
        action=AuditAction.RECTIFICATION_OPENED,
        actor=None,
        office=application.office,
        obj=task,
        changes={"due_on": (None, task.due_on.isoformat())},
    )
    for member in User.objects.filter(office=application.office, role__in=RECTIFIERS, is_active=True):
        notification_send(
            recipient=member,
            kind=NotificationKind.RECTIFICATION_OPENED,
            params={"reference": application.reference},
            link=f"/staff/applications/rectifications/{task.pk}/",
        )
    return task


def _task_check(actor: User, task: RectificationTask) -> None:
    if actor.role not in RECTIFIERS or actor.office_id != task.office_id:
        raise ApiError("forbidden", _("Only a supervisor of the office handles rectifications."), status=403)
    if task.closed_at is not None:
        raise ApiError("closed", _("This rectification is already closed."), status=409)


def _text(value: str, field: str, *, max_length: int = 2000) -> str:
    value = value.strip()
    error = review.reason_error(value, required=True, max_length=max_length)
    if error is not None:
        raise InvalidInput("invalid", _("Some fields are not valid."), {field: error})
    return value


@transaction.atomic
def rectification_call_back(*, actor: User, task: RectificationTask, note: str) -> RectificationTask:
    """Record the call to the applicant: what they said and what was agreed."""
    task = RectificationTask.objects.select_for_update().get(pk=task.pk)
    _task_check(actor, task)
    task.callback_note = _text(note, "note")
    task.callback_by, task.callback_at = actor, timezone.now()
    task.save(update_fields=["callback_note", "callback_by", "callback_at"])
    audit_record(action=AuditAction.RECTIFICATION_CALLED_BACK, actor=actor, office=task.office, obj=task)
    return task


@transaction.atomic
def rectification_close(*, actor: User, task: RectificationTask, resolution: str) -> RectificationTask:
    """Close the task with what was put right; only after the applicant was called back."""
    task = RectificationTask.objects.select_for_update().get(pk=task.pk)
    _task_check(actor, task)
    if task.callback_at is None:
        raise ApiError("no_callback", _("Call the applicant back before closing the task."), status=409)
    task.resolution = _text(resolution, "resolution")
    task.closed_at = timezone.now()
    task.save(update_fields=["resolution", "closed_at"])
    audit_record(action=AuditAction.RECTIFICATION_CLOSED, actor=actor, office=task.office, obj=task)
    return task
