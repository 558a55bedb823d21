"""A description of the machine and the software that a benchmark ran on."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["describe_machine"]


def _cpu_model() -> str:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    for line in cpuinfo.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _pulumi_version(env: dict[str, str]) -> str:
    pulumi = shutil.which("pulumi", path=env.get("PATH"))
    if pulumi is None:
        return "not found"
    completed = subprocess.run(
        [pulumi, "version"], capture_output=True, text=True, env=env, timeout=60
    )
    return completed.stdout.strip() or "unknown"


def _revision() -> str:
    """Return the commit of the measured code, marked when the provider's files
    had changes that were not committed."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "status", "--porcelain", "--", "recall_provider"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if not commit:
        return "unknown"
    return f"{commit} with uncommitted changes" if changes else commit


def describe_machine(env: dict[str, str]) -> dict[str, Any]:
    """Return uname, CPU, core count, memory, the versions that matter here and
    the commit of the measured code."""
    uname = platform.uname()
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory_gib = round(pages / 2**30, 1)
    except (ValueError, OSError):
        memory_gib = None
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "uname": " ".join([uname.system, uname.release, uname.version, uname.machine]),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "pulumi_cli": _pulumi_version(env),
        "pulumi_python_sdk": metadata.version("pulumi"),
        "httpx": metadata.version("httpx"),
        "revision": _revision(),
    }
