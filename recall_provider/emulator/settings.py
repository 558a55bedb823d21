"""Emulator settings: the command-line flags, and the part the admin API can change."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from recall_provider.regions import DEFAULT_REGION, REGION_BASE_URLS

from .wire import ApiError

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEV_API_KEY",
    "EmulatorSettings",
    "apply_settings_patch",
    "public_settings",
]

# The API key accepted when no key is configured. It is public, so an emulator
# started with it must stay on loopback.
DEV_API_KEY = "recall-emulator-dev-key"

# Recall documents no page size for the list call, so this is a guess.
DEFAULT_PAGE_SIZE = 25

MAX_PAGE_SIZE = 1000
MAX_LATENCY_SECONDS = 600.0


@dataclass
class EmulatorSettings:
    """Settings of one emulator, whose defaults match Recall as documented or as most
    likely where it is not."""

    host: str = "127.0.0.1"
    port: int = 0
    api_keys: tuple[str, ...] = (DEV_API_KEY,)
    # Informational only: an emulator is one region, and it serves any Host name.
    region: str = DEFAULT_REGION
    # Path of the JSON file that keeps the apps across restarts; None keeps them in
    # memory only.
    state_file: str | None = None
    # Whether responses include client_secret and webhook_secret.
    echo_secrets: bool = True
    # Whether a create with the client ID of an existing app gets a 400.
    refuse_duplicate_client_id: bool = False
    rate_limits: bool = False
    # A rate-limit minute lasts 60 / time_scale seconds.
    time_scale: float = 1.0
    # Requests per minute per API key for create, retrieve, update and delete together.
    limit_default: int = 300
    # Requests per minute per API key for list.
    limit_list: int = 60
    page_size: int = DEFAULT_PAGE_SIZE
    # Seconds added before every /api/v2 response.
    latency: float = 0.0

    def validate(self) -> None:
        """Raise ValueError naming the first setting that is out of range."""
        if not self.api_keys:
            raise ValueError("api_keys must contain at least one API key")
        if any(not key or key != key.strip() or " " in key for key in self.api_keys):
            raise ValueError("each API key must be non-empty and contain no spaces")
        if self.region not in REGION_BASE_URLS:
            known = ", ".join(REGION_BASE_URLS)
            raise ValueError(f"unknown region {self.region!r}; known regions: {known}")
        errors = _check_tunables(dataclasses.asdict(self))
        if errors:
            name, messages = next(iter(errors.items()))
            raise ValueError(f"{name}: {messages[0]}")


# Settings that PATCH /_emulator/settings may change, with their types.
_TUNABLE_TYPES: dict[str, type] = {
    "echo_secrets": bool,
    "refuse_duplicate_client_id": bool,
    "rate_limits": bool,
    "time_scale": float,
    "limit_default": int,
    "limit_list": int,
    "page_size": int,
    "latency": float,
}


def _check_tunables(values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        expected = _TUNABLE_TYPES.get(name)
        if expected is None:
            continue
        message = _check_tunable(name, expected, value)
        if message:
            errors[name] = [message]
    return errors


def _check_tunable(name: str, expected: type, value: Any) -> str | None:
    if expected is bool:
        return None if isinstance(value, bool) else "Must be a boolean."

    # bool is a subclass of int, but true is no page size.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "Must be a number."
    try:
        number = float(value)
    except OverflowError:
        return "Must be a finite number."
    if not math.isfinite(number):
        return "Must be a finite number."
    if expected is int and not number.is_integer():
        return "Must be a whole number."

    if name == "time_scale" and number <= 0:
        return "Must be greater than 0."
    if name in ("limit_default", "limit_list") and number < 1:
        return "Must be at least 1."
    if name == "page_size" and not 1 <= number <= MAX_PAGE_SIZE:
        return f"Must be between 1 and {MAX_PAGE_SIZE}."
    if name == "latency" and not 0 <= number <= MAX_LATENCY_SECONDS:
        return f"Must be between 0 and {MAX_LATENCY_SECONDS:g} seconds."
    return None


def apply_settings_patch(
    settings: EmulatorSettings, changes: dict[str, Any]
) -> EmulatorSettings:
    """Return a copy of ``settings`` with ``changes`` applied.

    Raises ApiError 400 with every rejected field, in Recall's field-error shape,
    and changes nothing in that case.
    """
    errors: dict[str, list[str]] = {}
    for name in changes:
        if name in ("region", "host", "port", "state_file"):
            errors[name] = ["This setting is fixed when the emulator starts."]
        elif name == "api_keys":
            errors[name] = ["API keys are fixed when the emulator starts."]
        elif name not in _TUNABLE_TYPES:
            errors[name] = ["Unknown setting."]
    errors.update(_check_tunables(changes))
    if errors:
        raise ApiError(HTTPStatus.BAD_REQUEST, errors)

    converted = {name: _TUNABLE_TYPES[name](value) for name, value in changes.items()}
    return dataclasses.replace(settings, **converted)


def public_settings(settings: EmulatorSettings) -> dict[str, Any]:
    """Return the settings that GET /_emulator/settings shows: no API key among them."""
    return {
        "region": settings.region,
        "state_file": settings.state_file,
        "api_key_count": len(settings.api_keys),
        "echo_secrets": settings.echo_secrets,
        "refuse_duplicate_client_id": settings.refuse_duplicate_client_id,
        "rate_limits": settings.rate_limits,
        "time_scale": settings.time_scale,
        "limit_default": settings.limit_default,
        "limit_list": settings.limit_list,
        "page_size": settings.page_size,
        "latency": settings.latency,
    }
