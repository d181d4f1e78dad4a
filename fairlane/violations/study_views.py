"""The point-reduction study pages under /violations/study/: the licence's points and whether
study is open to it (with every reason when not), the study page with the lessons and the
time studied as the server measured it, the quiz, and the result. The page's script
(static violations/study.js) sends the heartbeats; without it, a button does the same.

Every change is a POST; another person's session is 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fairlane.core.errors import ApiError, NotFound
from fairlane.violations import fullscore, quiz, rules, study
from fairlane.violations.models import StudySession
from fairlane.web.http import form_add_api_error, messages_add_api_error, no_store, signed_in_user


class QuizForm(forms.Form):
    """One radio group per drawn question, named by the question's id."""

    def __init__(self, questions: list[quiz.Question], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        english = quiz.english()
        for number, question in enumerate(questions, start=1):
            self.fields[question.id] = forms.ChoiceField(
                label=f"{number}. {question.text(english)}",
                choices=question.choice_texts(english),
                widget=forms.RadioSelect,
                required=False,
            )


def _time_parts(seconds: int) -> dict[str, int]:
    shown = min(seconds, rules.STUDY_SECONDS_REQUIRED)
    return {
        "studied_seconds": shown,
        "studied_minutes": shown // 60,
        "studied_rest": shown % 60,
        "required_seconds": rules.STUDY_SECONDS_REQUIRED,
        "required_minutes": rules.STUDY_SECONDS_REQUIRED // 60,
    }


def _session(request: HttpRequest, session_id: int) -> StudySession:
    try:
        return study.access_study_session(signed_in_user(request), session_id)
    except NotFound:
        raise Http404 from None


def _index_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    user = signed_in_user(request)
    overview = study.study_overview(user)
    context: dict[str, Any] = {"overview": overview, "max_per_cycle": rules.REDUCTION_MAX_PER_CYCLE}
    if overview is not None and overview.full_score is not None:
        context["full_score_missing"] = fullscore.full_score_missing(overview.full_score)
    if overview is not None and overview.open_session is not None:
        context.update(_time_parts(overview.open_session.studied_seconds))
    return no_store(render(request, "violations/study/index.html", context, status=status))


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _index_page(request)


@login_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    try:
        session = study.study_start(actor=signed_in_user(request))
    except ApiError as error:
        if error.code == "already_open" and error.fields.get("session", "").isdigit():
            return redirect("study_urls:session", session_id=int(error.fields["session"]))
        if error.code != "not_eligible":
            messages_add_api_error(request, error)
        else:
            messages.error(request, str(error.message))
        return _index_page(request, status=error.status)
    messages.success(request, _("Your study session has started. Read the sections below."))
    return redirect("study_urls:session", session_id=session.pk)


def _session_page(
    request: HttpRequest, session: StudySession, form: QuizForm | None = None, status: int = 200
) -> HttpResponse:
    english = quiz.english()
    now = timezone.now()
    questions = quiz.quiz_questions(session.questions)
    context: dict[str, Any] = {
        "session": session,
        "expired": now >= session.expires_at,
        "complete": study.study_complete(session),
        "lessons": [
            {"id": lesson.id, "title": lesson.title(english), "paragraphs": lesson.paragraphs(english)}
            for lesson in quiz.lessons()
        ],
        "form": form or (QuizForm(questions) if questions else None),
        "heartbeat_seconds": 30,
        "pass_mark": rules.QUIZ_PASS_MARK,
        "question_count": rules.QUIZ_QUESTIONS,
        **_time_parts(session.studied_seconds),
    }
    return no_store(render(request, "violations/study/session.html", context, status=status))


@login_required
@require_GET
def session(request: HttpRequest, session_id: int) -> HttpResponse:
    found = _session(request, session_id)
    if found.answered_at is not None:
        return redirect("study_urls:result", session_id=found.pk)
    return _session_page(request, found)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def heartbeat(request: HttpRequest, session_id: int) -> HttpResponse:
    """The page is open. Answers JSON to the script, or goes back to the page."""
    found = _session(request, session_id)
    try:
        found = study.study_heartbeat(actor=signed_in_user(request), session=found)
    except ApiError as error:
        if _wants_json(request):
            return JsonResponse(
                {"code": error.code, "message": str(error.message), "fields": error.fields},
                status=error.status,
            )
        messages_add_api_error(request, error)
        return redirect("study_urls:session", session_id=found.pk)
    if _wants_json(request):
        response = JsonResponse(
            {
                "studied_seconds": found.studied_seconds,
                "required_seconds": rules.STUDY_SECONDS_REQUIRED,
                "complete": study.study_complete(found),
            }
        )
        response["Cache-Control"] = "no-store"
        return response
    return redirect("study_urls:session", session_id=found.pk)


@login_required
@require_POST
def quiz_start(request: HttpRequest, session_id: int) -> HttpResponse:
    found = _session(request, session_id)
    try:
        study.study_quiz_start(actor=signed_in_user(request), session=found)
    except ApiError as error:
        messages_add_api_error(request, error)
    return redirect(reverse("study_urls:session", kwargs={"session_id": found.pk}) + "#quiz")


@login_required
@require_POST
def answers(request: HttpRequest, session_id: int) -> HttpResponse:
    found = _session(request, session_id)
    if found.answered_at is not None:
        messages.error(request, _("This test was already answered."))
        return redirect("study_urls:result", session_id=found.pk)
    form = QuizForm(quiz.quiz_questions(found.questions), request.POST)
    form.is_valid()
    given = {key: value for key, value in form.cleaned_data.items() if isinstance(value, str) and value}
    try:
        found = study.study_quiz_answer(actor=signed_in_user(request), session=found, answers=given)
    except ApiError as error:
        if error.code == "already_answered":
            messages.error(request, str(error.message))
            return redirect("study_urls:result", session_id=found.pk)
        form_add_api_error(form, error)
        found.refresh_from_db()
        return _session_page(request, found, form=form, status=error.status)
    return redirect("study_urls:result", session_id=found.pk)


@login_required
@require_GET
def result(request: HttpRequest, session_id: int) -> HttpResponse:
    found = _session(request, session_id)
    if found.answered_at is None:
        return redirect("study_urls:session", session_id=found.pk)
    overview = study.study_overview(signed_in_user(request))
    context: dict[str, Any] = {
        "session": found,
        "removed": study.points_removed_by(found),
        "pass_mark": rules.QUIZ_PASS_MARK,
        "question_count": len(found.questions),
        "overview": overview,
    }
    return no_store(render(request, "violations/study/result.html", context))
