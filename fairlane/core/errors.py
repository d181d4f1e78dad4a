"""Errors the services raise and both the web pages and the API know how to show."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.functional import Promise


class ApiError(Exception):
    """A client error with a stable code, a message and per-field messages."""

    status = 400

    def __init__(
        self,
        code: str,
        message: str | Promise,
        fields: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.fields = fields or {}
        if status is not None:
            self.status = status


class InvalidInput(ApiError):
    """One or more fields are not valid; `fields` says which and why."""

    status = 422

    @classmethod
    def from_validation_error(cls, error: ValidationError, message: str | Promise) -> InvalidInput:
        fields = {name: " ".join(str(m) for m in messages) for name, messages in error.message_dict.items()}
        return cls("invalid", message, fields)


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class Throttled(ApiError):
    status = 429

    def __init__(self, message: str | Promise, retry_after: int) -> None:
        super().__init__("throttled", message)
        self.retry_after = retry_after
