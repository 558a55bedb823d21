"""Peak memory of the dynamic-provider process.

The engine starts a dynamic provider as ``$PULUMI_PYTHON_CMD -u -m pulumi.dynamic``.
``write_python_wrapper`` writes a stand-in for ``PULUMI_PYTHON_CMD`` that runs the
language host's commands unchanged and runs the provider under this module's
``main``, which starts it as a child and records its peak resident set size and
when it started and ended. The
peak comes from ``wait4`` (``ru_maxrss``) when the provider exits. The engine may
kill the process group before that happens, so a thread also copies the kernel's
running peak (``VmHWM`` in ``/proc/<pid>/status``) to the same file every 50 ms.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["read_records", "write_python_wrapper"]

POLL_SECONDS = 0.05


def write_python_wrapper(path: Path, python: str, peaks_dir: Path) -> Path:
    """Write an executable shell script to use as ``PULUMI_PYTHON_CMD``."""
    peaks_dir.mkdir(parents=True, exist_ok=True)
    script = f"""#!/bin/sh
if [ "$1" = "-u" ] && [ "$2" = "-m" ] && [ "$3" = "pulumi.dynamic" ]; then
  exec {shlex.quote(python)} -m bench.provider_memory {shlex.quote(str(peaks_dir))} \\
    {shlex.quote(python)} "$@"
fi
exec {shlex.quote(python)} "$@"
"""
    path.write_text(script)
    path.chmod(0o755)
    return path


def read_records(peaks_dir: Path, *, clear: bool = True) -> list[dict[str, Any]]:
    """Return the record of each provider process in the folder, and delete the
    records when ``clear`` is set.

    A record has ``max_rss_bytes``, its ``source``, and the wall-clock times
    ``started_at`` and ``ended_at`` (None while the provider runs) in seconds
    since the epoch.
    """
    records = []
    for path in sorted(peaks_dir.glob("rss-*.json")):
        # A record replaced while it was read loses one poll, nothing more.
        with contextlib.suppress(ValueError):
            records.append(json.loads(path.read_text()))
        if clear:
            path.unlink()
    return records


def _vm_hwm_bytes(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None


def _write(record: Path, content: dict[str, Any]) -> None:
    temporary = record.with_suffix(".tmp")
    temporary.write_text(json.dumps(content))
    temporary.replace(record)


def main(argv: list[str]) -> int:
    peaks_dir, command = Path(argv[0]), argv[1:]
    started_at = time.time()
    child = subprocess.Popen(command)
    # A SIGINT to the process group reaches the child directly. This process
    # ignores it, so that it outlives the child and records the peak.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda number, frame: child.send_signal(number))
    record = peaks_dir / f"rss-{child.pid}.json"
    done = threading.Event()

    def poll() -> None:
        peak = 0
        while not done.wait(POLL_SECONDS):
            current = _vm_hwm_bytes(child.pid)
            if current is not None and current > peak:
                peak = current
                _write(
                    record,
                    {
                        "max_rss_bytes": peak,
                        "source": "VmHWM",
                        "started_at": started_at,
                        "ended_at": None,
                    },
                )

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    _, status, usage = os.wait4(child.pid, 0)
    ended_at = time.time()
    done.set()
    poller.join()
    # On Linux ru_maxrss is in kibibytes.
    _write(
        record,
        {
            "max_rss_bytes": usage.ru_maxrss * 1024,
            "source": "ru_maxrss",
            "started_at": started_at,
            "ended_at": ended_at,
        },
    )
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
