"""Faults during real `pulumi up`, `refresh` and `destroy` runs of the demo stack.

Each test checks what the engine keeps in the state after a failed step, and that
the next run repairs it with exactly the declared app.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness import EmulatorProcess, PulumiProject, ZoomCredentials
from tests.test_faults import emulator_process  # noqa: F401 (fixture)

APPS = "/api/v2/zoom-oauth-apps/"
ONE_APP = "/api/v2/zoom-oauth-apps/[^/]+/"
MAX_ATTEMPTS = 3
HTML_ERROR_PAGE = "<html><body><h1>502 Bad Gateway</h1></body></html>"
# A webhook secret that a later `pulumi up` sets in place of the first one.
NEW_SECRET = "ws-new-7c2d9e41b05a"


@pytest.fixture
def stack(
    project: PulumiProject,
    emulator: EmulatorProcess,
    api_key: str,
    zoom: ZoomCredentials,
) -> Iterator[PulumiProject]:
    """The demo program against the emulator, with few attempts per request.

    Its state and everything the CLI printed are checked for secrets afterwards.
    """
    project.run(
        "config",
        "set-all",
        "--stack",
        project.stack,
        "--plaintext",
        f"recall:endpoint={emulator.url}",
        "--plaintext",
        f"recall:maxAttempts={MAX_ATTEMPTS}",
        "--secret",
        f"recall:apiKey={api_key}",
        "--plaintext",
        f"zoomClientId={zoom.client_id}",
        "--secret",
        f"zoomClientSecret={zoom.client_secret}",
        "--secret",
        f"zoomWebhookSecret={zoom.webhook_secret}",
    )
    yield project

    state = project.export()
    printed = "\n".join(project.transcript)
    for secret in (api_key, zoom.client_secret, zoom.webhook_secret, NEW_SECRET):
        assert secret not in state, "a secret is in the exported state in plain text"
        assert secret not in printed, "the CLI printed a secret"


def clear_faults(emulator: EmulatorProcess) -> None:
    emulator.admin.delete("/_emulator/faults").raise_for_status()


def only_app(emulator: EmulatorProcess) -> dict[str, object]:
    apps = emulator.apps()
    assert len(apps) == 1, f"expected one app in the emulator, found {len(apps)}"
    return apps[0]


def assert_state_matches(stack: PulumiProject, emulator: EmulatorProcess) -> None:
    app = only_app(emulator)
    [resource] = stack.resources()
    assert resource["id"] == app["id"]
    assert stack.outputs()["zoomOAuthAppId"] == app["id"]
    stack.preview("--expect-no-changes")


def test_up_out_of_attempts_then_next_up_creates(
    stack: PulumiProject, emulator: EmulatorProcess, zoom: ZoomCredentials
) -> None:
    emulator.inject(method="POST", path=APPS, status=503, count=MAX_ATTEMPTS + 1)

    failed = stack.up(check=False)

    printed = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert f"failed after {MAX_ATTEMPTS} attempts" in printed
    assert "HTTP 503" in printed
    assert "region us-east-1" in printed
    assert emulator.apps() == []
    assert stack.resources() == []

    clear_faults(emulator)
    stack.up()

    assert_state_matches(stack, emulator)
    assert only_app(emulator)["client_secret"] == zoom.client_secret


def test_up_with_dropped_create_answer_makes_one_app(
    stack: PulumiProject, emulator: EmulatorProcess, zoom: ZoomCredentials
) -> None:
    emulator.inject(method="POST", path=APPS, drop="after")

    stack.up()

    assert emulator.pending_faults() == [], "the fault was never hit"
    assert_state_matches(stack, emulator)
    posts = [r for r in emulator.requests() if r["method"] == "POST"]
    assert len(posts) == 1
    assert only_app(emulator)["webhook_secret"] == zoom.webhook_secret


def test_up_with_lost_create_is_repaired_by_adopt(
    stack: PulumiProject, emulator: EmulatorProcess
) -> None:
    """A create applied but unanswered, whose look-up by client ID fails too, leaves
    an app that no state contains. The next `pulumi up` rejects making a second one
    and names it, and with RECALL_ADOPT_EXISTING=true takes it over."""
    # A harmless fault used up by the workspace list that create starts with, so
    # that the 500s hit the look-up after the dropped create.
    emulator.inject(method="GET", path=APPS, delay=0.01)
    emulator.inject(method="POST", path=APPS, drop="after")
    emulator.inject(method="GET", path=APPS, status=500, count=MAX_ATTEMPTS)

    failed = stack.up(check=False)

    assert failed.returncode != 0
    assert emulator.pending_faults() == []
    orphan = only_app(emulator)
    assert stack.resources() == []

    rejected = stack.up(check=False)

    printed = rejected.stdout + rejected.stderr
    assert rejected.returncode != 0
    assert str(orphan["id"]) in printed
    assert "RECALL_ADOPT_EXISTING=true" in printed
    assert len(emulator.apps()) == 1

    stack.run("up", "--yes", "--skip-preview", env={"RECALL_ADOPT_EXISTING": "true"})

    assert_state_matches(stack, emulator)
    assert only_app(emulator)["id"] == orphan["id"]


def test_update_out_of_attempts_then_next_up_applies(
    stack: PulumiProject, emulator: EmulatorProcess, zoom: ZoomCredentials
) -> None:
    stack.up()
    stack.set_config("zoomWebhookSecret", NEW_SECRET, secret=True)
    emulator.inject(method="PATCH", path=ONE_APP, status=500, count=MAX_ATTEMPTS + 1)

    failed = stack.up(check=False)

    printed = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert f"failed after {MAX_ATTEMPTS} attempts" in printed
    assert str(only_app(emulator)["id"]) in printed
    assert only_app(emulator)["webhook_secret"] == zoom.webhook_secret

    clear_faults(emulator)
    stack.up()

    assert only_app(emulator)["webhook_secret"] == NEW_SECRET
    assert_state_matches(stack, emulator)


def test_refresh_out_of_attempts_keeps_app_in_state(
    stack: PulumiProject, emulator: EmulatorProcess
) -> None:
    stack.up()
    app_id = only_app(emulator)["id"]
    emulator.inject(method="GET", path=ONE_APP, status=504, count=MAX_ATTEMPTS + 1)

    failed = stack.refresh(check=False)

    printed = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert f"failed after {MAX_ATTEMPTS} attempts" in printed
    assert [r["id"] for r in stack.resources()] == [app_id]

    clear_faults(emulator)
    stack.refresh("--expect-no-changes")

    assert_state_matches(stack, emulator)


def test_destroy_out_of_attempts_then_next_destroy_deletes(
    stack: PulumiProject, emulator: EmulatorProcess
) -> None:
    stack.up()
    app_id = only_app(emulator)["id"]
    emulator.inject(
        method="DELETE",
        path=ONE_APP,
        status=502,
        body=HTML_ERROR_PAGE,
        count=MAX_ATTEMPTS + 1,
    )

    failed = stack.destroy(check=False)

    printed = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert f"failed after {MAX_ATTEMPTS} attempts" in printed
    assert "<html>" not in printed
    assert only_app(emulator)["id"] == app_id
    assert [r["id"] for r in stack.resources()] == [app_id]

    clear_faults(emulator)
    stack.destroy()

    assert emulator.apps() == []
    assert stack.resources() == []
