"""The emulator's HTTP server: reading requests off sockets, faults, latency, and
writing responses back, with one log line per request."""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import socketserver
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .admin import ADMIN_PREFIX, handle_admin
from .api import API_PREFIX, handle_api
from .faults import DROP_AFTER, DROP_BEFORE, Fault
from .state import EmulatorState
from .wire import Request, Response, dump_json, error_response

__all__ = ["MAX_BODY_BYTES", "EmulatorHTTPServer", "EmulatorRequestHandler"]

logger = logging.getLogger("recall_provider.emulator")

MAX_BODY_BYTES = 1024 * 1024
# A body over MAX_BODY_BYTES but within this size is read and discarded before the
# 413, so that the client, still sending, reads the response and not a reset.
_MAX_DRAINED_BYTES = 16 * 1024 * 1024
_CHUNK_LINE_LIMIT = 1024
_DIGITS = re.compile(r"[0-9]{1,20}")
_HEX_DIGITS = re.compile(r"[0-9A-Fa-f]{1,16}")


def _printable(text: str) -> str:
    """Escape characters that could forge or break a log line."""
    return "".join(
        char if char.isprintable() else f"\\x{ord(char):02x}" for char in text
    )


class _BodyError(Exception):
    """A request body that cannot be read; the connection is closed after the reply."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def _body_error(status: int, detail: str) -> _BodyError:
    return _BodyError(error_response(status, detail))


def _too_large() -> _BodyError:
    return _body_error(
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        f"The request body is larger than the emulator's limit of {MAX_BODY_BYTES} "
        f"bytes.",
    )


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server that hands each request to an ``EmulatorState``.

    It tracks open connections so that ``close_connections`` can end idle
    keep-alive connections when the emulator stops.
    """

    daemon_threads = True

    def __init__(self, host: str, port: int, state: EmulatorState) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.state = state
        self.internal_errors = 0
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__((host, port), EmulatorRequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which may query DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    @property
    def host_header(self) -> str:
        """Return ``host:port`` of the listening socket, as a Host header has it."""
        host = self.server_name
        if ":" in host:
            host = f"[{host}]"
        return f"{host}:{self.server_port}"

    def finish_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().finish_request(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def close_connections(self) -> None:
        """Shut down every open connection, so that no request is served after stop."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def respond(self, request: Request) -> Response:
        """Return the response to ``request``, or a ``drop`` to close the socket."""
        if request.path.startswith(ADMIN_PREFIX) or request.path == ADMIN_PREFIX[:-1]:
            return handle_admin(request, self.state)
        if request.path.startswith(API_PREFIX):
            return self._respond_api(request)
        return error_response(HTTPStatus.NOT_FOUND, "Not found.")

    def _respond_api(self, request: Request) -> Response:
        state = self.state
        with state.lock:
            fault = state.faults.take(request.method, request.path)
            latency = state.settings.latency

        response = self._apply_fault(request, fault)
        if latency and not response.drop:
            time.sleep(latency)

        with state.lock:
            status = 0 if response.drop else response.status
            state.record_request(request.method, request.path, request.query, status)
        return response

    def _apply_fault(self, request: Request, fault: Fault | None) -> Response:
        if fault is None:
            return handle_api(request, self.state, self.host_header)
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop == DROP_BEFORE:
            return Response(status=0, drop=True)
        if fault.status is not None:
            return fault.response()

        response = handle_api(request, self.state, self.host_header)
        if fault.drop == DROP_AFTER:
            return Response(status=0, drop=True)
        return response


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """Reads one request at a time off a keep-alive connection and responds to it."""

    protocol_version = "HTTP/1.1"
    server_version = "RecallEmulator"
    # Seconds an idle keep-alive connection stays open.
    timeout = 300
    # Headers and body go out in separate writes. With Nagle's algorithm on, the
    # second one waits for the client's delayed ACK, about 40 ms on Linux.
    disable_nagle_algorithm = True
    server: EmulatorHTTPServer

    def version_string(self) -> str:
        return self.server_version

    def _dispatch(self) -> None:
        target = self.path
        if "://" in target:
            # An absolute-form target, as sent to a proxy: keep the path.
            target = "/" + target.split("://", 1)[1].partition("/")[2]
        path, _, query = target.partition("?")
        path = path.partition("#")[0]

        try:
            body = self._read_body()
        except _BodyError as error:
            self.close_connection = True
            self._send(error.response, path)
            self._close_gracefully()
            return

        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            headers.setdefault(name.lower(), value)
        request = Request(
            method=self.command,
            path=path,
            query=query,
            headers=headers,
            body=body,
            client_host=str(self.client_address[0]),
        )
        try:
            response = self.server.respond(request)
        except Exception:
            # Last resort, so that a bug returns 500 instead of killing the
            # connection. Tests check the counter stays 0 under hostile input.
            with self.server.state.lock:
                self.server.internal_errors += 1
            logger.exception("Internal error on %s %s", self.command, _printable(path))
            response = error_response(
                HTTPStatus.INTERNAL_SERVER_ERROR, "A server error occurred."
            )
        self._send(response, path)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch
    do_OPTIONS = do_TRACE = do_CONNECT = _dispatch

    def _read_body(self) -> bytes:
        transfer_encoding = self.headers.get("Transfer-Encoding")
        lengths = self.headers.get_all("Content-Length") or []
        if transfer_encoding is not None:
            if lengths:
                raise _body_error(
                    HTTPStatus.BAD_REQUEST,
                    "A request cannot have both Content-Length and Transfer-Encoding.",
                )
            if transfer_encoding.strip().lower() != "chunked":
                raise _body_error(
                    HTTPStatus.NOT_IMPLEMENTED,
                    "Only the chunked Transfer-Encoding is supported.",
                )
            return self._read_chunked_body()
        if not lengths:
            return b""
        if len(set(lengths)) > 1 or not _DIGITS.fullmatch(lengths[0].strip()):
            raise _body_error(HTTPStatus.BAD_REQUEST, "Invalid Content-Length header.")

        length = int(lengths[0])
        if length > MAX_BODY_BYTES:
            if length <= _MAX_DRAINED_BYTES:
                self._discard(length)
            raise _too_large()
        body = self.rfile.read(length)
        if len(body) < length:
            raise _body_error(HTTPStatus.BAD_REQUEST, "The request body is incomplete.")
        return body

    def _discard(self, length: int) -> None:
        while length > 0:
            chunk = self.rfile.read(min(length, 65536))
            if not chunk:
                return
            length -= len(chunk)

    def _read_chunked_body(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(_CHUNK_LINE_LIMIT)
            size_text = line.split(b";", 1)[0].strip().decode("ascii", errors="replace")
            if not _HEX_DIGITS.fullmatch(size_text):
                raise _body_error(HTTPStatus.BAD_REQUEST, "Invalid chunked body.")
            size = int(size_text, 16)
            if size == 0:
                break
            total += size
            if total > _MAX_DRAINED_BYTES:
                raise _too_large()
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.readline(_CHUNK_LINE_LIMIT).strip():
                raise _body_error(HTTPStatus.BAD_REQUEST, "Invalid chunked body.")
            if total <= MAX_BODY_BYTES:
                chunks.append(chunk)

        # Trailer fields, up to the blank line that ends the body, are ignored.
        for _ in range(100):
            line = self.rfile.readline(_CHUNK_LINE_LIMIT)
            if not line.strip():
                break
        else:
            raise _body_error(HTTPStatus.BAD_REQUEST, "Invalid chunked body.")
        if total > MAX_BODY_BYTES:
            raise _too_large()
        return b"".join(chunks)

    def _send(self, response: Response, path: str) -> None:
        status_text = "dropped" if response.drop else str(response.status)
        logger.info("%s %s %s", _printable(self.command), _printable(path), status_text)
        if response.drop:
            self.close_connection = True
            return

        status = response.status
        has_body = status not in (HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED)
        self.send_response(status)
        if has_body:
            if response.content_type:
                self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if has_body and self.command != "HEAD":
            self.wfile.write(response.body)

    def send_error(
        self, code: int, message: str | None = None, explain: str | None = None
    ) -> None:
        """Respond to a request that http.server itself rejects, in Recall's shape."""
        try:
            detail = HTTPStatus(code).phrase + "."
        except ValueError:
            detail = "Error."
        self.close_connection = True
        if self.request_version not in ("HTTP/1.0", "HTTP/1.1"):
            # http.server omits the status line for HTTP/0.9, which is also its
            # guess for a request line it cannot parse.
            self.request_version = "HTTP/1.1"
        body = dump_json({"detail": detail})
        logger.info("%s %s %d", _printable(self.command or "-"), "-", code)
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code >= 200:
            self.wfile.write(body)
        self._close_gracefully()

    def _close_gracefully(self) -> None:
        """Send FIN, then discard what the client still sends, before the close.

        Closing a socket that has unread data sends a reset, which can destroy the
        error response before the client reads it.
        """
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(1.0)
            for _ in range(_MAX_DRAINED_BYTES // 65536):
                if not self.connection.recv(65536):
                    break

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Do nothing: ``_send`` logs each request once, without its query string."""

    def log_message(self, format: str, *args: Any) -> None:
        """Log http.server's own messages, which may quote the request line."""
        logger.debug("http.server: %s", _printable(format % args))
