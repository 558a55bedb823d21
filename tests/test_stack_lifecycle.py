"""End-to-end tests: the project's own stack program, run by the real Pulumi CLI
against the emulator, through up, preview, refresh, drift and destroy."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.harness import (
    EmulatorProcess,
    PulumiProject,
    ZoomCredentials,
    configure_demo_stack,
)

APPS = "/api/v2/zoom-oauth-apps/"


@pytest.fixture
def stack(
    project: PulumiProject,
    emulator: EmulatorProcess,
    api_key: str,
    zoom: ZoomCredentials,
) -> Iterator[PulumiProject]:
    """The demo program, configured for the emulator; checked for leaks afterwards."""
    configure_demo_stack(project, emulator.url, api_key, zoom)
    project.leak_candidates = [api_key, zoom.client_secret, zoom.webhook_secret]  # type: ignore[attr-defined]
    yield project

    state = project.export()
    printed = "\n".join(project.transcript)
    for secret in project.leak_candidates:  # type: ignore[attr-defined]
        assert secret not in state, "a secret is in the exported state in plain text"
        assert secret not in printed, "the CLI printed a secret"


@pytest.fixture
def recall(emulator: EmulatorProcess, api_key: str) -> Iterator[httpx.Client]:
    """A plain HTTP client of the emulator's API, for changes made out of band."""
    with httpx.Client(
        base_url=emulator.url, headers={"Authorization": f"Token {api_key}"}
    ) as client:
        yield client


def only_app(emulator: EmulatorProcess) -> dict[str, object]:
    apps = emulator.apps()
    assert len(apps) == 1, f"expected one app in the emulator, found {len(apps)}"
    return apps[0]


def test_up_creates_app_and_exports_outputs(
    stack: PulumiProject, emulator: EmulatorProcess, zoom: ZoomCredentials
) -> None:
    stack.up()

    outputs = stack.outputs()
    app = only_app(emulator)
    assert outputs["zoomOAuthAppId"] == app["id"]
    assert outputs["webhookUrl"] == f"{emulator.url}{APPS}{app['id']}/webhook"
    assert outputs["zoomEventTypes"] == ["meeting.created", "user.updated"]
    assert app["client_id"] == zoom.client_id
    assert app["kind"] == "user_level"
    assert app["client_secret"] == zoom.client_secret
    assert app["webhook_secret"] == zoom.webhook_secret


def test_resource_outputs_match_emulator(
    stack: PulumiProject, emulator: EmulatorProcess
) -> None:
    stack.up()

    [resource] = stack.resources()
    app = only_app(emulator)
    outputs = resource["outputs"]
    assert resource["type"] == "pulumi-python:dynamic/recall:ZoomOAuthApp"
    assert resource["id"] == app["id"]
    assert outputs["app_id"] == app["id"]
    assert outputs["region"] == "us-east-1"
    assert outputs["created_at"] == app["created_at"]
    assert outputs.get("webhook_last_validation") is None
    for name in ("client_secret", "webhook_secret"):
        assert outputs[name].get("4dabf18193072939515e22adb298388d") is not None, (
            f"{name} is not a secret in the state"
        )


def test_preview_and_refresh_after_up_show_no_changes(stack: PulumiProject) -> None:
    stack.up()

    stack.preview("--expect-no-changes")
    stack.refresh("--expect-no-changes")
    stack.preview("--expect-no-changes")


def test_rotated_secret_is_seen_and_restored(
    stack: PulumiProject,
    emulator: EmulatorProcess,
    recall: httpx.Client,
    zoom: ZoomCredentials,
) -> None:
    stack.up()
    app_id = only_app(emulator)["id"]
    rotated = "rotated-" + secrets.token_hex(8)
    stack.leak_candidates.append(rotated)  # type: ignore[attr-defined]
    recall.patch(f"{APPS}{app_id}/", json={"client_secret": rotated}).raise_for_status()

    refreshed = stack.refresh("--expect-no-changes", check=False)
    assert refreshed.returncode != 0, "refresh did not report the rotated secret"
    stack.refresh()
    shown = stack.run("stack", "export", "--show-secrets", "--stack", stack.stack)
    stack.transcript.pop()  # this output shows secrets on purpose
    assert rotated in shown.stdout

    preview = stack.preview()
    assert "client_secret" in preview.stdout
    stack.up()

    app = only_app(emulator)
    assert app["id"] == app_id
    assert app["client_secret"] == zoom.client_secret
    stack.preview("--expect-no-changes")


def test_app_deleted_out_of_band_is_recreated(
    stack: PulumiProject, emulator: EmulatorProcess, recall: httpx.Client
) -> None:
    stack.up()
    old_id = only_app(emulator)["id"]
    recall.delete(f"{APPS}{old_id}/").raise_for_status()

    stack.refresh()
    assert stack.resources() == []
    stack.up()

    app = only_app(emulator)
    assert app["id"] != old_id
    assert stack.outputs()["zoomOAuthAppId"] == app["id"]
    stack.preview("--expect-no-changes")


def test_secret_change_updates_in_place(
    stack: PulumiProject, emulator: EmulatorProcess
) -> None:
    stack.up()
    before = stack.outputs()
    new_secret = "ws-new-" + secrets.token_hex(8)
    stack.leak_candidates.append(new_secret)  # type: ignore[attr-defined]
    stack.set_config("zoomWebhookSecret", new_secret, secret=True)

    preview = stack.preview()
    assert "replace" not in preview.stdout.lower().split("resources:")[-1]
    stack.up()

    after = stack.outputs()
    app = only_app(emulator)
    assert after["zoomOAuthAppId"] == before["zoomOAuthAppId"] == app["id"]
    assert after["webhookUrl"] == before["webhookUrl"]
    assert app["webhook_secret"] == new_secret
    patches = [r for r in emulator.requests() if r["method"] == "PATCH"]
    assert len(patches) == 1


def test_client_id_change_replaces_app(
    stack: PulumiProject, emulator: EmulatorProcess
) -> None:
    stack.up()
    old_id = stack.outputs()["zoomOAuthAppId"]
    new_client_id = "zoom-new-" + secrets.token_hex(4)
    stack.set_config("zoomClientId", new_client_id)

    stack.up()

    app = only_app(emulator)
    assert app["id"] != old_id
    assert app["client_id"] == new_client_id
    assert stack.outputs()["zoomOAuthAppId"] == app["id"]
    assert stack.outputs()["webhookUrl"].endswith(f"/{app['id']}/webhook")


def test_kind_change_replaces_app(
    stack: PulumiProject, emulator: EmulatorProcess
) -> None:
    stack.up()
    old_id = stack.outputs()["zoomOAuthAppId"]
    stack.set_config("zoomAppKind", "account_level")

    stack.up()

    app = only_app(emulator)
    assert app["id"] != old_id
    assert app["kind"] == "account_level"


def test_destroy_leaves_emulator_empty(
    stack: PulumiProject, emulator: EmulatorProcess
) -> None:
    stack.up()

    stack.destroy()

    assert emulator.apps() == []
    assert stack.resources() == []


def test_destroy_succeeds_when_app_already_gone(
    stack: PulumiProject, emulator: EmulatorProcess, recall: httpx.Client
) -> None:
    stack.up()
    recall.delete(f"{APPS}{only_app(emulator)['id']}/").raise_for_status()

    stack.destroy()

    assert stack.resources() == []


def test_stack_reference_reads_outputs(
    stack: PulumiProject, emulator: EmulatorProcess, tmp_path: Path
) -> None:
    stack.up()
    producer = stack.outputs()
    consumer_program = (
        "import pulumi\n"
        "producer = pulumi.StackReference(pulumi.Config().require('producer'))\n"
        "pulumi.export('appId', producer.get_output('zoomOAuthAppId'))\n"
        "pulumi.export('webhookUrl', producer.get_output('webhookUrl'))\n"
    )
    consumer = PulumiProject(
        tmp_path / "consumer",
        program=consumer_program,
        project_name="recall-zoom-consumer",
        stack="consumer",
    )
    # Both projects share one backend, as stacks of one organization do.
    consumer.env["PULUMI_BACKEND_URL"] = stack.env["PULUMI_BACKEND_URL"]
    consumer.run("stack", "init", "consumer", check=False)
    consumer.set_config("producer", f"organization/recall-zoom/{stack.stack}")

    consumer.up()

    outputs = consumer.outputs()
    assert outputs["appId"] == producer["zoomOAuthAppId"]
    assert outputs["webhookUrl"] == producer["webhookUrl"]


def test_plain_text_zoom_secret_in_config_is_rejected(
    project: PulumiProject,
    emulator: EmulatorProcess,
    api_key: str,
    zoom: ZoomCredentials,
) -> None:
    configure_demo_stack(project, emulator.url, api_key, zoom)
    project.set_config("zoomClientSecret", zoom.client_secret, plaintext=True)

    result = project.preview(check=False)

    assert result.returncode != 0
    assert (
        "pulumi config set --secret zoomClientSecret" in result.stdout + result.stderr
    )
    assert emulator.requests() == []


def test_export_has_no_plain_secret(
    stack: PulumiProject, api_key: str, zoom: ZoomCredentials
) -> None:
    stack.up()
    state = json.loads(stack.export())

    text = json.dumps(state)
    assert zoom.client_secret not in text
    assert zoom.webhook_secret not in text
    assert api_key not in text


def test_plain_text_api_key_in_config_is_rejected(
    project: PulumiProject,
    emulator: EmulatorProcess,
    api_key: str,
    zoom: ZoomCredentials,
) -> None:
    configure_demo_stack(project, emulator.url, api_key, zoom)
    project.set_config("recall:apiKey", api_key, plaintext=True)

    result = project.preview(check=False)

    assert result.returncode != 0
    assert "pulumi config set --secret recall:apiKey" in result.stdout + result.stderr
    assert api_key not in result.stdout + result.stderr
    assert emulator.requests() == []
