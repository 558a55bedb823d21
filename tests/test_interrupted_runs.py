"""A `pulumi up` or `pulumi destroy` killed halfway, then the recovery steps of the
README's troubleshooting section: Recall and the state must agree afterwards,
with exactly the declared apps, no orphan and no duplicate."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.harness import (
    EmulatorProcess,
    PulumiProject,
    ZoomCredentials,
    configure_demo_stack,
    descendants,
)

# The emulator delays the interrupted request this long before applying it, so
# that the kill lands while the provider waits for the response.
HOLD_SECONDS = 3.0


@pytest.fixture
def stack(
    project: PulumiProject,
    emulator: EmulatorProcess,
    api_key: str,
    zoom: ZoomCredentials,
) -> Iterator[PulumiProject]:
    configure_demo_stack(project, emulator.url, api_key, zoom)
    yield project
    printed = "\n".join(project.transcript)
    for secret in (api_key, zoom.client_secret, zoom.webhook_secret):
        assert secret not in printed


def kill_during(
    stack: PulumiProject, emulator: EmulatorProcess, method: str, *command: str
) -> None:
    """Run a command and kill it with SIGKILL while the emulator delays a request
    with this method. The emulator applies the request after the kill."""
    emulator.inject(method=method, delay=HOLD_SECONDS)
    process = stack.start(*command)
    deadline = time.monotonic() + 120
    while emulator.pending_faults():
        if process.poll() is not None or time.monotonic() > deadline:
            output = process.communicate()[0]
            pytest.fail(f"the {method} never arrived:\n{output[-3000:]}")
        time.sleep(0.05)
    # Everything at once, as when a machine is lost: the CLI, the language host,
    # the program and the provider plugin.
    victims = descendants(process.pid)
    os.killpg(process.pid, signal.SIGKILL)
    for pid in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.communicate()
    # Let the held request finish, as Recall would after the client went away.
    time.sleep(HOLD_SECONDS + 0.5)


def recover(stack: PulumiProject, *command: str) -> subprocess.CompletedProcess[str]:
    """The README's steps after an interrupted run, then the command again."""
    stack.run("cancel", "--yes", check=False)
    stack.refresh("--clear-pending-creates")
    return stack.run(*command, env={"RECALL_ADOPT_EXISTING": "true"})


def assert_state_matches_emulator(
    stack: PulumiProject, emulator: EmulatorProcess, zoom_client_id: str
) -> None:
    apps = emulator.apps()
    resources = stack.resources()
    assert len(apps) == 1, f"expected one app in Recall, found {len(apps)}"
    assert len(resources) == 1, f"expected one app in the state, found {len(resources)}"
    assert resources[0]["id"] == apps[0]["id"]
    assert apps[0]["client_id"] == zoom_client_id
    stack.preview("--expect-no-changes")


def test_interrupted_create_is_recovered(
    stack: PulumiProject, emulator: EmulatorProcess, zoom: ZoomCredentials
) -> None:
    kill_during(stack, emulator, "POST", "up", "--yes", "--skip-preview")
    assert len(emulator.apps()) == 1, "the held create was not applied"

    recover(stack, "up", "--yes", "--skip-preview")

    assert_state_matches_emulator(stack, emulator, zoom.client_id)


def test_interrupted_update_is_recovered(
    stack: PulumiProject, emulator: EmulatorProcess, zoom: ZoomCredentials
) -> None:
    stack.up()
    stack.set_config("zoomClientSecret", "cs-after-update", secret=True)

    kill_during(stack, emulator, "PATCH", "up", "--yes", "--skip-preview")
    recover(stack, "up", "--yes", "--skip-preview")

    assert_state_matches_emulator(stack, emulator, zoom.client_id)
    assert emulator.apps()[0]["client_secret"] == "cs-after-update"


def test_interrupted_replacement_is_recovered(
    stack: PulumiProject, emulator: EmulatorProcess
) -> None:
    stack.up()
    stack.set_config("zoomClientId", "zoom-replacement")

    kill_during(stack, emulator, "POST", "up", "--yes", "--skip-preview")
    recover(stack, "up", "--yes", "--skip-preview")

    assert_state_matches_emulator(stack, emulator, "zoom-replacement")
    deletes = [r for r in emulator.requests() if r["method"] == "DELETE"]
    assert [r["status"] for r in deletes] == [204], "the old app was not deleted once"


def test_interrupted_destroy_is_recovered(
    stack: PulumiProject, emulator: EmulatorProcess
) -> None:
    stack.up()

    kill_during(stack, emulator, "DELETE", "destroy", "--yes", "--skip-preview")
    recover(stack, "destroy", "--yes", "--skip-preview")

    assert emulator.apps() == []
    assert stack.resources() == []
