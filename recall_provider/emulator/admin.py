"""The admin API under /_emulator/, for tests: inspect and reset state, change
settings, inject faults. It takes no API key and serves loopback clients only."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from .bodies import parse_json_body
from .faults import parse_fault
from .settings import public_settings
from .state import EmulatorState
from .wire import ApiError, Request, Response, error_response, json_response

__all__ = ["ADMIN_PREFIX", "handle_admin", "is_loopback"]

ADMIN_PREFIX = "/_emulator/"


def is_loopback(host: str) -> bool:
    """Check that ``host`` is a loopback address, IPv4-mapped IPv6 included."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _no_content() -> Response:
    return Response(status=HTTPStatus.NO_CONTENT, content_type=None)


def _json_object(request: Request) -> dict[str, Any]:
    """Parse the body as a JSON object whatever its Content-Type, so that a plain
    ``curl -d`` works."""
    data = parse_json_body(request.body) if request.body else {}
    if not isinstance(data, dict):
        raise ApiError(
            HTTPStatus.BAD_REQUEST,
            {"non_field_errors": ["The body must be a JSON object."]},
        )
    return data


def _health(request: Request, state: EmulatorState) -> Response:
    return json_response(HTTPStatus.OK, {"status": "ok"})


def _reset(request: Request, state: EmulatorState) -> Response:
    state.reset()
    return _no_content()


def _list_requests(request: Request, state: EmulatorState) -> Response:
    return json_response(HTTPStatus.OK, {"requests": list(state.requests)})


def _clear_requests(request: Request, state: EmulatorState) -> Response:
    state.requests.clear()
    return _no_content()


def _list_apps(request: Request, state: EmulatorState) -> Response:
    apps = sorted(state.store.all(), key=lambda app: (app.created_at, app.id))
    return json_response(HTTPStatus.OK, {"apps": [app.to_record() for app in apps]})


def _get_settings(request: Request, state: EmulatorState) -> Response:
    return json_response(HTTPStatus.OK, public_settings(state.settings))


def _patch_settings(request: Request, state: EmulatorState) -> Response:
    state.change_settings(_json_object(request))
    return json_response(HTTPStatus.OK, public_settings(state.settings))


def _list_faults(request: Request, state: EmulatorState) -> Response:
    return json_response(HTTPStatus.OK, {"faults": state.faults.to_json()})


def _add_fault(request: Request, state: EmulatorState) -> Response:
    fault = parse_fault(_json_object(request))
    state.faults.add(fault)
    return json_response(HTTPStatus.CREATED, fault.to_json())


def _clear_faults(request: Request, state: EmulatorState) -> Response:
    state.faults.clear()
    return _no_content()


def _list_webhook_events(request: Request, state: EmulatorState) -> Response:
    return json_response(HTTPStatus.OK, {"events": list(state.webhook_events)})


def _clear_webhook_events(request: Request, state: EmulatorState) -> Response:
    state.webhook_events.clear()
    return _no_content()


_Handler = Callable[[Request, EmulatorState], Response]

_ROUTES: dict[str, dict[str, _Handler]] = {
    "health": {"GET": _health},
    "reset": {"POST": _reset},
    "requests": {"GET": _list_requests, "DELETE": _clear_requests},
    "apps": {"GET": _list_apps},
    "settings": {"GET": _get_settings, "PATCH": _patch_settings},
    "faults": {"GET": _list_faults, "POST": _add_fault, "DELETE": _clear_faults},
    "webhook-events": {"GET": _list_webhook_events, "DELETE": _clear_webhook_events},
}


def handle_admin(request: Request, state: EmulatorState) -> Response:
    """Return the response to one /_emulator/ request. A trailing slash is optional."""
    if not is_loopback(request.client_host):
        return error_response(
            HTTPStatus.FORBIDDEN,
            "The emulator's admin API accepts requests from loopback addresses only.",
        )
    name = request.path[len(ADMIN_PREFIX) :].rstrip("/")
    methods = _ROUTES.get(name)
    if methods is None:
        return error_response(HTTPStatus.NOT_FOUND, "Not found.")

    method = "GET" if request.method == "HEAD" else request.method
    handler = methods.get(method)
    if handler is None:
        allowed = ", ".join(methods)
        return error_response(
            HTTPStatus.METHOD_NOT_ALLOWED,
            f'Method "{request.method}" not allowed.',
            {"Allow": allowed},
        )
    try:
        with state.lock:
            return handler(request, state)
    except ApiError as error:
        return error.to_response()
