"""Fifty apps in one stack under the emulator's rate limits: up, refresh and
destroy all succeed, waiting out each HTTP 429 for its Retry-After.

Recall allows 300 single-app calls and 60 list calls per minute. Fifty apps
never reach those numbers, so the test keeps their 5:1 ratio at 25 and 5 calls
and shortens the window from a minute to 3 seconds (time scale 20): each
operation then meets the limit about twice.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.harness import EmulatorProcess, PulumiProject

APP_COUNT = 50

PROGRAM = f"""
import pulumi
from recall_provider import ZoomOAuthApp, ZoomOAuthAppArgs

config = pulumi.Config()
for number in range({APP_COUNT}):
    ZoomOAuthApp(
        f"app-{{number}}",
        ZoomOAuthAppArgs(
            kind="user_level",
            client_id=f"throttled-client-{{number}}",
            client_secret=config.require_secret("clientSecret"),
            webhook_secret=config.require_secret("webhookSecret"),
        ),
    )
"""


def test_fifty_apps_succeed_under_rate_limits(
    emulator: EmulatorProcess, api_key: str, tmp_path: Path
) -> None:
    project = PulumiProject(tmp_path / "fifty", program=PROGRAM)
    project.set_config("recall:endpoint", emulator.url)
    project.set_config("recall:apiKey", api_key, secret=True)
    project.set_config("clientSecret", "throttled-client-secret", secret=True)
    project.set_config("webhookSecret", "throttled-webhook-secret", secret=True)
    emulator.configure(rate_limits=True, limit_default=25, limit_list=5, time_scale=20)

    project.up()
    assert len(emulator.apps()) == APP_COUNT
    assert len(project.resources()) == APP_COUNT

    project.refresh("--expect-no-changes")
    project.destroy()

    assert emulator.apps() == []
    assert project.resources() == []
    statuses = Counter(r["status"] for r in emulator.requests())
    assert statuses[429] > 0, "the limits were never reached, so nothing was tested"
    assert statuses[201] == APP_COUNT
    assert statuses[204] == APP_COUNT
