"""A local stand-in for Recall's Zoom OAuth App API, for tests and development.

Start it with ``python -m recall_provider.emulator`` or, in-process::

    with Emulator(port=0) as emulator:
        client = httpx.Client(
            base_url=emulator.url,
            headers={"Authorization": f"Token {emulator.api_key}"},
        )

docs/emulator.md describes the API it serves, its admin API and its limits.
"""

from __future__ import annotations

from .runner import Emulator
from .settings import DEFAULT_PAGE_SIZE, DEV_API_KEY, EmulatorSettings
from .store import StateFileError
from .wire import ApiError

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEV_API_KEY",
    "ApiError",
    "Emulator",
    "EmulatorSettings",
    "StateFileError",
]
