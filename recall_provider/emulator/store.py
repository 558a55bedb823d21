"""The emulator's Zoom OAuth apps, in memory and optionally in a JSON state file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .models import ZoomOAuthApp

__all__ = ["AppStore", "StateFileError"]

_STATE_FORMAT = 1


class StateFileError(Exception):
    """The state file cannot be read, or belongs to another region."""


class AppStore:
    """The apps of every workspace, by id.

    Not thread-safe: callers hold ``EmulatorState.lock``. With a state file, every
    change is written to it at once, so a killed emulator loses nothing.
    """

    def __init__(self, region: str, state_file: str | None = None) -> None:
        self.region = region
        self.state_file = Path(state_file) if state_file else None
        self._apps: dict[str, ZoomOAuthApp] = {}

    def load(self) -> int:
        """Read the state file, if there is one, and return the number of apps read.

        Raises StateFileError when the file is not a state file of this region.
        """
        if self.state_file is None or not self.state_file.exists():
            return 0
        try:
            data = json.loads(self.state_file.read_bytes())
        except (OSError, ValueError) as error:
            raise StateFileError(
                f"cannot read state file {str(self.state_file)!r}: {error}"
            ) from error
        if not isinstance(data, dict) or data.get("format") != _STATE_FORMAT:
            raise StateFileError(
                f"{str(self.state_file)!r} is not an emulator state file of format "
                f"{_STATE_FORMAT}"
            )
        if data.get("region") != self.region:
            raise StateFileError(
                f"state file {str(self.state_file)!r} belongs to region "
                f"{data.get('region')!r}, not {self.region!r}: start the emulator "
                f"with that region, or use another state file"
            )
        records = data.get("apps")
        if not isinstance(records, list):
            raise StateFileError(
                f"state file {str(self.state_file)!r} has no list of apps"
            )
        try:
            apps = [ZoomOAuthApp.from_record(record) for record in records]
        except ValueError as error:
            raise StateFileError(
                f"invalid app in state file {str(self.state_file)!r}: {error}"
            ) from error
        self._apps = {app.id: app for app in apps}
        return len(apps)

    def save(self) -> None:
        """Write every app to the state file, if there is one, atomically.

        The data goes to a temporary file in the same folder, which then replaces the
        state file, so a reader sees the old state or the new one, never a mix.
        The file contains secrets, so it is created readable by its owner only.
        """
        if self.state_file is None:
            return
        data: dict[str, Any] = {
            "format": _STATE_FORMAT,
            "region": self.region,
            "apps": [app.to_record() for app in self._apps.values()],
        }
        folder = self.state_file.parent
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{self.state_file.name}.", suffix=".tmp", dir=folder
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as output:
                json.dump(data, output, indent=2)
                output.flush()
                os.fsync(output.fileno())
            os.replace(temporary, self.state_file)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def add(self, app: ZoomOAuthApp) -> None:
        self._apps[app.id] = app
        self.save()

    def get(self, app_id: str) -> ZoomOAuthApp | None:
        """Return the app with ``app_id`` in any workspace, or None."""
        return self._apps.get(app_id)

    def get_in_workspace(self, workspace: str, app_id: str) -> ZoomOAuthApp | None:
        """Return the app with ``app_id`` if ``workspace`` owns it, else None."""
        app = self._apps.get(app_id)
        if app is None or app.workspace != workspace:
            return None
        return app

    def changed(self) -> None:
        """Persist a change made to an app in place."""
        self.save()

    def delete(self, app_id: str) -> None:
        del self._apps[app_id]
        self.save()

    def in_workspace(self, workspace: str) -> list[ZoomOAuthApp]:
        return [app for app in self._apps.values() if app.workspace == workspace]

    def all(self) -> list[ZoomOAuthApp]:
        return list(self._apps.values())

    def clear(self) -> None:
        self._apps.clear()
        self.save()
