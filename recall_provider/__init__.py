"""Manage Recall Zoom OAuth apps with Pulumi, and test them offline with a local
Recall emulator (``python -m recall_provider.emulator``)."""

from recall_provider.errors import (
    RecallAPIError,
    RecallAuthError,
    RecallConfigError,
    RecallConflictError,
    RecallError,
    RecallNotFoundError,
    RecallRetriesExhaustedError,
    RecallValidationError,
)
from recall_provider.provider import ZoomOAuthAppProvider
from recall_provider.resource import ZOOM_EVENT_TYPES, ZoomOAuthApp, ZoomOAuthAppArgs

__all__ = [
    "ZOOM_EVENT_TYPES",
    "RecallAPIError",
    "RecallAuthError",
    "RecallConfigError",
    "RecallConflictError",
    "RecallError",
    "RecallNotFoundError",
    "RecallRetriesExhaustedError",
    "RecallValidationError",
    "ZoomOAuthApp",
    "ZoomOAuthAppArgs",
    "ZoomOAuthAppProvider",
]
