"""Errors raised by the Recall client and the provider.

Every message states what failed, in which region and at which base URL, for which
app where there is one, and what to do next. No message contains a secret.
"""

from __future__ import annotations

__all__ = [
    "RecallAPIError",
    "RecallAuthError",
    "RecallConfigError",
    "RecallConflictError",
    "RecallError",
    "RecallNotFoundError",
    "RecallRetriesExhaustedError",
    "RecallValidationError",
]


class RecallError(Exception):
    """Base class of every error this package raises."""


class RecallConfigError(RecallError):
    """Provider configuration that is missing or invalid, found before any request."""


class RecallConflictError(RecallError):
    """Recall already has an app that the declared one would collide with."""


class RecallAPIError(RecallError):
    """Recall returned an HTTP status that the client does not retry."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        region: str,
        base_url: str,
        app_id: str | None = None,
        field_errors: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.region = region
        self.base_url = base_url
        self.app_id = app_id
        self.field_errors = field_errors or {}


class RecallValidationError(RecallAPIError):
    """Recall rejected the request body (HTTP 400)."""


class RecallAuthError(RecallAPIError):
    """Recall rejected the API key (HTTP 401) or the request (HTTP 403)."""


class RecallNotFoundError(RecallAPIError):
    """No app with this id exists in this region (HTTP 404)."""


class RecallRetriesExhaustedError(RecallError):
    """Every attempt failed with a transient error: throttling, 5xx or the network."""

    def __init__(self, message: str, *, attempts: int, last_status: int | None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_status = last_status
