"""Plain-sentence findings drawn from a benchmark's results: which targets fail,
by how much, and what the measurements show about why."""

from __future__ import annotations

import statistics
from typing import Any

from bench.runner import OPERATIONS

__all__ = ["findings"]


def _row(results: dict[str, Any], **match: Any) -> dict[str, Any] | None:
    for row in results["medians"]["standard"]:
        if all(row[key] == value for key, value in match.items()):
            return row
    return None


def _profile_rows(results: dict[str, Any], fragment: str) -> list[dict[str, Any]]:
    profile = results.get("call_profile") or {}
    return [
        row
        for row in profile.get("recall_profile_top", [])
        if fragment in row["function"]
    ]


def _call_cost(results: dict[str, Any]) -> list[str]:
    """Describe what one call of this provider costs, from the single-call profile."""
    profile = results.get("call_profile") or {}
    if "per_call" not in profile:
        return []
    recall = profile["per_call"]["recall"]
    http = profile["per_call"]["http"]
    plain = profile["per_call"]["plain"]
    calls = 3 * profile["count"]
    sentence = (
        f"In one process, with no engine, a `create` of this provider takes "
        f"{recall['create']['median_ms']:.1f} ms, a `read` "
        f"{recall['read']['median_ms']:.1f} ms and a `delete` "
        f"{recall['delete']['median_ms']:.1f} ms, where the same request on a "
        f"shared httpx client takes {http['create']['median_ms']:.1f}, "
        f"{http['read']['median_ms']:.1f} and {http['delete']['median_ms']:.1f} ms "
        f"(the plain provider: {plain['create']['median_ms']:.1f}, "
        f"{plain['read']['median_ms']:.1f} and {plain['delete']['median_ms']:.1f} ms)."
    )
    lines = [f"- {sentence}"]
    clients = _profile_rows(results, "httpx/_client.py")
    clients = [row for row in clients if row["function"].endswith("(__init__)")]
    ca_bundle = _profile_rows(results, "load_verify_locations")
    if clients:
        methods = ("(create)", "(read)", "(delete)")
        total = sum(
            row["cumulative_ms"]
            for row in _profile_rows(results, "recall_provider/provider.py")
            if row["function"].endswith(methods)
        )
        client = clients[0]
        detail = (
            f"  The profile of {calls} calls shows {client['calls']} `httpx.Client` "
            f"constructions taking {client['cumulative_ms']:.0f} ms"
        )
        if total:
            detail += f" of the {total:.0f} ms spent in the provider's methods"
        if ca_bundle:
            detail += (
                f", {ca_bundle[0]['cumulative_ms']:.0f} ms of it in "
                "`SSLContext.load_verify_locations`: each new client loads the CA "
                "bundle, even for a plain-http endpoint"
            )
        lines.append(detail + ".")
    return lines


def _time_gap(results: dict[str, Any], target: dict[str, Any]) -> str:
    return (
        f"- **Fails:** {target['description']}: {target['measured']:.2f} where the "
        f"limit is {target['limit']:g} ({target['detail']})."
    )


def _request_spans(results: dict[str, Any]) -> list[str]:
    """Compare the time the emulator saw requests with the command's wall time."""
    lines = []
    for row in results["medians"]["standard"]:
        if row["provider"] != "recall" or row["latency"] != 0:
            continue
        count = row["count"]
        if count != max(results["settings"]["sizes"]):
            continue
        runs = [
            run
            for run in results["runs"]
            if run["provider"] == "recall"
            and run["count"] == count
            and run["latency"] == 0
        ]
        noop = _row(results, provider="noop", count=count, latency=0)
        for operation in OPERATIONS:
            span = statistics.median(
                run["operations"][operation]["requests"]["span_seconds"] for run in runs
            )
            sentence = (
                f"- `{operation}` of {count} apps with no added latency takes "
                f"{row['seconds'][operation]:.2f} s; the emulator received its "
                f"requests within {span:.2f} s of it"
            )
            if noop:
                sentence += (
                    f", and the do-nothing provider takes "
                    f"{noop['seconds'][operation]:.2f} s"
                )
            lines.append(sentence + ".")
    return lines


def _throttled(results: dict[str, Any]) -> list[str]:
    lines = []
    for row in results["medians"]["throttled"]:
        failed = row["failed_resources"]
        incomplete = row["incomplete_resources"]
        name = "This provider" if row["provider"] == "recall" else "The plain provider"
        sentence = (
            f"- {name}, rate-limited, {row['count']} apps: "
            f"{row['total_seconds']:.1f} s in all against a floor of "
            f"{row['rate_limit_floor_seconds']:.1f} s, with "
            f"{row['throttled_responses']:g} responses of 429. In up / refresh / "
            f"destroy, {failed['up']:g} / {failed['refresh']:g} / "
            f"{failed['destroy']:g} resources failed and {incomplete['up']:g} / "
            f"{incomplete['refresh']:g} / {incomplete['destroy']:g} were not done "
            "(medians)."
        )
        lines.append(sentence)
    return lines


def findings(results: dict[str, Any]) -> list[str]:
    """Return Markdown lines: the failed targets, then what the runs show."""
    targets = results["targets"]
    failed = [t for t in targets if t["passed"] is False]
    lines: list[str] = []
    if failed:
        lines.append(f"{len(failed)} of {len(targets)} targets fail:")
        lines.append("")
        lines += [_time_gap(results, target) for target in failed]
    else:
        lines.append(f"All {len(targets)} measured targets pass.")
    lines.append("")
    lines.append("What the runs show:")
    lines.append("")
    lines += _request_spans(results)
    lines += _call_cost(results)
    lines += _throttled(results)
    return lines
