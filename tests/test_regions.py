"""Several regions in one stack: each app uses its region's own API key, taken from
``recall:apiKeys`` or ``RECALL_API_KEY_<REGION>``, and no key is a resource input.

Two emulators play two regions, each accepting only its own key. The apps' ``endpoint``
input points each at its emulator, standing in for the region's host.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import EmulatorProcess, PulumiProject, ZoomCredentials

US, EU = "us-east-1", "eu-central-1"

PROGRAM = """\
import pulumi
from recall_provider import ZoomOAuthApp, ZoomOAuthAppArgs

config = pulumi.Config()
for name, region in (("us", "us-east-1"), ("eu", "eu-central-1")):
    app = ZoomOAuthApp(
        f"zoom-{name}",
        ZoomOAuthAppArgs(
            kind="user_level",
            client_id=config.require(f"{name}ClientId"),
            client_secret=config.require_secret(f"{name}ClientSecret"),
            webhook_secret=config.require_secret(f"{name}WebhookSecret"),
            region=region,
            endpoint=config.require(f"{name}Endpoint"),
        ),
    )
    pulumi.export(f"{name}AppId", app.app_id)
    pulumi.export(f"{name}Region", app.region)
    pulumi.export(f"{name}WebhookUrl", app.webhook_url)
"""


class Region:
    """One region's emulator, its API key and the Zoom app declared there."""

    def __init__(self, name: str, short: str) -> None:
        self.name = name
        self.short = short
        self.api_key = f"{short}-key-" + secrets.token_hex(12)
        self.emulator = EmulatorProcess("--region", name, api_keys=[self.api_key])
        self.zoom = ZoomCredentials()

    @property
    def env_name(self) -> str:
        return "RECALL_API_KEY_" + self.name.upper().replace("-", "_")


@pytest.fixture(scope="module")
def region_pair() -> Iterator[tuple[Region, Region]]:
    us, eu = Region(US, "us"), Region(EU, "eu")
    yield us, eu
    for region in (us, eu):
        stderr = region.emulator.stop()
        assert region.api_key not in stderr, "an emulator logged an API key"


@pytest.fixture
def regions(region_pair: tuple[Region, Region]) -> tuple[Region, Region]:
    for region in region_pair:
        region.emulator.reset()
        region.zoom = ZoomCredentials()
    return region_pair


@pytest.fixture
def stack(tmp_path: Path, regions: tuple[Region, Region]) -> Iterator[PulumiProject]:
    """The two-app program with each app's Zoom config. No API key is set yet."""
    project = PulumiProject(tmp_path / "project", program=PROGRAM)
    for region in regions:
        project.env.pop(region.env_name, None)
    for region in regions:
        project.set_config(f"{region.short}Endpoint", region.emulator.url)
        project.set_config(f"{region.short}ClientId", region.zoom.client_id)
        project.set_config(
            f"{region.short}ClientSecret", region.zoom.client_secret, secret=True
        )
        project.set_config(
            f"{region.short}WebhookSecret", region.zoom.webhook_secret, secret=True
        )
    yield project

    printed = "\n".join(project.transcript)
    state = project.export()
    for region in regions:
        assert region.api_key not in printed, f"the CLI printed the {region.name} key"
        for secret in (region.zoom.client_secret, region.zoom.webhook_secret):
            assert secret not in printed, "the CLI printed a Zoom secret"
            assert secret not in state, "a Zoom secret is in the state in plain text"


def set_region_key(project: PulumiProject, region: str, api_key: str) -> None:
    """Set ``recall:apiKeys.<region>`` as a secret, the way the README shows it."""
    project.run(
        "config",
        "set",
        "--stack",
        project.stack,
        "--secret",
        "--path",
        f"recall:apiKeys.{region}",
        api_key,
    )


def only_app(region: Region) -> dict[str, object]:
    apps = region.emulator.apps()
    assert len(apps) == 1, f"expected one app in {region.name}, found {len(apps)}"
    return apps[0]


def rejected_requests(region: Region) -> list[dict[str, object]]:
    return [r for r in region.emulator.requests() if r["status"] == 401]


def apps_with_secrets(project: PulumiProject) -> list[dict[str, Any]]:
    """Return the state's Zoom OAuth app resources with their secrets decrypted.

    The command's output is dropped from the transcript, which is checked for
    secrets afterwards.
    """
    exported = project.run(
        "stack", "export", "--show-secrets", "--stack", project.stack
    )
    project.transcript.pop()
    resources = json.loads(exported.stdout)["deployment"]["resources"]
    return [r for r in resources if r["type"].endswith(":ZoomOAuthApp")]


def test_config_key_map_reaches_both_regions(
    stack: PulumiProject, regions: tuple[Region, Region]
) -> None:
    us, eu = regions
    set_region_key(stack, US, us.api_key)
    set_region_key(stack, EU, eu.api_key)

    stack.up()

    outputs = stack.outputs()
    for region in regions:
        app = only_app(region)
        assert app["client_id"] == region.zoom.client_id
        assert outputs[f"{region.short}AppId"] == app["id"]
        assert outputs[f"{region.short}Region"] == region.name
        assert outputs[f"{region.short}WebhookUrl"] == (
            f"{region.emulator.url}/api/v2/zoom-oauth-apps/{app['id']}/webhook"
        )
        assert rejected_requests(region) == []


def test_region_keys_stay_out_of_state(
    stack: PulumiProject, regions: tuple[Region, Region]
) -> None:
    us, eu = regions
    set_region_key(stack, US, us.api_key)
    set_region_key(stack, EU, eu.api_key)
    stack.up()

    state = stack.export()
    apps = apps_with_secrets(stack)

    assert len(apps) == 2
    for region in regions:
        assert region.api_key not in state, f"the {region.name} key is in plain text"
        for app in apps:
            assert region.api_key not in json.dumps(app["inputs"])
            assert region.api_key not in json.dumps(app["outputs"])


def test_refresh_and_destroy_use_region_keys(
    stack: PulumiProject, regions: tuple[Region, Region]
) -> None:
    us, eu = regions
    set_region_key(stack, US, us.api_key)
    set_region_key(stack, EU, eu.api_key)
    stack.up()

    stack.refresh("--expect-no-changes")
    stack.preview("--expect-no-changes")
    stack.destroy()

    for region in regions:
        assert region.emulator.apps() == []
        assert rejected_requests(region) == []


def test_environment_keys_per_region(
    stack: PulumiProject, regions: tuple[Region, Region]
) -> None:
    for region in regions:
        stack.env[region.env_name] = region.api_key

    stack.up()
    stack.refresh("--expect-no-changes")

    for region in regions:
        assert only_app(region)["client_id"] == region.zoom.client_id
        assert rejected_requests(region) == []


def test_region_key_wins_over_stack_key(
    stack: PulumiProject, regions: tuple[Region, Region]
) -> None:
    us, eu = regions
    stack.set_config("recall:apiKey", us.api_key, secret=True)
    set_region_key(stack, EU, eu.api_key)

    stack.up()

    for region in regions:
        assert only_app(region)["client_id"] == region.zoom.client_id
        assert rejected_requests(region) == []


def test_key_of_other_region_is_rejected(
    stack: PulumiProject, regions: tuple[Region, Region]
) -> None:
    us, eu = regions
    set_region_key(stack, US, us.api_key)
    set_region_key(stack, EU, us.api_key)

    result = stack.up(check=False)

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "HTTP 401" in output
    assert f"region {EU}" in output
    assert only_app(us)["client_id"] == us.zoom.client_id
    assert eu.emulator.apps() == []
    assert len(rejected_requests(eu)) == 1
    assert us.api_key not in output


def test_missing_region_key_names_region(
    stack: PulumiProject, regions: tuple[Region, Region]
) -> None:
    us, eu = regions
    set_region_key(stack, US, us.api_key)

    result = stack.preview(check=False)

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"no Recall API key is set for region {EU}" in output
    assert eu.emulator.requests() == []


def test_api_keys_map_is_secret_in_config_file(
    stack: PulumiProject, regions: tuple[Region, Region]
) -> None:
    us, eu = regions
    set_region_key(stack, US, us.api_key)
    set_region_key(stack, EU, eu.api_key)

    config_file = (stack.dir / f"Pulumi.{stack.stack}.yaml").read_text()
    shown = stack.run("config", "--stack", stack.stack, "--json")

    assert us.api_key not in config_file
    assert eu.api_key not in config_file
    config = json.loads(shown.stdout)
    assert config["recall:apiKeys"]["secret"] is True
