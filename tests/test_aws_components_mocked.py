"""Tests of the AWS components with Pulumi's mocks, because no AWS account is
reachable here: the resources declared, their wiring and their IAM policies, as
the Pulumi engine would receive them. Nothing is deployed."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest

from recall_provider.aws import (
    FORWARDER_HANDLER_PATH,
    ComponentArgsError,
    ZoomOAuthAppParameters,
    ZoomOAuthAppParametersArgs,
    ZoomWebhookForwarder,
    ZoomWebhookForwarderArgs,
)
from tests.harness import REPO_ROOT

ACCOUNT = "123456789012"
REGION = "us-east-1"
RECALL_URL = (
    "https://us-east-1.recall.ai/api/v2/zoom-oauth-apps/"
    "9f0c4a57-2d7e-4d1b-a0f4-3c2b8e6d5a10/webhook"
)
FUNCTION_URL = "https://abcdefghijklmnop.lambda-url.us-east-1.on.aws/"

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
FUNCTION = "aws:lambda/function:Function"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
PERMISSION = "aws:lambda/permission:Permission"
FUNCTION_URL_TYPE = "aws:lambda/functionUrl:FunctionUrl"
PARAMETER = "aws:ssm/parameter:Parameter"


@dataclass
class MockResource:
    type: str
    name: str
    inputs: dict[str, Any]
    state: dict[str, Any]
    id: str


class AwsMocks(pulumi.runtime.Mocks):
    """Records each resource and fills in the outputs AWS would compute."""

    def __init__(self) -> None:
        self.resources: list[MockResource] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        state = dict(args.inputs)
        if args.typ == ROLE:
            state["arn"] = f"arn:aws:iam::{ACCOUNT}:role/{args.name}-7f3a2b1"
        elif args.typ == FUNCTION:
            # Pulumi's auto-naming adds a random suffix to the resource name.
            state["name"] = state.get("name") or f"{args.name}-5e8d1c4"
            state["arn"] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{state['name']}"
        elif args.typ == LOG_GROUP:
            state["arn"] = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{state['name']}"
        elif args.typ == FUNCTION_URL_TYPE:
            state["function_url"] = FUNCTION_URL
        elif args.typ == PARAMETER:
            state["arn"] = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{state['name']}"
        resource_id = f"{args.name}-id"
        self.resources.append(
            MockResource(args.typ, args.name, dict(args.inputs), state, resource_id)
        )
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list]:
        raise AssertionError(f"unexpected call to {args.token}")

    def of_type(self, type_token: str) -> list[MockResource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str) -> MockResource:
        (resource,) = self.of_type(type_token)
        return resource


def deploy(
    program: Callable[[], pulumi.Output[Any]],
) -> tuple[AwsMocks, dict[str, Any]]:
    """Run ``program`` under mocks and return the resources and its output's value."""
    mocks = AwsMocks()
    pulumi.runtime.set_mocks(mocks, project="recall-zoom", stack="test", preview=False)
    result: dict[str, Any] = {}

    @pulumi.runtime.test
    def run() -> pulumi.Output[Any]:
        return program().apply(lambda value: result.update(value=value))

    run()
    return mocks, result.get("value")


def forwarder_outputs(
    args: ZoomWebhookForwarderArgs,
) -> Callable[[], pulumi.Output[Any]]:
    def program() -> pulumi.Output[Any]:
        forwarder = ZoomWebhookForwarder("zoom-forwarder", args)
        return pulumi.Output.all(
            url=forwarder.url,
            function_name=forwarder.function_name,
            function_arn=forwarder.function_arn,
            role_arn=forwarder.role_arn,
            log_group_name=forwarder.log_group_name,
        )

    return program


def statements(policy: str) -> list[dict[str, Any]]:
    document = json.loads(policy)
    assert document["Version"] == "2012-10-17"
    result: list[dict[str, Any]] = document["Statement"]
    return result


def test_forwarder_mocked_declares_resources() -> None:
    mocks, _ = deploy(forwarder_outputs(ZoomWebhookForwarderArgs(RECALL_URL)))

    types = sorted(r.type for r in mocks.resources)
    assert types == sorted(
        [
            "recall:aws:ZoomWebhookForwarder",
            ROLE,
            ROLE_POLICY,
            FUNCTION,
            LOG_GROUP,
            PERMISSION,
            PERMISSION,
            FUNCTION_URL_TYPE,
        ]
    )


def test_forwarder_mocked_wiring() -> None:
    mocks, outputs = deploy(forwarder_outputs(ZoomWebhookForwarderArgs(RECALL_URL)))

    role = mocks.one(ROLE)
    function = mocks.one(FUNCTION)
    log_group = mocks.one(LOG_GROUP)
    function_url = mocks.one(FUNCTION_URL_TYPE)
    function_name = function.state["name"]
    assert function.inputs["role"] == role.state["arn"]
    assert function.inputs["runtime"] == "python3.12"
    assert function.inputs["handler"] == "forwarder_handler.handler"
    assert function.inputs["timeout"] == 15
    assert log_group.inputs["name"] == f"/aws/lambda/{function_name}"
    assert log_group.inputs["retentionInDays"] == 14
    assert function_url.inputs["functionName"] == function_name
    assert function_url.inputs["authorizationType"] == "NONE"
    assert outputs == {
        "url": FUNCTION_URL,
        "function_name": function_name,
        "function_arn": function.state["arn"],
        "role_arn": role.state["arn"],
        "log_group_name": f"/aws/lambda/{function_name}",
    }


def test_forwarder_mocked_environment() -> None:
    mocks, _ = deploy(forwarder_outputs(ZoomWebhookForwarderArgs(RECALL_URL)))

    variables = mocks.one(FUNCTION).inputs["environment"]["variables"]
    assert variables == {
        "RECALL_WEBHOOK_URL": RECALL_URL,
        "RECALL_TIMEOUT_SECONDS": "13",
    }


def test_forwarder_mocked_fanout_environment() -> None:
    args = ZoomWebhookForwarderArgs(
        RECALL_URL,
        fanout_url="https://hooks.example.com/zoom?token=t0k3n",
        fanout_timeout_seconds=2.5,
        timeout_seconds=20,
    )

    mocks, _ = deploy(forwarder_outputs(args))

    variables = mocks.one(FUNCTION).inputs["environment"]["variables"]
    assert variables["FANOUT_URL"] == "https://hooks.example.com/zoom?token=t0k3n"
    assert variables["FANOUT_TIMEOUT_SECONDS"] == "2.5"
    assert variables["RECALL_TIMEOUT_SECONDS"] == "18"
    assert variables["RECALL_WEBHOOK_URL"] == RECALL_URL


def test_forwarder_mocked_packages_handler_only() -> None:
    mocks, _ = deploy(forwarder_outputs(ZoomWebhookForwarderArgs(RECALL_URL)))

    code = mocks.one(FUNCTION).inputs["code"]
    assert isinstance(code, pulumi.AssetArchive)
    assert list(code.assets) == ["forwarder_handler.py"]
    asset = code.assets["forwarder_handler.py"]
    assert isinstance(asset, pulumi.FileAsset)
    assert Path(asset.path) == FORWARDER_HANDLER_PATH
    assert FORWARDER_HANDLER_PATH.is_file()


def test_forwarder_mocked_trust_policy() -> None:
    mocks, _ = deploy(forwarder_outputs(ZoomWebhookForwarderArgs(RECALL_URL)))

    role = mocks.one(ROLE)
    (statement,) = statements(role.inputs["assumeRolePolicy"])
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert "managedPolicyArns" not in role.inputs
    assert "inlinePolicies" not in role.inputs


def test_forwarder_mocked_logging_policy() -> None:
    mocks, _ = deploy(forwarder_outputs(ZoomWebhookForwarderArgs(RECALL_URL)))

    role_policy = mocks.one(ROLE_POLICY)
    log_group_arn = mocks.one(LOG_GROUP).state["arn"]
    assert role_policy.inputs["role"] == mocks.one(ROLE).id
    (statement,) = statements(role_policy.inputs["policy"])
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["Resource"] == [f"{log_group_arn}:*"]
    assert "aws:iam/rolePolicyAttachment:RolePolicyAttachment" not in [
        r.type for r in mocks.resources
    ]


def test_forwarder_mocked_public_url_permissions() -> None:
    mocks, _ = deploy(forwarder_outputs(ZoomWebhookForwarderArgs(RECALL_URL)))

    function_name = mocks.one(FUNCTION).state["name"]
    permissions = {p.inputs["action"]: p.inputs for p in mocks.of_type(PERMISSION)}
    assert set(permissions) == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
    url_permission = permissions["lambda:InvokeFunctionUrl"]
    assert url_permission["function"] == function_name
    assert url_permission["principal"] == "*"
    assert url_permission["functionUrlAuthType"] == "NONE"
    invoke_permission = permissions["lambda:InvokeFunction"]
    assert invoke_permission["function"] == function_name
    assert invoke_permission["principal"] == "*"
    assert invoke_permission["invokedViaFunctionUrl"] is True


def test_forwarder_mocked_custom_retention_and_tags() -> None:
    args = ZoomWebhookForwarderArgs(
        RECALL_URL, log_retention_days=90, tags={"team": "meetings"}
    )

    mocks, _ = deploy(forwarder_outputs(args))

    assert mocks.one(LOG_GROUP).inputs["retentionInDays"] == 90
    for type_token in (ROLE, FUNCTION, LOG_GROUP):
        assert mocks.one(type_token).inputs["tags"] == {"team": "meetings"}


def test_forwarder_mocked_takes_output_url() -> None:
    def program() -> pulumi.Output[Any]:
        recall_url = pulumi.Output.from_input(RECALL_URL)
        return ZoomWebhookForwarder(
            "zoom-forwarder", ZoomWebhookForwarderArgs(recall_url)
        ).url

    mocks, url = deploy(program)

    assert url == FUNCTION_URL
    variables = mocks.one(FUNCTION).inputs["environment"]["variables"]
    assert variables["RECALL_WEBHOOK_URL"] == RECALL_URL


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"recall_webhook_url": "http://us-east-1.recall.ai/x"}, "recall_webhook_url"),
        ({"recall_webhook_url": ""}, "recall_webhook_url must be a non-empty"),
        ({"recall_webhook_url": RECALL_URL + "?a=1"}, "must not have a query"),
        ({"fanout_url": "http://hooks.example.com/z?token=t0k3n"}, "fanout_url"),
        ({"fanout_url": "https://u:p@hooks.example.com/z"}, "user name or password"),
        ({"log_retention_days": 10}, "log_retention_days 10"),
        ({"timeout_seconds": 1000}, "timeout_seconds 1000"),
        ({"timeout_seconds": 2}, "timeout_seconds 2"),
        ({"fanout_timeout_seconds": 0}, "fanout_timeout_seconds 0"),
        ({"fanout_timeout_seconds": 7.5}, "fanout_timeout_seconds 7.5"),
        ({"memory_size_mb": 64}, "memory_size_mb 64"),
    ],
)
def test_forwarder_mocked_rejects_bad_args(
    changes: dict[str, Any], expected: str
) -> None:
    args = ZoomWebhookForwarderArgs(**{"recall_webhook_url": RECALL_URL, **changes})

    with pytest.raises(ComponentArgsError) as caught:
        deploy(forwarder_outputs(args))

    assert expected in str(caught.value)
    assert "t0k3n" not in str(caught.value)


def test_forwarder_mocked_rejects_bad_output_url() -> None:
    def program() -> pulumi.Output[Any]:
        recall_url = pulumi.Output.from_input("http://us-east-1.recall.ai/x")
        return ZoomWebhookForwarder(
            "zoom-forwarder", ZoomWebhookForwarderArgs(recall_url)
        ).url

    # Pulumi wraps an error raised while it resolves an input, message included.
    with pytest.raises(ValueError, match="recall_webhook_url must be an https URL"):
        deploy(program)


def parameters_outputs(
    name: str, args: ZoomOAuthAppParametersArgs
) -> Callable[[], pulumi.Output[Any]]:
    def program() -> pulumi.Output[Any]:
        parameters = ZoomOAuthAppParameters(name, args)
        return pulumi.Output.all(
            parameters.app_id_parameter_name, parameters.webhook_url_parameter_name
        )

    return program


def test_parameters_mocked_default_prefix() -> None:
    app_id = pulumi.Output.from_input("9f0c4a57-2d7e-4d1b-a0f4-3c2b8e6d5a10")
    args = ZoomOAuthAppParametersArgs(app_id=app_id, webhook_url=RECALL_URL)

    mocks, names = deploy(parameters_outputs("production", args))

    assert names == [
        "/recall/zoom/production/app-id",
        "/recall/zoom/production/webhook-url",
    ]
    by_name = {p.inputs["name"]: p.inputs for p in mocks.of_type(PARAMETER)}
    app_parameter = by_name["/recall/zoom/production/app-id"]
    assert app_parameter["type"] == "String"
    assert app_parameter["insecureValue"] == "9f0c4a57-2d7e-4d1b-a0f4-3c2b8e6d5a10"
    url_parameter = by_name["/recall/zoom/production/webhook-url"]
    assert url_parameter["type"] == "String"
    assert url_parameter["insecureValue"] == RECALL_URL


def test_parameters_mocked_custom_prefix() -> None:
    args = ZoomOAuthAppParametersArgs(
        app_id="app-1",
        webhook_url=RECALL_URL,
        prefix="/team-a/services/zoom.prod",
        tags={"team": "meetings"},
    )

    mocks, names = deploy(parameters_outputs("zoom", args))

    assert names == [
        "/team-a/services/zoom.prod/app-id",
        "/team-a/services/zoom.prod/webhook-url",
    ]
    for parameter in mocks.of_type(PARAMETER):
        assert parameter.inputs["tags"] == {"team": "meetings"}


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("recall/zoom", "must start with '/'"),
        ("/recall/zoom/", "must not end with '/'; use '/recall/zoom'"),
        ("/", "not a valid SSM parameter path"),
        ("/recall zoom", "not a valid SSM parameter path"),
        ("/recall//zoom", "not a valid SSM parameter path"),
        ("/recall/zoom$", "not a valid SSM parameter path"),
        ("/aws/zoom", "begins with 'aws'"),
        ("/SSMparams/zoom", "begins with 'SSM'"),
        ("/l" * 15, "has 15 levels"),
        ("/" + "a" * 1000, "1011 characters"),
    ],
)
def test_parameters_mocked_rejects_bad_prefix(prefix: str, expected: str) -> None:
    args = ZoomOAuthAppParametersArgs("app-1", RECALL_URL, prefix=prefix)

    with pytest.raises(ComponentArgsError) as caught:
        deploy(parameters_outputs("zoom", args))

    assert "prefix" in str(caught.value)
    assert expected in str(caught.value)


def test_parameters_mocked_reject_creates_nothing() -> None:
    mocks = AwsMocks()
    pulumi.runtime.set_mocks(mocks, project="recall-zoom", stack="test", preview=False)
    args = ZoomOAuthAppParametersArgs("app-1", RECALL_URL, prefix="no-slash")

    @pulumi.runtime.test
    def run() -> None:
        with pytest.raises(ComponentArgsError):
            ZoomOAuthAppParameters("zoom", args)

    run()
    assert mocks.resources == []


def test_package_import_skips_pulumi_aws() -> None:
    script = (
        "import sys, recall_provider, recall_provider.webhook_check\n"
        "print('pulumi_aws' in sys.modules)\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
