"""``ZoomWebhookForwarder``: an AWS Lambda function URL that forwards a Zoom app's
webhook events to Recall and, optionally, to a second endpoint of your own."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pulumi
import pulumi_aws as aws

from recall_provider.aws.validation import (
    ComponentArgsError,
    validate_https_url,
    validated_input,
)

__all__ = [
    "FORWARDER_HANDLER",
    "FORWARDER_HANDLER_PATH",
    "LOG_RETENTION_DAYS",
    "ZoomWebhookForwarder",
    "ZoomWebhookForwarderArgs",
]

# The Lambda handler: one standard-library module, packaged alone.
FORWARDER_HANDLER_PATH = Path(__file__).with_name("forwarder_handler.py")
FORWARDER_HANDLER = "forwarder_handler.handler"

# The values CloudWatch Logs accepts for a log group's retention, in days
# (PutRetentionPolicy in the CloudWatch Logs API reference).
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
    2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

# Lambda's limits on a function's timeout and memory.
_MAX_TIMEOUT_SECONDS = 900
_MIN_MEMORY_MB = 128
_MAX_MEMORY_MB = 10240

# Seconds the function keeps after Recall's timeout, to send its response.
_RESPONSE_MARGIN_SECONDS = 2


@dataclass
class ZoomWebhookForwarderArgs:
    """The arguments of a ``ZoomWebhookForwarder``."""

    recall_webhook_url: pulumi.Input[str]
    """The Zoom OAuth app's webhook URL, such as ``ZoomOAuthApp.webhook_url``."""
    fanout_url: pulumi.Input[str] | None = None
    """An https endpoint of your own that also receives every event, with its
    body and x-zm-* headers unchanged; None to forward to Recall only. Pass it
    as ``pulumi.Output.secret(...)`` when its query contains a token."""
    log_retention_days: int = 14
    """Days CloudWatch keeps the function's logs; one of ``LOG_RETENTION_DAYS``."""
    timeout_seconds: int = 15
    """The function's timeout. Recall gets this minus 2 seconds to respond."""
    fanout_timeout_seconds: float = 3.0
    """Seconds to wait for the second endpoint at each step of its request."""
    memory_size_mb: int = 128
    """The function's memory, in MB."""
    tags: Mapping[str, str] | None = None
    """Tags for the role, the log group and the function."""


def _validate_args(args: ZoomWebhookForwarderArgs) -> None:
    if args.log_retention_days not in LOG_RETENTION_DAYS:
        allowed = ", ".join(str(days) for days in LOG_RETENTION_DAYS)
        raise ComponentArgsError(
            f"log_retention_days {args.log_retention_days!r} is not a retention "
            f"that CloudWatch Logs accepts; use one of {allowed}"
        )
    timeout = args.timeout_seconds
    if not isinstance(timeout, int) or not (
        _RESPONSE_MARGIN_SECONDS < timeout <= _MAX_TIMEOUT_SECONDS
    ):
        raise ComponentArgsError(
            f"timeout_seconds {timeout!r} must be a whole number of seconds from "
            f"{_RESPONSE_MARGIN_SECONDS + 1} to {_MAX_TIMEOUT_SECONDS}"
        )
    fanout_timeout = args.fanout_timeout_seconds
    # The handler waits for the second endpoint up to twice its timeout plus 1 s.
    if (
        not isinstance(fanout_timeout, int | float)
        or not fanout_timeout > 0
        or not fanout_timeout * 2 + 1 < timeout
    ):
        raise ComponentArgsError(
            f"fanout_timeout_seconds {fanout_timeout!r} must be positive and less "
            f"than (timeout_seconds - 1) / 2, that is {(timeout - 1) / 2:g}"
        )
    memory = args.memory_size_mb
    if not isinstance(memory, int) or not _MIN_MEMORY_MB <= memory <= _MAX_MEMORY_MB:
        raise ComponentArgsError(
            f"memory_size_mb {memory!r} must be a whole number from "
            f"{_MIN_MEMORY_MB} to {_MAX_MEMORY_MB}"
        )


def assume_role_policy() -> str:
    """Return the trust policy that lets only the Lambda service assume the role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def logging_policy(log_group_arn: str) -> str:
    """Return the policy that lets the function write to its own log group only.

    ``log_group_arn`` has no ``:*`` suffix, as pulumi-aws returns it. IAM policies
    name a log group's streams as ``<log group ARN>:*`` (CloudWatch Logs user
    guide, "CloudWatch Logs resources and operations"). The role has no
    logs:CreateLogGroup, because this component creates the group.
    """
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": [f"{log_group_arn}:*"],
                }
            ],
        }
    )


class ZoomWebhookForwarder(pulumi.ComponentResource):
    """A public Lambda function URL for a Zoom app's event notifications.

    It creates an IAM role, the Lambda function (Python 3.12, standard library
    only), its log group ``/aws/lambda/<function name>`` with a retention, and a
    function URL. Give ``url`` to Zoom as the event notification endpoint URL.

    The URL takes requests without AWS authentication, because Zoom cannot sign
    requests the way AWS requires. Zoom's own signature protects the events:
    Recall verifies it, and a second endpoint must verify it too, because
    anyone with the URL can send requests through it.
    """

    url: pulumi.Output[str]
    """The function URL to give Zoom as the event notification endpoint URL."""
    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: ZoomWebhookForwarderArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("recall:aws:ZoomWebhookForwarder", name, None, opts)
        _validate_args(args)
        recall_url = validated_input(
            args.recall_webhook_url,
            partial(validate_https_url, "recall_webhook_url", allow_query=False),
        )
        variables: dict[str, pulumi.Input[str]] = {
            "RECALL_WEBHOOK_URL": recall_url,
            "RECALL_TIMEOUT_SECONDS": str(
                args.timeout_seconds - _RESPONSE_MARGIN_SECONDS
            ),
        }
        if args.fanout_url is not None:
            variables["FANOUT_URL"] = validated_input(
                args.fanout_url,
                partial(validate_https_url, "fanout_url", allow_query=True),
            )
            variables["FANOUT_TIMEOUT_SECONDS"] = f"{args.fanout_timeout_seconds:g}"
        tags = dict(args.tags) if args.tags else None
        child = pulumi.ResourceOptions(parent=self)

        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=assume_role_policy(),
            description="Runs the Lambda function that forwards Zoom webhook events",
            tags=tags,
            opts=child,
        )
        function = aws.lambda_.Function(
            f"{name}-function",
            role=role.arn,
            runtime=aws.lambda_.Runtime.PYTHON3D12,
            handler=FORWARDER_HANDLER,
            code=pulumi.AssetArchive(
                {FORWARDER_HANDLER_PATH.name: pulumi.FileAsset(FORWARDER_HANDLER_PATH)}
            ),
            timeout=args.timeout_seconds,
            memory_size=args.memory_size_mb,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=variables),
            description="Forwards a Zoom app's webhook events to Recall",
            tags=tags,
            opts=child,
        )
        # Lambda writes to /aws/lambda/<function name>. Creating the group here
        # sets its retention, and the role cannot create it.
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=function.name.apply(
                lambda function_name: f"/aws/lambda/{function_name}"
            ),
            retention_in_days=args.log_retention_days,
            tags=tags,
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-logging",
            role=role.id,
            policy=log_group.arn.apply(logging_policy),
            opts=child,
        )

        # Function URLs created since October 2025 need both permissions (Lambda
        # developer guide, "Control access to Lambda function URLs").
        public_url = aws.lambda_.Permission(
            f"{name}-public-url",
            function=function.name,
            action="lambda:InvokeFunctionUrl",
            principal="*",
            function_url_auth_type="NONE",
            opts=child,
        )
        public_invoke = aws.lambda_.Permission(
            f"{name}-public-invoke",
            function=function.name,
            action="lambda:InvokeFunction",
            principal="*",
            invoked_via_function_url=True,
            opts=child,
        )
        # The URL comes last, so that no event arrives before logging works.
        function_url = aws.lambda_.FunctionUrl(
            f"{name}-url",
            function_name=function.name,
            authorization_type="NONE",
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[log_group, role_policy, public_url, public_invoke],
            ),
        )

        self.url = function_url.function_url
        self.function_name = function.name
        self.function_arn = function.arn
        self.role_arn = role.arn
        self.log_group_name = log_group.name
        self.register_outputs(
            {
                "url": self.url,
                "function_name": self.function_name,
                "function_arn": self.function_arn,
                "role_arn": self.role_arn,
                "log_group_name": self.log_group_name,
            }
        )
