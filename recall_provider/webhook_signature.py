"""Sign and verify Zoom webhook requests, and compute Zoom's URL validation token.

Zoom signs each event it sends to a webhook URL with the Zoom app's Secret Token,
which Recall stores as the webhook secret of the Zoom OAuth app. The signature is
``v0=`` followed by the hex HMAC-SHA256 of ``v0:<timestamp>:<raw body>``, sent in the
``x-zm-signature`` header next to ``x-zm-request-timestamp`` (Unix seconds).
"""

from __future__ import annotations

import hashlib
import hmac
import re

__all__ = [
    "MAX_TIMESTAMP_AGE_SECONDS",
    "encrypt_token",
    "is_fresh_timestamp",
    "sign",
    "verify",
]

# A request whose timestamp is further than this from the receiver's clock, in
# either direction, is treated as a replay.
MAX_TIMESTAMP_AGE_SECONDS = 300

_TIMESTAMP_PATTERN = re.compile(r"[0-9]{1,12}")


def _hmac_sha256_hex(key: str, message: bytes) -> str:
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(webhook_secret: str, timestamp: str, body: bytes) -> str:
    """Return the ``x-zm-signature`` value for ``body`` sent at ``timestamp``.

    The signature covers the raw body bytes, so a body that is parsed and
    serialised again no longer matches it.
    """
    message = b"v0:" + timestamp.encode("utf-8") + b":" + body
    return "v0=" + _hmac_sha256_hex(webhook_secret, message)


def verify(webhook_secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Check ``signature`` against the expected one in constant time.

    Only the signature is checked. Call ``is_fresh_timestamp`` as well to reject
    replayed requests.
    """
    expected = sign(webhook_secret, timestamp, body).encode("ascii")
    received = signature.encode("utf-8", errors="backslashreplace")
    return hmac.compare_digest(expected, received)


def is_fresh_timestamp(
    timestamp: str, now: float, max_age: float = MAX_TIMESTAMP_AGE_SECONDS
) -> bool:
    """Check that ``timestamp`` is whole Unix seconds within ``max_age`` of ``now``."""
    if not _TIMESTAMP_PATTERN.fullmatch(timestamp):
        return False
    return abs(now - int(timestamp)) <= max_age


def encrypt_token(webhook_secret: str, plain_token: str) -> str:
    """Return the ``encryptedToken`` of the response to a Zoom URL validation request.

    It is the hex HMAC-SHA256 of ``plain_token`` keyed with the webhook secret.
    """
    return _hmac_sha256_hex(webhook_secret, plain_token.encode("utf-8"))
