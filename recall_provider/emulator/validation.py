"""Validate create and update bodies the way Django REST framework serializers do.

Every invalid field is reported at once, each with a list of messages, in the
wording of Django REST framework's CharField and ChoiceField.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from .models import KINDS, ZoomOAuthApp
from .wire import ApiError

__all__ = ["MAX_TEXT_LENGTH", "validate_create", "validate_update"]

MAX_TEXT_LENGTH = 200

SECRET_FIELDS = ("client_secret", "webhook_secret")
FIXED_FIELDS = ("kind", "client_id")

_REQUIRED = "This field is required."
_NULL = "This field may not be null."


def _check_object(data: Any) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    type_name = type(data).__name__
    raise ApiError(
        HTTPStatus.BAD_REQUEST,
        {
            "non_field_errors": [
                f"Invalid data. Expected a dictionary, but got {type_name}."
            ]
        },
    )


def _clean_text(value: Any) -> tuple[str, list[str]]:
    """Return the value with surrounding whitespace removed, and its errors."""
    if value is None:
        return "", [_NULL]
    if not isinstance(value, str):
        return "", ["Not a valid string."]
    text = value.strip()
    if not text:
        return "", ["This field may not be blank."]

    errors = []
    if len(text) > MAX_TEXT_LENGTH:
        errors.append(
            f"Ensure this field has no more than {MAX_TEXT_LENGTH} characters."
        )
    if "\x00" in text:
        errors.append("Null characters are not allowed.")
    surrogate = next((char for char in text if "\ud800" <= char <= "\udfff"), None)
    if surrogate is not None:
        errors.append(f"Surrogate characters are not allowed: U+{ord(surrogate):X}.")
    return text, errors


def _clean_kind(value: Any) -> tuple[str, list[str]]:
    if value is None:
        return "", [_NULL]
    if isinstance(value, str) and value in KINDS:
        return value, []
    return "", [f'"{value}" is not a valid choice.']


def validate_create(
    data: Any, taken_client_ids: set[str], duplicate_message: str
) -> dict[str, str]:
    """Return the four fields of a new app, cleaned.

    A client ID in ``taken_client_ids`` is rejected with ``duplicate_message``.
    Raises ApiError 400 listing every missing or invalid field.
    """
    fields = _check_object(data)
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name in ("kind", "client_id", *SECRET_FIELDS):
        if name not in fields:
            errors[name] = [_REQUIRED]
            continue
        clean = _clean_kind if name == "kind" else _clean_text
        value, messages = clean(fields[name])
        if name == "client_id" and not messages and value in taken_client_ids:
            messages = [duplicate_message]
        if messages:
            errors[name] = messages
        else:
            cleaned[name] = value
    if errors:
        raise ApiError(HTTPStatus.BAD_REQUEST, errors)
    return cleaned


def validate_update(data: Any, app: ZoomOAuthApp) -> dict[str, str]:
    """Return the secrets that a PATCH of ``app`` changes, cleaned.

    ``kind`` and ``client_id`` may be sent only with their current values, because
    changing either means a new app. Other unknown fields are ignored, as Django
    REST framework ignores them. Raises ApiError 400 listing every invalid field.
    """
    fields = _check_object(data)
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name in FIXED_FIELDS:
        if name in fields and fields[name] != getattr(app, name):
            errors[name] = ["This field cannot be changed."]
    for name in SECRET_FIELDS:
        if name not in fields:
            continue
        value, messages = _clean_text(fields[name])
        if messages:
            errors[name] = messages
        else:
            cleaned[name] = value
    if errors:
        raise ApiError(HTTPStatus.BAD_REQUEST, errors)
    return cleaned
