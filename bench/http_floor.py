"""The floor: the provider's HTTP calls sent directly with httpx, no engine.

One request per app per operation (create, get, delete), four at a time as the
engine's dynamic-provider server allows, over one shared connection pool.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

__all__ = ["ENGINE_CONCURRENCY", "run_http_floor"]

# The dynamic-provider process serves the engine from a pool of four threads
# (ThreadPoolExecutor(max_workers=4) in pulumi.dynamic.__main__, SDK 3.272).
ENGINE_CONCURRENCY = 4
APPS_PATH = "/api/v2/zoom-oauth-apps/"


def _timed(
    pool: ThreadPoolExecutor, call: Callable[[int], object], count: int
) -> tuple[float, list[object]]:
    started = time.perf_counter()
    results = list(pool.map(call, range(count)))
    return time.perf_counter() - started, results


def run_http_floor(
    endpoint: str, api_key: str, count: int, secret_seed: str
) -> dict[str, float]:
    """Create, get and delete ``count`` apps and return the seconds of each step.

    Raises ``httpx.HTTPStatusError`` if any request fails, since the floor is
    only meaningful when every call succeeds.
    """
    limits = httpx.Limits(max_connections=ENGINE_CONCURRENCY)
    headers = {"Authorization": f"Token {api_key}"}
    with (
        httpx.Client(base_url=endpoint, headers=headers, limits=limits) as client,
        ThreadPoolExecutor(ENGINE_CONCURRENCY) as pool,
    ):
        app_ids: list[str] = []

        def create(index: int) -> object:
            response = client.post(
                APPS_PATH,
                json={
                    "kind": "user_level",
                    "client_id": f"floor-client-{index:04d}",
                    "client_secret": f"{secret_seed}-client-{index}",
                    "webhook_secret": f"{secret_seed}-webhook-{index}",
                },
            )
            response.raise_for_status()
            return response.json()["id"]

        def get(index: int) -> object:
            response = client.get(f"{APPS_PATH}{app_ids[index]}/")
            response.raise_for_status()
            return None

        def delete(index: int) -> object:
            response = client.delete(f"{APPS_PATH}{app_ids[index]}/")
            response.raise_for_status()
            return None

        create_seconds, ids = _timed(pool, create, count)
        app_ids.extend(str(app_id) for app_id in ids)
        get_seconds, _ = _timed(pool, get, count)
        delete_seconds, _ = _timed(pool, delete, count)
    return {"up": create_seconds, "refresh": get_seconds, "destroy": delete_seconds}
