"""The Zoom OAuth App API under /api/v2: routing, API keys, rate limits and the calls.

The order of checks follows Django REST framework: the path first (404), then the
API key (401), the rate limit (429) and the method (405), then the call itself.
"""

from __future__ import annotations

import hmac
import re
import time
import uuid
from http import HTTPStatus
from urllib.parse import parse_qsl

from .bodies import parse_request_data
from .listing import build_page, parse_list_query
from .models import ZoomOAuthApp, utc_now, workspace_for_key
from .ratelimit import DEFAULT_BUCKET, LIST_BUCKET, throttled_error
from .state import EmulatorState
from .validation import validate_create, validate_update
from .webhook import handle_webhook
from .wire import ApiError, Request, Response, json_response, not_found

__all__ = ["API_PREFIX", "handle_api"]

API_PREFIX = "/api/v2/"
COLLECTION_PATH = "/api/v2/zoom-oauth-apps/"
_DETAIL_PATH = re.compile(r"/api/v2/zoom-oauth-apps/(?P<id>[^/]+)/")
_WEBHOOK_PATH = re.compile(r"/api/v2/zoom-oauth-apps/(?P<id>[^/]+)/webhook")
# A Host header worth putting into a pagination link: a name or an address, and a port.
_HOST_PATTERN = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?"
)

_COLLECTION_METHODS = ("GET", "POST", "HEAD", "OPTIONS")
_DETAIL_METHODS = ("GET", "PATCH", "DELETE", "HEAD", "OPTIONS")
_PARSED_MEDIA_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
]
_MAX_QUERY_PARAMETERS = 1000
_DUPLICATE_CLIENT_ID = "zoom oauth app with this client id already exists."


def _authenticate(request: Request, state: EmulatorState) -> str:
    """Return the workspace of the request's API key, or raise ApiError 401.

    Accepts ``Authorization: Token <key>`` and, as recent Recall docs allow, the
    bare key.
    """
    header = (request.header("authorization") or "").strip()
    challenge = {"WWW-Authenticate": "Token"}
    if not header:
        raise ApiError(
            HTTPStatus.UNAUTHORIZED,
            {"detail": "Authentication credentials were not provided."},
            challenge,
        )

    parts = header.split()
    candidate = None
    if len(parts) == 2 and parts[0].lower() == "token":
        candidate = parts[1]
    elif len(parts) == 1:
        candidate = parts[0]
    if candidate is not None:
        received = candidate.encode("utf-8", errors="backslashreplace")
        for key in state.settings.api_keys:
            if hmac.compare_digest(received, key.encode("utf-8")):
                return workspace_for_key(key)
    raise ApiError(HTTPStatus.UNAUTHORIZED, {"detail": "Invalid token."}, challenge)


def _check_rate_limit(state: EmulatorState, workspace: str, bucket: str) -> None:
    settings = state.settings
    if not settings.rate_limits:
        return
    limit = settings.limit_list if bucket == LIST_BUCKET else settings.limit_default
    window = 60.0 / settings.time_scale
    wait = state.limiter.acquire(workspace, bucket, limit, window, time.monotonic())
    if wait is not None:
        raise throttled_error(wait, whole_seconds=settings.time_scale == 1.0)


def _method_not_allowed(method: str, allowed: tuple[str, ...]) -> ApiError:
    return ApiError(
        HTTPStatus.METHOD_NOT_ALLOWED,
        {"detail": f'Method "{method}" not allowed.'},
        {"Allow": ", ".join(allowed)},
    )


def _options(name: str, allowed: tuple[str, ...]) -> Response:
    """Describe a resource as Django REST framework's OPTIONS metadata does."""
    data = {
        "name": name,
        "description": "",
        "renders": ["application/json"],
        "parses": _PARSED_MEDIA_TYPES,
    }
    return json_response(HTTPStatus.OK, data, {"Allow": ", ".join(allowed)})


def _page_url(request: Request, fallback_host: str) -> str:
    host = request.header("host")
    if host is None or not _HOST_PATTERN.fullmatch(host):
        host = fallback_host
    return f"http://{host}{request.path}"


def _list(
    request: Request, state: EmulatorState, workspace: str, fallback_host: str
) -> Response:
    try:
        params = parse_qsl(
            request.query, keep_blank_values=True, max_num_fields=_MAX_QUERY_PARAMETERS
        )
    except ValueError as error:
        raise ApiError(
            HTTPStatus.BAD_REQUEST,
            {"detail": f"More than {_MAX_QUERY_PARAMETERS} query parameters."},
        ) from error
    query = parse_list_query(params)
    page = build_page(
        state.store.in_workspace(workspace),
        query,
        state.settings.page_size,
        _page_url(request, fallback_host),
        params,
        state.settings.echo_secrets,
    )
    return json_response(HTTPStatus.OK, page)


def _create(request: Request, state: EmulatorState, workspace: str) -> Response:
    data = parse_request_data(request.header("content-type"), request.body)
    existing_client_ids: set[str] = set()
    if state.settings.refuse_duplicate_client_id:
        apps = state.store.in_workspace(workspace)
        existing_client_ids = {app.client_id for app in apps}
    fields = validate_create(data, existing_client_ids, _DUPLICATE_CLIENT_ID)

    app = ZoomOAuthApp(
        id=str(uuid.uuid4()),
        workspace=workspace,
        kind=fields["kind"],
        client_id=fields["client_id"],
        client_secret=fields["client_secret"],
        webhook_secret=fields["webhook_secret"],
        created_at=utc_now(),
    )
    state.store.add(app)
    return json_response(HTTPStatus.CREATED, app.to_api(state.settings.echo_secrets))


def _find_app(state: EmulatorState, workspace: str, app_id: str) -> ZoomOAuthApp:
    """Return the workspace's app with ``app_id``; raise 404 for others and bad ids."""
    try:
        canonical_id = str(uuid.UUID(app_id))
    except ValueError as error:
        raise not_found() from error
    app = state.store.get_in_workspace(workspace, canonical_id)
    if app is None:
        raise not_found()
    return app


def _update(request: Request, state: EmulatorState, app: ZoomOAuthApp) -> Response:
    data = parse_request_data(request.header("content-type"), request.body)
    changes = validate_update(data, app)
    if changes:
        app.client_secret = changes.get("client_secret", app.client_secret)
        app.webhook_secret = changes.get("webhook_secret", app.webhook_secret)
        state.store.changed()
    return json_response(HTTPStatus.OK, app.to_api(state.settings.echo_secrets))


def _handle_collection(
    request: Request, state: EmulatorState, fallback_host: str
) -> Response:
    method = request.method
    with state.lock:
        workspace = _authenticate(request, state)
        is_list = method in ("GET", "HEAD")
        _check_rate_limit(state, workspace, LIST_BUCKET if is_list else DEFAULT_BUCKET)
        if is_list:
            return _list(request, state, workspace, fallback_host)
        if method == "POST":
            return _create(request, state, workspace)
        if method == "OPTIONS":
            return _options("Zoom OAuth App List", _COLLECTION_METHODS)
        raise _method_not_allowed(method, _COLLECTION_METHODS)


def _handle_detail(request: Request, state: EmulatorState, app_id: str) -> Response:
    method = request.method
    with state.lock:
        workspace = _authenticate(request, state)
        _check_rate_limit(state, workspace, DEFAULT_BUCKET)
        if method not in _DETAIL_METHODS:
            raise _method_not_allowed(method, _DETAIL_METHODS)
        if method == "OPTIONS":
            return _options("Zoom OAuth App Instance", _DETAIL_METHODS)

        app = _find_app(state, workspace, app_id)
        if method in ("GET", "HEAD"):
            return json_response(HTTPStatus.OK, app.to_api(state.settings.echo_secrets))
        if method == "PATCH":
            return _update(request, state, app)
        state.store.delete(app.id)
        return Response(status=HTTPStatus.NO_CONTENT, content_type=None)


def handle_api(request: Request, state: EmulatorState, fallback_host: str) -> Response:
    """Return the response to one /api/v2 request.

    ``fallback_host`` goes into pagination links when the Host header is unusable.
    """
    path = request.path
    try:
        if path == COLLECTION_PATH:
            return _handle_collection(request, state, fallback_host)
        match = _DETAIL_PATH.fullmatch(path)
        if match:
            return _handle_detail(request, state, match["id"])
        match = _WEBHOOK_PATH.fullmatch(path)
        if match:
            return handle_webhook(request, state, _canonical_id(match["id"]))
        raise not_found()
    except ApiError as error:
        return error.to_response()


def _canonical_id(app_id: str) -> str:
    try:
        return str(uuid.UUID(app_id))
    except ValueError:
        # No app has this id, so the lookup fails with 404.
        return app_id
