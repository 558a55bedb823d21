"""Provider settings: the API key, region and endpoint, from stack config or the
environment.

Stack config (``recall:apiKey``, ``recall:apiKeys``, ``recall:region``,
``recall:endpoint`` and the rest of ``CONFIG_KEYS``) wins over the environment
(``RECALL_API_KEY``, ``RECALL_API_KEY_<REGION>``, ``RECALL_REGION``,
``RECALL_ENDPOINT``, ``RECALL_ADOPT_EXISTING``). A region's own key wins over
``recall:apiKey``. The provider reads them in ``configure`` and keeps them in this
module, never on the provider object, because that object is pickled into the
stack's state.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from recall_provider.regions import DEFAULT_REGION

__all__ = [
    "ProviderSettings",
    "current_settings",
    "set_settings",
    "settings_from_config",
]

CONFIG_API_KEY = "recall:apiKey"
CONFIG_API_KEYS = "recall:apiKeys"
CONFIG_REGION = "recall:region"
CONFIG_ENDPOINT = "recall:endpoint"
CONFIG_TIMEOUT = "recall:requestTimeout"
CONFIG_MAX_ATTEMPTS = "recall:maxAttempts"
CONFIG_ADOPT_EXISTING = "recall:adoptExisting"

CONFIG_KEYS = (
    CONFIG_API_KEY,
    CONFIG_API_KEYS,
    CONFIG_REGION,
    CONFIG_ENDPOINT,
    CONFIG_TIMEOUT,
    CONFIG_MAX_ATTEMPTS,
    CONFIG_ADOPT_EXISTING,
)

ENV_API_KEY = "RECALL_API_KEY"
ENV_REGION = "RECALL_REGION"
ENV_ENDPOINT = "RECALL_ENDPOINT"
ENV_ADOPT_EXISTING = "RECALL_ADOPT_EXISTING"

_TRUE_WORDS = ("1", "true", "yes", "on")
_FALSE_WORDS = ("", "0", "false", "no", "off")


def env_key_name(region: str) -> str:
    """Return the name of the environment variable with one region's API key."""
    return "RECALL_API_KEY_" + region.upper().replace("-", "_")


@dataclass(frozen=True)
class ProviderSettings:
    """Settings the provider needs to reach Recall, resolved once per process."""

    region: str = DEFAULT_REGION
    endpoint: str | None = None
    request_timeout: float = 30.0
    max_attempts: int = 8
    adopt_existing: bool = False
    """Take over an existing app with a declared client ID, for every app."""
    api_key: str | None = field(default=None, repr=False)
    region_api_keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    problems: tuple[str, ...] = ()
    """Invalid settings found while reading them, reported by ``check``."""

    def api_key_for(self, region: str) -> str | None:
        """Return the API key for a region: its own key if one is set, else the
        stack's ``recall:apiKey``."""
        return self.region_api_keys.get(region) or self.api_key


def _decode(value: Any) -> Any:
    """Config values of structured type arrive as JSON text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def settings_from_config(
    config: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> ProviderSettings:
    """Resolve settings from namespaced stack config, falling back to ``environ``."""
    env = os.environ if environ is None else environ
    problems: list[str] = []

    def pick(config_key: str, env_key: str) -> str | None:
        value = config.get(config_key)
        if value is None or value == "":
            value = env.get(env_key) or None
        return None if value is None else str(value)

    region = pick(CONFIG_REGION, ENV_REGION) or DEFAULT_REGION
    endpoint = pick(CONFIG_ENDPOINT, ENV_ENDPOINT)
    api_key = pick(CONFIG_API_KEY, ENV_API_KEY)

    region_api_keys: dict[str, str] = {}
    raw_keys = _decode(config.get(CONFIG_API_KEYS))
    if isinstance(raw_keys, Mapping):
        region_api_keys = {str(k): str(v) for k, v in raw_keys.items() if v}
    elif raw_keys is not None:
        problems.append(
            f"{CONFIG_API_KEYS} must be a map of region to API key, set with "
            f"`pulumi config set --secret --path '{CONFIG_API_KEYS}.<region>' <key>`"
        )
    for name, value in env.items():
        if name.startswith("RECALL_API_KEY_") and value:
            region_name = name.removeprefix("RECALL_API_KEY_").lower().replace("_", "-")
            region_api_keys.setdefault(region_name, value)

    timeout = 30.0
    raw_timeout = config.get(CONFIG_TIMEOUT)
    if raw_timeout is not None:
        try:
            timeout = float(raw_timeout)
            if timeout <= 0:
                raise ValueError
        except ValueError:
            problems.append(
                f"{CONFIG_TIMEOUT} must be a positive number of seconds, "
                f"not {raw_timeout!r}"
            )
            timeout = 30.0

    max_attempts = 8
    raw_attempts = config.get(CONFIG_MAX_ATTEMPTS)
    if raw_attempts is not None:
        try:
            max_attempts = int(str(raw_attempts))
            if max_attempts < 1:
                raise ValueError
        except ValueError:
            problems.append(
                f"{CONFIG_MAX_ATTEMPTS} must be a whole number of at least 1, "
                f"not {raw_attempts!r}"
            )
            max_attempts = 8

    adopt_existing = False
    raw_adopt = pick(CONFIG_ADOPT_EXISTING, ENV_ADOPT_EXISTING)
    if raw_adopt is not None:
        word = raw_adopt.strip().lower()
        if word in _TRUE_WORDS:
            adopt_existing = True
        elif word not in _FALSE_WORDS:
            problems.append(
                f"{CONFIG_ADOPT_EXISTING} (or {ENV_ADOPT_EXISTING}) must be true or "
                f"false, not {raw_adopt!r}"
            )

    return ProviderSettings(
        region=region,
        adopt_existing=adopt_existing,
        endpoint=endpoint,
        request_timeout=timeout,
        max_attempts=max_attempts,
        api_key=api_key,
        region_api_keys=region_api_keys,
        problems=tuple(problems),
    )


_lock = threading.Lock()
_settings: ProviderSettings | None = None


def set_settings(settings: ProviderSettings) -> None:
    """Store the settings of this provider process."""
    global _settings
    with _lock:
        _settings = settings


def current_settings() -> ProviderSettings:
    """Return the stored settings, or settings from the environment alone when the
    engine never called ``configure``."""
    with _lock:
        if _settings is not None:
            return _settings
    return settings_from_config({})
