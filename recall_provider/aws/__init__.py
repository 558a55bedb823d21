"""AWS components for a Recall Zoom OAuth app, built with pulumi-aws.

Install them with the ``aws`` extra (``pip install 'recall-provider[aws]'``).
Importing ``recall_provider`` alone does not import pulumi-aws.
"""

from __future__ import annotations

from recall_provider.aws.forwarder import (
    FORWARDER_HANDLER,
    FORWARDER_HANDLER_PATH,
    LOG_RETENTION_DAYS,
    ZoomWebhookForwarder,
    ZoomWebhookForwarderArgs,
)
from recall_provider.aws.ssm import ZoomOAuthAppParameters, ZoomOAuthAppParametersArgs
from recall_provider.aws.validation import ComponentArgsError

__all__ = [
    "FORWARDER_HANDLER",
    "FORWARDER_HANDLER_PATH",
    "LOG_RETENTION_DAYS",
    "ComponentArgsError",
    "ZoomOAuthAppParameters",
    "ZoomOAuthAppParametersArgs",
    "ZoomWebhookForwarder",
    "ZoomWebhookForwarderArgs",
]
