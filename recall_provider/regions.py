"""Recall regions, their base URLs, and the webhook URL of a Zoom OAuth app."""

from __future__ import annotations

__all__ = [
    "DEFAULT_REGION",
    "REGION_BASE_URLS",
    "base_url_for",
    "webhook_url",
]

DEFAULT_REGION = "us-east-1"

# Each region is a separate deployment: an API key and an app exist in one only.
REGION_BASE_URLS: dict[str, str] = {
    "us-east-1": "https://us-east-1.recall.ai",
    "us-west-2": "https://us-west-2.recall.ai",
    "eu-central-1": "https://eu-central-1.recall.ai",
    "ap-northeast-1": "https://ap-northeast-1.recall.ai",
}


def base_url_for(region: str, endpoint: str | None = None) -> str:
    """Return the base URL to call: the endpoint override if set, else the region's.

    Raises ``KeyError`` for a region not in ``REGION_BASE_URLS``; callers validate
    the region first and report it with the list of known regions.
    """
    if endpoint:
        return endpoint.rstrip("/")
    return REGION_BASE_URLS[region]


def webhook_url(base_url: str, app_id: str) -> str:
    """Build the URL that Zoom must send an app's event notifications to."""
    return f"{base_url.rstrip('/')}/api/v2/zoom-oauth-apps/{app_id}/webhook"
