"""Send Zoom's URL validation request to a webhook URL and check the response.

Zoom validates a Zoom app's event notification endpoint URL when the Validate
button is pressed, and again every 72 hours. ``check_webhook`` sends the same
request, signed the same way, so that a wrong webhook secret or a wrong webhook
URL shows up before Zoom reports it.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import math
import secrets
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from recall_provider.errors import RecallError
from recall_provider.webhook_signature import encrypt_token, sign

__all__ = [
    "URL_VALIDATION_EVENT",
    "ZOOM_RESPONSE_TIME_LIMIT_SECONDS",
    "WebhookCheckError",
    "WebhookCheckFailure",
    "WebhookCheckResult",
    "check_webhook",
]

logger = logging.getLogger(__name__)

URL_VALIDATION_EVENT = "endpoint.url_validation"

# Zoom expects the response to a URL validation request within about 3 seconds.
ZOOM_RESPONSE_TIME_LIMIT_SECONDS = 3.0

WebhookCheckFailure = Literal[
    "invalid_input",
    "timeout",
    "connection_failed",
    "redirect",
    "not_found",
    "signature_rejected",
    "http_error",
    "not_json",
    "wrong_plain_token",
    "wrong_secret",
]

_STACK_OUTPUT_HINT = "`pulumi stack output webhookUrl`"
_SECRET_HINT = (
    "Check that the webhook secret is the Secret Token on the Zoom app's "
    "Features > Access page, that the stack's webhook_secret has the same value, "
    "and run `pulumi up` after changing it"
)


class WebhookCheckError(RecallError):
    """A webhook URL did not respond to Zoom's URL validation as Zoom requires.

    ``reason`` names the failure, and ``status`` is the HTTP status when there was
    a response. The message is whole sentences, so a final period is added when
    missing, and it never contains the webhook secret.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: WebhookCheckFailure,
        webhook_url: str,
        status: int | None = None,
    ) -> None:
        if not message.endswith("."):
            message += "."
        super().__init__(message)
        self.reason: WebhookCheckFailure = reason
        self.webhook_url = webhook_url
        self.status = status


@dataclass(frozen=True)
class WebhookCheckResult:
    """A webhook URL that responded to Zoom's URL validation correctly."""

    webhook_url: str
    """The URL checked, without any user name, password or query."""
    status: int
    """The HTTP status of the response, always 200."""
    elapsed_seconds: float
    """Seconds from sending the request to reading the whole response."""

    @property
    def within_zoom_time_limit(self) -> bool:
        """Whether the response came within the time that Zoom waits for it."""
        return self.elapsed_seconds <= ZOOM_RESPONSE_TIME_LIMIT_SECONDS


def _redact_url(url: str) -> str:
    """Return ``url`` without user name, password, query or fragment, for messages."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    display_url = f"{parts.scheme}://{host}{parts.path}"
    if parts.query:
        display_url += "?..."
    return display_url


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _invalid(message: str, webhook_url: str) -> WebhookCheckError:
    return WebhookCheckError(message, reason="invalid_input", webhook_url=webhook_url)


def _validate_url(webhook_url: Any) -> str:
    """Return the URL to display, or raise WebhookCheckError for an unusable one."""
    example = f"the stack output webhookUrl ({_STACK_OUTPUT_HINT})"
    if not isinstance(webhook_url, str):
        raise _invalid(
            f"webhook_url must be a string, not {type(webhook_url).__name__}; "
            f"use {example}",
            "",
        )
    if not webhook_url or webhook_url != webhook_url.strip():
        raise _invalid(
            "webhook_url is empty or has leading or trailing whitespace; "
            f"use {example}",
            webhook_url.strip(),
        )
    try:
        parts = urlsplit(webhook_url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise _invalid(
            f"webhook_url is not a valid URL ({exc}); use {example}", ""
        ) from None
    if "://" not in webhook_url:
        raise _invalid(
            "webhook_url has no scheme; start it with https:// (or http:// for a "
            f"loopback address), or use {example}",
            "",
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _invalid(
            f"webhook_url {_redact_url(webhook_url)!r} is not an http(s) URL with "
            f"a host; use {example}",
            _redact_url(webhook_url),
        )
    display_url = _redact_url(webhook_url)
    if parts.username is not None or parts.password is not None:
        raise _invalid(
            "webhook_url must not carry a user name or password, because Zoom "
            "sends none; remove the part before '@'",
            display_url,
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise _invalid(
            f"webhook_url {display_url!r} uses plain http, but Zoom sends events "
            "only to https URLs; use the https URL (plain http is accepted for "
            "loopback addresses, such as the emulator's)",
            display_url,
        )
    return display_url


def _validate_secret(webhook_secret: Any, display_url: str) -> None:
    if not isinstance(webhook_secret, str):
        raise _invalid(
            f"webhook_secret must be a string, not {type(webhook_secret).__name__}; "
            "set it to the Secret Token on the Zoom app's Features > Access page",
            display_url,
        )
    if not webhook_secret.strip():
        raise _invalid(
            "webhook_secret is empty; set it to the Secret Token on the Zoom app's "
            "Features > Access page",
            display_url,
        )
    if webhook_secret != webhook_secret.strip():
        raise _invalid(
            "webhook_secret has leading or trailing whitespace, which Zoom never "
            "issues; remove it (a copy-and-paste or a file's final newline often "
            "adds it)",
            display_url,
        )


def _validation_request(
    webhook_secret: str, plain_token: str
) -> tuple[bytes, dict[str, str]]:
    """Return the body and headers of a URL validation request, as Zoom sends it."""
    body = json.dumps(
        {
            "event": URL_VALIDATION_EVENT,
            "payload": {"plainToken": plain_token},
            "event_ts": int(time.time() * 1000),
        },
        separators=(",", ":"),
    ).encode("utf-8")
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "recall-provider-webhook-check",
        "x-zm-request-timestamp": timestamp,
        "x-zm-signature": sign(webhook_secret, timestamp, body),
    }
    return body, headers


def _response_prefix(display_url: str, status: int) -> str:
    return (
        f"Webhook URL {display_url} responded to Zoom's URL validation with "
        f"HTTP {status}"
    )


def _check_status(response: httpx.Response, display_url: str) -> None:
    status = response.status_code
    if status == HTTPStatus.OK:
        return
    prefix = _response_prefix(display_url, status)
    if 300 <= status < 400:
        location = response.headers.get("location")
        target = f" to {_redact_url(location)}" if location else ""
        raise WebhookCheckError(
            f"{prefix}, a redirect{target}. Zoom needs HTTP 200 from the URL it "
            "is given: give Zoom the URL the redirect points to",
            reason="redirect",
            webhook_url=display_url,
            status=status,
        )
    if status == HTTPStatus.NOT_FOUND:
        raise WebhookCheckError(
            f"{prefix}: nothing is found at this URL, so the app id or the path is "
            f"wrong, or the app was deleted or is in another region. Copy the URL "
            f"again from {_STACK_OUTPUT_HINT}; if the app was deleted by hand, run "
            "`pulumi refresh` and `pulumi up`",
            reason="not_found",
            webhook_url=display_url,
            status=status,
        )
    if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
        firewall = (
            " (HTTP 403 can also come from a firewall in front of the endpoint)"
            if status == HTTPStatus.FORBIDDEN
            else ""
        )
        raise WebhookCheckError(
            f"{prefix}: the endpoint rejected the request's x-zm-signature, so the "
            f"webhook secret used for this check is not the one the endpoint has "
            f"for this app{firewall}. {_SECRET_HINT}",
            reason="signature_rejected",
            webhook_url=display_url,
            status=status,
        )
    raise WebhookCheckError(
        f"{prefix}; Zoom needs HTTP 200. Check that the URL is the one from "
        f"{_STACK_OUTPUT_HINT} and that the endpoint is up, then run the check again",
        reason="http_error",
        webhook_url=display_url,
        status=status,
    )


def _check_response(
    response: httpx.Response, plain_token: str, webhook_secret: str, display_url: str
) -> None:
    """Raise WebhookCheckError unless the response is the one Zoom accepts."""
    _check_status(response, display_url)
    status = response.status_code
    prefix = _response_prefix(display_url, status)

    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        content_type = response.headers.get("content-type", "none")
        raise WebhookCheckError(
            f"{prefix} but its body is not a JSON object (Content-Type "
            f"{content_type!r}). A Zoom webhook endpoint responds with JSON containing "
            f"plainToken and encryptedToken; check that the URL is the one from "
            f"{_STACK_OUTPUT_HINT} and not another page",
            reason="not_json",
            webhook_url=display_url,
            status=status,
        )

    if data.get("plainToken") != plain_token:
        raise WebhookCheckError(
            f"{prefix} but its JSON does not contain the plainToken that was sent, so "
            "the endpoint does not implement Zoom's URL validation. Check that the URL "
            f"is the one from {_STACK_OUTPUT_HINT}",
            reason="wrong_plain_token",
            webhook_url=display_url,
            status=status,
        )

    received = data.get("encryptedToken")
    expected = encrypt_token(webhook_secret, plain_token)
    if not isinstance(received, str) or not hmac.compare_digest(
        received.encode("utf-8", errors="backslashreplace"), expected.encode("ascii")
    ):
        raise WebhookCheckError(
            f"{prefix} but its encryptedToken does not match the webhook secret used "
            "for this check, so the endpoint has another webhook secret for this "
            f"app and Zoom's validation would fail. {_SECRET_HINT}",
            reason="wrong_secret",
            webhook_url=display_url,
            status=status,
        )


def check_webhook(
    webhook_url: str,
    webhook_secret: str,
    *,
    timeout: float = 10.0,
    transport: httpx.BaseTransport | None = None,
) -> WebhookCheckResult:
    """Send Zoom's URL validation request to ``webhook_url`` and check the response.

    The request is the one Zoom sends: an ``endpoint.url_validation`` event with a
    random plainToken, signed with ``webhook_secret``. The response must be HTTP
    200 with JSON containing the same plainToken and its encryptedToken. Redirects are
    not followed. ``timeout`` is in seconds, per connect, write and read.

    Raises ``WebhookCheckError`` with a ``reason`` for invalid input, a network
    failure or a wrong response, and ``ValueError`` for a timeout that is not a
    positive number. Against a Recall webhook URL, a passing check sets the app's
    webhook_last_validation, as Zoom's own validation does.
    """
    display_url = _validate_url(webhook_url)
    _validate_secret(webhook_secret, display_url)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise ValueError(f"timeout must be a number of seconds, not {timeout!r}")
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout}")

    plain_token = secrets.token_urlsafe(16)
    body, headers = _validation_request(webhook_secret, plain_token)
    started = time.monotonic()
    try:
        with httpx.Client(
            timeout=timeout, transport=transport, follow_redirects=False
        ) as client:
            response = client.post(webhook_url, content=body, headers=headers)
    except httpx.TimeoutException:
        raise WebhookCheckError(
            f"Webhook URL {display_url} timed out: no response to Zoom's URL "
            f"validation within {timeout:g} s, and Zoom waits about "
            f"{ZOOM_RESPONSE_TIME_LIMIT_SECONDS:g} s. Check that the host is "
            "reachable and the endpoint is up",
            reason="timeout",
            webhook_url=display_url,
        ) from None
    except httpx.TransportError as exc:
        raise WebhookCheckError(
            f"Webhook URL {display_url} could not be reached ({type(exc).__name__}: "
            f"{exc}). Check the host name and port in the URL from "
            f"{_STACK_OUTPUT_HINT}, and that the endpoint is up",
            reason="connection_failed",
            webhook_url=display_url,
        ) from None
    elapsed = time.monotonic() - started
    logger.info("POST %s %d", display_url, response.status_code)

    _check_response(response, plain_token, webhook_secret, display_url)
    return WebhookCheckResult(
        webhook_url=display_url, status=response.status_code, elapsed_seconds=elapsed
    )
