"""Validation of the AWS components' arguments, done when a component is declared."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pulumi

from recall_provider.errors import RecallError

__all__ = ["ComponentArgsError", "validate_https_url", "validated_input"]

T = TypeVar("T")


class ComponentArgsError(RecallError, ValueError):
    """An argument of an AWS component is invalid; the message names it and the fix."""


def validate_https_url(name: str, value: Any, *, allow_query: bool) -> str:
    """Return ``value`` if it is an https URL with a host, or raise ComponentArgsError.

    The URL is never shown in the message, because a query may contain a token.
    """
    if not isinstance(value, str) or not value or value != value.strip():
        raise ComponentArgsError(
            f"{name} must be a non-empty https URL with no surrounding spaces"
        )
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ComponentArgsError(f"{name} is not a valid URL ({exc})") from None
    if parts.scheme != "https" or not parts.hostname:
        raise ComponentArgsError(
            f"{name} must be an https URL with a host, because the Lambda function "
            "sends Zoom's events to it over the internet"
        )
    if parts.username is not None or parts.password is not None:
        raise ComponentArgsError(
            f"{name} must not carry a user name or password; remove the part before '@'"
        )
    if parts.query and not allow_query:
        raise ComponentArgsError(
            f"{name} must not have a query; give the URL as Recall shows it, such "
            "as the ZoomOAuthApp output webhook_url"
        )
    if parts.fragment:
        raise ComponentArgsError(
            f"{name} must not have a fragment, because it is never sent; remove "
            "the part from '#'"
        )
    return value


def validated_input(
    value: pulumi.Input[T], validate: Callable[[Any], T]
) -> pulumi.Output[T]:
    """Validate a plain value now, and an output once its value is known.

    An invalid output value fails the deployment with the validator's message.
    """
    if not isinstance(value, pulumi.Output):
        validate(value)
    return pulumi.Output.from_input(value).apply(validate)
