"""HTTP client for Recall's Zoom OAuth app API, with retries and pagination."""

from __future__ import annotations

import email.utils
import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import httpx

from recall_provider.errors import (
    RecallAPIError,
    RecallAuthError,
    RecallError,
    RecallNotFoundError,
    RecallRetriesExhaustedError,
    RecallValidationError,
)

__all__ = ["APPS_PATH", "RecallClient", "RetryPolicy"]

logger = logging.getLogger(__name__)

APPS_PATH = "/api/v2/zoom-oauth-apps/"

# Statuses that mean "not now": retried with backoff or after Retry-After.
RETRYABLE_STATUSES = frozenset({409, 429, 500, 502, 503, 504, 507})

# Statuses after which a POST certainly did not create anything, so it can be
# sent again as it is. After the others a create may have happened.
NOT_APPLIED_STATUSES = frozenset({409, 429, 503, 507})

# How far before a create attempt an app may be stamped and still count as made
# by it, allowing for a clock difference between this machine and Recall.
CREATE_CLOCK_SKEW = timedelta(minutes=10)

MAX_MESSAGE_CHARS = 300

# The shortest wait after HTTP 429, whatever the Retry-After header gives.
MIN_THROTTLED_WAIT = 0.05


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long the client retries transient failures."""

    max_attempts: int = 8
    """Attempts per call, the first one included."""
    base_delay: float = 0.5
    """Seconds before the first retry; doubled for each further one."""
    max_delay: float = 20.0
    """Cap, in seconds, of one backoff delay (jitter makes it up to 50% shorter)."""
    max_retry_after: float = 120.0
    """Cap, in seconds, on a server's Retry-After."""
    max_throttled_wait: float = 900.0
    """Seconds a call may spend waiting out HTTP 429 in all. Throttling is normal
    under Recall's per-minute limits, so 429 does not use up ``max_attempts``."""
    insufficient_storage_delay: float = 30.0
    """Seconds to wait after an HTTP 507 that carries no Retry-After."""

    def backoff(self, retry_number: int) -> float:
        """Return the jittered delay before retry number ``retry_number`` (from 1)."""
        delay = min(self.max_delay, self.base_delay * 2.0 ** (retry_number - 1))
        return delay * random.uniform(0.5, 1.0)


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MAX_MESSAGE_CHARS:
        return text[: MAX_MESSAGE_CHARS - 3] + "..."
    return text


def _parse_error_body(response: httpx.Response) -> tuple[str, dict[str, list[str]]]:
    """Extract Recall's ``detail`` and per-field messages, never the raw body.

    The texts come back whole: the caller scrubs secrets from them first and only
    then shortens them, so that no cut can leave part of a secret behind.
    """
    content_type = response.headers.get("content-type", "")
    try:
        body = response.json()
    except ValueError:
        kind = content_type.split(";")[0] or "no content type"
        return f"a non-JSON response ({kind}, {len(response.content)} bytes)", {}

    if not isinstance(body, dict):
        return "a JSON response that is not an object", {}

    detail = body.get("detail")
    fields: dict[str, list[str]] = {}
    for name, messages in body.items():
        if name == "detail":
            continue
        if isinstance(messages, str):
            messages = [messages]
        if isinstance(messages, list):
            fields[str(name)] = [str(m) for m in messages]
    return (detail if isinstance(detail, str) else ""), fields


def _new_http_client(
    base_url: str,
    api_key: str,
    timeout: float,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        headers={
            "Authorization": f"Token {api_key}",
            "Accept": "application/json",
            "User-Agent": "recall-provider",
        },
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        transport=transport,
        follow_redirects=False,
    )


# One pool per base URL, API key and timeout, for the life of the process. It
# lives here, never on the provider object, which is pickled into the state.
_shared_clients: dict[tuple[str, str, float], httpx.Client] = {}
_shared_clients_lock = threading.Lock()


def _shared_http_client(base_url: str, api_key: str, timeout: float) -> httpx.Client:
    fingerprint = hashlib.sha256(api_key.encode()).hexdigest()
    key = (base_url, fingerprint, timeout)
    with _shared_clients_lock:
        client = _shared_clients.get(key)
        if client is None or client.is_closed:
            client = _new_http_client(base_url, api_key, timeout)
            _shared_clients[key] = client
        return client


def _format_timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RecallClient:
    """A client of one Recall region, authenticated with one API key.

    Build one per provider call and close it, or use it as a context manager.
    It uses a connection pool, so it must never be pickled or kept on an object
    that is.
    """

    def __init__(
        self,
        *,
        api_key: str,
        region: str,
        base_url: str,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        secrets: Iterable[str] = (),
        shared: bool = False,
    ) -> None:
        """``secrets`` are values, beyond the API key and what this client sends,
        that must never appear in an error message: Recall may quote any secret
        of an app in an error, not only the ones in the request.

        With ``shared``, the client uses one connection pool per base URL, key
        and timeout for the whole process instead of its own. Building an
        ``httpx.Client`` loads the CA bundle (about 25 ms as measured by
        ``make bench``), and a kept-alive connection saves a TLS handshake per
        request. ``close`` then leaves the pool open. A ``transport`` turns
        sharing off.
        """
        self.region = region
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._secrets: list[str] = [api_key, *secrets]
        # Identifies the workspace (one API key in one deployment) without the key.
        fingerprint = hashlib.sha256(api_key.encode()).hexdigest()[:16]
        self.workspace = (self.base_url, fingerprint)
        self._owns_http = not shared or transport is not None
        if self._owns_http:
            self._http = _new_http_client(self.base_url, api_key, timeout, transport)
        else:
            self._http = _shared_http_client(self.base_url, api_key, timeout)

    def __enter__(self) -> RecallClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool, unless it is the shared one."""
        if self._owns_http:
            self._http.close()

    # The five API calls.

    def create_app(
        self,
        *,
        kind: str,
        client_id: str,
        client_secret: str,
        webhook_secret: str,
        known_app_ids: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """Create a Zoom OAuth app, never two: after a create whose response was
        lost, the client looks the app up by client ID before sending it again.

        ``known_app_ids`` are apps with this client ID that existed before the
        call; the look-up never mistakes one of them for the new app.
        """
        body = {
            "kind": kind,
            "client_id": client_id,
            "client_secret": client_secret,
            "webhook_secret": webhook_secret,
        }
        self._secrets.extend([client_secret, webhook_secret])
        since = datetime.now(timezone.utc) - CREATE_CLOCK_SKEW
        lost_attempts: set[int] = set()
        found_by_lookup = False

        def find_own_app(attempt: int) -> dict[str, Any] | None:
            nonlocal found_by_lookup
            lost_attempts.add(attempt)
            try:
                found = self._find_created_app(
                    body, since=since, known_app_ids=known_app_ids
                )
                found_by_lookup = found is not None
                return found
            except RecallError as exc:
                message = (
                    f"A create of a Zoom OAuth app for client ID {client_id!r} in "
                    f"region {self.region} ({self.base_url}) got no response, so "
                    "Recall may have created it, and looking it up failed: "
                    f"{exc} Run `pulumi up` again. If it then reports an existing "
                    "app for this client ID, that is the app this run created: "
                    "take it over with RECALL_ADOPT_EXISTING=true."
                )
                if isinstance(exc, RecallRetriesExhaustedError):
                    raise RecallRetriesExhaustedError(
                        message, attempts=exc.attempts, last_status=exc.last_status
                    ) from None
                raise RecallError(message) from None

        app = self._request_object(
            "POST",
            APPS_PATH,
            action="create a Zoom OAuth app",
            json=body,
            reconcile=find_own_app,
        )
        # A lost attempt that was sent again may have landed after its look-up.
        lost = len(lost_attempts)
        if lost > 1 or (lost == 1 and not found_by_lookup):
            self._delete_late_duplicates(body, since, known_app_ids | {str(app["id"])})
        return app

    def get_app(self, app_id: str) -> dict[str, Any]:
        """Fetch one app; raises ``RecallNotFoundError`` if this region has none."""
        return self._request_object(
            "GET", f"{APPS_PATH}{app_id}/", action="read", app_id=app_id
        )

    def update_app(
        self,
        app_id: str,
        *,
        client_secret: str | None = None,
        webhook_secret: str | None = None,
    ) -> dict[str, Any]:
        """Change an app's secrets in place with PATCH; the id stays the same."""
        body: dict[str, str] = {}
        if client_secret is not None:
            body["client_secret"] = client_secret
        if webhook_secret is not None:
            body["webhook_secret"] = webhook_secret
        self._secrets.extend(body.values())
        return self._request_object(
            "PATCH", f"{APPS_PATH}{app_id}/", action="update", app_id=app_id, json=body
        )

    def delete_app(self, app_id: str) -> bool:
        """Delete an app. Return False if it was already gone, True otherwise."""
        try:
            self._request(
                "DELETE", f"{APPS_PATH}{app_id}/", action="delete", app_id=app_id
            )
        except RecallNotFoundError:
            return False
        return True

    def list_apps(self, **filters: str) -> Iterator[dict[str, Any]]:
        """Yield every app matching the filters, following ``next`` page links."""
        url: str = APPS_PATH
        params: dict[str, str] | None = {k: v for k, v in filters.items() if v}
        while True:
            page = self._request_object("GET", url, action="list apps", params=params)
            results = page.get("results")
            if not isinstance(results, list):
                raise RecallError(
                    f"Recall's list of Zoom OAuth apps in region {self.region} "
                    f"({self.base_url}) has no 'results' list; is the base URL right?"
                )
            yield from results
            next_url = page.get("next")
            if not next_url:
                return
            url = self._same_origin(str(next_url))
            params = None

    # Internals.

    def _same_origin(self, url: str) -> str:
        """Refuse a pagination link to another host: the API key would go with it."""
        link, base = urlsplit(url), urlsplit(self.base_url)
        if (link.scheme, link.netloc) != (base.scheme, base.netloc):
            raise RecallError(
                f"Recall's next-page link points to {link.scheme}://{link.netloc}, "
                f"not to {self.base_url}; the client does not follow it, so that "
                "the API key stays with its region. Check recall:endpoint."
            )
        return url

    def _delete_late_duplicates(
        self, body: Mapping[str, str], since: datetime, keep: frozenset[str]
    ) -> None:
        """Delete apps that an earlier, lost attempt of this create made after the
        look-up had missed them, so that one create leaves one app.

        NOTE: an attempt that Recall applies after this check too (more than
        twice the request timeout late) still leaves a second app. The next
        ``pulumi up`` then reports it as an existing app for the client ID.
        """
        try:
            late = self._created_candidates(body, since=since, known_app_ids=keep)
            for app in late:
                logger.warning(
                    "Deleting Zoom OAuth app %s: a create whose response was lost "
                    "made it in addition to app %s",
                    app.get("id"),
                    ", ".join(sorted(keep)),
                )
                self.delete_app(str(app["id"]))
        except RecallError as exc:
            logger.warning("Could not check for duplicate apps after a create: %s", exc)

    def _find_created_app(
        self,
        body: Mapping[str, str],
        *,
        since: datetime,
        known_app_ids: frozenset[str] = frozenset(),
    ) -> dict[str, Any] | None:
        """Find the app that a create with this body made, if it made one."""
        candidates = self._created_candidates(
            body, since=since, known_app_ids=known_app_ids
        )
        if not candidates:
            return None
        if len(candidates) > 1:
            ids = ", ".join(str(app.get("id")) for app in candidates)
            raise RecallError(
                "A create of a Zoom OAuth app got no response, and Recall now has "
                f"{len(candidates)} recent apps for this client ID in region "
                f"{self.region} ({self.base_url}): {ids}. Delete the ones no stack "
                "manages, then run `pulumi up` again."
            )
        logger.info(
            "create got no response; continuing with app %s", candidates[0].get("id")
        )
        return candidates[0]

    def _created_candidates(
        self,
        body: Mapping[str, str],
        *,
        since: datetime,
        known_app_ids: frozenset[str],
    ) -> list[dict[str, Any]]:
        """List the recent apps that a create with this body could have made."""
        candidates = []
        for app in self.list_apps(
            client_id=body["client_id"], created_at_after=_format_timestamp(since)
        ):
            if str(app.get("id")) in known_app_ids or app.get("kind") != body["kind"]:
                continue
            # Recall may or may not echo secrets; where it does, they must match.
            # NOTE: where it does not, an app made by someone else for the same
            # client ID and kind within CREATE_CLOCK_SKEW would be taken as ours.
            secrets_match = all(
                app.get(name) in (None, body[name])
                for name in ("client_secret", "webhook_secret")
            )
            if secrets_match:
                candidates.append(app)
        return candidates

    def _request_object(
        self,
        method: str,
        url: str,
        *,
        action: str,
        app_id: str | None = None,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        reconcile: Callable[[int], dict[str, Any] | None] | None = None,
    ) -> dict[str, Any]:
        result = self._request(
            method,
            url,
            action=action,
            app_id=app_id,
            json=json,
            params=params,
            reconcile=reconcile,
        )
        if isinstance(result, dict):
            return result
        if isinstance(result, httpx.Response):
            try:
                body = result.json()
            except ValueError:
                body = None
            if isinstance(body, dict):
                return body
        raise RecallError(
            f"Recall's response to '{action}' in region {self.region} "
            f"({self.base_url}) is not a JSON object; is the base URL a Recall API?"
        )

    def _request(
        self,
        method: str,
        url: str,
        *,
        action: str,
        app_id: str | None = None,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        reconcile: Callable[[int], dict[str, Any] | None] | None = None,
    ) -> httpx.Response | dict[str, Any]:
        """Send one call, retrying transient failures.

        ``reconcile`` marks a call that must not be repeated blindly: after a
        failure that may have been applied, it is asked, with the attempt's
        number, for the result instead, and the call is sent again only when it
        returns None.
        """
        attempts = 0
        throttled_waits = 0
        throttled_seconds = 0.0
        last_status: int | None = None
        problems: list[str] = []
        while True:
            attempts += 1
            delay: float | None = None
            started = time.monotonic()
            # Whether the request may still be running at Recall after it failed.
            in_flight_maybe = False
            try:
                response = self._http.request(method, url, json=json, params=params)
            except httpx.TimeoutException as exc:
                problem = f"timed out after {self.timeout:g} s"
                applied_maybe = not isinstance(exc, httpx.ConnectTimeout)
                in_flight_maybe = applied_maybe
                last_status = None
            except httpx.TransportError as exc:
                problem = f"connection failed ({type(exc).__name__})"
                applied_maybe = not isinstance(exc, httpx.ConnectError)
                last_status = None
            else:
                elapsed = time.monotonic() - started
                logger.info(
                    "%s %s -> %s (%.2f s)",
                    method,
                    response.request.url.copy_with(query=None),
                    response.status_code,
                    elapsed,
                )
                status = response.status_code
                if status < 400:
                    return response
                if status not in RETRYABLE_STATUSES:
                    raise self._status_error(response, action, app_id)
                last_status = status
                problem = f"HTTP {status}"
                applied_maybe = status not in NOT_APPLIED_STATUSES
                in_flight_maybe = status == 504
                delay = _parse_retry_after(response.headers.get("retry-after"))
                if status == 429:
                    wait = delay if delay is not None else self.retry.backoff(1)
                    wait = max(
                        MIN_THROTTLED_WAIT, min(wait, self.retry.max_retry_after)
                    )
                    # Each wait counts as at least a second, so that a server
                    # sending "Retry-After: 0" cannot keep the client forever.
                    counted = max(wait, 1.0)
                    if throttled_seconds + counted <= self.retry.max_throttled_wait:
                        # Throttling is the API's pace, not a failure: wait it
                        # out without using up an attempt.
                        attempts -= 1
                        throttled_waits += 1
                        throttled_seconds += counted
                        logger.info(
                            "%s %s throttled; retrying in %.2f s",
                            method,
                            self._path(url),
                            wait,
                        )
                        self._sleep(wait)
                        continue
                if delay is not None:
                    delay = min(delay, self.retry.max_retry_after)
                    problem += f" (Retry-After {delay:g} s)"
                elif status == 507:
                    delay = self.retry.insufficient_storage_delay

            problems.append(problem)
            logger.warning(
                "Recall %s %s%s in region %s, attempt %d of %d: %s",
                method,
                self.base_url,
                self._path(url),
                self.region,
                attempts,
                self.retry.max_attempts,
                problem,
            )
            if reconcile is not None and applied_maybe:
                found = reconcile(attempts)
                if found is None and in_flight_maybe:
                    # The lost request may still be running: give it as long as
                    # it was given, then look again before sending it anew.
                    self._sleep(max(self.timeout, self.retry.backoff(attempts)))
                    found = reconcile(attempts)
                    delay = 0.0
                if found is not None:
                    return found

            if attempts >= self.retry.max_attempts:
                if throttled_waits:
                    problems.append(
                        f"throttled {throttled_waits} times ({throttled_seconds:g} s)"
                    )
                raise RecallRetriesExhaustedError(
                    self._where(action, app_id)
                    + f" failed after {attempts} attempts: {'; '.join(problems)}. "
                    "These failures are transient (throttling, server errors or "
                    "the network); run the command again, and if it keeps "
                    "failing check the endpoint and Recall's status.",
                    attempts=attempts,
                    last_status=last_status,
                )
            self._sleep(delay if delay is not None else self.retry.backoff(attempts))

    def _path(self, url: str) -> str:
        return urlsplit(url).path or url

    def _where(self, action: str, app_id: str | None) -> str:
        subject = f"'{action}' of Zoom OAuth app {app_id}" if app_id else f"'{action}'"
        return f"Recall {subject} in region {self.region} ({self.base_url})"

    def _redact(self, text: str) -> str:
        # Longest first, so that a secret containing another is replaced whole.
        for secret in sorted(set(self._secrets), key=len, reverse=True):
            if secret:
                text = text.replace(secret, "[secret]")
        return text

    def _status_error(
        self, response: httpx.Response, action: str, app_id: str | None
    ) -> RecallAPIError:
        status = response.status_code
        detail, raw_fields = _parse_error_body(response)
        detail = _shorten(self._redact(detail))
        fields = {
            name: [_shorten(self._redact(m)) for m in messages]
            for name, messages in raw_fields.items()
        }
        message = f"{self._where(action, app_id)} failed with HTTP {status}"
        if fields:
            listed = "; ".join(
                f"{name}: {' '.join(msgs)}" for name, msgs in fields.items()
            )
            message += f". Recall rejected these fields: {listed}"
        elif detail:
            message += f": {detail.rstrip('.')}"
        error_class: type[RecallAPIError] = RecallAPIError
        if status == 400:
            error_class = RecallValidationError
            message += ". Fix the values named above; the request is not retried."
        elif status == 401:
            error_class = RecallAuthError
            message += (
                f". Region {self.region} rejected the API key: check that the key "
                f"used for this region (recall:apiKeys.{self.region}, else "
                "recall:apiKey) is typed correctly and still valid. Recall API keys "
                "work only in the region that issued them, so a key from another "
                "region is rejected too: then set the app's region to the key's."
            )
        elif status == 403:
            error_class = RecallAuthError
            message += (
                ". Recall blocked the request (HTTP 403, usually its firewall); "
                "it is not retried. Check the network you call from."
            )
        elif status == 404:
            error_class = RecallNotFoundError
            if app_id:
                message += (
                    f". Region {self.region} has no Zoom OAuth app {app_id}: it was "
                    "deleted, or it lives in another region."
                )
        return error_class(
            self._redact(message),
            status=status,
            region=self.region,
            base_url=self.base_url,
            app_id=app_id,
            field_errors=fields,
        )
