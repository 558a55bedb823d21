"""Tests of check_webhook and its command, against the emulator's webhook URL and
a small local endpoint, over real sockets on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from recall_provider.check_webhook import format_result
from recall_provider.errors import RecallError
from recall_provider.regions import webhook_url
from recall_provider.webhook_check import (
    WebhookCheckError,
    WebhookCheckResult,
    check_webhook,
)
from tests.emulator_helpers import zoom_encrypted_token, zoom_signature
from tests.harness import REPO_ROOT, EmulatorProcess, ZoomCredentials

WEBHOOK_PATH = r"/api/v2/zoom-oauth-apps/[^/]+/webhook"
MISSING_APP_ID = "00000000-0000-4000-8000-000000000000"


@dataclass
class App:
    id: str
    webhook_url: str


@pytest.fixture
def app(emulator: EmulatorProcess, api_key: str, zoom: ZoomCredentials) -> App:
    response = httpx.post(
        f"{emulator.url}/api/v2/zoom-oauth-apps/",
        headers={"Authorization": f"Token {api_key}"},
        json={
            "kind": "user_level",
            "client_id": zoom.client_id,
            "client_secret": zoom.client_secret,
            "webhook_secret": zoom.webhook_secret,
        },
    )
    assert response.status_code == 201
    app_id = response.json()["id"]
    return App(id=app_id, webhook_url=webhook_url(emulator.url, app_id))


def last_validation(emulator: EmulatorProcess, app_id: str) -> str | None:
    (app,) = [app for app in emulator.apps() if app["id"] == app_id]
    value: str | None = app["webhook_last_validation"]
    return value


class _LocalEndpoint(BaseHTTPRequestHandler):
    """Responds to every POST as ``server.mode`` selects, and records each request."""

    server: _LocalServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers.items()), body))
        plain_token = json.loads(body)["payload"]["plainToken"]
        mode = self.server.mode
        if mode == "html":
            self._send(200, b"<html>It works!</html>", "text/html")
        elif mode == "other_secret":
            answer = {
                "plainToken": plain_token,
                "encryptedToken": zoom_encrypted_token("another-secret", plain_token),
            }
            self._send(200, json.dumps(answer).encode(), "application/json")
        elif mode == "other_token":
            answer = {"plainToken": "not-" + plain_token, "encryptedToken": "00"}
            self._send(200, json.dumps(answer).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _LocalServer(ThreadingHTTPServer):
    daemon_threads = True
    mode = ""
    received: list[tuple[dict[str, str], bytes]]


@pytest.fixture
def local_endpoint() -> Iterator[_LocalServer]:
    server = _LocalServer(("127.0.0.1", 0), _LocalEndpoint)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def local_url(server: _LocalServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/zoom/webhook"


def closed_port() -> int:
    """Return a loopback port that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def no_network() -> httpx.MockTransport:
    """A transport that fails the test if a request is sent at all."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"a request was sent to {request.url}")

    return httpx.MockTransport(handler)


def test_check_passes_with_right_secret(
    emulator: EmulatorProcess, app: App, zoom: ZoomCredentials
) -> None:
    assert last_validation(emulator, app.id) is None

    result = check_webhook(app.webhook_url, zoom.webhook_secret)

    assert result.status == 200
    assert result.webhook_url == app.webhook_url
    assert last_validation(emulator, app.id) is not None


def test_check_sends_signed_validation_event(
    emulator: EmulatorProcess, app: App, zoom: ZoomCredentials
) -> None:
    check_webhook(app.webhook_url, zoom.webhook_secret)

    events = emulator.admin.get("/_emulator/webhook-events").json()["events"]
    assert len(events) == 1
    assert events[0]["event"] == "endpoint.url_validation"
    assert events[0]["app_id"] == app.id
    assert events[0]["valid_signature"] is True
    assert events[0]["status"] == 200


def test_request_matches_zoom_format(
    local_endpoint: _LocalServer, zoom: ZoomCredentials
) -> None:
    local_endpoint.mode = "other_token"

    with pytest.raises(WebhookCheckError):
        check_webhook(local_url(local_endpoint), zoom.webhook_secret)

    (headers, body), *_ = local_endpoint.received
    lower = {name.lower(): value for name, value in headers.items()}
    timestamp = lower["x-zm-request-timestamp"]
    assert lower["x-zm-signature"] == zoom_signature(
        zoom.webhook_secret, timestamp, body
    )
    event = json.loads(body)
    assert event["event"] == "endpoint.url_validation"
    assert isinstance(event["payload"]["plainToken"], str)
    assert len(event["payload"]["plainToken"]) >= 16
    assert isinstance(event["event_ts"], int)
    # event_ts is in milliseconds, the timestamp header in seconds.
    assert event["event_ts"] // 1000 in range(int(timestamp) - 5, int(timestamp) + 5)


def test_wrong_secret_is_reported(
    emulator: EmulatorProcess, app: App, zoom: ZoomCredentials
) -> None:
    wrong_secret = "ws-wrong-" + zoom.webhook_secret[::-1]

    with pytest.raises(WebhookCheckError) as caught:
        check_webhook(app.webhook_url, wrong_secret)

    error = caught.value
    assert error.reason == "signature_rejected"
    assert error.status == 401
    assert "webhook secret" in str(error)
    assert "Secret Token" in str(error)
    assert str(error).endswith("pulumi up` after changing it.")
    assert wrong_secret not in str(error)
    assert zoom.webhook_secret not in str(error)
    assert last_validation(emulator, app.id) is None


def test_wrong_encrypted_token_is_wrong_secret(
    local_endpoint: _LocalServer, zoom: ZoomCredentials
) -> None:
    local_endpoint.mode = "other_secret"

    with pytest.raises(WebhookCheckError) as caught:
        check_webhook(local_url(local_endpoint), zoom.webhook_secret)

    assert caught.value.reason == "wrong_secret"
    assert "encryptedToken does not match" in str(caught.value)
    assert zoom.webhook_secret not in str(caught.value)


def test_wrong_app_id_is_not_found(
    emulator: EmulatorProcess, app: App, zoom: ZoomCredentials
) -> None:
    url = webhook_url(emulator.url, MISSING_APP_ID)

    with pytest.raises(WebhookCheckError) as caught:
        check_webhook(url, zoom.webhook_secret)

    assert caught.value.reason == "not_found"
    assert caught.value.status == 404
    assert "pulumi stack output webhookUrl" in str(caught.value)
    assert last_validation(emulator, app.id) is None


def test_error_is_a_recall_error(emulator: EmulatorProcess, app: App) -> None:
    with pytest.raises(RecallError):
        check_webhook(webhook_url(emulator.url, MISSING_APP_ID), "ws-any")


def test_html_answer_is_not_json(
    local_endpoint: _LocalServer, zoom: ZoomCredentials
) -> None:
    local_endpoint.mode = "html"

    with pytest.raises(WebhookCheckError) as caught:
        check_webhook(local_url(local_endpoint), zoom.webhook_secret)

    assert caught.value.reason == "not_json"
    assert "'text/html'" in str(caught.value)
    assert "It works" not in str(caught.value)


def test_other_plain_token_is_reported(
    local_endpoint: _LocalServer, zoom: ZoomCredentials
) -> None:
    local_endpoint.mode = "other_token"

    with pytest.raises(WebhookCheckError) as caught:
        check_webhook(local_url(local_endpoint), zoom.webhook_secret)

    assert caught.value.reason == "wrong_plain_token"


@pytest.mark.parametrize(
    ("status", "reason"),
    [(503, "http_error"), (302, "redirect"), (403, "signature_rejected")],
)
def test_error_status_is_reported(
    emulator: EmulatorProcess,
    app: App,
    zoom: ZoomCredentials,
    status: int,
    reason: str,
) -> None:
    emulator.inject(method="POST", path=WEBHOOK_PATH, status=status)

    with pytest.raises(WebhookCheckError) as caught:
        check_webhook(app.webhook_url, zoom.webhook_secret)

    assert caught.value.reason == reason
    assert caught.value.status == status
    assert f"HTTP {status}" in str(caught.value)


def test_slow_endpoint_times_out(
    emulator: EmulatorProcess, app: App, zoom: ZoomCredentials
) -> None:
    emulator.inject(method="POST", path=WEBHOOK_PATH, delay=5)

    with pytest.raises(WebhookCheckError) as caught:
        check_webhook(app.webhook_url, zoom.webhook_secret, timeout=0.5)

    assert caught.value.reason == "timeout"
    assert "timed out" in str(caught.value)


def test_dropped_connection_is_reported(
    emulator: EmulatorProcess, app: App, zoom: ZoomCredentials
) -> None:
    emulator.inject(method="POST", path=WEBHOOK_PATH, drop="before")

    with pytest.raises(WebhookCheckError) as caught:
        check_webhook(app.webhook_url, zoom.webhook_secret)

    assert caught.value.reason == "connection_failed"


def test_refused_connection_is_reported(zoom: ZoomCredentials) -> None:
    url = f"http://127.0.0.1:{closed_port()}/api/v2/zoom-oauth-apps/x/webhook"

    with pytest.raises(WebhookCheckError) as caught:
        check_webhook(url, zoom.webhook_secret)

    assert caught.value.reason == "connection_failed"
    assert "could not be reached" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", "webhook_url is empty"),
        (" https://us-east-1.recall.ai/x", "leading or trailing whitespace"),
        ("ftp://us-east-1.recall.ai/x", "not an http(s) URL"),
        ("https://user:pw@us-east-1.recall.ai/x", "user name or password"),
        ("http://us-east-1.recall.ai/x", "plain http"),
        ("https://us-east-1.recall.ai:port/x", "not a valid URL"),
    ],
)
def test_invalid_url_is_rejected_before_sending(url: str, expected: str) -> None:
    with pytest.raises(WebhookCheckError) as caught:
        check_webhook(url, "ws-secret", transport=no_network())

    assert caught.value.reason == "invalid_input"
    assert expected in str(caught.value)
    assert "pw" not in str(caught.value)


@pytest.mark.parametrize(
    ("secret", "expected"),
    [("", "webhook_secret is empty"), ("ws-secret\n", "trailing whitespace")],
)
def test_invalid_secret_is_rejected_before_sending(secret: str, expected: str) -> None:
    with pytest.raises(WebhookCheckError) as caught:
        check_webhook(
            "https://us-east-1.recall.ai/api/v2/zoom-oauth-apps/x/webhook",
            secret,
            transport=no_network(),
        )

    assert caught.value.reason == "invalid_input"
    assert expected in str(caught.value)


def test_invalid_timeout_is_rejected() -> None:
    with pytest.raises(ValueError, match="positive number of seconds"):
        check_webhook(
            "https://us-east-1.recall.ai/x", "ws", timeout=0, transport=no_network()
        )


def test_format_result_warns_when_slow() -> None:
    fast = WebhookCheckResult("https://h/x", 200, elapsed_seconds=0.2)
    slow = WebhookCheckResult("https://h/x", 200, elapsed_seconds=4.5)

    assert format_result(fast).startswith("OK: https://h/x responded")
    assert "Warning" not in format_result(fast)
    assert "may time out" in format_result(slow)


def run_command(
    *args: str, secret_env: str | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    environment.pop("ZOOM_WEBHOOK_SECRET", None)
    if secret_env is not None:
        environment["ZOOM_WEBHOOK_SECRET"] = secret_env
    environment["PYTHONPATH"] = str(REPO_ROOT)
    return subprocess.run(
        [sys.executable, "-m", "recall_provider.check_webhook", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO_ROOT,
        timeout=60,
    )


def test_command_passes_with_secret_in_env(
    emulator: EmulatorProcess, app: App, zoom: ZoomCredentials
) -> None:
    result = run_command("--url", app.webhook_url, secret_env=zoom.webhook_secret)

    assert result.returncode == 0
    assert result.stdout.startswith(f"OK: {app.webhook_url} responded")
    assert len(result.stdout.splitlines()) == 1
    assert zoom.webhook_secret not in result.stdout + result.stderr
    assert last_validation(emulator, app.id) is not None


def test_command_reads_secret_from_stdin(app: App, zoom: ZoomCredentials) -> None:
    result = run_command(
        "--url", app.webhook_url, "--secret-stdin", stdin=zoom.webhook_secret + "\n"
    )

    assert result.returncode == 0
    assert result.stdout.startswith("OK: ")


def test_command_fails_with_wrong_secret(app: App, zoom: ZoomCredentials) -> None:
    wrong_secret = "ws-wrong-" + zoom.webhook_secret[::-1]

    result = run_command("--url", app.webhook_url, secret_env=wrong_secret)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("FAILED: ")
    assert len(result.stderr.splitlines()) == 1
    assert wrong_secret not in result.stderr


def test_command_without_secret_is_usage_error(app: App) -> None:
    result = run_command("--url", app.webhook_url)

    assert result.returncode == 2
    assert "ZOOM_WEBHOOK_SECRET is not set" in result.stderr


def test_command_does_not_echo_extra_arguments(app: App) -> None:
    result = run_command("--url", app.webhook_url, "--secret", "ws-typed-by-mistake")

    assert result.returncode == 2
    assert "unrecognized argument" in result.stderr
    assert "ws-typed-by-mistake" not in result.stderr
