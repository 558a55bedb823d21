"""AWS Lambda handler that forwards Zoom's webhook events to a Recall webhook URL.

It serves a Lambda function URL (payload format 2.0) that a Zoom app sends its
event notifications to. Each event goes to Recall unchanged: the body byte for
byte, with its Content-Type and every ``x-zm-*`` header, so that Recall can check
Zoom's signature. Recall's response, including the one to a URL validation
request, goes back to Zoom as it came. Each event can also be delivered to a
second endpoint, at the same time, and a failure there never affects Recall's
delivery.

Lambda loads this file alone as the module ``forwarder_handler``, so it imports
only the Python standard library. It never logs a body, a header value or a
query string.

Environment variables:

- ``RECALL_WEBHOOK_URL`` (required): the Zoom OAuth app's webhook URL.
- ``RECALL_TIMEOUT_SECONDS``: seconds to wait for Recall, default 8.
- ``FANOUT_URL``: a second endpoint that receives every event; unset or empty
  to deliver to Recall only. Its response is ignored.
- ``FANOUT_TIMEOUT_SECONDS``: seconds to wait for the second endpoint, default 3.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = ["handler"]

logger = logging.getLogger("forwarder_handler")
logger.setLevel(logging.INFO)

DEFAULT_RECALL_TIMEOUT_SECONDS = 8.0
DEFAULT_FANOUT_TIMEOUT_SECONDS = 3.0
_USER_AGENT = "recall-zoom-webhook-forwarder"


@dataclass
class _Delivery:
    """The outcome of one POST: a response, or the error that prevented one."""

    status: int | None = None
    body: bytes = b""
    content_type: str | None = None
    error: str | None = None
    elapsed_seconds: float = 0.0


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect handler that follows no redirect, so the 3xx response is passed
    on, because following it would turn the POST into a GET without the body."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _redact_url(url: str) -> str:
    """Return scheme, host and path only, because a query may contain a token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def _timeout_from_env(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        logger.warning(
            "%s is not a positive number of seconds; using %g", name, default
        )
        return default
    return value


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> _Delivery:
    """POST ``body`` and return the response, whatever its status, or the error."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.monotonic()
    delivery = _Delivery()
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            delivery.status = response.status
            delivery.body = response.read()
            delivery.content_type = response.headers.get("Content-Type")
    except urllib.error.HTTPError as error:
        # urllib raises HTTPError for a status of 300 or more, which is still a
        # response to pass on.
        delivery.status = error.code
        delivery.body = error.read()
        delivery.content_type = error.headers.get("Content-Type")
    except TimeoutError:
        delivery.error = f"timed out after {timeout:g} s"
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            delivery.error = f"timed out after {timeout:g} s"
        else:
            delivery.error = f"connection failed ({type(reason).__name__})"
    except OSError as error:
        delivery.error = f"connection failed ({type(error).__name__})"
    delivery.elapsed_seconds = time.monotonic() - started
    return delivery


def _header(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _forwarded_headers(event_headers: dict[str, str]) -> dict[str, str]:
    """Return Content-Type and every x-zm-* header, which Recall needs to verify
    Zoom's signature."""
    headers = {"User-Agent": _USER_AGENT}
    content_type = _header(event_headers, "content-type")
    headers["Content-Type"] = content_type or "application/json"
    for name, value in event_headers.items():
        if name.lower().startswith("x-zm-"):
            headers[name.lower()] = value
    return headers


def _request_body(event: dict[str, Any]) -> bytes:
    """Return the raw body that Zoom sent.

    Lambda passes a text body as a string and any other body base64-encoded.
    Raises ValueError for base64 that does not decode.
    """
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except binascii.Error as error:
            raise ValueError("the body is not valid base64") from error
    return str(body).encode("utf-8")


def _error_response(status: int, detail: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"detail": detail}),
        "isBase64Encoded": False,
    }


def _lambda_response(delivery: _Delivery) -> dict[str, Any]:
    """Return Recall's response in the shape a function URL sends back."""
    headers = {}
    if delivery.content_type:
        headers["Content-Type"] = delivery.content_type
    try:
        text = delivery.body.decode("utf-8")
    except UnicodeDecodeError:
        return {
            "statusCode": delivery.status,
            "headers": headers,
            "body": base64.b64encode(delivery.body).decode("ascii"),
            "isBase64Encoded": True,
        }
    return {
        "statusCode": delivery.status,
        "headers": headers,
        "body": text,
        "isBase64Encoded": False,
    }


def _deliver_fanout(
    url: str, body: bytes, headers: dict[str, str], timeout: float, request_id: str
) -> None:
    """Deliver one event to the second endpoint and log the outcome, without raising."""
    try:
        delivery = _post(url, body, headers, timeout)
    except Exception as error:
        # Logged like any other failure, and not as an unhandled thread error.
        logger.error(
            "fan-out to %s failed (%s); request %s",
            _redact_url(url),
            type(error).__name__,
            request_id,
        )
        return
    if delivery.error is not None:
        logger.error(
            "fan-out to %s failed: %s; request %s",
            _redact_url(url),
            delivery.error,
            request_id,
        )
    elif delivery.status is not None and not 200 <= delivery.status < 300:
        logger.error(
            "fan-out to %s failed: HTTP %d; request %s",
            _redact_url(url),
            delivery.status,
            request_id,
        )
    else:
        logger.info(
            "fan-out to %s: HTTP %s in %.3f s; request %s",
            _redact_url(url),
            delivery.status,
            delivery.elapsed_seconds,
            request_id,
        )


def _start_fanout(
    body: bytes, headers: dict[str, str], request_id: str
) -> tuple[threading.Thread, float] | None:
    """Start delivering to FANOUT_URL in a thread, if it is set."""
    url = os.environ.get("FANOUT_URL", "").strip()
    if not url:
        return None
    timeout = _timeout_from_env(
        "FANOUT_TIMEOUT_SECONDS", DEFAULT_FANOUT_TIMEOUT_SECONDS
    )
    thread = threading.Thread(
        target=_deliver_fanout,
        args=(url, body, headers, timeout, request_id),
        name="fanout",
        daemon=True,
    )
    thread.start()
    return thread, timeout


def _finish_fanout(fanout: tuple[threading.Thread, float] | None) -> None:
    """Wait for the fan-out thread, because Lambda freezes the process on return."""
    if fanout is None:
        return
    thread, timeout = fanout
    # urllib's timeout applies to each socket operation, so allow a margin.
    thread.join(timeout * 2 + 1)
    if thread.is_alive():
        logger.error("fan-out still running after %g s; abandoned", timeout * 2 + 1)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Forward one Zoom webhook event and return Recall's response to Zoom."""
    request_id = str(getattr(context, "aws_request_id", "-"))
    method = event.get("requestContext", {}).get("http", {}).get("method", "POST")
    if method != "POST":
        logger.info(
            "rejected %s request %s: only POST is forwarded", method, request_id
        )
        response = _error_response(405, f'Method "{method}" not allowed.')
        response["headers"]["Allow"] = "POST"
        return response

    recall_url = os.environ.get("RECALL_WEBHOOK_URL", "").strip()
    if not recall_url:
        logger.error(
            "RECALL_WEBHOOK_URL is not set; request %s not forwarded", request_id
        )
        return _error_response(500, "The forwarder has no Recall webhook URL.")

    try:
        body = _request_body(event)
    except ValueError as error:
        logger.error("request %s not forwarded: %s", request_id, error)
        return _error_response(400, "The request body is not valid base64.")
    headers = _forwarded_headers(event.get("headers") or {})

    fanout = _start_fanout(body, headers, request_id)
    timeout = _timeout_from_env(
        "RECALL_TIMEOUT_SECONDS", DEFAULT_RECALL_TIMEOUT_SECONDS
    )
    delivery = _post(recall_url, body, headers, timeout)
    _finish_fanout(fanout)

    if delivery.error is not None:
        logger.error(
            "delivery to Recall at %s failed: %s; request %s",
            _redact_url(recall_url),
            delivery.error,
            request_id,
        )
        return _error_response(502, "The Recall webhook URL could not be reached.")
    logger.info(
        "forwarded to Recall: HTTP %s in %.3f s, %d bytes; request %s",
        delivery.status,
        delivery.elapsed_seconds,
        len(body),
        request_id,
    )
    return _lambda_response(delivery)
