"""Upgrades: a stack written by release 0.1.0 keeps working with the current code.

``fixtures/upgrade-0.1.0/stack.json`` is ``pulumi stack export`` of the demo stack
after ``pulumi up`` with release 0.1.0, and ``emulator-state.json`` is the
emulator's state file with the matching app. Each test imports the stack into a
fresh backend with ``pulumi stack import`` and starts an emulator from a copy of
that state file. The stack's secrets are encrypted with the passphrase that the
harness uses (``test-passphrase``). The emulator's state file contains made-up Zoom
credentials in plain text, as every emulator state file does, and they reach no
real Zoom app. The emulator URL in the stack is the placeholder ``{{emulator_url}}``,
which each test replaces with its own emulator's URL.
"""

from __future__ import annotations

import base64
import json
import pickletools
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dill
import pytest

from recall_provider import ZoomOAuthAppProvider
from tests.harness import EmulatorProcess, PulumiProject

FIXTURE = Path(__file__).parent / "fixtures" / "upgrade-0.1.0"
URL_PLACEHOLDER = "{{emulator_url}}"
# The made-up emulator API key that the fixture's stack was made with.
API_KEY = "upgrade-fixture-api-key"
STACK = "upgrade"
PROVIDER_PATH = ("recall_provider.provider", "ZoomOAuthAppProvider")


def fixture_app() -> dict[str, Any]:
    [app] = json.loads((FIXTURE / "emulator-state.json").read_text())["apps"]
    assert isinstance(app, dict)
    return app


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    """An emulator started from a copy of the fixture's state file."""
    state_file = tmp_path / "emulator-state.json"
    shutil.copy2(FIXTURE / "emulator-state.json", state_file)
    process = EmulatorProcess(
        "--region", "us-east-1", "--state-file", str(state_file), api_keys=[API_KEY]
    )
    yield process
    process.stop()


@pytest.fixture
def stack(tmp_path: Path, emulator: EmulatorProcess) -> Iterator[PulumiProject]:
    """The demo program on a stack imported from the 0.1.0 state, with the config
    that the stack was made with."""
    app = fixture_app()
    project = PulumiProject(tmp_path / "project", stack=STACK)
    project.set_config("recall:endpoint", emulator.url)
    project.set_config("recall:apiKey", API_KEY, secret=True)
    project.set_config("zoomAppKind", app["kind"])
    project.set_config("zoomClientId", app["client_id"])
    project.set_config("zoomClientSecret", app["client_secret"], secret=True)
    project.set_config("zoomWebhookSecret", app["webhook_secret"], secret=True)

    deployment = (FIXTURE / "stack.json").read_text()
    imported = tmp_path / "stack.json"
    imported.write_text(deployment.replace(URL_PLACEHOLDER, emulator.url))
    project.run("stack", "import", "--stack", STACK, "--file", str(imported))
    yield project

    printed = "\n".join(project.transcript)
    state = project.export()
    for secret in (API_KEY, app["client_secret"], app["webhook_secret"]):
        assert secret not in printed, "the CLI printed a secret"
        assert secret not in state, "a secret is in the state in plain text"


def pickled_provider(project: PulumiProject) -> bytes:
    """Return the pickled provider of the stack's app, decrypted by the CLI."""
    exported = project.run(
        "stack", "export", "--show-secrets", "--stack", project.stack
    )
    project.transcript.pop()  # The output contains decrypted secrets on purpose.
    resources = json.loads(exported.stdout)["deployment"]["resources"]
    [app] = [r for r in resources if r["type"].endswith(":ZoomOAuthApp")]
    # A decrypted secret is shown as its value in JSON text, here a base64 string.
    encoded = json.loads(app["inputs"]["__provider"]["plaintext"])
    assert isinstance(encoded, str)
    return base64.b64decode(encoded)


def pickle_globals(data: bytes) -> list[tuple[str, str]]:
    """Return the (module, name) pairs that a pickle imports, in order."""
    strings: list[str] = []
    found: list[tuple[str, str]] = []
    for opcode, argument, _ in pickletools.genops(data):
        if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(str(argument))
        elif opcode.name == "STACK_GLOBAL":
            found.append((strings[-2], strings[-1]))
        elif opcode.name == "GLOBAL":
            module, name = str(argument).split(" ", 1)
            found.append((module, name))
    return found


def test_fixture_has_no_plain_secret() -> None:
    app = fixture_app()
    text = (FIXTURE / "stack.json").read_text()

    for secret in (API_KEY, app["client_secret"], app["webhook_secret"]):
        assert secret not in text
    assert URL_PLACEHOLDER in text


def test_provider_pickle_names_public_class(stack: PulumiProject) -> None:
    data = pickled_provider(stack)

    assert pickle_globals(data) == [PROVIDER_PATH]


def test_provider_pickle_loads_current_class(stack: PulumiProject) -> None:
    """Fails when the provider's module or class moves without an alias left behind,
    because every existing stack names it."""
    provider = dill.loads(pickled_provider(stack))

    assert isinstance(provider, ZoomOAuthAppProvider)


def test_refresh_of_old_state_shows_no_changes(stack: PulumiProject) -> None:
    stack.refresh("--expect-no-changes")
    stack.preview("--expect-no-changes")


def test_preview_of_old_state_shows_no_changes(stack: PulumiProject) -> None:
    stack.preview("--expect-no-changes")


def test_secret_update_of_old_state(
    stack: PulumiProject, emulator: EmulatorProcess
) -> None:
    app = fixture_app()
    new_secret = "made-up-rotated-" + secrets.token_hex(8)
    stack.set_config("zoomWebhookSecret", new_secret, secret=True)

    stack.up()

    [current] = emulator.apps()
    assert current["id"] == app["id"]
    assert current["webhook_secret"] == new_secret
    assert current["client_secret"] == app["client_secret"]
    assert stack.outputs()["zoomOAuthAppId"] == app["id"]
    stack.preview("--expect-no-changes")


def test_destroy_of_old_state(stack: PulumiProject, emulator: EmulatorProcess) -> None:
    stack.destroy()

    assert emulator.apps() == []
    assert stack.resources() == []
