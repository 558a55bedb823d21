"""Packaging: the wheel contains the library and the emulator, and a plain install
of it requires the runtime dependencies only.

The wheel is built offline from a copy of the package's sources, with the test
environment's own setuptools (``--no-build-isolation --no-index``), and installed
with ``pip install --no-deps --target`` into a temporary folder. A fresh virtual
environment would prove less: without system site packages it must download pulumi
and grpcio on every run, and with them it sees this environment's pytest, ruff and
mypy, so it cannot show that a plain install leaves them out. So the wheel's
metadata is checked for what pip installs with it, and the installed files are
imported and run from a folder outside the checkout, with only the target folder
on ``PYTHONPATH``. The runtime dependencies (pulumi, httpx) then come from this
environment, at the versions the rest of the suite runs with.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import httpx
import pytest
import tomllib
from packaging.requirements import Requirement

from tests.harness import REPO_ROOT

PACKAGE = "recall_provider"
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
VERSION = PYPROJECT["project"]["version"]
DIST_INFO = f"{PACKAGE}-{VERSION}.dist-info"
DEV_TOOLS = ("pytest", "ruff", "mypy", "pulumi-aws")
START_TIMEOUT_SECONDS = 20


def run_pip(*args: str, cwd: Path) -> None:
    """Run pip offline; fail the test with pip's output if it fails."""
    command = [sys.executable, "-m", "pip", *args, "--no-index", "--quiet"]
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, (
        f"`pip {' '.join(args)}` failed (setuptools>=77 must be installed: run "
        f"`make setup`):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )


def isolated_env(site: Path) -> dict[str, str]:
    """Return an environment that puts ``site`` first on Python's import path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(site)
    env.pop("PYTHONHOME", None)
    return env


def build_wheel(source: Path, out: Path) -> Path:
    run_pip(
        "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), ".", cwd=source
    )
    [wheel] = out.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the sources that a clone of the repository has."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO_ROOT / name, source / name)
    shutil.copytree(
        REPO_ROOT / PACKAGE,
        source / PACKAGE,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return build_wheel(source, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def site(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel installed with no dependencies into a folder of its own."""
    target = tmp_path_factory.mktemp("site")
    run_pip("install", "--no-deps", "--target", str(target), str(wheel), cwd=target)
    return target


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working folder outside the checkout, so that nothing imports from it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def requirements(site: Path) -> list[Requirement]:
    metadata = Parser().parsestr((site / DIST_INFO / "METADATA").read_text())
    return [Requirement(line) for line in metadata.get_all("Requires-Dist") or []]


def plain_install_requirements(site: Path) -> set[str]:
    """Names that pip installs along with the package when no extra is asked for."""
    return {
        req.name.lower()
        for req in requirements(site)
        if req.marker is None or req.marker.evaluate({"extra": ""})
    }


def test_plain_install_requires_runtime_deps_only(site: Path) -> None:
    assert plain_install_requirements(site) == {"pulumi", "httpx"}


@pytest.mark.parametrize("tool", DEV_TOOLS)
def test_dev_tool_only_in_extra(site: Path, tool: str) -> None:
    assert tool not in plain_install_requirements(site)
    extras_with_tool = {
        extra
        for req in requirements(site)
        for extra in ("aws", "dev")
        if req.name.lower() == tool
        and req.marker is not None
        and req.marker.evaluate({"extra": extra})
    }
    assert "dev" in extras_with_tool


def test_wheel_metadata_matches_pyproject(site: Path) -> None:
    metadata = Parser().parsestr((site / DIST_INFO / "METADATA").read_text())

    assert metadata["Name"] == "recall-provider"
    assert metadata["Version"] == VERSION
    assert metadata["Requires-Python"] == PYPROJECT["project"]["requires-python"]


def test_wheel_contains_emulator_and_py_typed(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())

    for expected in (
        f"{PACKAGE}/__init__.py",
        f"{PACKAGE}/provider.py",
        f"{PACKAGE}/resource.py",
        f"{PACKAGE}/py.typed",
        f"{PACKAGE}/emulator/__init__.py",
        f"{PACKAGE}/emulator/__main__.py",
    ):
        assert expected in names, f"{expected} is missing from {wheel.name}"


def test_wheel_contains_only_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()

    strays = [
        name
        for name in names
        if not name.startswith((f"{PACKAGE}/", f"{DIST_INFO}/"))
        or "__pycache__" in name
    ]
    assert strays == [], f"{wheel.name} holds files outside the package"


def test_installed_package_imports_elsewhere(site: Path, elsewhere: Path) -> None:
    script = (
        "import json, recall_provider\n"
        "from recall_provider import ZoomOAuthApp, ZoomOAuthAppArgs\n"
        "from recall_provider.provider import ZoomOAuthAppProvider\n"
        "print(json.dumps({'file': recall_provider.__file__,"
        " 'resource': ZoomOAuthApp.__name__, 'args': ZoomOAuthAppArgs.__name__,"
        " 'provider': ZoomOAuthAppProvider.__module__}))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=elsewhere,
        env=isolated_env(site),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    imported = json.loads(result.stdout)
    assert Path(imported["file"]).is_relative_to(site)
    assert imported["resource"] == "ZoomOAuthApp"
    assert imported["args"] == "ZoomOAuthAppArgs"
    assert imported["provider"] == "recall_provider.provider"


@pytest.fixture
def installed_emulator(site: Path, elsewhere: Path) -> Iterator[str]:
    """Start the installed package's emulator outside the checkout and yield its URL."""
    command = [sys.executable, "-m", "recall_provider.emulator", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--api-key", "packaging-test-key"],
        cwd=elsewhere,
        env=isolated_env(site),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, f"emulator printed {line!r}"
        yield line.split()[-1]
    finally:
        process.terminate()
        try:
            process.wait(timeout=START_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_installed_emulator_serves_api(installed_emulator: str) -> None:
    apps_path = "/api/v2/zoom-oauth-apps/"
    body = {
        "kind": "user_level",
        "client_id": "packaging-client",
        "client_secret": "made-up-client-secret",
        "webhook_secret": "made-up-webhook-secret",
    }
    with httpx.Client(base_url=installed_emulator, timeout=10) as client:
        authorized = {"Authorization": "Token packaging-test-key"}
        created = client.post(apps_path, json=body, headers=authorized)
        listed = client.get(apps_path, headers=authorized)
        anonymous = client.get(apps_path)

    assert created.status_code == 201
    assert [app["id"] for app in listed.json()["results"]] == [created.json()["id"]]
    assert anonymous.status_code == 401


def test_git_url_install_imports_resource(tmp_path: Path) -> None:
    """pip installs the last commit of the checkout from a ``git+file://`` URL."""
    if not (REPO_ROOT / ".git").exists():
        pytest.fail("the checkout is not a git repository, so it has no git URL")
    target = tmp_path / "site"
    url = f"git+{REPO_ROOT.as_uri()}"
    run_pip(
        "install",
        "--no-deps",
        "--no-build-isolation",
        "--target",
        str(target),
        url,
        cwd=tmp_path,
    )
    script = "from recall_provider import ZoomOAuthApp, ZoomOAuthAppArgs\n"

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=isolated_env(target),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert (target / PACKAGE / "py.typed").is_file()
    assert (target / DIST_INFO / "METADATA").is_file()
