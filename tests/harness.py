"""Test harness: a Recall emulator in a child process, and the real Pulumi CLI
run on a throwaway project with a local ``file://`` backend."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from recall_provider import ZoomOAuthAppProvider

REPO_ROOT = Path(__file__).resolve().parent.parent


def descendants(pid: int) -> list[int]:
    """Return every process below ``pid``, read from /proc (Linux).

    Pulumi starts each plugin in a process group of its own, so killing the
    CLI's group leaves the plugins running. A test that kills a run must kill
    these too.
    """
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name, in brackets, may contain spaces; the parent follows.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))

    found: list[int] = []
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


class EmulatorProcess:
    """``python -m recall_provider.emulator`` on a free loopback port."""

    def __init__(self, *args: str, api_keys: Iterable[str] = ()) -> None:
        command = [sys.executable, "-m", "recall_provider.emulator"]
        command += ["--host", "127.0.0.1", "--port", "0", *args]
        for key in api_keys:
            command += ["--api-key", key]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO_ROOT,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if "http://" not in line:
            self.process.kill()
            _, stderr = self.process.communicate(timeout=10)
            raise RuntimeError(f"emulator did not start: {line!r} {stderr[-2000:]}")
        self.url = line.split()[-1].strip()
        self.admin = httpx.Client(base_url=self.url, timeout=10)
        # The emulator logs a line per request: read them as they come, or the
        # pipe fills after about a thousand requests and the emulator blocks.
        self.stderr_lines: list[str] = []
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_reader.start()

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr_lines.append(line)

    def stop(self) -> str:
        """Stop the emulator and return what it wrote to stderr."""
        self.admin.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stderr_reader.join(timeout=10)
        return "".join(self.stderr_lines)

    def reset(self) -> None:
        self.admin.post("/_emulator/reset").raise_for_status()

    def apps(self) -> list[dict[str, Any]]:
        response = self.admin.get("/_emulator/apps")
        response.raise_for_status()
        body = response.json()
        apps = body["apps"] if isinstance(body, dict) else body
        assert isinstance(apps, list)
        return apps

    def requests(self) -> list[dict[str, Any]]:
        response = self.admin.get("/_emulator/requests")
        response.raise_for_status()
        requests: list[dict[str, Any]] = response.json()["requests"]
        return requests

    def inject(self, **fault: Any) -> None:
        self.admin.post("/_emulator/faults", json=fault).raise_for_status()

    def pending_faults(self) -> list[dict[str, Any]]:
        response = self.admin.get("/_emulator/faults")
        response.raise_for_status()
        faults: list[dict[str, Any]] = response.json()["faults"]
        return faults

    def configure(self, **settings: Any) -> None:
        self.admin.patch("/_emulator/settings", json=settings).raise_for_status()


@dataclass
class ZoomCredentials:
    """Made-up Zoom app credentials, random so that a leak test can find them."""

    client_id: str = field(default_factory=lambda: "zoom-" + secrets.token_hex(6))
    client_secret: str = field(default_factory=lambda: "cs-" + secrets.token_hex(12))
    webhook_secret: str = field(default_factory=lambda: "ws-" + secrets.token_hex(12))


class PulumiProjectError(AssertionError):
    pass


class PulumiProject:
    """A copy of a Pulumi program in a temporary folder, with its own state.

    Every command's output is kept in ``transcript`` so that tests can check that
    no secret was ever printed.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        program: str | None = None,
        project_name: str = "recall-zoom",
        stack: str = "test",
    ) -> None:
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.stack = stack
        self.transcript: list[str] = []
        if program is None:
            program = (REPO_ROOT / "__main__.py").read_text()
        (self.dir / "__main__.py").write_text(program)
        # No virtualenv option: PULUMI_PYTHON_CMD below names the interpreter.
        (self.dir / "Pulumi.yaml").write_text(
            f"name: {project_name}\nruntime: python\n"
        )
        state = workdir / ".state"
        state.mkdir(exist_ok=True)
        self.env = dict(os.environ)
        self.env.update(
            {
                "PULUMI_BACKEND_URL": f"file://{state}",
                "PULUMI_HOME": str(workdir / ".pulumi-home"),
                "PULUMI_CONFIG_PASSPHRASE": "test-passphrase",
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
                "PULUMI_PYTHON_CMD": sys.executable,
                "PYTHONPATH": str(REPO_ROOT),
                "NO_COLOR": "1",
            }
        )
        # A developer's shell must not change what the tests see.
        for name in list(self.env):
            if name.startswith("RECALL_"):
                self.env.pop(name)
        tools = REPO_ROOT / ".tools" / "bin"
        if tools.is_dir():
            self.env["PATH"] = f"{tools}{os.pathsep}{self.env.get('PATH', '')}"
        if shutil.which("pulumi", path=self.env["PATH"]) is None:
            raise RuntimeError("no pulumi CLI on PATH; run `make setup` first")
        self.run("stack", "init", stack)

    def command(self, *args: str) -> list[str]:
        command = ["pulumi", *args, "--non-interactive"]
        if args[0] not in ("stack", "config", "version", "about", "login"):
            command += ["--stack", self.stack]
        return command

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start a command in its own process group, so that a test can kill the
        CLI together with the language host and the provider."""
        return subprocess.Popen(
            self.command(*args),
            cwd=self.dir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def run(
        self,
        *args: str,
        check: bool = True,
        timeout: float = 300,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        command = self.command(*args)
        result = subprocess.run(
            command,
            cwd=self.dir,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.transcript.append(result.stdout + result.stderr)
        if check and result.returncode != 0:
            raise PulumiProjectError(
                f"`{' '.join(command)}` failed with exit code {result.returncode}:\n"
                f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
            )
        return result

    def set_config(
        self, key: str, value: str, *, secret: bool = False, plaintext: bool = False
    ) -> None:
        args = ["config", "set", "--stack", self.stack]
        if secret:
            args.append("--secret")
        if plaintext:
            # The CLI refuses values that look like secrets without this flag.
            args.append("--plaintext")
        self.run(*args, key, value)

    def up(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("up", "--yes", "--skip-preview", *extra, check=check)

    def preview(
        self, *extra: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return self.run("preview", "--diff", *extra, check=check)

    def refresh(
        self, *extra: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return self.run("refresh", "--yes", "--skip-preview", *extra, check=check)

    def destroy(
        self, *extra: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return self.run("destroy", "--yes", "--skip-preview", *extra, check=check)

    def outputs(self) -> dict[str, Any]:
        result = self.run("stack", "output", "--json", "--stack", self.stack)
        outputs: dict[str, Any] = json.loads(result.stdout)
        return outputs

    def export(self) -> str:
        """The stack's state, as `pulumi stack export` prints it (secrets encrypted)."""
        return self.run("stack", "export", "--stack", self.stack).stdout

    def resources(self, type_suffix: str = "ZoomOAuthApp") -> list[dict[str, Any]]:
        deployment = json.loads(self.export())["deployment"]
        return [
            r
            for r in deployment.get("resources", [])
            if r["type"].endswith(type_suffix)
        ]


def configure_demo_stack(
    project: PulumiProject,
    emulator_url: str,
    api_key: str,
    zoom: ZoomCredentials,
    kind: str = "user_level",
) -> None:
    """Set the stack config that the project's own program reads."""
    project.set_config("recall:endpoint", emulator_url)
    project.set_config("recall:apiKey", api_key, secret=True)
    project.set_config("zoomAppKind", kind)
    project.set_config("zoomClientId", zoom.client_id)
    project.set_config("zoomClientSecret", zoom.client_secret, secret=True)
    project.set_config("zoomWebhookSecret", zoom.webhook_secret, secret=True)


def checked(provider: ZoomOAuthAppProvider, inputs: dict[str, Any]) -> dict[str, Any]:
    """Run ``check`` as the engine would, and return the inputs it accepted."""
    result = provider.check({}, inputs)
    assert result.failures == []
    return result.inputs
