"""A throwaway Pulumi project that runs ``bench/program.py`` with the real CLI on a
local ``file://`` backend, timing each command."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.provider_memory import read_records, write_python_wrapper

__all__ = ["BenchStack", "CommandResult", "program_resources"]

REPO_ROOT = Path(__file__).resolve().parent.parent
PROGRAM = Path(__file__).resolve().parent / "program.py"
COMMAND_TIMEOUT_SECONDS = 1800


@dataclass
class CommandResult:
    """One CLI command: its timing, exit code, output and provider processes."""

    started_at: float
    """Wall-clock start, in seconds since the epoch."""
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    providers: list[dict[str, Any]]
    """The records of the dynamic-provider processes it started."""


class BenchStack:
    """A stack of the benchmark program in its own folder and state backend."""

    def __init__(
        self,
        workdir: Path,
        *,
        python: str,
        provider: str,
        count: int,
        endpoint: str,
        api_key: str,
    ) -> None:
        self.dir = workdir
        self.provider = provider
        if workdir.exists():
            shutil.rmtree(workdir)
        workdir.mkdir(parents=True)
        shutil.copyfile(PROGRAM, workdir / "__main__.py")
        (workdir / "Pulumi.yaml").write_text("name: bench\nruntime: python\n")
        state = workdir / "state"
        state.mkdir()
        self.peaks_dir = workdir / "provider-peaks"
        wrapper = write_python_wrapper(workdir / "python", python, self.peaks_dir)

        self.env = dict(os.environ)
        for name in list(self.env):
            if name.startswith("RECALL_"):
                del self.env[name]
        self.env.update(
            {
                "PULUMI_BACKEND_URL": f"file://{state}",
                "PULUMI_HOME": str(workdir / "pulumi-home"),
                "PULUMI_CONFIG_PASSPHRASE": "bench-passphrase",
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
                "PULUMI_PYTHON_CMD": str(wrapper),
                "PYTHONPATH": str(REPO_ROOT),
                "NO_COLOR": "1",
            }
        )
        tools = REPO_ROOT / ".tools" / "bin"
        if tools.is_dir():
            self.env["PATH"] = f"{tools}{os.pathsep}{self.env.get('PATH', '')}"
        if shutil.which("pulumi", path=self.env["PATH"]) is None:
            raise RuntimeError("no pulumi CLI on PATH; run `make setup` first")

        self.run("stack", "init", "bench", check=True)
        # One command for all the settings: each CLI start costs a fraction of a
        # second. The API key is the benchmark's own, valid only on its emulator.
        self.run(
            "config",
            "set-all",
            "--plaintext",
            f"bench:provider={provider}",
            "--plaintext",
            f"bench:count={count}",
            "--plaintext",
            f"recall:endpoint={endpoint}",
            "--secret",
            f"bench:secretSeed={secrets.token_hex(16)}",
            "--secret",
            f"recall:apiKey={api_key}",
            check=True,
        )

    def run(self, *args: str, check: bool = False) -> CommandResult:
        command = ["pulumi", *args, "--non-interactive"]
        read_records(self.peaks_dir)
        started_at = time.time()
        started = time.perf_counter()
        completed = subprocess.run(
            command,
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
        )
        seconds = time.perf_counter() - started
        if check and completed.returncode != 0:
            output = completed.stdout + completed.stderr
            raise RuntimeError(
                f"`{' '.join(command)}` failed with exit code "
                f"{completed.returncode}:\n{output[-4000:]}"
            )
        return CommandResult(
            started_at,
            seconds,
            completed.returncode,
            completed.stdout,
            completed.stderr,
            read_records(self.peaks_dir),
        )

    def set_count(self, count: int) -> None:
        """Set the number of resources that the next ``up`` declares."""
        self.run("config", "set", "bench:count", str(count), check=True)

    def up(self) -> CommandResult:
        return self.run("up", "--yes", "--skip-preview")

    def refresh(self) -> CommandResult:
        return self.run("refresh", "--yes", "--skip-preview")

    def destroy(self) -> CommandResult:
        return self.run("destroy", "--yes", "--skip-preview")

    def export(self) -> str:
        """Return ``pulumi stack export`` as printed, with secrets encrypted."""
        return self.run("stack", "export", check=True).stdout


def program_resources(export: str) -> list[dict[str, Any]]:
    """Return the resources of the benchmark program in an exported state."""
    deployment = json.loads(export).get("deployment", {})
    return [
        resource
        for resource in deployment.get("resources") or []
        if resource["type"].startswith("pulumi-python:dynamic/")
    ]
