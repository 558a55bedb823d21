"""Secrets in plain text, looked for everywhere a stack's run leaves text.

No client secret, webhook secret or API key may appear in the state, in anything
the CLI prints with its most verbose logging, in the provider's or the
emulator's log lines, or in an error message, even when Recall's error quotes a
secret back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from recall_provider import RecallAPIError, ZoomOAuthAppProvider
from tests.harness import EmulatorProcess, PulumiProject, ZoomCredentials, checked
from tests.test_faults import emulator_process  # noqa: F401

APPS = "/api/v2/zoom-oauth-apps/"
ONE_APP = "/api/v2/zoom-oauth-apps/[^/]+/"

# Every command runs with the Python SDK's debug messages and the engine's most
# verbose logs, which include what the provider process writes to stderr.
VERBOSE = ("--debug", "-v=9", "--logtostderr")

# Python imports this module at start-up in every process of a Pulumi run (the
# program and the dynamic provider), because the test puts it on PYTHONPATH. It
# sends every log record, DEBUG and up, to stderr and to the file named by
# RECALL_LEAK_TEST_LOG.
SITECUSTOMIZE = """\
import logging
import os
import sys

_log_file = os.environ.get("RECALL_LEAK_TEST_LOG")
if _log_file:
    _format = logging.Formatter("%(process)d %(name)s %(levelname)s %(message)s")
    _handlers = [logging.StreamHandler(sys.stderr), logging.FileHandler(_log_file)]
    for _handler in _handlers:
        _handler.setFormatter(_format)
    logging.basicConfig(level=logging.DEBUG, handlers=_handlers)
"""

NEW_CLIENT_SECRET = "cs-rotated-" + "6d0f3b9a2c7e41d8"


def fragments(secret: str) -> list[str]:
    """Return the secret and its first and last 16 characters, so that a secret cut
    short still counts as leaked."""
    return [secret, secret[:16], secret[-16:]]


def assert_no_leak(text: str, secrets: list[str], where: str) -> None:
    for secret in secrets:
        for fragment in fragments(secret):
            assert fragment not in text, f"{where} contains a secret in plain text"


def rejecting_body(**echoed: str) -> str:
    """Return a Recall-style 400 body whose field messages quote the values sent."""
    return json.dumps(
        {name: [f"{value!r} is not valid."] for name, value in echoed.items()}
    )


@pytest.fixture
def stack(
    tmp_path: Path,
    project: PulumiProject,
    emulator: EmulatorProcess,
    api_key: str,
    zoom: ZoomCredentials,
) -> PulumiProject:
    hook = tmp_path / "log-hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE)
    project.env["PYTHONPATH"] = f"{hook}:{project.env['PYTHONPATH']}"
    project.env["RECALL_LEAK_TEST_LOG"] = str(tmp_path / "python.log")
    project.run(
        "config",
        "set-all",
        "--stack",
        project.stack,
        "--plaintext",
        f"recall:endpoint={emulator.url}",
        "--secret",
        f"recall:apiKey={api_key}",
        "--plaintext",
        f"zoomClientId={zoom.client_id}",
        "--secret",
        f"zoomClientSecret={zoom.client_secret}",
        "--secret",
        f"zoomWebhookSecret={zoom.webhook_secret}",
    )
    return project


def test_stack_lifecycle_leaks_no_secret(
    tmp_path: Path,
    stack: PulumiProject,
    emulator: EmulatorProcess,
    api_key: str,
    zoom: ZoomCredentials,
) -> None:
    secrets = [api_key, zoom.client_secret, zoom.webhook_secret, NEW_CLIENT_SECRET]
    exports = []

    # A create that Recall rejects, quoting both Zoom secrets and the key.
    emulator.inject(
        method="POST",
        path=APPS,
        status=400,
        content_type="application/json",
        body=rejecting_body(
            client_secret=zoom.client_secret,
            webhook_secret=zoom.webhook_secret,
            client_id=api_key,
        ),
    )
    failed_create = stack.up(*VERBOSE, check=False)
    assert failed_create.returncode != 0
    assert "HTTP 400" in failed_create.stdout + failed_create.stderr
    assert "[secret]" in failed_create.stdout + failed_create.stderr

    stack.up(*VERBOSE)
    exports.append(stack.export())
    stack.preview(*VERBOSE)
    stack.refresh(*VERBOSE)

    # An update that Recall rejects, quoting the new client secret.
    stack.set_config("zoomClientSecret", NEW_CLIENT_SECRET, secret=True)
    emulator.inject(
        method="PATCH",
        path=ONE_APP,
        status=400,
        content_type="application/json",
        body=rejecting_body(client_secret=NEW_CLIENT_SECRET),
    )
    failed_update = stack.up(*VERBOSE, check=False)
    assert failed_update.returncode != 0
    assert "HTTP 400" in failed_update.stdout + failed_update.stderr
    exports.append(stack.export())

    stack.up(*VERBOSE)
    exports.append(stack.export())
    stack.refresh(*VERBOSE)
    stack.preview(*VERBOSE, "--expect-no-changes")
    stack.destroy(*VERBOSE)
    assert emulator.apps() == []

    printed = "\n".join(stack.transcript)
    python_log = (tmp_path / "python.log").read_text()
    # The capture works: the provider's request lines reached the log file and,
    # through the engine's verbose logs, the CLI's output.
    assert "recall_provider.client" in python_log
    assert "POST" in python_log
    assert "recall_provider.client" in printed
    assert_no_leak(printed, secrets, "the CLI's output")
    assert_no_leak(python_log, secrets, "a Python process's log")
    for export in exports:
        assert_no_leak(export, secrets, "the exported state")
    for path in (stack.dir / ".state").rglob("*"):
        if path.is_file():
            assert_no_leak(path.read_text(errors="replace"), secrets, str(path.name))
    assert_no_leak("".join(emulator.stderr_lines), secrets, "the emulator's log")


# Error messages from the provider called directly, when Recall's error quotes a
# secret.


def error_message(action: Any) -> str:
    with pytest.raises(RecallAPIError) as caught:
        action()
    return str(caught.value) + json.dumps(caught.value.field_errors)


def test_echoed_secrets_are_scrubbed(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    api_key: str,
) -> None:
    emulator.inject(
        method="POST",
        status=400,
        content_type="application/json",
        body=rejecting_body(
            client_secret=inputs["client_secret"],
            webhook_secret=inputs["webhook_secret"],
            client_id=api_key,
        ),
    )

    message = error_message(lambda: provider.create(checked(provider, inputs)))

    assert "[secret]" in message
    secrets = [api_key, inputs["client_secret"], inputs["webhook_secret"]]
    assert_no_leak(message, secrets, "the error message")


def test_long_echo_is_scrubbed(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
) -> None:
    long_message = "x" * 280 + inputs["client_secret"]
    emulator.inject(
        method="POST",
        status=400,
        content_type="application/json",
        body=json.dumps({"client_secret": [long_message]}),
    )

    message = error_message(lambda: provider.create(checked(provider, inputs)))

    assert_no_leak(message, [inputs["client_secret"]], "the error message")


def test_update_echo_of_unchanged_secret_is_scrubbed(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
) -> None:
    created = provider.create(checked(provider, inputs))
    news = {**checked(provider, inputs), "client_secret": NEW_CLIENT_SECRET}
    emulator.inject(
        method="PATCH",
        status=400,
        content_type="application/json",
        body=rejecting_body(webhook_secret=inputs["webhook_secret"]),
    )

    message = error_message(
        lambda: provider.update(created.id, created.outs or {}, news)
    )

    assert_no_leak(message, [inputs["webhook_secret"]], "the error message")


def test_read_error_echo_of_secret_is_scrubbed(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
) -> None:
    created = provider.create(checked(provider, inputs))
    emulator.inject(
        method="GET",
        path=ONE_APP,
        status=403,
        content_type="application/json",
        body=json.dumps({"detail": f"Blocked: {inputs['client_secret']}"}),
    )

    message = error_message(lambda: provider.read(created.id, created.outs or {}))

    assert_no_leak(message, [inputs["client_secret"]], "the error message")
