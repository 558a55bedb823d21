"""Plain-sentence findings drawn from a benchmark's results: which targets fail,
by how much, and what the measurements show about why."""

from __future__ import annotations

from typing import Any

from bench.call_profile import TOP_FUNCTIONS
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


def _clients_per_call(results: dict[str, Any]) -> float:
    """Return how many ``httpx.Client`` objects this provider built per call in
    the single-call profile, or 0 when the profile does not show it."""
    profile = results.get("call_profile") or {}
    clients = [
        row
        for row in _profile_rows(results, "httpx/_client.py")
        if row["function"].endswith("(__init__)")
    ]
    if not clients or "count" not in profile:
        return 0.0
    return float(clients[0]["calls"]) / (3 * profile["count"])


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
        f"{recall['delete']['median_ms']:.1f} ms. The same requests on a shared "
        f"httpx client take {http['create']['median_ms']:.1f}, "
        f"{http['read']['median_ms']:.1f} and {http['delete']['median_ms']:.1f} ms, "
        f"and the plain provider's calls {plain['create']['median_ms']:.1f}, "
        f"{plain['read']['median_ms']:.1f} and {plain['delete']['median_ms']:.1f} ms."
    )
    lines = [f"- {sentence}"]

    clients = _profile_rows(results, "httpx/_client.py")
    clients = [row for row in clients if row["function"].endswith("(__init__)")]
    ca_bundle = _profile_rows(results, "load_verify_locations")
    if not clients or _clients_per_call(results) < 1:
        lines.append(
            f"  Building HTTP clients is not among the {TOP_FUNCTIONS} costliest "
            f"functions in the profile of its {calls} calls: they reuse a client."
        )
    else:
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

    in_parallel = profile.get("http_client_construction_4_threads_ms")
    if in_parallel is not None and _clients_per_call(results) >= 1:
        one_at_a_time = profile["http_client_construction"]["median_ms"]
        share = in_parallel / one_at_a_time
        sentence = (
            f"  One client takes {one_at_a_time:.1f} ms to build. With four threads "
            f"building at once it takes {in_parallel:.1f} ms per client, {share:.0%} "
            "of that"
        )
        if share > 0.5:
            sentence += ", so the engine's four provider threads hide little of it"
        lines.append(sentence + ".")
    return lines


def _overlap(comparison: dict[str, Any]) -> str:
    """Say whether the repetitions of the two sides of a timing target overlap."""
    low, high = comparison["this_range"]
    reference_low, reference_high = comparison["reference_range"]
    spans = (
        f"(this provider {low:.2f}-{high:.2f} s, the reference "
        f"{reference_low:.2f}-{reference_high:.2f} s)"
    )
    if low <= reference_high:
        return (
            f" The repetitions overlap {spans}, so the gap is within the "
            "run-to-run variation of the machine."
        )
    return f" Every repetition was slower {spans}."


def _client_share(results: dict[str, Any], comparison: dict[str, Any]) -> str:
    """Set the estimated cost of per-call HTTP clients against a gap to the
    do-nothing provider, when the profile shows one client per call."""
    client_ms = (results.get("call_profile") or {}).get(
        "http_client_construction_4_threads_ms"
    )
    if comparison["reference"] != "noop" or client_ms is None:
        return ""
    if _clients_per_call(results) < 1:
        return ""
    count = comparison["count"]
    excess = comparison["this_seconds"] - comparison["reference_seconds"]
    estimate = count * client_ms / 1000
    return (
        f" This provider builds a new HTTP client for each call. For {count} "
        f"calls that costs an estimated {estimate:.2f} s ({count} x "
        f"{client_ms:.1f} ms), against {excess:.2f} s over the reference."
    )


def _extra_requests(results: dict[str, Any], comparison: dict[str, Any]) -> str:
    """Name the requests this provider sent beyond the plain provider's."""
    if comparison["reference"] != "plain":
        return ""
    rows = [
        _row(
            results,
            provider=provider,
            count=comparison["count"],
            latency=comparison["latency"],
        )
        for provider in ("recall", "plain")
    ]
    if None in rows:
        return ""
    operation = comparison["operation"]
    ours, theirs = (row["requests"][operation]["counts"] for row in rows)
    if sum(ours.values()) <= sum(theirs.values()):
        return ""
    sent = ", ".join(f"{v} {k}" for k, v in ours.items())
    plain_sent = ", ".join(f"{v} {k}" for k, v in theirs.items()) or "nothing"
    line = f" This provider sent {sent} where the plain provider sent {plain_sent}"
    latency_ms = comparison["latency"] * 1000
    if latency_ms:
        line += (
            f"; with {latency_ms:g} ms added to every response, each extra request "
            f"that the others wait for adds at least {latency_ms:g} ms"
        )
    return line + "."


def _time_gap(results: dict[str, Any], target: dict[str, Any]) -> str:
    line = (
        f"- **Fails:** {target['description']}: {target['measured']:.2f} where the "
        f"limit is {target['limit']:g} ({target['detail']})."
    )
    comparison = target.get("comparison")
    if comparison:
        line += _overlap(comparison)
        line += _client_share(results, comparison)
        line += _extra_requests(results, comparison)
    return line


def _engine_gaps(results: dict[str, Any]) -> list[str]:
    """Compare this provider with the do-nothing and plain ones at the largest
    size, per app, and say when its requests happened within the command."""
    count = max(results["settings"]["sizes"])
    lines = []
    for latency in results["settings"]["latencies"]:
        recall = _row(results, provider="recall", count=count, latency=latency)
        noop = _row(results, provider="noop", count=count, latency=latency)
        plain = _row(results, provider="plain", count=count, latency=latency)
        if not (recall and noop and plain):
            continue
        for operation in OPERATIONS:
            seconds = recall["seconds"][operation]
            gap_ms = (seconds - noop["seconds"][operation]) / count * 1000
            sentence = (
                f"- `{operation}` of {count} apps at {latency * 1000:g} ms latency: "
                f"this provider {seconds:.2f} s, the plain provider "
                f"{plain['seconds'][operation]:.2f} s, the do-nothing provider "
                f"{noop['seconds'][operation]:.2f} s: {gap_ms:+.0f} ms per app against "
                "doing nothing."
            )
            steps = recall["timeline"][operation]
            if None not in (steps["first_response"], steps["last_response"]):
                sentence += (
                    f" Its first response came {steps['first_response']:.2f} s "
                    f"and its last {steps['last_response']:.2f} s after the "
                    "command started."
                )
            lines.append(sentence)
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


def _memory(results: dict[str, Any]) -> list[str]:
    """Compare the provider processes' peak memory at the smallest and largest
    sizes with no added latency."""
    sizes = results["settings"]["sizes"]
    smallest, largest = min(sizes), max(sizes)
    if smallest == largest:
        return []
    parts = []
    for provider, name in (
        ("recall", "this provider"),
        ("plain", "the plain provider"),
        ("noop", "the do-nothing provider"),
    ):
        small = _row(results, provider=provider, count=smallest, latency=0)
        large = _row(results, provider=provider, count=largest, latency=0)
        if not (small and large):
            continue
        low, high = small["provider_peak_rss_bytes"], large["provider_peak_rss_bytes"]
        if low is None or high is None:
            continue
        parts.append(f"{name} from {low / 2**20:.1f} to {high / 2**20:.1f} MiB")
    if not parts:
        return []
    return [
        f"- Peak memory of the provider process, from {smallest} to {largest} apps: "
        + ", ".join(parts)
        + "."
    ]


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
    lines += _engine_gaps(results)
    lines += _call_cost(results)
    lines += _memory(results)
    lines += _throttled(results)
    return lines
