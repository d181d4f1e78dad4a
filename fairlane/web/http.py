"""Small pieces every view needs: the signed-in user, no caching of personal pages, a
service error shown on a form, and the POST of a staff queue's decision form."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from fairlane.accounts.models import User
from fairlane.core.errors import ApiError, NotFound

T = TypeVar("T")
F = TypeVar("F", bound=forms.Form)


def signed_in_user(request: HttpRequest) -> User:
    """The user of a view guarded by login_required or staff_required."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - the view's decorator guarantees it
    return user


def no_store(response: HttpResponse) -> HttpResponse:
    """Keep a page with personal or staff data out of every cache."""
    response["Cache-Control"] = "no-store"
    return response


def form_add_api_error(form: forms.Form, error: ApiError) -> None:
    """Put a service's error next to the fields it names, or at the top of the form."""
    for field, message in error.fields.items():
        form.add_error(field if field in form.fields else None, message)
    if not error.fields:
        form.add_error(None, str(error.message))


def messages_add_api_error(request: HttpRequest, error: ApiError) -> None:
    """A service's error as messages on the next page: one per field, or its message."""
    for message in error.fields.values() or [str(error.message)]:
        messages.error(request, message)


def decision_post(
    request: HttpRequest,
    *,
    form: F,
    in_queue: Callable[[], bool],
    page: Callable[[F, int], HttpResponse],
    decide: Callable[[bool, str], T],
    done: Callable[[T], str],
    queue_url: str,
) -> HttpResponse:
    """The POST of a staff queue's uphold-or-reject form (appeals, objections, complaints).

    A form with errors shows the queue again with them, or 404 when the item is not in the
    actor's queue; the service decides with (upheld, reason) and its refusal is shown next
    to the form; a decision goes back to the queue with `done(decided)` as the message."""
    if not form.is_valid():
        if not in_queue():
            raise Http404
        return page(form, 422)
    try:
        decided = decide(form.cleaned_data["decision"] == "upheld", form.cleaned_data["reason"])
    except NotFound:
        raise Http404 from None
    except ApiError as error:
        form_add_api_error(form, error)
        return page(form, error.status)
    messages.success(request, done(decided))
    return redirect(queue_url)
