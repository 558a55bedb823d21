"""A dynamic provider that sends no request: the engine's own cost of a resource.

It lives in an importable module so that the engine pickles it by reference,
exactly as it pickles ``ZoomOAuthAppProvider``.
"""

from __future__ import annotations

import uuid
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, ResourceProvider

__all__ = ["NoopApp", "NoopProvider"]


class NoopProvider(ResourceProvider):
    """Accepts every input and returns it unchanged as the outputs."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(uuid.uuid4().hex, props)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        return None


class NoopApp(Resource, module="bench", name="NoopApp"):
    """A resource with the same inputs as a Zoom OAuth app and no effect."""

    def __init__(
        self,
        resource_name: str,
        props: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(NoopProvider(), resource_name, props, opts)
