"""Write ``docs/performance.md`` and its plot from a benchmark's results."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bench.analysis import TIMELINE_STEPS
from bench.findings import findings
from bench.runner import OPERATIONS

__all__ = ["write_plot", "write_report"]

PROVIDER_LABELS = {
    "http": "HTTP floor (httpx, no engine)",
    "noop": "do-nothing provider",
    "plain": "plain provider",
    "recall": "this provider",
}
PROVIDER_ORDER = ("http", "noop", "plain", "recall")
MIB = 2**20


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _mebibytes(value: float | None) -> str:
    return "-" if value is None else f"{value / MIB:.1f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _rows(results: dict[str, Any], **match: Any) -> list[dict[str, Any]]:
    return [
        row
        for row in results["medians"]["standard"]
        if all(row[key] == value for key, value in match.items())
    ]


def write_plot(results: dict[str, Any], path: Path) -> None:
    """Plot median seconds against the number of apps, per latency and operation."""
    latencies = results["settings"]["latencies"]
    figure, axes = plt.subplots(
        len(latencies),
        len(OPERATIONS),
        figsize=(4.2 * len(OPERATIONS), 3.4 * len(latencies)),
        squeeze=False,
        sharex=True,
    )
    for row_index, latency in enumerate(latencies):
        for column, operation in enumerate(OPERATIONS):
            axis = axes[row_index][column]
            for provider in PROVIDER_ORDER:
                rows = sorted(
                    _rows(results, provider=provider, latency=latency),
                    key=lambda row: row["count"],
                )
                if not rows:
                    continue
                axis.plot(
                    [row["count"] for row in rows],
                    [row["seconds"][operation] for row in rows],
                    marker="o",
                    label=PROVIDER_LABELS[provider],
                )
            axis.set_xticks(results["settings"]["sizes"])
            axis.set_title(f"pulumi {operation}, latency {latency * 1000:g} ms")
            axis.set_xlabel("apps in the stack")
            axis.set_ylabel("seconds (median)")
            axis.set_ylim(bottom=0)
            axis.grid(alpha=0.3)
    axes[0][0].legend(fontsize="small")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _largest_spread(results: dict[str, Any]) -> float:
    """Return the largest gap between the slowest and fastest repetition of a
    Pulumi command, as a share of its median."""
    spreads = [
        (high - low) / row["seconds"][operation]
        for row in results["medians"]["standard"]
        if row["provider"] != "http"
        for operation in OPERATIONS
        for low, high in [row["seconds_range"][operation]]
        if row["seconds"][operation]
    ]
    return max(spreads, default=0.0)


def _machine_section(results: dict[str, Any]) -> list[str]:
    machine = results["machine"]
    settings = results["settings"]
    return [
        "## Machine",
        "",
        *_table(
            ["what", "value"],
            [
                ["date (UTC)", machine["date"]],
                ["uname", f"`{machine['uname']}`"],
                ["CPU", f"{machine['cpu_model']}, {machine['cpu_count']} cores"],
                ["memory", f"{machine['memory_gib']} GiB"],
                ["Python", machine["python"]],
                ["Pulumi CLI", machine["pulumi_cli"]],
                ["Pulumi Python SDK", machine["pulumi_python_sdk"]],
                ["httpx", machine["httpx"]],
                ["code measured", machine.get("revision", "unknown")],
            ],
        ),
        "",
        f"Measured on a {machine['cpu_count']}-core machine that other work "
        "shared during the run. Each figure is the median of "
        f"{settings['repeats']} runs, and the repetitions of one case differed by "
        f"up to {_largest_spread(results):.0%} of their median. The four "
        "contenders of a case run one after the other, so that a busy moment "
        "slows them alike. The whole run took "
        f"{settings['wall_seconds'] / 60:.0f} minutes.",
        "",
    ]


def _targets_section(results: dict[str, Any]) -> list[str]:
    rows = []
    for target in results["targets"]:
        verdict = {True: "pass", False: "**fail**", None: "not run"}[target["passed"]]
        measured = "-" if target["measured"] is None else f"{target['measured']:.2f}"
        rows.append(
            [
                target["description"],
                measured,
                f"{target['limit']:g}",
                verdict,
                target["detail"],
            ]
        )
    passed = sum(1 for t in results["targets"] if t["passed"] is True)
    failed = sum(1 for t in results["targets"] if t["passed"] is False)
    return [
        "## Targets",
        "",
        f"{passed} targets pass and {failed} fail. Each measured value is a ratio "
        "of medians from the same run; the request targets give requests sent "
        "over requests allowed.",
        "",
        *_table(["target", "measured", "limit", "result", "detail"], rows),
        "",
    ]


def _time_section(results: dict[str, Any], plot_link: str) -> list[str]:
    rows = []
    settings = results["settings"]
    for latency in settings["latencies"]:
        for count in settings["sizes"]:
            for operation in OPERATIONS:
                cells = [str(count), f"{latency * 1000:g} ms", operation]
                for provider in PROVIDER_ORDER:
                    found = _rows(
                        results, provider=provider, count=count, latency=latency
                    )
                    value = found[0]["seconds"][operation] if found else None
                    mark = "" if not found or found[0]["all_ok"] else " (failed)"
                    cells.append(_seconds(value) + mark)
                rows.append(cells)
    return [
        "## Time",
        "",
        "Median wall time in seconds of each `pulumi` command, from start to exit, "
        "CLI start-up and the program included. The HTTP floor sends the same "
        "create, get and delete calls with one shared httpx client, four at a "
        "time like the engine's provider server, and no engine.",
        "",
        *_table(
            ["apps", "latency", "operation"]
            + [PROVIDER_LABELS[p] for p in PROVIDER_ORDER],
            rows,
        ),
        "",
        f"![Median seconds per command against the number of apps]({plot_link})",
        "",
    ]


def _timeline_section(results: dict[str, Any]) -> list[str]:
    count = max(results["settings"]["sizes"])
    rows = []
    for latency in results["settings"]["latencies"]:
        for provider in ("noop", "plain", "recall"):
            found = _rows(results, provider=provider, count=count, latency=latency)
            if not found:
                continue
            for operation in OPERATIONS:
                steps = found[0]["timeline"][operation]
                rows.append(
                    [
                        f"{latency * 1000:g} ms",
                        PROVIDER_LABELS[provider],
                        operation,
                        *(_seconds(steps[step]) for step in TIMELINE_STEPS),
                    ]
                )
    return [
        "## Where the time goes",
        "",
        f"Seconds from the start of each command on {count} apps to each step "
        "(medians): the dynamic-provider process starts, the emulator sends its "
        "first and its last response, the provider process exits, and the "
        "command exits. The provider's start and exit come from the wrapper that "
        "measures its memory; the responses from the emulator's request log.",
        "",
        *_table(
            [
                "latency",
                "provider",
                "operation",
                "provider starts",
                "first response",
                "last response",
                "provider exits",
                "command exits",
            ],
            rows,
        ),
        "",
    ]


def _requests_section(results: dict[str, Any]) -> list[str]:
    rows = []
    for row in results["medians"]["standard"]:
        if row["provider"] == "http" or row["latency"] != 0:
            continue
        for operation in OPERATIONS:
            requests = row["requests"][operation]
            per_app = ", ".join(f"{v:g} {k}" for k, v in requests["per_app"].items())
            rows.append(
                [
                    PROVIDER_LABELS[row["provider"]],
                    str(row["count"]),
                    operation,
                    per_app or "none",
                    ", ".join(f"{v} {k}" for k, v in requests["counts"].items())
                    or "none",
                ]
            )
    return [
        "## Requests",
        "",
        "Requests the emulator received during each command, from its request log, "
        "with no added latency; the repetition that sent the most is shown. "
        f"A list page holds {results['settings']['page_size']} apps.",
        "",
        *_table(["provider", "apps", "operation", "per app", "in all"], rows),
        "",
    ]


def _state_memory_section(results: dict[str, Any]) -> list[str]:
    rows = []
    for row in results["medians"]["standard"]:
        if row["provider"] == "http" or row["latency"] != 0:
            continue
        rows.append(
            [
                PROVIDER_LABELS[row["provider"]],
                str(row["count"]),
                f"{row['state_bytes_per_app']:.0f}",
                _mebibytes(row["provider_peak_rss_bytes"]),
            ]
        )
    return [
        "## State and memory",
        "",
        "State per app is the size of `pulumi stack export` after `up`, less its "
        "size after `destroy`, over the number of apps. Peak memory is the largest "
        "resident set of the dynamic-provider process (`python -m pulumi.dynamic`) "
        "over up, refresh and destroy. To measure it, the benchmark points "
        "`PULUMI_PYTHON_CMD` at a wrapper that starts the provider as its child "
        "and reads `ru_maxrss` when it exits, or `VmHWM` if the engine kills it "
        "first.",
        "",
        *_table(["provider", "apps", "state bytes per app", "peak RSS (MiB)"], rows),
        "",
    ]


def _throttled_section(results: dict[str, Any]) -> list[str]:
    rows = []
    for row in results["medians"]["throttled"]:
        floor = row["rate_limit_floor_seconds"]
        failed = row["failed_resources"]
        incomplete = row["incomplete_resources"]
        rows.append(
            [
                PROVIDER_LABELS[row["provider"]],
                *(_seconds(row["seconds"][op]) for op in OPERATIONS),
                _seconds(row["total_seconds"]),
                f"{floor:.1f}",
                f"{row['total_seconds'] / floor:.2f}",
                f"{row['throttled_responses']:g}",
                " / ".join(f"{failed[op]:g}" for op in OPERATIONS),
                " / ".join(f"{incomplete[op]:g}" for op in OPERATIONS),
                _mebibytes(row["provider_peak_rss_bytes"]),
            ]
        )
    if not rows:
        return []
    limits = results["medians"]["throttled"][0]["limits"]
    scale = limits["time_scale"]
    count = results["medians"]["throttled"][0]["count"]
    return [
        "## Under Recall's rate limits",
        "",
        f"`up`, `refresh` and `destroy` of {count} apps, back to back, against an "
        f"emulator that enforces Recall's limits ({limits['default_per_minute']} "
        f"create, retrieve, update and delete calls and "
        f"{limits['list_per_minute']} list calls per minute) with time scale "
        f"{scale:g}, so a minute lasts {60 / scale:g} s. The floor is the "
        f"{3 * count} calls the three commands need over the sustained limit: "
        f"3 x {count} / {limits['default_per_minute']} minutes, scaled. The "
        "emulator counts requests in a sliding window, so a burst of up to one "
        "minute's worth passes at once and a run can end before that floor. "
        "Failed resources are those the CLI reports as failed; resources not done "
        "are those whose create, get or delete never succeeded, the failed ones "
        "and those the engine did not start after an error.",
        "",
        *_table(
            [
                "provider",
                "up (s)",
                "refresh (s)",
                "destroy (s)",
                "total (s)",
                "floor (s)",
                "total / floor",
                "429 responses",
                "failed (up / refresh / destroy)",
                "not done (up / refresh / destroy)",
                "peak RSS (MiB)",
            ],
            rows,
        ),
        "",
    ]


def _profile_section(results: dict[str, Any]) -> list[str]:
    profile = results.get("call_profile") or {}
    if "per_call" not in profile:
        return []
    rows = []
    for provider in ("http", "plain", "recall"):
        calls = profile["per_call"][provider]
        rows.append(
            [PROVIDER_LABELS[provider]]
            + [
                f"{calls[call]['median_ms']:.1f}"
                for call in ("create", "read", "delete")
            ]
        )
    top = [
        [f"`{row['function']}`", str(row["calls"]), f"{row['cumulative_ms']:.0f}"]
        for row in profile["recall_profile_top"][:10]
    ]
    construction = profile["http_client_construction"]["median_ms"]
    in_parallel = profile["http_client_construction_4_threads_ms"]
    return [
        "## Single calls",
        "",
        f"Each provider's `create`, `read` and `delete`, called {profile['count']} "
        "times each in one process, one at a time, against an idle emulator with no "
        "added latency: the cost of one call without the engine. Median "
        "milliseconds per call.",
        "",
        *_table(["caller", "create", "read", "delete"], rows),
        "",
        f"Building and closing one `httpx.Client` takes {construction:.1f} ms "
        f"(median); with four threads building clients at once, as the engine's "
        f"four provider threads do, it takes {in_parallel:.1f} ms per client in "
        "all. The top of the cProfile of this provider's calls "
        f"({3 * profile['count']} calls, cumulative milliseconds):",
        "",
        *_table(["function", "calls", "cumulative ms"], top),
        "",
    ]


def write_report(results: dict[str, Any], doc: Path, plot: Path) -> None:
    """Write the Markdown report and the plot it shows."""
    write_plot(results, plot)
    plot_link = os.path.relpath(plot, doc.parent)
    lines = [
        "# Performance",
        "",
        "How fast the provider manages Zoom OAuth apps, how many requests it "
        "sends, how much state and memory it uses, and how it copes with Recall's "
        "rate limits. Everything runs against a local Recall emulator, next to "
        "three references: the same HTTP calls with no engine, a dynamic provider "
        "that does nothing, and a plain provider written the way Pulumi's "
        "documentation writes one (`bench/plain_provider.py`: a new HTTP client "
        "per call, no retries, no look-ups).",
        "",
        "Run it with `make bench`; `python -m bench --help` lists the options. "
        "It writes every raw run, the medians and the targets to "
        "`bench/results.json`, and this page from them.",
        "",
        *_machine_section(results),
        "## Findings",
        "",
        *findings(results),
        "",
        *_targets_section(results),
        *_time_section(results, plot_link),
        *_timeline_section(results),
        *_requests_section(results),
        *_state_memory_section(results),
        *_throttled_section(results),
        *_profile_section(results),
    ]
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text("\n".join(lines).rstrip("\n") + "\n")
