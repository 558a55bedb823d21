"""The list call: its filters, its ordering and its cursor pagination.

A cursor is opaque to clients. Inside, it is base64 of a JSON object naming a
direction and the (created_at, id) of the app it continues from, so a page stays
correct when apps are created or deleted between two calls. Apps created in the
same microsecond are ordered by id.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from .models import KINDS, ZoomOAuthApp, format_timestamp, parse_timestamp
from .wire import ApiError

__all__ = ["DEFAULT_ORDERING", "ListQuery", "build_page", "parse_list_query"]

ORDERINGS = ("created_at", "-created_at")
# Newest first, the usual default of Django REST framework's cursor pagination.
DEFAULT_ORDERING = "-created_at"

_MAX_CURSOR_LENGTH = 1000

SortKey = tuple[datetime, str]


@dataclass(frozen=True)
class Cursor:
    """A page boundary: ``forward`` pages go after ``key``, the others before it.

    A ``key`` of None is the start of the list for a forward cursor and its end
    for a backward one.
    """

    forward: bool
    key: SortKey | None

    def encode(self) -> str:
        key = None
        if self.key is not None:
            key = [format_timestamp(self.key[0]), self.key[1]]
        data = {"d": "next" if self.forward else "previous", "k": key}
        raw = json.dumps(data, separators=(",", ":")).encode("utf-8")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Decode a cursor from a query string; raise ApiError 404 if it is invalid.

        Django REST framework responds to an invalid cursor with 404 "Invalid cursor".
        """
        invalid = ApiError(HTTPStatus.NOT_FOUND, {"detail": "Invalid cursor"})
        if len(text) > _MAX_CURSOR_LENGTH:
            raise invalid
        try:
            padded = text + "=" * (-len(text) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        except (ValueError, binascii.Error, UnicodeError) as error:
            raise invalid from error
        if not isinstance(data, dict) or data.get("d") not in ("next", "previous"):
            raise invalid
        key = data.get("k")
        if key is None:
            return cls(forward=data["d"] == "next", key=None)
        if (
            not isinstance(key, list)
            or len(key) != 2
            or not all(isinstance(part, str) for part in key)
        ):
            raise invalid
        try:
            created_at = parse_timestamp(key[0])
        except ValueError as error:
            raise invalid from error
        return cls(forward=data["d"] == "next", key=(created_at, key[1]))


@dataclass(frozen=True)
class ListQuery:
    """The filters, ordering and cursor of one list call."""

    client_id: str | None = None
    kind: str | None = None
    created_at_after: datetime | None = None
    created_at_before: datetime | None = None
    descending: bool = True
    cursor: Cursor | None = None

    def matches(self, app: ZoomOAuthApp) -> bool:
        if self.client_id is not None and app.client_id != self.client_id:
            return False
        if self.kind is not None and app.kind != self.kind:
            return False
        after = self.created_at_after
        if after is not None and app.created_at < after:
            return False
        before = self.created_at_before
        return before is None or app.created_at <= before


def _invalid_choice(value: str) -> list[str]:
    return [f"Select a valid choice. {value} is not one of the available choices."]


def parse_list_query(params: list[tuple[str, str]]) -> ListQuery:
    """Read the list filters from query parameters, the last value of each winning.

    An empty value means no filter, as in django-filter. Unknown parameters are
    ignored. Raises ApiError 400 listing every invalid filter value, and 404 for an
    invalid cursor.
    """
    values = {name: value for name, value in params if value != ""}
    errors: dict[str, list[str]] = {}

    kind = values.get("kind")
    if kind is not None and kind not in KINDS:
        errors["kind"] = _invalid_choice(kind)

    ordering = values.get("ordering", DEFAULT_ORDERING)
    if ordering not in ORDERINGS:
        errors["ordering"] = _invalid_choice(ordering)

    bounds: dict[str, datetime] = {}
    for name in ("created_at_after", "created_at_before"):
        if name not in values:
            continue
        try:
            bounds[name] = parse_timestamp(values[name])
        except ValueError:
            errors[name] = ["Enter a valid date/time."]

    if errors:
        raise ApiError(HTTPStatus.BAD_REQUEST, errors)
    cursor = Cursor.decode(values["cursor"]) if "cursor" in values else None
    return ListQuery(
        client_id=values.get("client_id"),
        kind=kind,
        created_at_after=bounds.get("created_at_after"),
        created_at_before=bounds.get("created_at_before"),
        descending=ordering.startswith("-"),
        cursor=cursor,
    )


def _sort_key(app: ZoomOAuthApp) -> SortKey:
    return (app.created_at, app.id)


def _page_bounds(keys: list[SortKey], query: ListQuery, page_size: int) -> range:
    """Return the index range of the page within ``keys``, which are in list order."""
    cursor = query.cursor
    if cursor is None:
        return range(0, min(page_size, len(keys)))

    def comes_before(key: SortKey, boundary: SortKey) -> bool:
        return key > boundary if query.descending else key < boundary

    if cursor.forward:
        boundary = cursor.key
        start = 0
        if boundary is not None:
            start = sum(1 for key in keys if not comes_before(boundary, key))
        return range(start, min(start + page_size, len(keys)))

    end = len(keys)
    if cursor.key is not None:
        boundary = cursor.key
        end = sum(1 for key in keys if comes_before(key, boundary))
    return range(max(0, end - page_size), end)


def build_page(
    apps: list[ZoomOAuthApp],
    query: ListQuery,
    page_size: int,
    page_url: str,
    params: list[tuple[str, str]],
    echo_secrets: bool,
) -> dict[str, Any]:
    """Return the page of ``apps`` that ``query`` selects, with its next and previous
    links.

    The links are ``page_url`` with the request's own query parameters, whose
    cursor is replaced.
    """
    selected = sorted(
        (app for app in apps if query.matches(app)),
        key=_sort_key,
        reverse=query.descending,
    )
    keys = [_sort_key(app) for app in selected]
    bounds = _page_bounds(keys, query, page_size)
    results = selected[bounds.start : bounds.stop]

    def link(cursor: Cursor) -> str:
        other_params = [(name, value) for name, value in params if name != "cursor"]
        query = urlencode([*other_params, ("cursor", cursor.encode())])
        return f"{page_url}?{query}"

    # An empty page after a cursor links to the first or the last page, because
    # there is no app to continue from.
    next_link = None
    if bounds.stop < len(selected):
        last_key = keys[bounds.stop - 1] if results else None
        next_link = link(Cursor(forward=True, key=last_key))
    previous_link = None
    if bounds.start > 0:
        first_key = keys[bounds.start] if results else None
        previous_link = link(Cursor(forward=False, key=first_key))

    return {
        "next": next_link,
        "previous": previous_link,
        "results": [app.to_api(echo_secrets) for app in results],
    }
