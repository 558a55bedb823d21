"""Run an emulator in a background thread of the current process."""

from __future__ import annotations

import dataclasses
import threading
from types import TracebackType
from typing import Any

from .faults import parse_fault
from .server import EmulatorHTTPServer
from .settings import EmulatorSettings
from .state import EmulatorState

__all__ = ["Emulator"]


class Emulator:
    """A Recall emulator serving HTTP from a background thread.

    ``Emulator(port=0, api_keys=("key",))`` takes any ``EmulatorSettings`` field as
    a keyword, or a whole ``EmulatorSettings``. Use it as a context manager, or call
    ``start`` and ``stop``. One instance runs once: start a new one after ``stop``.
    """

    def __init__(
        self, settings: EmulatorSettings | None = None, **changes: Any
    ) -> None:
        initial = dataclasses.replace(settings or EmulatorSettings(), **changes)
        initial.validate()
        self._state = EmulatorState(initial)
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    def start(self) -> Emulator:
        """Load the state file, if any, bind the socket and start serving.

        Raises StateFileError for an unreadable state file and OSError when the
        address cannot be bound, such as a port in use.
        """
        if self._server is not None:
            raise RuntimeError("this emulator was already started")
        with self._state.lock:
            self._state.store.load()
        settings = self._state.settings
        self._server = EmulatorHTTPServer(settings.host, settings.port, self._state)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            # A short poll interval makes stop() return quickly.
            kwargs={"poll_interval": 0.01},
            name=f"recall-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and write the state file once more."""
        server = self._server
        if server is None or self._thread is None or self._stopped:
            return
        self._stopped = True
        server.shutdown()
        server.close_connections()
        server.server_close()
        self._thread.join()
        with self._state.lock:
            self._state.store.save()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _running_server(self) -> EmulatorHTTPServer:
        if self._server is None:
            raise RuntimeError("the emulator is not started; call start() first")
        return self._server

    @property
    def host(self) -> str:
        return self._running_server().server_name

    @property
    def port(self) -> int:
        """The bound port, which differs from the setting when that is 0."""
        return self._running_server().server_port

    @property
    def url(self) -> str:
        """The base URL to give a Recall client, e.g. http://127.0.0.1:8700."""
        return f"http://{self._running_server().host_header}"

    @property
    def api_key(self) -> str:
        """The first accepted API key."""
        return self._state.settings.api_keys[0]

    @property
    def settings(self) -> EmulatorSettings:
        """A copy of the current settings, admin API changes included."""
        with self._state.lock:
            return dataclasses.replace(self._state.settings)

    @property
    def internal_errors(self) -> int:
        """The number of requests that hit an unexpected error and got a 500."""
        return self._running_server().internal_errors

    def update_settings(self, **changes: Any) -> EmulatorSettings:
        """Change settings as PATCH /_emulator/settings does.

        Raises ApiError 400 for an unknown setting or an invalid value.
        """
        with self._state.lock:
            self._state.change_settings(changes)
            return dataclasses.replace(self._state.settings)

    def add_fault(self, **fields: Any) -> dict[str, Any]:
        """Add a fault as POST /_emulator/faults does, and return it.

        Raises ApiError 400 for invalid fields.
        """
        fault = parse_fault(fields)
        with self._state.lock:
            self._state.faults.add(fault)
        return fault.to_json()

    def apps(self) -> list[dict[str, Any]]:
        """Return every app with all its fields, secrets included, oldest first."""
        with self._state.lock:
            apps = sorted(
                self._state.store.all(), key=lambda app: (app.created_at, app.id)
            )
            return [app.to_record() for app in apps]

    def requests(self) -> list[dict[str, Any]]:
        """Return the /api/v2 request log, oldest first."""
        with self._state.lock:
            return list(self._state.requests)

    def webhook_events(self) -> list[dict[str, Any]]:
        with self._state.lock:
            return list(self._state.webhook_events)

    def reset(self) -> None:
        """Delete every app, fault, rate-limit counter and log entry."""
        with self._state.lock:
            self._state.reset()
