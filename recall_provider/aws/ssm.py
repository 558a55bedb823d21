"""``ZoomOAuthAppParameters``: a Zoom OAuth app's id and webhook URL published as
AWS Systems Manager (SSM) parameters, for services that read their settings
from Parameter Store."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from recall_provider.aws.validation import ComponentArgsError

__all__ = [
    "APP_ID_PARAMETER",
    "WEBHOOK_URL_PARAMETER",
    "ZoomOAuthAppParameters",
    "ZoomOAuthAppParametersArgs",
    "default_prefix",
    "validate_prefix",
]

# The last part of each parameter's name, after the prefix.
APP_ID_PARAMETER = "app-id"
WEBHOOK_URL_PARAMETER = "webhook-url"

# Naming rules of SSM parameters (PutParameter in the Systems Manager API
# reference): letters, digits, _ . - and / between levels, at most 15 levels,
# at most 1011 characters, and no name that begins with "aws" or "ssm" in any case.
_PREFIX_PATTERN = re.compile(r"(/[A-Za-z0-9_.-]+)+")
_MAX_LEVELS = 15
_MAX_NAME_LENGTH = 1011
_RESERVED_STARTS = ("aws", "ssm")


def default_prefix(name: str) -> str:
    """Return the prefix used when none is given: ``/recall/zoom/<name>``."""
    return f"/recall/zoom/{name}"


def validate_prefix(prefix: object) -> str:
    """Return ``prefix`` if SSM accepts names under it, or raise ComponentArgsError."""
    example = "such as '/recall/zoom/production'"
    if not isinstance(prefix, str):
        raise ComponentArgsError(
            f"prefix must be a string {example}, not {type(prefix).__name__}"
        )

    if not prefix.startswith("/"):
        raise ComponentArgsError(f"prefix {prefix!r} must start with '/', {example}")

    if len(prefix) > 1 and prefix.endswith("/"):
        raise ComponentArgsError(
            f"prefix {prefix!r} must not end with '/'; use {prefix.rstrip('/')!r}"
        )

    if not _PREFIX_PATTERN.fullmatch(prefix):
        raise ComponentArgsError(
            f"prefix {prefix!r} is not a valid SSM parameter path: it may contain "
            "only letters, digits, '_', '.', '-' and single '/' between levels, "
            f"{example}"
        )

    first_level = prefix.split("/")[1]
    if first_level.lower().startswith(_RESERVED_STARTS):
        raise ComponentArgsError(
            f"prefix {prefix!r} begins with {first_level[:3]!r}, which SSM reserves "
            f"for AWS's own parameters; use another first level, {example}"
        )

    levels = prefix.count("/") + 1
    if levels > _MAX_LEVELS:
        raise ComponentArgsError(
            f"prefix {prefix!r} has {levels - 1} levels; SSM allows {_MAX_LEVELS} "
            f"levels in a name, and the parameter name adds one, so use at most "
            f"{_MAX_LEVELS - 1}"
        )

    longest = len(prefix) + 1 + max(len(APP_ID_PARAMETER), len(WEBHOOK_URL_PARAMETER))
    if longest > _MAX_NAME_LENGTH:
        raise ComponentArgsError(
            f"prefix is {len(prefix)} characters long, which makes parameter names "
            f"longer than the {_MAX_NAME_LENGTH} characters SSM allows; shorten it"
        )

    return prefix


@dataclass
class ZoomOAuthAppParametersArgs:
    """The arguments of a ``ZoomOAuthAppParameters``."""

    app_id: pulumi.Input[str]
    """The Zoom OAuth app's id, such as ``ZoomOAuthApp.app_id``."""
    webhook_url: pulumi.Input[str]
    """The Zoom OAuth app's webhook URL, such as ``ZoomOAuthApp.webhook_url``."""
    prefix: str | None = None
    """The path the parameters are created under; ``/recall/zoom/<name>`` when
    None. It starts with '/' and does not end with one."""
    tags: Mapping[str, str] | None = None
    """Tags for both parameters."""


class ZoomOAuthAppParameters(pulumi.ComponentResource):
    """Two String parameters: ``<prefix>/app-id`` and ``<prefix>/webhook-url``.

    Neither value is a secret, so both are stored readable, as ``insecure_value``,
    and show in the stack's outputs and diffs.
    """

    app_id_parameter_name: pulumi.Output[str]
    """The name of the parameter that contains the app id."""
    webhook_url_parameter_name: pulumi.Output[str]
    """The name of the parameter that contains the webhook URL."""

    def __init__(
        self,
        name: str,
        args: ZoomOAuthAppParametersArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        prefix = validate_prefix(
            default_prefix(name) if args.prefix is None else args.prefix
        )
        super().__init__("recall:aws:ZoomOAuthAppParameters", name, None, opts)
        tags = dict(args.tags) if args.tags else None
        child = pulumi.ResourceOptions(parent=self)

        app_id = aws.ssm.Parameter(
            f"{name}-app-id",
            name=f"{prefix}/{APP_ID_PARAMETER}",
            type=aws.ssm.ParameterType.STRING,
            insecure_value=args.app_id,
            description="Recall's id of the Zoom OAuth app",
            tags=tags,
            opts=child,
        )
        webhook_url = aws.ssm.Parameter(
            f"{name}-webhook-url",
            name=f"{prefix}/{WEBHOOK_URL_PARAMETER}",
            type=aws.ssm.ParameterType.STRING,
            insecure_value=args.webhook_url,
            description="The URL Zoom sends the Zoom app's event notifications to",
            tags=tags,
            opts=child,
        )

        self.app_id_parameter_name = app_id.name
        self.webhook_url_parameter_name = webhook_url.name
        self.register_outputs(
            {
                "app_id_parameter_name": self.app_id_parameter_name,
                "webhook_url_parameter_name": self.webhook_url_parameter_name,
            }
        )
