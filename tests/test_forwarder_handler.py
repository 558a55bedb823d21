"""Tests of the Lambda forwarder's handler, called the way a Lambda function URL
calls it, against the emulator's webhook URL and a local fan-out endpoint, over
real sockets on 127.0.0.1."""

from __future__ import annotations

import ast
import base64
import json
import logging
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from recall_provider.aws.forwarder import FORWARDER_HANDLER_PATH
from recall_provider.aws.forwarder_handler import handler
from recall_provider.regions import webhook_url
from tests.emulator_helpers import zoom_encrypted_token, zoom_signature
from tests.harness import EmulatorProcess, ZoomCredentials

CONTEXT = SimpleNamespace(aws_request_id="request-0001")
FANOUT_TOKEN = "fanout-token-" + "7" * 12


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


@pytest.fixture
def recall_env(app: App, monkeypatch: pytest.MonkeyPatch) -> App:
    """Point the handler at the app's webhook URL, with no fan-out."""
    monkeypatch.setenv("RECALL_WEBHOOK_URL", app.webhook_url)
    monkeypatch.delenv("FANOUT_URL", raising=False)
    monkeypatch.delenv("FANOUT_TIMEOUT_SECONDS", raising=False)
    monkeypatch.delenv("RECALL_TIMEOUT_SECONDS", raising=False)
    return app


def webhook_events(emulator: EmulatorProcess) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = emulator.admin.get(
        "/_emulator/webhook-events"
    ).json()["events"]
    return events


def closed_port() -> int:
    """Return a loopback port that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def signed_request(
    webhook_secret: str, body: bytes, *, signature: str | None = None
) -> dict[str, str]:
    """Return the headers Zoom sends with ``body``, lower-case as Lambda has them."""
    timestamp = str(int(time.time()))
    return {
        "content-type": "application/json; charset=utf-8",
        "user-agent": "Zoom Marketplace/1.0a",
        "x-zm-request-timestamp": timestamp,
        "x-zm-signature": signature or zoom_signature(webhook_secret, timestamp, body),
        "x-zm-trackingid": "v=2.0&s=1&tracking-id",
    }


def function_url_event(
    body: bytes,
    headers: dict[str, str],
    *,
    base64_encoded: bool = False,
    method: str = "POST",
) -> dict[str, Any]:
    """Return the event a Lambda function URL passes (payload format 2.0)."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": {**headers, "host": "abc.lambda-url.us-east-1.on.aws"},
        "requestContext": {
            "accountId": "anonymous",
            "domainName": "abc.lambda-url.us-east-1.on.aws",
            "http": {
                "method": method,
                "path": "/",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": "request-0001",
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": int(time.time() * 1000),
        },
        "body": base64.b64encode(body).decode() if base64_encoded else body.decode(),
        "isBase64Encoded": base64_encoded,
    }


def meeting_created_body() -> bytes:
    """A meeting.created event, spaced and ordered as no JSON encoder would
    produce it, so that any re-serialisation breaks its signature."""
    return (
        '{ "payload" : {"account_id":"acc-1","object":{"id":85001234567,'
        '"topic":"Caf\u00e9 planning \u2013 Q3","host_id":"host-1"}},'
        '  "event":"meeting.created",  "event_ts":1700000000000 }'
    ).encode()


def validation_body(plain_token: str) -> bytes:
    return json.dumps(
        {
            "event": "endpoint.url_validation",
            "payload": {"plainToken": plain_token},
            "event_ts": int(time.time() * 1000),
        }
    ).encode()


class _FanoutEndpoint(BaseHTTPRequestHandler):
    """Records each POST, then responds as ``server.mode`` selects."""

    server: _FanoutServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.received.append((headers, body))
        if self.server.mode == "slow":
            self.server.release.wait(10)
        status = 500 if self.server.mode == "error" else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _FanoutServer(ThreadingHTTPServer):
    daemon_threads = True
    mode = "ok"
    received: list[tuple[dict[str, str], bytes]]
    release: threading.Event


@pytest.fixture
def fanout() -> Iterator[_FanoutServer]:
    server = _FanoutServer(("127.0.0.1", 0), _FanoutEndpoint)
    server.received = []
    server.release = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join()


def fanout_url(server: _FanoutServer) -> str:
    port = server.server_address[1]
    return f"http://127.0.0.1:{port}/zoom/events?token={FANOUT_TOKEN}"


def test_signed_event_reaches_recall_unchanged(
    emulator: EmulatorProcess, recall_env: App, zoom: ZoomCredentials
) -> None:
    body = meeting_created_body()
    event = function_url_event(body, signed_request(zoom.webhook_secret, body))

    response = handler(event, CONTEXT)

    assert response["statusCode"] == 200
    (recorded,) = webhook_events(emulator)
    assert recorded["event"] == "meeting.created"
    assert recorded["app_id"] == recall_env.id
    assert recorded["valid_signature"] is True
    assert recorded["status"] == 200


def test_url_validation_response_returned(
    emulator: EmulatorProcess, recall_env: App, zoom: ZoomCredentials
) -> None:
    body = validation_body("plain-token-abc123")
    event = function_url_event(body, signed_request(zoom.webhook_secret, body))

    response = handler(event, CONTEXT)

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json"
    assert response["isBase64Encoded"] is False
    answer = json.loads(response["body"])
    assert answer["plainToken"] == "plain-token-abc123"
    assert answer["encryptedToken"] == zoom_encrypted_token(
        zoom.webhook_secret, "plain-token-abc123"
    )
    (app,) = emulator.apps()
    assert app["webhook_last_validation"] is not None


def test_base64_body_is_decoded(
    emulator: EmulatorProcess, recall_env: App, zoom: ZoomCredentials
) -> None:
    body = meeting_created_body()
    event = function_url_event(
        body, signed_request(zoom.webhook_secret, body), base64_encoded=True
    )

    response = handler(event, CONTEXT)

    assert response["statusCode"] == 200
    (recorded,) = webhook_events(emulator)
    assert recorded["valid_signature"] is True
    assert recorded["status"] == 200


def test_recall_rejection_is_returned(
    emulator: EmulatorProcess, recall_env: App, zoom: ZoomCredentials
) -> None:
    body = meeting_created_body()
    headers = signed_request(zoom.webhook_secret, body, signature="v0=" + "0" * 64)

    response = handler(function_url_event(body, headers), CONTEXT)

    assert response["statusCode"] == 401
    assert "x-zm-signature" in json.loads(response["body"])["detail"]
    (recorded,) = webhook_events(emulator)
    assert recorded["valid_signature"] is False


def test_fanout_receives_same_bytes(
    emulator: EmulatorProcess,
    recall_env: App,
    zoom: ZoomCredentials,
    fanout: _FanoutServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FANOUT_URL", fanout_url(fanout))
    body = meeting_created_body()
    headers = signed_request(zoom.webhook_secret, body)

    response = handler(function_url_event(body, headers), CONTEXT)

    assert response["statusCode"] == 200
    ((received_headers, received_body),) = fanout.received
    assert received_body == body
    for name in ("x-zm-signature", "x-zm-request-timestamp", "x-zm-trackingid"):
        assert received_headers[name] == headers[name]
    assert received_headers["content-type"] == headers["content-type"]
    (recorded,) = webhook_events(emulator)
    assert recorded["valid_signature"] is True


@pytest.mark.parametrize("failure", ["error", "refused", "slow"])
def test_fanout_failure_spares_recall(
    emulator: EmulatorProcess,
    recall_env: App,
    zoom: ZoomCredentials,
    fanout: _FanoutServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    failure: str,
) -> None:
    caplog.set_level(logging.INFO, logger="forwarder_handler")
    fanout.mode = failure
    url = fanout_url(fanout)
    if failure == "refused":
        url = f"http://127.0.0.1:{closed_port()}/zoom/events"
    monkeypatch.setenv("FANOUT_URL", url)
    monkeypatch.setenv("FANOUT_TIMEOUT_SECONDS", "0.3")
    body = validation_body("plain-token-fanout")

    response = handler(
        function_url_event(body, signed_request(zoom.webhook_secret, body)), CONTEXT
    )

    assert response["statusCode"] == 200
    answer = json.loads(response["body"])
    assert answer["encryptedToken"] == zoom_encrypted_token(
        zoom.webhook_secret, "plain-token-fanout"
    )
    (recorded,) = webhook_events(emulator)
    assert recorded["valid_signature"] is True
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "fan-out to http://127.0.0.1:" in errors[0].getMessage()
    assert "failed" in errors[0].getMessage()


def test_logs_contain_no_body_or_secret(
    recall_env: App,
    zoom: ZoomCredentials,
    fanout: _FanoutServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("FANOUT_URL", fanout_url(fanout))
    bodies = [meeting_created_body(), validation_body("plain-token-logged")]
    signatures = []
    for body in bodies:
        headers = signed_request(zoom.webhook_secret, body)
        signatures.append(headers["x-zm-signature"])
        response = handler(function_url_event(body, headers), CONTEXT)
        assert response["statusCode"] == 200
    fanout.mode = "error"
    handler(function_url_event(bodies[0], headers), CONTEXT)

    logged = caplog.text
    assert "request-0001" in logged
    assert zoom.webhook_secret not in logged
    assert FANOUT_TOKEN not in logged
    assert "plain-token-logged" not in logged
    assert zoom_encrypted_token(zoom.webhook_secret, "plain-token-logged") not in logged
    assert "planning" not in logged
    assert "85001234567" not in logged
    for signature in signatures:
        assert signature not in logged


def test_unreachable_recall_returns_502(
    zoom: ZoomCredentials,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="forwarder_handler")
    monkeypatch.setenv(
        "RECALL_WEBHOOK_URL",
        f"http://127.0.0.1:{closed_port()}/api/v2/zoom-oauth-apps/x/webhook",
    )
    monkeypatch.delenv("FANOUT_URL", raising=False)
    body = meeting_created_body()

    response = handler(
        function_url_event(body, signed_request(zoom.webhook_secret, body)), CONTEXT
    )

    assert response["statusCode"] == 502
    assert "delivery to Recall" in caplog.text
    assert "connection failed" in caplog.text


def test_slow_recall_returns_502(
    emulator: EmulatorProcess,
    recall_env: App,
    zoom: ZoomCredentials,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="forwarder_handler")
    monkeypatch.setenv("RECALL_TIMEOUT_SECONDS", "0.3")
    emulator.inject(method="POST", path=r".*/webhook", delay=3)
    body = meeting_created_body()

    response = handler(
        function_url_event(body, signed_request(zoom.webhook_secret, body)), CONTEXT
    )

    assert response["statusCode"] == 502
    assert "timed out" in caplog.text


def test_missing_recall_url_returns_500(
    zoom: ZoomCredentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RECALL_WEBHOOK_URL", raising=False)
    body = meeting_created_body()

    response = handler(
        function_url_event(body, signed_request(zoom.webhook_secret, body)), CONTEXT
    )

    assert response["statusCode"] == 500
    assert "no Recall webhook URL" in response["body"]


def test_get_request_is_not_forwarded(
    emulator: EmulatorProcess, recall_env: App
) -> None:
    event = function_url_event(b"", {}, method="GET")

    response = handler(event, CONTEXT)

    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == "POST"
    assert webhook_events(emulator) == []


def test_invalid_base64_body_is_rejected(
    emulator: EmulatorProcess, recall_env: App
) -> None:
    event = function_url_event(b"{}", {})
    event["isBase64Encoded"] = True
    event["body"] = "not base64 !"

    response = handler(event, CONTEXT)

    assert response["statusCode"] == 400
    assert webhook_events(emulator) == []


def test_handler_imports_only_stdlib() -> None:
    tree = ast.parse(FORWARDER_HANDLER_PATH.read_text())
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "a relative import needs the package"
            assert node.module is not None
            modules.add(node.module.split(".")[0])

    assert modules
    assert modules <= set(sys.stdlib_module_names), modules - set(
        sys.stdlib_module_names
    )


def test_handler_runs_as_lone_module(
    emulator: EmulatorProcess, app: App, zoom: ZoomCredentials, tmp_path: Path
) -> None:
    """The file alone, without site-packages, as Lambda loads it from the archive."""
    shutil.copy(FORWARDER_HANDLER_PATH, tmp_path / "forwarder_handler.py")
    body = validation_body("plain-token-lone")
    event = function_url_event(body, signed_request(zoom.webhook_secret, body))
    script = (
        "import json, sys\n"
        "sys.path.insert(0, '.')\n"
        "import forwarder_handler\n"
        "event = json.load(sys.stdin)\n"
        "print(json.dumps(forwarder_handler.handler(event, None)))\n"
    )

    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"RECALL_WEBHOOK_URL": app.webhook_url},
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["statusCode"] == 200
    answer = json.loads(response["body"])
    assert answer["encryptedToken"] == zoom_encrypted_token(
        zoom.webhook_secret, "plain-token-lone"
    )
