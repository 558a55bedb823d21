"""Time and profile single provider calls in one process, without the engine.

Run as ``python -m bench.call_profile ENDPOINT COUNT`` with the API key in
``BENCH_API_KEY``; prints JSON. Each provider creates, reads and deletes COUNT apps
one call at a time, so the figures are the cost of one call on an idle emulator.
The project's provider then runs the same calls under cProfile, whose top
functions show where that cost goes.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from pulumi.dynamic import Config, ConfigureRequest, ResourceProvider

from bench.http_floor import ENGINE_CONCURRENCY
from bench.plain_provider import PlainZoomOAuthAppProvider
from recall_provider import ZoomOAuthAppProvider

__all__ = ["profile_calls"]

APPS_PATH = "/api/v2/zoom-oauth-apps/"
TOP_FUNCTIONS = 15


def _inputs(label: str, index: int) -> dict[str, Any]:
    return {
        "kind": "user_level",
        "client_id": f"profile-{label}-{index:04d}",
        "client_secret": f"profile-client-secret-{index}",
        "webhook_secret": f"profile-webhook-secret-{index}",
    }


def _milliseconds(samples: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(samples) * 1000, 3),
        "mean_ms": round(statistics.fmean(samples) * 1000, 3),
    }


def _time_each(call: Callable[[int], Any], count: int) -> tuple[list[Any], list[float]]:
    results, seconds = [], []
    for index in range(count):
        started = time.perf_counter()
        results.append(call(index))
        seconds.append(time.perf_counter() - started)
    return results, seconds


def _time_provider(
    provider: ResourceProvider, label: str, count: int
) -> dict[str, dict[str, float]]:
    checked = [provider.check({}, _inputs(label, i)).inputs for i in range(count)]
    created, create_seconds = _time_each(lambda i: provider.create(checked[i]), count)
    _, read_seconds = _time_each(
        lambda i: provider.read(created[i].id, created[i].outs), count
    )
    _, delete_seconds = _time_each(
        lambda i: provider.delete(created[i].id, created[i].outs), count
    )
    return {
        "create": _milliseconds(create_seconds),
        "read": _milliseconds(read_seconds),
        "delete": _milliseconds(delete_seconds),
    }


def _time_shared_client(
    endpoint: str, api_key: str, count: int
) -> dict[str, dict[str, float]]:
    headers = {"Authorization": f"Token {api_key}"}
    with httpx.Client(base_url=endpoint, headers=headers) as client:

        def create(index: int) -> str:
            response = client.post(APPS_PATH, json=_inputs("http", index))
            response.raise_for_status()
            return str(response.json()["id"])

        ids, create_seconds = _time_each(create, count)
        _, read_seconds = _time_each(
            lambda i: client.get(f"{APPS_PATH}{ids[i]}/").raise_for_status(), count
        )
        _, delete_seconds = _time_each(
            lambda i: client.delete(f"{APPS_PATH}{ids[i]}/").raise_for_status(), count
        )
    return {
        "create": _milliseconds(create_seconds),
        "read": _milliseconds(read_seconds),
        "delete": _milliseconds(delete_seconds),
    }


def _time_client_construction(count: int) -> dict[str, float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        httpx.Client().close()
        samples.append(time.perf_counter() - started)
    return _milliseconds(samples)


def _time_parallel_client_construction(count: int) -> float:
    """Return the milliseconds per client when four threads build clients at once,
    as the engine's four provider threads do."""
    total = max(count, ENGINE_CONCURRENCY)
    with ThreadPoolExecutor(ENGINE_CONCURRENCY) as pool:
        started = time.perf_counter()
        list(pool.map(lambda _: httpx.Client().close(), range(total)))
        elapsed = time.perf_counter() - started
    return round(elapsed / total * 1000, 3)


def _short_location(filename: str) -> str:
    """Shorten a code location to a package-relative path, with no machine path."""
    path = Path(filename)
    parts = path.parts
    for marker in ("site-packages", "recall_provider", "bench"):
        if marker in parts:
            start = parts.index(marker) + (1 if marker == "site-packages" else 0)
            return "/".join(parts[start:])
    if "lib" in parts and parts[-1].endswith(".py"):
        return "stdlib/" + parts[-1]
    # cProfile files built-in functions under "~".
    return "builtin" if filename == "~" else path.name


def _top_functions(profile: cProfile.Profile) -> list[dict[str, Any]]:
    stats = pstats.Stats(profile)
    rows = []
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, line, function), (_, calls, own, cumulative, _) in raw.items():
        if _short_location(filename).startswith("bench/"):
            continue
        rows.append(
            {
                "function": f"{_short_location(filename)}:{line}({function})",
                "calls": calls,
                "own_ms": round(own * 1000, 2),
                "cumulative_ms": round(cumulative * 1000, 2),
            }
        )
    rows.sort(key=lambda row: row["cumulative_ms"], reverse=True)
    return rows[:TOP_FUNCTIONS]


def _configured(provider: ResourceProvider, endpoint: str, api_key: str) -> None:
    config = Config({"recall:apiKey": api_key, "recall:endpoint": endpoint}, "bench")
    provider.configure(ConfigureRequest(config))


def profile_calls(endpoint: str, api_key: str, count: int) -> dict[str, Any]:
    """Return per-call times of each provider and the profile of the project's."""
    plain = PlainZoomOAuthAppProvider()
    _configured(plain, endpoint, api_key)
    recall = ZoomOAuthAppProvider()
    _configured(recall, endpoint, api_key)

    result: dict[str, Any] = {
        "count": count,
        "http_client_construction": _time_client_construction(count),
        "http_client_construction_4_threads_ms": _time_parallel_client_construction(
            count
        ),
        "per_call": {
            "http": _time_shared_client(endpoint, api_key, count),
            "plain": _time_provider(plain, "plain", count),
            "recall": _time_provider(recall, "recall", count),
        },
    }
    profile = cProfile.Profile()
    profile.enable()
    _time_provider(recall, "profiled", count)
    profile.disable()
    result["recall_profile_top"] = _top_functions(profile)
    return result


if __name__ == "__main__":
    endpoint, count = sys.argv[1], int(sys.argv[2])
    print(json.dumps(profile_calls(endpoint, os.environ["BENCH_API_KEY"], count)))
