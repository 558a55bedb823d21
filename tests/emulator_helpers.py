"""Helpers for the emulator's tests: the command-line emulator in a child process,
and Zoom's webhook signature computed independently of recall_provider."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
URL_LINE = re.compile(r"Recall emulator listening on (http://127\.0\.0\.1:[0-9]+)\n")
START_TIMEOUT_SECONDS = 20


def zoom_signature(webhook_secret: str, timestamp: str, body: bytes) -> str:
    """Return x-zm-signature as Zoom documents it: v0= and an HMAC-SHA256 in hex."""
    message = f"v0:{timestamp}:".encode() + body
    digest = hmac.new(webhook_secret.encode(), message, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def zoom_encrypted_token(webhook_secret: str, plain_token: str) -> str:
    key = webhook_secret.encode()
    return hmac.new(key, plain_token.encode(), hashlib.sha256).hexdigest()


class EmulatorCommand:
    """``python -m recall_provider.emulator --port 0 ARGS`` with stderr in a file."""

    def __init__(self, *args: str, stderr_path: Path) -> None:
        self.stderr_path = stderr_path
        environment = dict(os.environ)
        environment["PYTHONPATH"] = str(REPO_ROOT)
        command = [sys.executable, "-m", "recall_provider.emulator", "--port", "0"]
        with stderr_path.open("w") as stderr:
            self.process = subprocess.Popen(
                [*command, *args],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                cwd=REPO_ROOT,
                env=environment,
            )
        # Kill an emulator that prints nothing, so that readline returns.
        watchdog = threading.Timer(START_TIMEOUT_SECONDS, self.process.kill)
        watchdog.start()
        try:
            assert self.process.stdout is not None
            self.first_line = self.process.stdout.readline()
        finally:
            watchdog.cancel()
        match = URL_LINE.fullmatch(self.first_line)
        self.url = match[1] if match else ""
        # What the emulator printed after its first line, read once it has stopped.
        self.later_output = ""

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def stop(self, signal_number: int = signal.SIGTERM) -> int:
        """Send ``signal_number`` and return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal_number)
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        finally:
            if self.process.stdout is not None:
                self.later_output = self.process.stdout.read()
                self.process.stdout.close()
