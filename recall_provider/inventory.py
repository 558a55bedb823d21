"""The apps of each Recall workspace, listed once per provider process.

``create`` must know whether an app already exists for a client ID. Asking Recall
once per app would cost a list call per app, and list calls have a limit five
times lower than the others. So the first ``create`` of an operation lists the
whole workspace, page by page, and later ones read this inventory. Apps that this
process creates or deletes are recorded here as it goes.

A provider process serves one Pulumi operation, so the inventory is as fresh as
the operation. It lives in module state because the provider object is pickled
into the stack's state and keeps no attributes.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from recall_provider.client import RecallClient

__all__ = ["apps_for_client_id", "forget", "remember"]


@dataclass
class _Workspace:
    lock: threading.Lock = field(default_factory=threading.Lock)
    listed: bool = False
    apps: dict[str, dict[str, Any]] = field(default_factory=dict)


_workspaces: dict[tuple[str, str], _Workspace] = {}
_workspaces_lock = threading.Lock()


def _workspace(client: RecallClient) -> _Workspace:
    with _workspaces_lock:
        return _workspaces.setdefault(client.workspace, _Workspace())


def apps_for_client_id(client: RecallClient, client_id: str) -> list[dict[str, Any]]:
    """Return the workspace's apps with this client ID, listing the workspace the
    first time it is asked about."""
    workspace = _workspace(client)
    with workspace.lock:
        if not workspace.listed:
            for app in client.list_apps():
                workspace.apps[str(app["id"])] = app
            workspace.listed = True
        return [a for a in workspace.apps.values() if a.get("client_id") == client_id]


def remember(client: RecallClient, app: Mapping[str, Any]) -> None:
    """Record an app that this process created or took over."""
    workspace = _workspace(client)
    with workspace.lock:
        if workspace.listed:
            workspace.apps[str(app["id"])] = dict(app)


def forget(client: RecallClient, app_id: str) -> None:
    """Drop an app that this process deleted."""
    workspace = _workspace(client)
    with workspace.lock:
        workspace.apps.pop(app_id, None)


def clear() -> None:
    """Forget every workspace; the next ``create`` lists again."""
    with _workspaces_lock:
        _workspaces.clear()
