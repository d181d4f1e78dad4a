"""Small pieces every view needs: the signed-in user, no caching of personal pages, and a
service error shown on a form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from fairlane.accounts.models import User
from fairlane.core.errors import ApiError


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
