"""The Recall emulator in a child process on loopback, with its request log."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

__all__ = ["BenchEmulator", "count_requests"]

REPO_ROOT = Path(__file__).resolve().parent.parent
APPS_PATH = "/api/v2/zoom-oauth-apps/"


class BenchEmulator:
    """``python -m recall_provider.emulator`` on a free loopback port.

    Its per-request log goes to a file rather than a pipe, because a pipe that no
    one reads fills up after about a thousand requests and stalls the emulator.
    """

    def __init__(self, api_key: str, log_path: Path, *options: str) -> None:
        command = [
            sys.executable,
            "-m",
            "recall_provider.emulator",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--api-key",
            api_key,
            *options,
        ]
        self.log_path = log_path
        with log_path.open("w") as log:
            self.process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=log, text=True, cwd=REPO_ROOT
            )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if "http://" not in line:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(
                f"the emulator did not start; its log is in {log_path}: {line!r}"
            )
        self.url = line.split()[-1].strip()
        self.admin = httpx.Client(base_url=self.url, timeout=30)

    def __enter__(self) -> BenchEmulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.admin.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def reset(self) -> None:
        """Delete every app and clear the request log and rate-limit counters."""
        self.admin.post("/_emulator/reset").raise_for_status()

    def clear_requests(self) -> None:
        self.admin.delete("/_emulator/requests").raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        response = self.admin.get("/_emulator/requests")
        response.raise_for_status()
        entries: list[dict[str, Any]] = response.json()["requests"]
        return entries

    def app_count(self) -> int:
        response = self.admin.get("/_emulator/apps")
        response.raise_for_status()
        return len(response.json()["apps"])

    def settings(self) -> dict[str, Any]:
        response = self.admin.get("/_emulator/settings")
        response.raise_for_status()
        settings: dict[str, Any] = response.json()
        return settings


def request_kind(entry: dict[str, Any]) -> str:
    """Name a logged request by method and target: ``GET list``, ``POST``,
    ``GET single``, ``PATCH single`` or ``DELETE single``."""
    method = str(entry["method"])
    if entry["path"] == APPS_PATH:
        return "GET list" if method == "GET" else method
    return f"{method} single"


def count_requests(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Count logged requests by kind, and separately those answered with 429."""
    accepted = Counter(request_kind(e) for e in entries if e["status"] != 429)
    throttled = Counter(request_kind(e) for e in entries if e["status"] == 429)
    failed = sum(1 for e in entries if e["status"] >= 400 and e["status"] != 429)
    return {
        "total": len(entries),
        "by_kind": dict(sorted(accepted.items())),
        "throttled_by_kind": dict(sorted(throttled.items())),
        "throttled": sum(throttled.values()),
        "errors": failed,
    }
