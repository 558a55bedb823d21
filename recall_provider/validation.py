"""Validation of a Zoom OAuth app's inputs, done in ``check`` with no network call.

Each rule returns a message that names the field, the problem and the fix. A
message shows a value only when the value is not a secret.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pulumi.output import Unknown
from pulumi.runtime import rpc

from recall_provider.regions import REGION_BASE_URLS

__all__ = [
    "KINDS",
    "MAX_FIELD_LENGTH",
    "is_unknown",
    "normalize_endpoint",
    "validate_endpoint",
    "validate_inputs",
]

KINDS = ("user_level", "account_level")
MAX_FIELD_LENGTH = 200
SECRET_FIELDS = ("client_secret", "webhook_secret")

_FIELD_HELP = {
    "client_id": "the Client ID on the Zoom app's App Credentials page",
    "client_secret": "the Client Secret on the Zoom app's App Credentials page",
    "webhook_secret": "the Secret Token on the Zoom app's Features > Access page",
}


def is_unknown(value: Any) -> bool:
    """Tell whether a value is not known yet, as during a preview.

    The SDK delivers such a value as ``pulumi.output.Unknown`` (3.272 does) or,
    in older releases, as the string ``rpc.UNKNOWN``.
    """
    if isinstance(value, Unknown):
        return True
    return isinstance(value, str) and value == rpc.UNKNOWN


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_endpoint(endpoint: str) -> str:
    """Drop trailing slashes, so that two spellings of one URL compare equal."""
    return endpoint.rstrip("/")


def validate_endpoint(value: Any, name: str = "endpoint") -> str | None:
    """Return a message if ``value`` is not a usable base URL, else None."""
    if not isinstance(value, str):
        return (
            f"{name} must be a string URL such as 'https://us-east-1.recall.ai', "
            f"not {type(value).__name__}"
        )
    example = "such as 'https://us-east-1.recall.ai'"
    if value != value.strip() or not value:
        return f"{name} must be a URL with no surrounding spaces, {example}"
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        return f"{name} is not a valid URL ({exc}); use a URL {example}"
    # Checked before any message that shows the value.
    if "@" in parts.netloc:
        return (
            f"{name} must not carry a user name or password; remove the part before '@'"
        )
    try:
        # Reading the port validates it: urlsplit alone accepts 'host:abc'.
        _ = parts.port
    except ValueError as exc:
        return f"{name} {value!r} is not a valid URL ({exc}); use a URL {example}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return (
            f"{name} {value!r} is not an http(s) URL with a host; use a form such as "
            "'https://us-east-1.recall.ai' or 'http://127.0.0.1:PORT' for the emulator"
        )
    if parts.query or parts.fragment:
        return (
            f"{name} {value!r} must not have a query or fragment; "
            "give the base URL only"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        return (
            f"{name} {value!r} uses plain http to a host that is not loopback, which "
            "would send the API key and secrets unencrypted; use https, or "
            "http://127.0.0.1:PORT for the local emulator"
        )
    return None


def _validate_text(name: str, value: Any, errors: dict[str, str]) -> None:
    secret = name in SECRET_FIELDS
    shown = "" if secret else f" {value!r}"
    help_text = _FIELD_HELP.get(name, "")
    if value is None:
        errors[name] = f"{name} is missing; set it to {help_text}"
    elif not isinstance(value, str):
        errors[name] = (
            f"{name} must be a string, not {type(value).__name__}; "
            f"set it to {help_text}"
        )
    elif not value.strip():
        errors[name] = f"{name} is empty or only whitespace; set it to {help_text}"
    elif value != value.strip():
        errors[name] = (
            f"{name}{shown} has leading or trailing whitespace, which Zoom never "
            "issues; remove it (a copy-and-paste often adds it)"
        )
    elif len(value) > MAX_FIELD_LENGTH:
        errors[name] = (
            f"{name} is {len(value)} characters long; Recall accepts at most "
            f"{MAX_FIELD_LENGTH}. Check that it is {help_text}"
        )


def validate_inputs(inputs: Mapping[str, Any]) -> dict[str, str]:
    """Return a message per invalid field of a Zoom OAuth app's inputs.

    Values not known yet (during a preview) are skipped: they are checked again
    when they are known.
    """
    errors: dict[str, str] = {}

    kind = inputs.get("kind")
    if not is_unknown(kind):
        if kind is None:
            errors["kind"] = (
                "kind is missing; set it to 'user_level' or 'account_level'"
            )
        elif not isinstance(kind, str):
            errors["kind"] = (
                f"kind must be the string 'user_level' or 'account_level', "
                f"not {type(kind).__name__}"
            )
        elif kind not in KINDS:
            errors["kind"] = (
                f"kind {kind!r} is not valid; use 'user_level' for a user-managed Zoom "
                "app or 'account_level' for an admin-managed one"
            )

    for name in ("client_id", *SECRET_FIELDS):
        value = inputs.get(name)
        if not is_unknown(value):
            _validate_text(name, value, errors)

    region = inputs.get("region")
    if region is not None and not is_unknown(region):
        known = ", ".join(REGION_BASE_URLS)
        if not isinstance(region, str):
            errors["region"] = (
                f"region must be a string, one of {known}; not {type(region).__name__}"
            )
        elif region not in REGION_BASE_URLS:
            errors["region"] = (
                f"region {region!r} is not a Recall region; use one of {known}"
            )

    for name in ("adopt", "validate_webhook"):
        flag = inputs.get(name)
        if flag is not None and not is_unknown(flag) and not isinstance(flag, bool):
            errors[name] = (
                f"{name} must be True or False, not {type(flag).__name__} {flag!r}"
            )

    endpoint = inputs.get("endpoint")
    if endpoint is not None and not is_unknown(endpoint):
        message = validate_endpoint(endpoint)
        if message:
            errors["endpoint"] = message

    return errors
