"""The webhook URL of a Zoom OAuth app: signed Zoom events and URL validation."""

from __future__ import annotations

import time
from http import HTTPStatus
from typing import Any

from recall_provider.webhook_signature import (
    MAX_TIMESTAMP_AGE_SECONDS,
    encrypt_token,
    is_fresh_timestamp,
    verify,
)

from .bodies import parse_json_body
from .models import utc_now
from .state import EmulatorState
from .wire import ApiError, Request, Response, error_response, json_response, not_found

__all__ = ["handle_webhook"]

URL_VALIDATION_EVENT = "endpoint.url_validation"
_MAX_EVENT_NAME_LENGTH = 100


def _event_name(body: bytes) -> str | None:
    """Return the event name of a webhook body for the event log, if it has one."""
    try:
        data = parse_json_body(body)
    except ApiError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("event"), str):
        return None
    return str(data["event"])[:_MAX_EVENT_NAME_LENGTH]


def _check_signature(request: Request, webhook_secret: str) -> tuple[bool, str | None]:
    """Return whether the signature is valid, and the reason to reject the request."""
    timestamp = request.header("x-zm-request-timestamp")
    signature = request.header("x-zm-signature")
    if not timestamp or not signature:
        return False, (
            "The x-zm-signature and x-zm-request-timestamp headers are required."
        )
    if not verify(webhook_secret, timestamp, request.body, signature):
        return False, (
            "Invalid x-zm-signature: sign the raw body with the app's webhook secret."
        )
    if not is_fresh_timestamp(timestamp, time.time()):
        minutes = MAX_TIMESTAMP_AGE_SECONDS // 60
        return True, (
            f"The x-zm-request-timestamp header is more than {minutes} minutes from "
            f"the emulator's clock."
        )
    return True, None


def _url_validation_answer(data: dict[str, Any], webhook_secret: str) -> Response:
    payload = data.get("payload")
    plain_token = payload.get("plainToken") if isinstance(payload, dict) else None
    if not isinstance(plain_token, str) or not plain_token:
        raise ApiError(
            HTTPStatus.BAD_REQUEST,
            {"detail": "payload.plainToken must be a non-empty string."},
        )
    return json_response(
        HTTPStatus.OK,
        {
            "plainToken": plain_token,
            "encryptedToken": encrypt_token(webhook_secret, plain_token),
        },
    )


def handle_webhook(request: Request, state: EmulatorState, app_id: str) -> Response:
    """Verify a Zoom event's signature and respond to it.

    A URL validation request gets the encrypted token and sets the app's
    webhook_last_validation. Other events get 200 and are only logged. The
    request needs no API key, because Zoom sends it.
    """
    if request.method != "POST":
        return error_response(
            HTTPStatus.METHOD_NOT_ALLOWED,
            f'Method "{request.method}" not allowed.',
            {"Allow": "POST"},
        )
    with state.lock:
        app = state.store.get(app_id)
        if app is None:
            raise not_found()
        webhook_secret = app.webhook_secret

    event = _event_name(request.body)
    valid_signature, rejection = _check_signature(request, webhook_secret)
    try:
        if rejection is not None:
            raise ApiError(HTTPStatus.UNAUTHORIZED, {"detail": rejection})
        data = parse_json_body(request.body)
        if not isinstance(data, dict):
            raise ApiError(
                HTTPStatus.BAD_REQUEST,
                {"detail": "The webhook body must be a JSON object."},
            )
        if data.get("event") == URL_VALIDATION_EVENT:
            response = _url_validation_answer(data, webhook_secret)
            with state.lock:
                # The app may have been deleted since it was read above.
                if state.store.get(app_id) is app:
                    app.webhook_last_validation = utc_now()
                    state.store.changed()
        else:
            response = json_response(HTTPStatus.OK, {})
    except ApiError as error:
        with state.lock:
            state.record_webhook_event(app_id, event, valid_signature, error.status)
        raise
    with state.lock:
        state.record_webhook_event(app_id, event, valid_signature, response.status)
    return response
