"""Medians of the raw runs, and the targets computed from them as ratios."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from typing import Any

from bench.http_floor import ENGINE_CONCURRENCY
from bench.runner import OPERATIONS, pages, rate_limit_floor_seconds

__all__ = ["evaluate_targets", "summarize"]

# Target limits, as ratios of the project's provider to its reference.
UP_VS_NOOP_LIMIT = 1.2
UP_VS_NOOP_COUNT = 50
LATENCY_LIMIT = 1.2
LATENCY_SECONDS = 0.1
THROTTLED_LIMIT = 1.15
PLAIN_LIMIT = 1.1


TIMELINE_STEPS = (
    "provider_started",
    "first_response",
    "last_response",
    "provider_exited",
    "command_exited",
)


def _median(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 4) if present else None


def _group(runs: list[dict[str, Any]], *keys: str) -> dict[tuple[Any, ...], list[Any]]:
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for run in runs:
        groups.setdefault(tuple(run[key] for key in keys), []).append(run)
    return groups


def _requests_per_app(runs: list[dict[str, Any]], operation: str) -> dict[str, Any]:
    """Return the requests per app of the repetition that sent the most."""
    worst = max(
        (run["operations"][operation]["requests"] for run in runs),
        key=lambda record: record["total"],
    )
    count = runs[0]["count"]
    return {
        "per_app": {k: round(v / count, 3) for k, v in worst["by_kind"].items()},
        "counts": worst["by_kind"],
        "throttled": worst["throttled"],
        "errors": worst["errors"],
    }


def _peak_rss(run: dict[str, Any]) -> int | None:
    peaks = [run["operations"][op].get("provider_peak_rss_bytes") for op in OPERATIONS]
    present = [p for p in peaks if p is not None]
    return max(present) if present else None


def summarize(
    runs: list[dict[str, Any]], throttled: list[dict[str, Any]]
) -> dict[str, Any]:
    """Return the medians over repetitions of each provider, size and latency."""
    standard = []
    for (provider, count, latency), group in sorted(
        _group(runs, "provider", "count", "latency").items()
    ):
        row: dict[str, Any] = {
            "provider": provider,
            "count": count,
            "latency": latency,
            "repeats": len(group),
            "all_ok": all(
                run["operations"][op]["ok"] for run in group for op in OPERATIONS
            ),
            "seconds": {
                op: _median(run["operations"][op]["seconds"] for run in group)
                for op in OPERATIONS
            },
            "seconds_range": {
                op: [
                    min(run["operations"][op]["seconds"] for run in group),
                    max(run["operations"][op]["seconds"] for run in group),
                ]
                for op in OPERATIONS
            },
        }
        if provider != "http":
            row["timeline"] = {
                op: {
                    step: _median(
                        run["operations"][op]["timeline"][step] for run in group
                    )
                    for step in TIMELINE_STEPS
                }
                for op in OPERATIONS
            }
            row["provider_peak_rss_bytes"] = _median(_peak_rss(run) for run in group)
            row["state_bytes_per_app"] = _median(
                run["state"]["bytes_per_app"] for run in group
            )
            row["requests"] = {op: _requests_per_app(group, op) for op in OPERATIONS}
        standard.append(row)

    throttled_rows = []
    for (provider, count), group in sorted(
        _group(throttled, "provider", "count").items()
    ):
        limits = group[0]["limits"]
        floor = rate_limit_floor_seconds(
            count, limits["default_per_minute"], limits["time_scale"]
        )
        throttled_rows.append(
            {
                "provider": provider,
                "count": count,
                "repeats": len(group),
                "seconds": {
                    op: _median(run["operations"][op]["seconds"] for run in group)
                    for op in OPERATIONS
                },
                "total_seconds": _median(run["total_seconds"] for run in group),
                "rate_limit_floor_seconds": round(floor, 3),
                "failed_resources": {
                    op: _median(
                        run["operations"][op]["failed_resources"] for run in group
                    )
                    for op in OPERATIONS
                },
                "incomplete_resources": {
                    op: _median(
                        run["operations"][op]["incomplete_resources"] for run in group
                    )
                    for op in OPERATIONS
                },
                "max_failed_resources": max(run["failed_resources"] for run in group),
                "max_incomplete_resources": max(
                    run["incomplete_resources"] for run in group
                ),
                "throttled_responses": _median(
                    sum(
                        run["operations"][op]["requests"]["throttled"]
                        for op in OPERATIONS
                    )
                    for run in group
                ),
                "requests": {op: _requests_per_app(group, op) for op in OPERATIONS},
                "provider_peak_rss_bytes": _median(_peak_rss(run) for run in group),
                "limits": limits,
            }
        )
    return {"standard": standard, "throttled": throttled_rows}


def _find(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    for row in rows:
        if all(row.get(key) == value for key, value in match.items()):
            return row
    return None


def _target(
    target_id: str,
    description: str,
    measured: float | None,
    limit: float,
    detail: str,
    comparison: dict[str, Any] | None = None,
) -> dict[str, Any]:
    passed = None if measured is None else measured <= limit
    target = {
        "id": target_id,
        "description": description,
        "measured": None if measured is None else round(measured, 3),
        "limit": limit,
        "passed": passed,
        "detail": detail if measured is not None else "not measured in this run",
    }
    if comparison is not None:
        target["comparison"] = comparison
    return target


def _comparison(
    row: dict[str, Any],
    reference: dict[str, Any],
    operation: str,
    allowance: float = 0.0,
) -> dict[str, Any]:
    """Return the medians and the fastest and slowest repetitions of this provider
    and of the reference, the reference's plus the seconds it is allowed on top."""
    low, high = reference["seconds_range"][operation]
    return {
        "count": row["count"],
        "latency": row["latency"],
        "operation": operation,
        "reference": reference["provider"],
        "this_seconds": row["seconds"][operation],
        "reference_seconds": round(reference["seconds"][operation] + allowance, 4),
        "this_range": row["seconds_range"][operation],
        "reference_range": [round(low + allowance, 4), round(high + allowance, 4)],
    }


def _request_targets(
    rows: list[dict[str, Any]], page_size: int
) -> list[dict[str, Any]]:
    targets = []
    for row in rows:
        if row["provider"] != "recall":
            continue
        count = row["count"]
        for operation in OPERATIONS:
            requests = row["requests"][operation]
            counts = requests["counts"]
            lists = counts.get("GET list", 0)
            singles = sum(v for k, v in counts.items() if k != "GET list")
            allowed_lists = pages(count, page_size)
            # The ratio is requests sent over requests allowed, so 1.0 or less passes.
            excess = max(singles / count, lists / allowed_lists)
            if requests["errors"]:
                excess = max(excess, 1 + requests["errors"] / count)
            sent = ", ".join(f"{v} {k}" for k, v in counts.items()) or "none"
            targets.append(
                _target(
                    f"requests-{operation}-n{count}-latency{row['latency']:g}",
                    f"{operation} of {count} apps (latency {row['latency']:g} s) sends "
                    f"at most one request per app and {allowed_lists} list "
                    f"page(s)",
                    excess,
                    1.0,
                    f"sent {sent}; {requests['errors']} error responses",
                )
            )
    return targets


def evaluate_targets(summary: dict[str, Any], page_size: int) -> list[dict[str, Any]]:
    """Return each target with its measured ratio, limit and pass or fail."""
    rows = summary["standard"]
    targets = _request_targets(rows, page_size)

    recall = _find(rows, provider="recall", count=UP_VS_NOOP_COUNT, latency=0.0)
    noop = _find(rows, provider="noop", count=UP_VS_NOOP_COUNT, latency=0.0)
    ratio = None
    detail = ""
    if recall and noop:
        ratio = recall["seconds"]["up"] / noop["seconds"]["up"]
        detail = (
            f"up {recall['seconds']['up']:.2f} s against the do-nothing provider's "
            f"{noop['seconds']['up']:.2f} s"
        )
    targets.append(
        _target(
            "up-50-vs-noop",
            f"up of {UP_VS_NOOP_COUNT} apps with no added latency, over the "
            "do-nothing provider's",
            ratio,
            UP_VS_NOOP_LIMIT,
            detail,
            _comparison(recall, noop, "up") if recall and noop else None,
        )
    )

    for row in rows:
        if row["provider"] != "recall" or row["latency"] != LATENCY_SECONDS:
            continue
        count = row["count"]
        noop = _find(rows, provider="noop", count=count, latency=LATENCY_SECONDS)
        if noop is None:
            continue
        waits = math.ceil(count / ENGINE_CONCURRENCY) * LATENCY_SECONDS
        for operation in OPERATIONS:
            budget = noop["seconds"][operation] + waits
            targets.append(
                _target(
                    f"latency-{operation}-n{count}",
                    f"{operation} of {count} apps at {LATENCY_SECONDS * 1000:.0f} ms "
                    f"latency, over the do-nothing run plus ceil({count}/"
                    f"{ENGINE_CONCURRENCY}) x {LATENCY_SECONDS * 1000:.0f} ms",
                    row["seconds"][operation] / budget,
                    LATENCY_LIMIT,
                    f"{row['seconds'][operation]:.2f} s against "
                    f"{noop['seconds'][operation]:.2f} s + {waits:.1f} s",
                    _comparison(row, noop, operation, waits),
                )
            )

    for row in summary["throttled"]:
        if row["provider"] != "recall":
            continue
        count = row["count"]
        targets.append(
            _target(
                f"throttled-n{count}-failures",
                f"throttled up, refresh and destroy of {count} apps: resource "
                "operations that did not complete",
                float(row["max_incomplete_resources"]),
                0.0,
                f"{row['max_incomplete_resources']} did not complete and "
                f"{row['max_failed_resources']} failed in the worst repetition",
            )
        )
        floor = row["rate_limit_floor_seconds"]
        targets.append(
            _target(
                f"throttled-n{count}-time",
                f"throttled up, refresh and destroy of {count} apps, over the "
                "rate-limit floor",
                row["total_seconds"] / floor,
                THROTTLED_LIMIT,
                f"{row['total_seconds']:.1f} s against a floor of {floor:.1f} s",
            )
        )

    for row in rows:
        if row["provider"] != "recall":
            continue
        plain = _find(
            rows, provider="plain", count=row["count"], latency=row["latency"]
        )
        if plain is None:
            continue
        for operation in OPERATIONS:
            targets.append(
                _target(
                    f"vs-plain-{operation}-n{row['count']}-latency{row['latency']:g}",
                    f"{operation} of {row['count']} apps (latency "
                    f"{row['latency']:g} s), over the plain provider's",
                    row["seconds"][operation] / plain["seconds"][operation],
                    PLAIN_LIMIT,
                    f"{row['seconds'][operation]:.2f} s against "
                    f"{plain['seconds'][operation]:.2f} s",
                    _comparison(row, plain, operation),
                )
            )
    return targets
