"""Requests and responses as the emulator's handlers see them, and Recall's error shape.

Handlers take a ``Request`` and return a ``Response``, or raise ``ApiError``. The HTTP
server in ``server.py`` turns both into bytes on the socket.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

__all__ = [
    "ApiError",
    "Request",
    "Response",
    "dump_json",
    "error_response",
    "json_response",
    "not_found",
]

JSON_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class Request:
    """One HTTP request after its body has been read in full."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    client_host: str

    def header(self, name: str) -> str | None:
        """Return the value of header ``name`` (case-insensitive), or None."""
        return self.headers.get(name.lower())


@dataclass
class Response:
    """A response to send, or, with ``drop`` set, a connection to close unanswered."""

    status: int
    body: bytes = b""
    content_type: str | None = JSON_CONTENT_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


class ApiError(Exception):
    """A 4xx or 5xx response in Recall's shape, raised from deep inside a handler."""

    def __init__(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or {}

    def to_response(self) -> Response:
        return json_response(self.status, self.body, self.headers)


def dump_json(data: Any) -> bytes:
    """Serialise ``data`` compactly, as Django REST framework renders JSON.

    Non-ASCII characters are escaped, so that a string holding a lone surrogate,
    such as one echoed back in an error message, still encodes.
    """
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def json_response(
    status: int, data: Any, headers: dict[str, str] | None = None
) -> Response:
    return Response(status=status, body=dump_json(data), headers=dict(headers or {}))


def error_response(
    status: int, detail: str, headers: dict[str, str] | None = None
) -> Response:
    """Return ``{"detail": detail}`` with ``status``, the shape of Recall's errors."""
    return json_response(status, {"detail": detail}, headers)


def not_found() -> ApiError:
    return ApiError(HTTPStatus.NOT_FOUND, {"detail": "Not found."})
