"""Manage Recall Zoom OAuth apps with Pulumi, and test them offline with a local
Recall emulator (``python -m recall_provider.emulator``).

``ZoomOAuthApp`` and ``ZoomOAuthAppArgs`` declare an app, and ``ZOOM_EVENT_TYPES``
lists the Zoom events that its webhook URL must receive. ``ZoomOAuthAppProvider``
is exported because every stack's state names it as
``recall_provider.provider.ZoomOAuthAppProvider``, and a program has no need to
build one. The ``Recall*Error`` classes are the errors that the provider and its
Recall client raise.
"""

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
