"""The JSON API of point-reduction study (学法减分), for the caller's own licence.

GET  /api/v1/violations/study                          points, reductions, eligibility, open session
POST /api/v1/violations/study/sessions                 start a session
POST /api/v1/violations/study/sessions/{id}/heartbeat  the study page is open (no body)
POST /api/v1/violations/study/sessions/{id}/quiz       draw the test once the time is complete
POST /api/v1/violations/study/sessions/{id}/answers    answer the test once {answers: {question: choice}}

Another person's session is 404. The study time is measured by the server from the
heartbeats: a client cannot say how long it studied.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from fairlane.core.errors import NotFound
from fairlane.violations import fullscore, quiz, rules, study
from fairlane.violations.models import StudySession
from fairlane.web.http import signed_in_user

router = Router(tags=["violations"])


class RefusalOut(Schema):
    code: str
    message: str


class SessionOut(Schema):
    id: int
    started_at: datetime
    expires_at: datetime
    studied_seconds: int  # as measured by the server
    required_seconds: int
    complete: bool  # the study time is complete: the test may be drawn
    quiz_drawn: bool
    answered_at: datetime | None
    score: int | None  # right answers
    passed: bool
    points_removed: int


class FullScoreOut(Schema):
    opened_at: datetime
    required_days: int
    extra_subjects: str  # driving tests besides the theory test: "", "3" or "2 3"
    study_done_on: date | None
    tests_passed_on: date | None
    unpaid_fines: int


class StudyOut(Schema):
    points: int
    cycle_start: date
    reduced_this_cycle: int
    reduced_max: int
    eligible: bool
    refusals: list[RefusalOut]
    open_session: SessionOut | None
    full_score: FullScoreOut | None


class ChoiceOut(Schema):
    key: str
    text: str


class QuestionOut(Schema):
    id: str
    text: str
    choices: list[ChoiceOut]


class QuizOut(Schema):
    session: SessionOut
    pass_mark: int
    questions: list[QuestionOut]


class AnswersIn(Schema):
    answers: dict[str, str]  # question id → choice key ("a" to "d")


def session_out(session: StudySession) -> SessionOut:
    return SessionOut(
        id=session.pk,
        started_at=session.started_at,
        expires_at=session.expires_at,
        studied_seconds=session.studied_seconds,
        required_seconds=rules.STUDY_SECONDS_REQUIRED,
        complete=study.study_complete(session),
        quiz_drawn=bool(session.questions),
        answered_at=session.answered_at,
        score=session.score,
        passed=session.passed,
        points_removed=study.points_removed_by(session) if session.answered_at else 0,
    )


@router.get("", response=StudyOut)
def study_get(request: HttpRequest) -> StudyOut:
    """The caller's points in the current cycle, the points reduced by study in it, whether
    a session may start now (with every reason when not) and the open session, if any; and
    an open full-score study. 404 `no_licence` without a licence."""
    overview = study.study_overview(signed_in_user(request))
    if overview is None:
        raise NotFound("no_licence", _("You have no driving licence on record."))
    full = overview.full_score
    return StudyOut(
        points=overview.points_now,
        cycle_start=overview.licence.cycle_start,
        reduced_this_cycle=overview.reduced_this_cycle,
        reduced_max=rules.REDUCTION_MAX_PER_CYCLE,
        eligible=not overview.refusals and overview.open_session is None,
        refusals=[RefusalOut(code=r.code, message=str(r.message)) for r in overview.refusals],
        open_session=session_out(overview.open_session) if overview.open_session else None,
        full_score=FullScoreOut(
            opened_at=full.opened_at,
            required_days=full.required_days,
            extra_subjects=full.extra_subjects,
            study_done_on=full.study_done_on,
            tests_passed_on=full.tests_passed_on,
            unpaid_fines=fullscore.full_score_missing(full).unpaid_fines,
        )
        if full
        else None,
    )


@router.post("/sessions", response={201: SessionOut})
def session_start(request: HttpRequest) -> Status:
    """Start a session. 409 `not_eligible` with every reason in `fields`; 409 `already_open`
    (the open session's id in `fields.session`); 429 when starting too often."""
    return Status(201, session_out(study.study_start(actor=signed_in_user(request))))


def _own(request: HttpRequest, session_id: int) -> StudySession:
    return study.access_study_session(signed_in_user(request), session_id)


@router.post("/sessions/{session_id}/heartbeat", response=SessionOut)
def session_heartbeat(request: HttpRequest, session_id: int) -> SessionOut:
    """The study page is open. The server adds the time since the last heartbeat (at most 60
    seconds). 409 `expired` after the session's three days, `closed` once answered."""
    session = study.study_heartbeat(actor=signed_in_user(request), session=_own(request, session_id))
    return session_out(session)


@router.post("/sessions/{session_id}/quiz", response=QuizOut)
def session_quiz(request: HttpRequest, session_id: int) -> QuizOut:
    """Draw the test (the same one when asked again). 409 `study_incomplete` before 30
    minutes of study."""
    session = study.study_quiz_start(actor=signed_in_user(request), session=_own(request, session_id))
    english = quiz.english()
    return QuizOut(
        session=session_out(session),
        pass_mark=rules.QUIZ_PASS_MARK,
        questions=[
            QuestionOut(
                id=question.id,
                text=question.text(english),
                choices=[ChoiceOut(key=key, text=text) for key, text in question.choice_texts(english)],
            )
            for question in quiz.quiz_questions(session.questions)
        ],
    )


@router.post("/sessions/{session_id}/answers", response=SessionOut)
def session_answers(request: HttpRequest, session_id: int, payload: AnswersIn) -> SessionOut:
    """Answer the test, once. 422 naming each question without a valid answer; 409
    `already_answered`, `no_quiz` or `expired`. A pass takes 1 point off if the rules
    still allow it (`points_removed`)."""
    session = study.study_quiz_answer(
        actor=signed_in_user(request), session=_own(request, session_id), answers=payload.answers
    )
    session.refresh_from_db()
    return session_out(session)
