"""Shared fixtures: one emulator process for the session, reset before each test
that uses it, and a fresh Pulumi project per test."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

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
