"""The Zoom OAuth app as the emulator stores it, and its JSON forms."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "KINDS",
    "ZoomOAuthApp",
    "format_timestamp",
    "parse_timestamp",
    "utc_now",
    "workspace_for_key",
]

# user_level is a user-managed Zoom app, account_level an admin-managed one.
KINDS = ("user_level", "account_level")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def format_timestamp(moment: datetime) -> str:
    """Format ``moment`` as ISO 8601 UTC with microseconds.

    For example 2026-12-04T15:23:53.123456Z.
    """
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO 8601 date-time; one without an offset is taken as UTC.

    Raises ValueError for text that is not an ISO 8601 date or date-time.
    """
    if text.endswith(("Z", "z")):
        # Python 3.10's fromisoformat does not accept the Z suffix.
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def workspace_for_key(api_key: str) -> str:
    """Return the id of the workspace that ``api_key`` belongs to.

    Each API key is its own workspace. The id is a hash prefix, so that the state
    file and the admin API can name a workspace without containing its key.
    """
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:16]


@dataclass
class ZoomOAuthApp:
    """A Zoom OAuth app, the Recall object that contains a Zoom app's credentials."""

    id: str
    workspace: str
    kind: str
    client_id: str
    client_secret: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    created_at: datetime
    # Time of the last successful Zoom URL validation, or None.
    webhook_last_validation: datetime | None = None

    def to_api(self, echo_secrets: bool) -> dict[str, Any]:
        """Return the object as the API serves it, with or without the secrets."""
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "client_id": self.client_id,
        }
        if echo_secrets:
            data["client_secret"] = self.client_secret
            data["webhook_secret"] = self.webhook_secret
        last_validation = self.webhook_last_validation
        data["webhook_last_validation"] = (
            format_timestamp(last_validation) if last_validation else None
        )
        data["created_at"] = format_timestamp(self.created_at)
        return data

    def to_record(self) -> dict[str, Any]:
        """Return every field, secrets and workspace included, for the state file and
        the admin API."""
        data = self.to_api(echo_secrets=True)
        data["workspace"] = self.workspace
        return data

    @classmethod
    def from_record(cls, record: Any) -> ZoomOAuthApp:
        """Build an app from ``to_record`` output.

        Raises ValueError when a field is missing or has the wrong type.
        """
        if not isinstance(record, dict):
            raise ValueError("an app record must be a JSON object")
        text_fields = (
            "id",
            "workspace",
            "kind",
            "client_id",
            "client_secret",
            "webhook_secret",
            "created_at",
        )
        for name in text_fields:
            if not isinstance(record.get(name), str):
                raise ValueError(f"app record field {name!r} must be a string")
        if record["kind"] not in KINDS:
            raise ValueError(f"app record has unknown kind {record['kind']!r}")

        last_validation = record.get("webhook_last_validation")
        if last_validation is not None and not isinstance(last_validation, str):
            raise ValueError(
                "app record field 'webhook_last_validation' must be a string"
            )
        return cls(
            id=record["id"],
            workspace=record["workspace"],
            kind=record["kind"],
            client_id=record["client_id"],
            client_secret=record["client_secret"],
            webhook_secret=record["webhook_secret"],
            created_at=parse_timestamp(record["created_at"]),
            webhook_last_validation=(
                parse_timestamp(last_validation) if last_validation else None
            ),
        )
