"""A Zoom OAuth app provider written the plain way, as a baseline.

It follows the shape of the dynamic provider example in Pulumi's documentation:
each method opens its own HTTP client, sends one request, and raises on any error
status. It has no retries, no waiting on HTTP 429 and no look-ups. It lives in an
importable module so that the engine pickles it by reference.
"""

from __future__ import annotations

from typing import Any

import httpx
import pulumi
from pulumi.dynamic import (
    ConfigureRequest,
    CreateResult,
    ReadResult,
    Resource,
    ResourceProvider,
)

__all__ = ["PlainZoomOAuthApp", "PlainZoomOAuthAppProvider"]

APPS_PATH = "/api/v2/zoom-oauth-apps/"


class PlainZoomOAuthAppProvider(ResourceProvider):
    """Creates, reads and deletes a Zoom OAuth app with one request each."""

    endpoint = ""
    api_key = ""

    def configure(self, req: ConfigureRequest) -> None:
        # The engine calls configure in the provider process, after it unpickled
        # the instance, so the API key set here never reaches the state.
        self.endpoint = (req.config.get("recall:endpoint") or "").rstrip("/")
        self.api_key = req.config.get("recall:apiKey") or ""

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.api_key}"}

    def create(self, props: dict[str, Any]) -> CreateResult:
        body = {
            key: props[key]
            for key in ("kind", "client_id", "client_secret", "webhook_secret")
        }
        with httpx.Client(base_url=self.endpoint, headers=self._headers()) as client:
            response = client.post(APPS_PATH, json=body)
            response.raise_for_status()
            app = response.json()
        return CreateResult(app["id"], {**props, **self._outputs(app)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with httpx.Client(base_url=self.endpoint, headers=self._headers()) as client:
            response = client.get(f"{APPS_PATH}{id_}/")
            if response.status_code == 404:
                return ReadResult(None, {})
            response.raise_for_status()
            app = response.json()
        return ReadResult(id_, {**props, **self._outputs(app)})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        with httpx.Client(base_url=self.endpoint, headers=self._headers()) as client:
            response = client.delete(f"{APPS_PATH}{id_}/")
            response.raise_for_status()

    def _outputs(self, app: dict[str, Any]) -> dict[str, Any]:
        return {
            "app_id": app["id"],
            "webhook_url": f"{self.endpoint}{APPS_PATH}{app['id']}/webhook",
            "created_at": app.get("created_at"),
            "webhook_last_validation": app.get("webhook_last_validation"),
        }


class PlainZoomOAuthApp(Resource, module="bench", name="PlainZoomOAuthApp"):
    """A Recall Zoom OAuth app managed by ``PlainZoomOAuthAppProvider``."""

    def __init__(
        self,
        resource_name: str,
        props: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        outputs = {
            "app_id": None,
            "webhook_url": None,
            "created_at": None,
            "webhook_last_validation": None,
        }
        super().__init__(
            PlainZoomOAuthAppProvider(), resource_name, {**props, **outputs}, opts
        )
