"""Per-minute rate limits per API key, as a sliding window log.

A request is allowed when fewer than ``limit`` requests of the same API key and
bucket were allowed during the last window. A rejected request does not count.
Recall's limits are per workspace per minute; the emulator makes each API key its
own workspace, and ``time_scale`` shortens the minute for tests.
"""

from __future__ import annotations

import math
from collections import deque
from http import HTTPStatus

from .wire import ApiError

__all__ = ["DEFAULT_BUCKET", "LIST_BUCKET", "RateLimiter", "throttled_error"]

# Recall limits list calls separately from create, retrieve, update and delete.
LIST_BUCKET = "list"
DEFAULT_BUCKET = "default"


class RateLimiter:
    """The recent requests of each API key and bucket. Callers hold the state lock."""

    def __init__(self) -> None:
        self._history: dict[tuple[str, str], deque[float]] = {}

    def acquire(
        self, workspace: str, bucket: str, limit: int, window: float, now: float
    ) -> float | None:
        """Count a request made at ``now`` (monotonic seconds) if it is allowed.

        Returns None when the request is allowed, else the seconds until it would be.
        """
        history = self._history.setdefault((workspace, bucket), deque())
        while history and history[0] <= now - window:
            history.popleft()
        if len(history) < limit:
            history.append(now)
            return None

        # The request is allowed once enough of the counted ones leave the window.
        # More than `limit` can be counted when the limit was lowered meanwhile.
        oldest_to_expire = history[len(history) - limit]
        return max(0.0, oldest_to_expire + window - now)

    def clear(self) -> None:
        self._history.clear()


def format_retry_after(wait: float, whole_seconds: bool) -> str:
    """Format a wait for the Retry-After header.

    Recall sends whole seconds. With a time scale the emulator sends decimal seconds
    with up to 3 decimals instead, since a scaled wait is often below one second.
    """
    if whole_seconds:
        return str(max(1, math.ceil(wait)))
    milliseconds = max(1, math.ceil(wait * 1000))
    return f"{milliseconds / 1000:.3f}".rstrip("0").rstrip(".")


def throttled_error(wait: float, whole_seconds: bool) -> ApiError:
    """Return the 429 of Django REST framework's throttling, with Retry-After."""
    retry_after = format_retry_after(wait, whole_seconds)
    unit = "second" if retry_after == "1" else "seconds"
    detail = f"Request was throttled. Expected available in {retry_after} {unit}."
    return ApiError(
        HTTPStatus.TOO_MANY_REQUESTS,
        {"detail": detail},
        {"Retry-After": retry_after},
    )
