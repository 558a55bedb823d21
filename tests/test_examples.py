"""The programs in ``examples/``, run as they are by the real Pulumi CLI.

``examples/platform`` declares a development app in one region and a production app
in another. Two emulators play the regions, and each accepts only its own API key.
``examples/consumer`` reads one environment's app from the platform stack through a
``StackReference`` on the same backend. All config is set with ``pulumi config set``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness import REPO_ROOT, PulumiProject
from tests.test_regions import EU, US, Region, set_region_key

EXAMPLES = REPO_ROOT / "examples"
PLATFORM_STACK = "main"


def example_project(workdir: Path, example: str, stack: str) -> PulumiProject:
    """Copy ``examples/<example>`` into ``workdir`` and create a stack of it."""
    source = EXAMPLES / example
    project_file = yaml.safe_load((source / "Pulumi.yaml").read_text())
    project = PulumiProject(
        workdir,
        program=(source / "__main__.py").read_text(),
        project_name=project_file["name"],
        stack=stack,
    )
    # The harness wrote a minimal Pulumi.yaml, but the program relies on the config
    # defaults in the example's own.
    shutil.copy2(source / "Pulumi.yaml", workdir / "Pulumi.yaml")
    return project


@pytest.fixture(scope="module")
def region_pair() -> Iterator[tuple[Region, Region]]:
    development, production = Region(US, "dev"), Region(EU, "prod")
    yield development, production
    for region in (development, production):
        stderr = region.emulator.stop()
        assert region.api_key not in stderr, "an emulator logged an API key"


@pytest.fixture
def regions(region_pair: tuple[Region, Region]) -> tuple[Region, Region]:
    for region in region_pair:
        region.emulator.reset()
    return region_pair


def assert_no_secret_printed(
    project: PulumiProject, regions: tuple[Region, Region]
) -> None:
    printed = "\n".join(project.transcript)
    for region in regions:
        assert region.api_key not in printed, f"the CLI printed the {region.name} key"
        assert region.zoom.client_secret not in printed
        assert region.zoom.webhook_secret not in printed


@pytest.fixture
def platform(tmp_path: Path, regions: tuple[Region, Region]) -> Iterator[PulumiProject]:
    """The platform example, configured and brought up."""
    project = example_project(tmp_path / "platform", "platform", PLATFORM_STACK)
    for region in regions:
        prefix = region.short
        project.set_config(f"{prefix}Endpoint", region.emulator.url)
        project.set_config(f"{prefix}ZoomClientId", region.zoom.client_id)
        project.set_config(
            f"{prefix}ZoomClientSecret", region.zoom.client_secret, secret=True
        )
        project.set_config(
            f"{prefix}ZoomWebhookSecret", region.zoom.webhook_secret, secret=True
        )
        set_region_key(project, region.name, region.api_key)
    project.up()
    yield project

    state = project.export()
    for region in regions:
        assert region.zoom.client_secret not in state
        assert region.zoom.webhook_secret not in state
    assert_no_secret_printed(project, regions)


def consumer_of(platform: PulumiProject, workdir: Path) -> PulumiProject:
    """The consumer example on the platform's backend, pointed at its stack."""
    consumer = example_project(workdir, "consumer", "service")
    # Both projects share one backend, as stacks of one organization do.
    consumer.env["PULUMI_BACKEND_URL"] = platform.env["PULUMI_BACKEND_URL"]
    consumer.run("stack", "init", "service", check=False)
    consumer.set_config(
        "platformStack", f"organization/recall-platform/{PLATFORM_STACK}"
    )
    return consumer


def only_app(region: Region) -> dict[str, Any]:
    apps = region.emulator.apps()
    assert len(apps) == 1, f"expected one app in {region.name}, found {len(apps)}"
    return apps[0]


def test_platform_exports_app_per_environment(
    platform: PulumiProject, regions: tuple[Region, Region]
) -> None:
    outputs = platform.outputs()

    for environment, region in zip(("development", "production"), regions, strict=True):
        app = only_app(region)
        assert app["client_id"] == region.zoom.client_id
        assert app["kind"] == "user_level"
        assert outputs[f"{environment}AppId"] == app["id"]
        assert outputs[f"{environment}Region"] == region.name
        assert outputs[f"{environment}WebhookUrl"] == (
            f"{region.emulator.url}/api/v2/zoom-oauth-apps/{app['id']}/webhook"
        )
    assert outputs["zoomEventTypes"] == ["meeting.created", "user.updated"]


def test_platform_refresh_then_destroy(
    platform: PulumiProject, regions: tuple[Region, Region]
) -> None:
    platform.refresh("--expect-no-changes")
    platform.preview("--expect-no-changes")
    platform.destroy()

    for region in regions:
        assert region.emulator.apps() == []


def test_consumer_reads_production_by_default(
    platform: PulumiProject, regions: tuple[Region, Region], tmp_path: Path
) -> None:
    consumer = consumer_of(platform, tmp_path / "consumer")

    consumer.up()

    outputs = consumer.outputs()
    production = only_app(regions[1])
    assert outputs["zoomOAuthAppId"] == production["id"]
    assert outputs["recallRegion"] == EU
    assert outputs["zoomWebhookUrl"] == platform.outputs()["productionWebhookUrl"]
    assert_no_secret_printed(consumer, regions)


def test_consumer_reads_development(
    platform: PulumiProject, regions: tuple[Region, Region], tmp_path: Path
) -> None:
    consumer = consumer_of(platform, tmp_path / "consumer")
    consumer.set_config("environment", "development")

    consumer.up()

    outputs = consumer.outputs()
    development = only_app(regions[0])
    assert outputs["zoomOAuthAppId"] == development["id"]
    assert outputs["recallRegion"] == US
    assert outputs["zoomWebhookUrl"] == platform.outputs()["developmentWebhookUrl"]


def test_consumer_rejects_unknown_environment(
    platform: PulumiProject, tmp_path: Path
) -> None:
    consumer = consumer_of(platform, tmp_path / "consumer")
    consumer.set_config("environment", "staging")

    result = consumer.preview(check=False)

    assert result.returncode != 0
    assert "environment is 'staging'" in result.stdout + result.stderr
