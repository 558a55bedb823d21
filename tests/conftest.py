"""Shared fixtures: one emulator process for the session, reset before each test
that uses it, and a fresh Pulumi project per test."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from recall_provider import ZoomOAuthAppProvider, inventory
from recall_provider.settings import set_settings, settings_from_config
from tests.harness import EmulatorProcess, PulumiProject, ZoomCredentials


@pytest.fixture(scope="session")
def api_key() -> str:
    return "test-key-" + secrets.token_hex(12)


@pytest.fixture(scope="session")
def emulator_process(api_key: str) -> Iterator[EmulatorProcess]:
    emulator = EmulatorProcess(api_keys=[api_key])
    yield emulator
    stderr = emulator.stop()
    assert api_key not in stderr, "the emulator logged the API key"


@pytest.fixture
def emulator(emulator_process: EmulatorProcess) -> EmulatorProcess:
    emulator_process.reset()
    emulator_process.configure(
        echo_secrets=True,
        refuse_duplicate_client_id=False,
        rate_limits=False,
        limit_default=300,
        limit_list=60,
        time_scale=1.0,
        latency=0.0,
    )
    return emulator_process


@pytest.fixture
def zoom() -> ZoomCredentials:
    return ZoomCredentials()


@pytest.fixture
def project(tmp_path: Path) -> PulumiProject:
    return PulumiProject(tmp_path / "project")


@pytest.fixture
def provider(emulator: EmulatorProcess, api_key: str) -> Iterator[ZoomOAuthAppProvider]:
    """A provider configured for the emulator, as the engine configures one."""
    provider = ZoomOAuthAppProvider()
    config = {"recall:apiKey": api_key, "recall:endpoint": emulator.url}
    provider.configure(ConfigureRequest(Config(config, "recall-zoom")))
    inventory.clear()
    yield provider
    set_settings(settings_from_config({}, environ={}))
    inventory.clear()


@pytest.fixture
def inputs(zoom: ZoomCredentials) -> dict[str, Any]:
    """Valid inputs of one app, as the engine passes them to ``check``."""
    return {
        "kind": "user_level",
        "client_id": zoom.client_id,
        "client_secret": zoom.client_secret,
        "webhook_secret": zoom.webhook_secret,
    }
