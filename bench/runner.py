"""Run the benchmark's scenarios and return every raw run.

The standard scenario covers each emulator latency and number of apps. Each
repetition runs the HTTP floor, the do-nothing provider, the plain provider and
the project's provider one after the other, so that a busy moment of the machine
slows all four alike. The throttled scenario runs up, refresh and destroy back
to back against an emulator that enforces Recall's rate limits.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.emulator import BenchEmulator, count_requests, request_kind
from bench.http_floor import run_http_floor
from bench.stack import BenchStack, CommandResult, program_resources

__all__ = [
    "OPERATIONS",
    "PULUMI_PROVIDERS",
    "BenchOptions",
    "BenchRunner",
]

PULUMI_PROVIDERS = ("noop", "plain", "recall")
OPERATIONS = ("up", "refresh", "destroy")
# The request that each operation must send once per app, and its success status.
OPERATION_REQUEST = {
    "up": ("POST", 201),
    "refresh": ("GET single", 200),
    "destroy": ("DELETE single", 204),
}
MAX_ERROR_LINES = 5
MAX_ERROR_CHARS = 300


@dataclass
class BenchOptions:
    """Options of one benchmark run; the defaults give the full benchmark."""

    workdir: Path
    sizes: tuple[int, ...] = (1, 10, 50)
    repeats: int = 3
    latencies: tuple[float, ...] = (0.0, 0.1)
    throttled_size: int = 200
    time_scale: float = 2.0
    profile_count: int = 20
    python: str = field(default_factory=lambda: sys.executable)


def _request_times(entries: list[dict[str, Any]]) -> list[float]:
    """Return when the emulator finished each response, in seconds since the epoch."""
    return [
        datetime.fromisoformat(entry["time"].replace("Z", "+00:00")).timestamp()
        for entry in entries
    ]


def _request_record(entries: list[dict[str, Any]]) -> dict[str, Any]:
    record = count_requests(entries)
    times = _request_times(entries)
    record["span_seconds"] = round(max(times) - min(times), 4) if times else 0.0
    return record


def _timeline(result: CommandResult, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the seconds from the command's start to the provider process's start,
    the first and last responses of the emulator, the provider's exit and the
    command's exit. A step that did not happen is None."""

    def offset(moment: float | None) -> float | None:
        return None if moment is None else round(moment - result.started_at, 4)

    starts = [record["started_at"] for record in result.providers]
    ends = [record["ended_at"] for record in result.providers if record["ended_at"]]
    times = _request_times(entries)
    return {
        "provider_started": offset(min(starts, default=None)),
        "first_response": offset(min(times, default=None)),
        "last_response": offset(max(times, default=None)),
        "provider_exited": offset(max(ends, default=None)),
        "command_exited": round(result.seconds, 4),
    }


def _successes(entries: list[dict[str, Any]], operation: str) -> int:
    kind, status = OPERATION_REQUEST[operation]
    return sum(1 for e in entries if request_kind(e) == kind and e["status"] == status)


def _failed_resources(result: CommandResult) -> int:
    """Count the resources that the CLI reports as failed in its output."""
    failed = re.findall(
        r"^\s*\S+\s+\S+\s+(\S+)\s+\*\*\w+ failed\*\*",
        result.stdout + result.stderr,
        re.MULTILINE,
    )
    return len(set(failed))


class BenchRunner:
    """Runs the scenarios of one benchmark run, printing progress to ``log``."""

    def __init__(self, options: BenchOptions, log: Callable[[str], None]) -> None:
        self.options = options
        self.log = log
        self.api_key = "bench-" + secrets.token_hex(16)
        # Error lines kept in the results lose the API key and this machine's
        # paths, which would mean nothing elsewhere.
        self._replacements = {
            self.api_key: "[secret]",
            str(options.workdir.resolve()): "<workdir>",
            str(Path(__file__).resolve().parent.parent): ".",
        }
        options.workdir.mkdir(parents=True, exist_ok=True)

    # Scenarios.

    def run_standard(self) -> tuple[list[dict[str, Any]], int]:
        """Return the standard runs and the emulator's list page size."""
        runs: list[dict[str, Any]] = []
        page_size = 0
        for latency in self.options.latencies:
            label = f"latency-{latency:g}"
            with self._emulator(label, "--latency", f"{latency:g}") as emulator:
                page_size = int(emulator.settings()["page_size"])
                stacks = _StackPool(self, label, emulator)
                for count in self.options.sizes:
                    for repeat in range(self.options.repeats):
                        runs.append(self._http_run(emulator, count, latency, repeat))
                        for provider in PULUMI_PROVIDERS:
                            run = self._pulumi_run(
                                stacks.get(provider), emulator, count, latency, repeat
                            )
                            runs.append(run)
                            if run["resources_left"]:
                                stacks.discard(provider)
        return runs, page_size

    def run_throttled(self) -> list[dict[str, Any]]:
        """Return the rate-limited runs of the plain provider and the project's."""
        count = self.options.throttled_size
        scale = self.options.time_scale
        runs: list[dict[str, Any]] = []
        options = ("--rate-limits", "--time-scale", f"{scale:g}")
        with self._emulator("throttled", *options) as emulator:
            settings = emulator.settings()
            limits = {
                "default_per_minute": settings["limit_default"],
                "list_per_minute": settings["limit_list"],
                "time_scale": scale,
            }
            stacks = _StackPool(self, "throttled", emulator)
            for repeat in range(self.options.repeats):
                for provider in ("plain", "recall"):
                    run = self._throttled_run(
                        stacks.get(provider), emulator, count, repeat
                    )
                    run["limits"] = limits
                    runs.append(run)
                    if run["resources_left"]:
                        stacks.discard(provider)
        return runs

    def run_call_profile(self) -> dict[str, Any]:
        """Time single provider calls in one process, and profile the project's."""
        with self._emulator("call-profile") as emulator:
            environment = dict(os.environ)
            environment["BENCH_API_KEY"] = self.api_key
            environment["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
            count = str(self.options.profile_count)
            completed = subprocess.run(
                [self.options.python, "-m", "bench.call_profile", emulator.url, count],
                env=environment,
                capture_output=True,
                text=True,
                timeout=600,
            )
        if completed.returncode != 0:
            return {"error": self._error_lines(completed.stderr)}
        profile: dict[str, Any] = json.loads(completed.stdout)
        return profile

    # One run of each kind.

    def _http_run(
        self, emulator: BenchEmulator, count: int, latency: float, repeat: int
    ) -> dict[str, Any]:
        emulator.reset()
        seconds = run_http_floor(
            emulator.url, self.api_key, count, secrets.token_hex(8)
        )
        entries = emulator.requests()
        self.log(
            f"  http    N={count:<3} latency={latency:g} #{repeat + 1}: "
            + " ".join(f"{op} {seconds[op]:.2f}s" for op in OPERATIONS)
        )
        return {
            "scenario": "standard",
            "provider": "http",
            "count": count,
            "latency": latency,
            "repeat": repeat,
            "operations": {
                op: {"seconds": round(seconds[op], 4), "ok": True} for op in OPERATIONS
            },
            "requests_total": _request_record(entries),
        }

    def _pulumi_run(
        self,
        stack: BenchStack,
        emulator: BenchEmulator,
        count: int,
        latency: float,
        repeat: int,
    ) -> dict[str, Any]:
        emulator.reset()
        stack.set_count(count)
        operations: dict[str, Any] = {}
        state_after_up = ""
        resources_after_up = 0
        for operation in OPERATIONS:
            emulator.clear_requests()
            result = getattr(stack, operation)()
            operations[operation] = self._operation_record(result, emulator.requests())
            if operation == "up":
                state_after_up = stack.export()
                resources_after_up = len(program_resources(state_after_up))
        empty_state = stack.export()
        state_bytes = len(state_after_up.encode())
        empty_bytes = len(empty_state.encode())
        self.log(
            f"  {stack.provider:<7} N={count:<3} latency={latency:g} #{repeat + 1}: "
            + " ".join(self._describe(op, operations[op]) for op in OPERATIONS)
        )
        return {
            "scenario": "standard",
            "provider": stack.provider,
            "count": count,
            "latency": latency,
            "repeat": repeat,
            "operations": operations,
            "resources_after_up": resources_after_up,
            "resources_left": len(program_resources(empty_state)),
            "apps_left": emulator.app_count(),
            "state": {
                "bytes_after_up": state_bytes,
                "bytes_empty": empty_bytes,
                "bytes_per_app": round((state_bytes - empty_bytes) / count, 1),
            },
        }

    def _throttled_run(
        self, stack: BenchStack, emulator: BenchEmulator, count: int, repeat: int
    ) -> dict[str, Any]:
        emulator.reset()
        stack.set_count(count)
        operations: dict[str, Any] = {}
        for operation in OPERATIONS:
            emulator.clear_requests()
            result = getattr(stack, operation)()
            entries = emulator.requests()
            record = self._operation_record(result, entries)
            record["incomplete_resources"] = max(
                0, count - _successes(entries, operation)
            )
            record["failed_resources"] = _failed_resources(result)
            operations[operation] = record
        resources_left = len(program_resources(stack.export()))
        apps_left = emulator.app_count()
        total = sum(operations[op]["seconds"] for op in OPERATIONS)
        failed = sum(operations[op]["failed_resources"] for op in OPERATIONS)
        incomplete = sum(operations[op]["incomplete_resources"] for op in OPERATIONS)
        self.log(
            f"  {stack.provider:<7} N={count} throttled #{repeat + 1}: "
            + " ".join(self._describe(op, operations[op]) for op in OPERATIONS)
            + f" total {total:.1f}s, {failed} resource operations failed and "
            f"{incomplete} did not complete"
        )
        return {
            "scenario": "throttled",
            "provider": stack.provider,
            "count": count,
            "repeat": repeat,
            "operations": operations,
            "total_seconds": round(total, 4),
            "failed_resources": failed,
            "incomplete_resources": incomplete,
            "resources_left": resources_left,
            "apps_left": apps_left,
        }

    # Helpers.

    def _emulator(self, label: str, *options: str) -> BenchEmulator:
        log_path = self.options.workdir / f"emulator-{label}.log"
        return BenchEmulator(self.api_key, log_path, *options)

    def new_stack(
        self, label: str, provider: str, emulator: BenchEmulator
    ) -> BenchStack:
        """Create a stack of ``provider`` in a folder of its own under the workdir."""
        return BenchStack(
            self.options.workdir / f"stack-{label}-{provider}",
            python=self.options.python,
            provider=provider,
            count=1,
            endpoint=emulator.url,
            api_key=self.api_key,
        )

    def _operation_record(
        self, result: CommandResult, entries: list[dict[str, Any]]
    ) -> dict[str, Any]:
        record: dict[str, Any] = {
            "seconds": round(result.seconds, 4),
            "ok": result.returncode == 0,
            "provider_processes": len(result.providers),
            "provider_peak_rss_bytes": max(
                (record["max_rss_bytes"] for record in result.providers), default=None
            ),
            "requests": _request_record(entries),
            "timeline": _timeline(result, entries),
        }
        if result.returncode != 0:
            record["errors"] = self._error_lines(result.stdout + result.stderr)
        return record

    def _error_lines(self, output: str) -> list[str]:
        """Return the first error lines of a command's output, with no secret and
        no path of this machine."""
        lines = [
            line.strip()
            for line in output.splitlines()
            if re.search(r"\berror\b", line, re.IGNORECASE)
        ]
        scrubbed = []
        for line in lines[:MAX_ERROR_LINES]:
            for text, replacement in self._replacements.items():
                line = line.replace(text, replacement)
            scrubbed.append(line[:MAX_ERROR_CHARS])
        return scrubbed

    @staticmethod
    def _describe(operation: str, record: dict[str, Any]) -> str:
        mark = "" if record["ok"] else " FAILED"
        return f"{operation} {record['seconds']:.2f}s{mark}"


class _StackPool:
    """One stack per provider against one emulator, reused from run to run.

    A run that leaves resources in the state discards its stack, so that the next
    run starts from an empty state.
    """

    def __init__(self, runner: BenchRunner, label: str, emulator: BenchEmulator):
        self._runner = runner
        self._label = label
        self._emulator = emulator
        self._stacks: dict[str, BenchStack] = {}

    def get(self, provider: str) -> BenchStack:
        stack = self._stacks.get(provider)
        if stack is None:
            stack = self._runner.new_stack(self._label, provider, self._emulator)
            self._stacks[provider] = stack
        return stack

    def discard(self, provider: str) -> None:
        self._stacks.pop(provider, None)


def rate_limit_floor_seconds(
    count: int, default_per_minute: int, time_scale: float
) -> float:
    """Return the least time in which up, refresh and destroy of ``count`` apps can
    send their requests at the sustained rate limit.

    Each operation needs one create, retrieve or delete per app, all counted in
    the same per-minute bucket. List calls are not needed, so they add nothing.
    """
    minutes = 3 * count / default_per_minute
    return minutes * 60.0 / time_scale


def pages(count: int, page_size: int) -> int:
    """Return the number of list pages that hold ``count`` apps (at least one)."""
    return max(1, math.ceil(count / page_size))
