"""Everything a running emulator holds, behind one lock."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from .faults import FaultQueue
from .models import format_timestamp, utc_now
from .ratelimit import RateLimiter
from .settings import EmulatorSettings, apply_settings_patch
from .store import AppStore

__all__ = ["MAX_LOG_ENTRIES", "EmulatorState"]

# The request log and the webhook event log each keep this many newest entries.
MAX_LOG_ENTRIES = 10_000

_RATE_LIMIT_SETTINGS = ("rate_limits", "time_scale", "limit_default", "limit_list")


class EmulatorState:
    """Settings, apps, faults, rate-limit counters and logs of one emulator.

    Handlers hold ``lock`` while they read or change any of them, and never while
    they sleep or do socket I/O.
    """

    def __init__(self, settings: EmulatorSettings) -> None:
        self.lock = threading.Lock()
        self.settings = settings
        self.store = AppStore(settings.region, settings.state_file)
        self.faults = FaultQueue()
        self.limiter = RateLimiter()
        self.requests: deque[dict[str, Any]] = deque(maxlen=MAX_LOG_ENTRIES)
        self.webhook_events: deque[dict[str, Any]] = deque(maxlen=MAX_LOG_ENTRIES)

    def change_settings(self, changes: dict[str, Any]) -> None:
        """Apply a settings change, or raise ApiError 400 and change nothing.

        A change to a rate-limit setting restarts every rate-limit window.
        """
        self.settings = apply_settings_patch(self.settings, changes)
        if any(name in changes for name in _RATE_LIMIT_SETTINGS):
            self.limiter.clear()

    def reset(self) -> None:
        """Delete every app, fault, counter and log entry, and keep the settings."""
        self.store.clear()
        self.faults.clear()
        self.limiter.clear()
        self.requests.clear()
        self.webhook_events.clear()

    def record_request(self, method: str, path: str, query: str, status: int) -> None:
        """Log an /api/v2 request. Status 0 is a connection closed with no response."""
        self.requests.append(
            {
                "method": method,
                "path": path,
                "query": query,
                "status": status,
                "time": format_timestamp(utc_now()),
            }
        )

    def record_webhook_event(
        self, app_id: str, event: str | None, valid_signature: bool, status: int
    ) -> None:
        """Log a webhook request by event name; its body is never kept."""
        self.webhook_events.append(
            {
                "event": event,
                "app_id": app_id,
                "time": format_timestamp(utc_now()),
                "valid_signature": valid_signature,
                "status": status,
            }
        )
