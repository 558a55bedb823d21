"""Parse request bodies into data: JSON, URL-encoded forms and multipart forms.

Parsing follows Django REST framework's parsers, whose error messages Recall sends:
an empty body is empty data, a body of another media type is a 415, and a body that
does not parse is a 400 with ``{"detail": "..."}``.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from .wire import ApiError

__all__ = ["UploadedFile", "parse_json_body", "parse_request_data"]

# Django's default for DATA_UPLOAD_MAX_NUMBER_FIELDS.
MAX_FORM_FIELDS = 1000


@dataclass(frozen=True)
class UploadedFile:
    """A multipart part sent as a file. No field of the API accepts one."""

    filename: str

    def __str__(self) -> str:
        return self.filename


def _unsupported_media_type(content_type: str) -> ApiError:
    if len(content_type) > 100:
        content_type = content_type[:100] + "..."
    return ApiError(
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        {"detail": f'Unsupported media type "{content_type}" in request.'},
    )


def _parse_error(kind: str, reason: str) -> ApiError:
    return ApiError(
        HTTPStatus.BAD_REQUEST, {"detail": f"{kind} parse error - {reason}"}
    )


def _content_type_header(content_type: str) -> EmailMessage:
    header = EmailMessage()
    header["Content-Type"] = content_type
    return header


def _reject_json_constant(name: str) -> Any:
    raise ValueError("Out of range float values are not JSON compliant")


def _decode(body: bytes, charset: str, content_type: str, errors: str) -> str:
    try:
        return body.decode(charset, errors=errors)
    except LookupError as error:
        raise _unsupported_media_type(content_type) from error


def parse_json_body(body: bytes, charset: str = "utf-8", content_type: str = "") -> Any:
    """Parse a JSON body; NaN and Infinity are rejected as in Django REST framework."""
    try:
        text = _decode(body, charset, content_type, errors="strict")
    except UnicodeDecodeError as error:
        raise _parse_error("JSON", f"the body is not valid {charset}") from error
    try:
        return json.loads(text, parse_constant=_reject_json_constant)
    except RecursionError as error:
        raise _parse_error("JSON", "the body is nested too deeply") from error
    except ValueError as error:
        reason = str(error)
        if "integer string conversion" in reason:
            reason = "a number in the body has too many digits"
        raise _parse_error("JSON", reason) from error


def _parse_urlencoded(body: bytes, charset: str, content_type: str) -> dict[str, Any]:
    # Like Django, undecodable bytes become U+FFFD instead of failing the request.
    text = _decode(body, charset, content_type, errors="replace")
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            encoding=charset,
            errors="replace",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except ValueError as error:
        raise _parse_error(
            "Form", f"more than {MAX_FORM_FIELDS} fields were sent"
        ) from error
    # A repeated field keeps its last value, as Django's QueryDict.get does.
    return dict(pairs)


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    boundary = _content_type_header(content_type).get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise _parse_error("Multipart form", "Invalid boundary in multipart: None")

    head = f"Content-Type: {content_type}\r\n\r\n".encode("utf-8", errors="replace")
    message = BytesParser(policy=policy.default).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise _parse_error("Multipart form", "the body has no parts")

    data: dict[str, Any] = {}
    for count, part in enumerate(message.iter_parts(), start=1):
        if count > MAX_FORM_FIELDS:
            raise _parse_error(
                "Multipart form", f"more than {MAX_FORM_FIELDS} fields were sent"
            )
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        filename = part.get_filename()
        if filename is not None:
            data[name] = UploadedFile(filename)
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset() or "utf-8"
        try:
            data[name] = payload.decode(charset, errors="replace")
        except LookupError:
            data[name] = payload.decode("utf-8", errors="replace")
    return data


def parse_request_data(content_type: str | None, body: bytes) -> Any:
    """Parse a create or update body by its media type.

    Returns the parsed data, which for JSON may be something other than an object.
    Raises ApiError 415 for a media type other than JSON, form or multipart, and
    400 for a body that does not parse.
    """
    if not body:
        return {}
    if content_type is None:
        raise _unsupported_media_type("")
    if any(
        unicodedata.category(char) == "Cc" and char != "\t" for char in content_type
    ):
        # The email package rejects a header with a line break, and str.splitlines
        # also breaks at vertical tab, form feed and other control characters.
        raise _unsupported_media_type(content_type.encode("unicode_escape").decode())

    header = _content_type_header(content_type)
    media_type = content_type.split(";", 1)[0].strip().lower()
    charset = header.get_param("charset")
    if not isinstance(charset, str) or not charset:
        charset = "utf-8"

    if media_type == "application/json":
        return parse_json_body(body, charset, content_type)
    if media_type == "application/x-www-form-urlencoded":
        return _parse_urlencoded(body, charset, content_type)
    if media_type == "multipart/form-data":
        return _parse_multipart(body, content_type)
    raise _unsupported_media_type(content_type)
