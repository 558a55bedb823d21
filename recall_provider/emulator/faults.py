"""Injected faults: errors, delays and dropped connections for chosen API requests.

A fault stands for trouble in front of or inside Recall, such as a proxy's 503
page, a slow response, or a connection lost before or after a change is applied.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from .wire import JSON_CONTENT_TYPE, ApiError, Response, dump_json

__all__ = ["DROP_AFTER", "DROP_BEFORE", "Fault", "FaultQueue", "parse_fault"]

# Close the connection before the request is handled, so nothing changes.
DROP_BEFORE = "before"
# Handle the request, then close the connection without sending the response.
DROP_AFTER = "after"

MAX_FAULT_DELAY_SECONDS = 600.0
MAX_FAULT_BODY_CHARACTERS = 1024 * 1024
_METHOD_PATTERN = re.compile(r"[A-Za-z]{1,20}")
_HEADER_VALUE_PATTERN = re.compile(r"[\x20-\x7e]{1,200}")

_DEFAULT_DETAILS = {
    429: "Request was throttled.",
    500: "A server error occurred.",
    503: "Service temporarily unavailable, try again later.",
}


@dataclass
class Fault:
    """A fault waiting for the next ``remaining`` requests that match it."""

    id: str
    method: str | None
    path: re.Pattern[str] | None
    remaining: int
    status: int | None
    retry_after: str | None
    body: str | None
    content_type: str | None
    delay: float
    drop: str | None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and method != self.method:
            return False
        return self.path is None or self.path.fullmatch(path) is not None

    def response(self) -> Response:
        """Return the injected error response. Only for a fault with a status."""
        assert self.status is not None
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = self.retry_after
        if self.body is not None:
            return Response(
                status=self.status,
                body=self.body.encode("utf-8"),
                content_type=self.content_type or "text/html; charset=utf-8",
                headers=headers,
            )
        return Response(
            status=self.status,
            body=dump_json({"detail": self._default_detail()}),
            content_type=self.content_type or JSON_CONTENT_TYPE,
            headers=headers,
        )

    def _default_detail(self) -> str:
        assert self.status is not None
        detail = _DEFAULT_DETAILS.get(self.status)
        if detail is None:
            try:
                detail = HTTPStatus(self.status).phrase + "."
            except ValueError:
                detail = "Error."
        if self.status == 429 and self.retry_after is not None:
            detail += f" Expected available in {self.retry_after} seconds."
        return detail

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path.pattern if self.path else None,
            "count": self.remaining,
            "status": self.status,
            "retry_after": self.retry_after,
            "body": self.body,
            "content_type": self.content_type,
            "delay": self.delay,
            "drop": self.drop,
        }


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_fields(data: dict[str, Any]) -> dict[str, list[str]]:
    """Return the errors of each invalid field of a fault, by field name."""
    errors: dict[str, list[str]] = {}
    known = (
        "method",
        "path",
        "count",
        "status",
        "retry_after",
        "body",
        "content_type",
        "delay",
        "drop",
    )
    for name in data:
        if name not in known:
            errors[name] = ["Unknown field."]

    method = data.get("method")
    if method is not None and not (
        isinstance(method, str) and _METHOD_PATTERN.fullmatch(method)
    ):
        errors["method"] = ["Must be an HTTP method name such as POST."]
    path = data.get("path")
    if path is not None:
        if not isinstance(path, str):
            errors["path"] = ["Must be a regular expression string."]
        else:
            try:
                re.compile(path)
            except re.error as error:
                errors["path"] = [f"Invalid regular expression: {error}."]
    count = data.get("count", 1)
    if not (isinstance(count, int) and not isinstance(count, bool) and count >= 1):
        errors["count"] = ["Must be a whole number of at least 1."]
    status = data.get("status")
    if status is not None and not (
        isinstance(status, int)
        and not isinstance(status, bool)
        and 300 <= status <= 599
    ):
        errors["status"] = ["Must be an HTTP status code from 300 to 599."]
    retry_after = data.get("retry_after")
    if retry_after is not None:
        valid_number = _is_number(retry_after) and 0 <= retry_after <= 86400
        valid_text = isinstance(retry_after, str) and _HEADER_VALUE_PATTERN.fullmatch(
            retry_after
        )
        if not (valid_number or valid_text):
            errors["retry_after"] = [
                "Must be seconds from 0 to 86400, or a header value of printable ASCII."
            ]
    body = data.get("body")
    if body is not None and not (
        isinstance(body, str) and len(body) <= MAX_FAULT_BODY_CHARACTERS
    ):
        errors["body"] = [
            f"Must be a string of at most {MAX_FAULT_BODY_CHARACTERS} characters."
        ]
    content_type = data.get("content_type")
    if content_type is not None and not (
        isinstance(content_type, str) and _HEADER_VALUE_PATTERN.fullmatch(content_type)
    ):
        errors["content_type"] = ["Must be a media type of printable ASCII."]
    delay = data.get("delay", 0)
    if not (_is_number(delay) and 0 <= delay <= MAX_FAULT_DELAY_SECONDS):
        errors["delay"] = [f"Must be seconds from 0 to {MAX_FAULT_DELAY_SECONDS:g}."]
    drop = data.get("drop")
    if drop is not None and drop not in (DROP_BEFORE, DROP_AFTER):
        errors["drop"] = [f'Must be "{DROP_BEFORE}" or "{DROP_AFTER}".']
    return errors


def _check_combination(data: dict[str, Any]) -> dict[str, list[str]]:
    """Return the errors of a fault whose fields are valid alone but not together."""
    errors: dict[str, list[str]] = {}
    if (
        data.get("status") is None
        and data.get("drop") is None
        and not data.get("delay")
    ):
        errors["non_field_errors"] = ["A fault needs a status, a delay or a drop."]
    if data.get("status") is not None and data.get("drop") is not None:
        errors["drop"] = ["A fault cannot both drop the connection and send a status."]
    for name in ("retry_after", "body", "content_type"):
        if data.get(name) is not None and data.get("status") is None:
            errors[name] = ["Needs a status."]
    return errors


def parse_fault(data: Any) -> Fault:
    """Build a fault from the body of POST /_emulator/faults.

    Raises ApiError 400 with every invalid field.
    """
    if not isinstance(data, dict):
        raise ApiError(
            HTTPStatus.BAD_REQUEST,
            {"non_field_errors": ["A fault must be a JSON object."]},
        )
    errors = _check_fields(data)
    if not errors:
        errors = _check_combination(data)
    if errors:
        raise ApiError(HTTPStatus.BAD_REQUEST, errors)

    retry_after = data.get("retry_after")
    if _is_number(retry_after):
        retry_after = f"{retry_after:g}"
    path = data.get("path")
    method = data.get("method")
    return Fault(
        id=str(uuid.uuid4()),
        method=method.upper() if method is not None else None,
        path=re.compile(path) if path is not None else None,
        remaining=data.get("count", 1),
        status=data.get("status"),
        retry_after=retry_after,
        body=data.get("body"),
        content_type=data.get("content_type"),
        delay=float(data.get("delay", 0)),
        drop=data.get("drop"),
    )


class FaultQueue:
    """Faults in the order they were added. Callers hold the state lock."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """Return the first fault that matches the request, and use up one count."""
        for fault in self._faults:
            if fault.matches(method, path):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def to_json(self) -> list[dict[str, Any]]:
        return [fault.to_json() for fault in self._faults]

    def clear(self) -> None:
        self._faults.clear()
