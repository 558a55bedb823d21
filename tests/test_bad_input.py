"""Malformed stacks, each rejected by a real `pulumi preview` before any request.

Every case is its own program or stack config. The preview must fail with a
message that names the field and the fix, no request may reach the emulator, and
no secret may be printed. Values known only after apply must preview cleanly.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.harness import EmulatorProcess, PulumiProject
from tests.test_faults import emulator_process  # noqa: F401 (fixture)

CLIENT_SECRET = "cs-bad-input-5e0a1f3c9d"
WEBHOOK_SECRET = "ws-bad-input-8b2e6d4f17"
PLAIN_API_KEY = "recall-plain-key-2f9b7e05"

VALID_INPUTS: dict[str, Any] = {
    "kind": "user_level",
    "client_id": "zoom-bad-input",
    "client_secret": CLIENT_SECRET,
    "webhook_secret": WEBHOOK_SECRET,
}

RESOURCE_PROGRAM = """\
from recall_provider import ZoomOAuthApp, ZoomOAuthAppArgs

ZoomOAuthApp("zoom-oauth-app", ZoomOAuthAppArgs(**{inputs!r}))
"""

KIND_FIX = "use 'user_level'"
KINDS = "'user_level' or 'account_level'"
REGIONS = "one of us-east-1, us-west-2, eu-central-1, ap-northeast-1"
URL_FORM = "such as 'https://us-east-1.recall.ai'"

# One declared input changed per case (None leaves it out), and the texts that
# the preview must print: the field, the problem and the fix.
RESOURCE_CASES = [
    pytest.param({"kind": None}, ["kind is missing", KINDS], id="kind-missing"),
    pytest.param({"kind": ""}, ["kind '' is not valid", KIND_FIX], id="kind-empty"),
    pytest.param(
        {"kind": "team"}, ["kind 'team' is not valid", KIND_FIX], id="kind-unknown"
    ),
    pytest.param({"kind": 1}, [f"kind must be the string {KINDS}"], id="kind-number"),
    pytest.param(
        {"client_id": None},
        ["client_id is missing", "set it to the Client ID"],
        id="client-id-missing",
    ),
    pytest.param(
        {"client_id": ""},
        ["client_id is empty or only whitespace", "set it to the Client ID"],
        id="client-id-empty",
    ),
    pytest.param(
        {"client_id": "   "},
        ["client_id is empty or only whitespace", "set it to the Client ID"],
        id="client-id-whitespace",
    ),
    pytest.param(
        {"client_id": " zoom-padded "},
        ["client_id ' zoom-padded ' has leading or trailing whitespace", "remove it"],
        id="client-id-padded",
    ),
    pytest.param(
        {"client_id": "z" * 201},
        ["client_id is 201 characters long", "at most 200", "Client ID"],
        id="client-id-too-long",
    ),
    pytest.param(
        {"client_id": 12345},
        ["client_id must be a string, not float", "set it to the Client ID"],
        id="client-id-number",
    ),
    pytest.param(
        {"client_id": True},
        ["client_id must be a string, not bool", "set it to the Client ID"],
        id="client-id-boolean",
    ),
    pytest.param(
        {"client_id": ["zoom-a", "zoom-b"]},
        ["client_id must be a string, not list", "set it to the Client ID"],
        id="client-id-list",
    ),
    pytest.param(
        {"client_id": {"id": "zoom-a"}},
        ["client_id must be a string, not dict", "set it to the Client ID"],
        id="client-id-map",
    ),
    pytest.param(
        {"client_secret": None},
        ["client_secret is missing", "set it to the Client Secret"],
        id="client-secret-missing",
    ),
    pytest.param(
        {"client_secret": "\t \n"},
        ["client_secret is empty or only whitespace", "Client Secret"],
        id="client-secret-whitespace",
    ),
    pytest.param(
        {"client_secret": "cs-" + "s" * 198},
        ["client_secret is 201 characters long", "at most 200", "Client Secret"],
        id="client-secret-too-long",
    ),
    pytest.param(
        {"client_secret": 424242},
        ["client_secret must be a string, not float", "Client Secret"],
        id="client-secret-number",
    ),
    pytest.param(
        {"webhook_secret": None},
        ["webhook_secret is missing", "set it to the Secret Token"],
        id="webhook-secret-missing",
    ),
    pytest.param(
        {"webhook_secret": ""},
        ["webhook_secret is empty or only whitespace", "Secret Token"],
        id="webhook-secret-empty",
    ),
    pytest.param(
        {"webhook_secret": " ws-padded-3c1d"},
        ["webhook_secret has leading or trailing whitespace", "remove it"],
        id="webhook-secret-padded",
    ),
    pytest.param(
        {"region": "mars-1"},
        ["region 'mars-1' is not a Recall region", REGIONS],
        id="region-unknown",
    ),
    pytest.param(
        {"region": 1},
        ["region must be a string", REGIONS],
        id="region-number",
    ),
    pytest.param(
        {"endpoint": "not a url"},
        ["endpoint 'not a url' is not an http(s) URL", URL_FORM],
        id="endpoint-not-url",
    ),
    pytest.param(
        {"endpoint": "ftp://127.0.0.1:8765"},
        ["endpoint 'ftp://127.0.0.1:8765' is not an http(s) URL", URL_FORM],
        id="endpoint-ftp",
    ),
    pytest.param(
        {"endpoint": "http://recall.example.com"},
        ["uses plain http to a host that is not loopback", "use https"],
        id="endpoint-plain-http",
    ),
    pytest.param(
        {"endpoint": "https://user:password@recall.example.com"},
        ["endpoint must not carry a user name or password", "remove the part"],
        id="endpoint-credentials",
    ),
    pytest.param(
        {"endpoint": "https://recall.example.com/?region=us"},
        ["must not have a query or fragment", "give the base URL only"],
        id="endpoint-query",
    ),
    pytest.param(
        {"endpoint": "http://127.0.0.1:99999"},
        ["endpoint 'http://127.0.0.1:99999' is not a valid URL", URL_FORM],
        id="endpoint-bad-port",
    ),
    pytest.param(
        {"endpoint": 8080},
        ["endpoint must be a string URL", "https://us-east-1.recall.ai"],
        id="endpoint-number",
    ),
    pytest.param(
        {"adopt": "yes"},
        ["adopt must be True or False, not str 'yes'"],
        id="adopt-string",
    ),
]


def assert_rejected(
    result: Any, expected: list[str], emulator: EmulatorProcess, secrets: list[str]
) -> None:
    printed = result.stdout + result.stderr
    assert result.returncode != 0, f"preview passed:\n{printed[-3000:]}"
    for text in expected:
        assert text in printed, f"{text!r} is not in the output:\n{printed[-3000:]}"
    assert emulator.requests() == [], "a request reached the emulator"
    for secret in secrets:
        assert secret not in printed, "the preview printed a secret"


@pytest.fixture(scope="module")
def resource_stack(
    tmp_path_factory: pytest.TempPathFactory,
    emulator_process: EmulatorProcess,  # noqa: F811
    api_key: str,
) -> PulumiProject:
    """One stack configured for the emulator. Each case writes its own program."""
    project = PulumiProject(tmp_path_factory.mktemp("bad-input") / "project")
    project.run(
        "config",
        "set-all",
        "--stack",
        project.stack,
        "--plaintext",
        f"recall:endpoint={emulator_process.url}",
        "--secret",
        f"recall:apiKey={api_key}",
    )
    return project


@pytest.mark.parametrize(("change", "expected"), RESOURCE_CASES)
def test_resource_input_rejected_at_preview(
    resource_stack: PulumiProject,
    emulator: EmulatorProcess,
    api_key: str,
    change: dict[str, Any],
    expected: list[str],
) -> None:
    inputs = {**VALID_INPUTS, **change}
    program = RESOURCE_PROGRAM.format(inputs=inputs)
    (resource_stack.dir / "__main__.py").write_text(program)

    result = resource_stack.preview(check=False)

    secrets = [api_key, CLIENT_SECRET, WEBHOOK_SECRET, "user:password"]
    secrets += [
        str(change[name]).strip()
        for name in ("client_secret", "webhook_secret")
        if isinstance(change.get(name), str) and change[name].strip()
    ]
    assert_rejected(result, expected, emulator, secrets)


# The demo program (the project's __main__.py) with broken stack config. Each
# case changes the valid config: a value set as (value, secret), or None to leave
# the key out.
ConfigChange = dict[str, tuple[str, bool] | None]


def demo_config(emulator: EmulatorProcess, api_key: str) -> dict[str, Any]:
    return {
        "recall:endpoint": (emulator.url, False),
        "recall:apiKey": (api_key, True),
        "zoomClientId": ("zoom-bad-config", False),
        "zoomClientSecret": (CLIENT_SECRET, True),
        "zoomWebhookSecret": (WEBHOOK_SECRET, True),
    }


CONFIG_CASES = [
    pytest.param(
        {"zoomClientSecret": (CLIENT_SECRET, False)},
        [
            "recall-zoom:zoomClientSecret is stored in plain text",
            "pulumi config set --secret zoomClientSecret",
        ],
        id="client-secret-plaintext",
    ),
    pytest.param(
        {"zoomWebhookSecret": (WEBHOOK_SECRET, False)},
        [
            "recall-zoom:zoomWebhookSecret is stored in plain text",
            "pulumi config set --secret zoomWebhookSecret",
        ],
        id="webhook-secret-plaintext",
    ),
    pytest.param(
        {"zoomClientId": None},
        [
            "Missing required configuration variable 'recall-zoom:zoomClientId'",
            "pulumi config set recall-zoom:zoomClientId <value>",
        ],
        id="client-id-missing",
    ),
    pytest.param(
        {"zoomWebhookSecret": None},
        [
            "Missing required configuration variable 'recall-zoom:zoomWebhookSecret'",
            "pulumi config set --secret recall-zoom:zoomWebhookSecret <value>",
        ],
        id="webhook-secret-missing",
    ),
    pytest.param(
        {"zoomAppKind": ("team", False)},
        ["kind 'team' is not valid", KIND_FIX],
        id="kind-unknown",
    ),
    pytest.param(
        {"zoomAdopt": ("maybe", False)},
        ["'recall-zoom:zoomAdopt' value 'maybe' is not a valid 'bool'"],
        id="adopt-not-boolean",
    ),
    pytest.param(
        {"recall:region": ("mars-1", False)},
        ["recall:region (or RECALL_REGION) is 'mars-1'", REGIONS],
        id="region-unknown",
    ),
    pytest.param(
        {"recall:endpoint": ("127.0.0.1:8765", False)},
        ["recall:endpoint '127.0.0.1:8765' is not an http(s) URL", URL_FORM],
        id="endpoint-malformed",
    ),
    pytest.param(
        {"recall:endpoint": ("http://recall.example.com", False)},
        [
            "recall:endpoint 'http://recall.example.com' uses plain http",
            "use https",
        ],
        id="endpoint-plain-http",
    ),
    pytest.param(
        {"recall:maxAttempts": ("three", False)},
        ["recall:maxAttempts must be a whole number of at least 1, not 'three'"],
        id="max-attempts-not-number",
    ),
    pytest.param(
        {"recall:requestTimeout": ("0", False)},
        ["recall:requestTimeout must be a positive number of seconds, not '0'"],
        id="request-timeout-zero",
    ),
    pytest.param(
        {"recall:apiKey": None},
        [
            "no Recall API key is set for region us-east-1",
            "pulumi config set --secret recall:apiKey <key>",
        ],
        id="api-key-missing",
    ),
    pytest.param(
        {"recall:apiKey": (PLAIN_API_KEY, False)},
        [
            "recall:apiKey is stored in plain text in the stack's config file",
            "pulumi config set --secret recall:apiKey <key>",
        ],
        id="api-key-plaintext",
    ),
    pytest.param(
        {"recall:apiKeys": ("not-a-map", True)},
        [
            "recall:apiKeys must be a map of region to API key",
            "pulumi config set --secret --path 'recall:apiKeys.<region>' <key>",
        ],
        id="api-keys-not-map",
    ),
    pytest.param(
        {"recall:adoptExisting": ("maybe", False)},
        ["recall:adoptExisting (or RECALL_ADOPT_EXISTING) must be true or false"],
        id="adopt-existing-not-boolean",
    ),
]


def set_config(project: PulumiProject, config: dict[str, Any]) -> None:
    """Set the whole stack config in one CLI call."""
    args = []
    for key, entry in config.items():
        if entry is not None:
            value, secret = entry
            args += ["--secret" if secret else "--plaintext", f"{key}={value}"]
    project.run("config", "set-all", "--stack", project.stack, *args)


@pytest.mark.parametrize(("change", "expected"), CONFIG_CASES)
def test_demo_config_rejected_at_preview(
    project: PulumiProject,
    emulator: EmulatorProcess,
    api_key: str,
    change: ConfigChange,
    expected: list[str],
) -> None:
    set_config(project, {**demo_config(emulator, api_key), **change})

    result = project.preview(check=False)

    secrets = [api_key, PLAIN_API_KEY, CLIENT_SECRET, WEBHOOK_SECRET]
    assert_rejected(result, expected, emulator, secrets)


# Values known only after apply reach check as unknowns during a preview.

LATER_PROGRAM = """\
import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider

from recall_provider import ZoomOAuthApp, ZoomOAuthAppArgs


class NoopProvider(ResourceProvider):
    def create(self, props):
        return CreateResult("noop", {{}})


class Noop(Resource):
    def __init__(self, name):
        super().__init__(NoopProvider(), name, {{}})


# A resource id is unknown until the resource is created, so every value derived
# from it is unknown during a preview.
noop = Noop("noop")
later = noop.id.apply(lambda _: {client_id!r})
endpoint = pulumi.Config().require("endpoint")
app = ZoomOAuthApp(
    "zoom-oauth-app",
    ZoomOAuthAppArgs(
        kind=later.apply(lambda _: "user_level"),
        client_id=later,
        client_secret=later.apply(lambda value: "cs-" + value.strip()),
        webhook_secret=later.apply(lambda value: "ws-" + value.strip()),
        region=later.apply(lambda _: "us-east-1"),
        endpoint=later.apply(lambda _: endpoint),
    ),
)
pulumi.export("appId", app.app_id)
"""


def later_stack(
    tmp_path: Path, emulator: EmulatorProcess, api_key: str, client_id: str
) -> PulumiProject:
    project = PulumiProject(
        tmp_path / "later", program=LATER_PROGRAM.format(client_id=client_id)
    )
    set_config(
        project,
        {"recall:apiKey": (api_key, True), "endpoint": (emulator.url, False)},
    )
    return project


def test_values_known_after_apply_preview_cleanly(
    tmp_path: Path, emulator: EmulatorProcess, api_key: str
) -> None:
    stack = later_stack(tmp_path, emulator, api_key, "zoom-known-later")

    preview = stack.preview(check=False)

    printed = preview.stdout + preview.stderr
    assert preview.returncode == 0, f"preview failed:\n{printed[-3000:]}"
    assert re.search(r"client_id\s*: \[unknown\]", printed), "client_id was known"
    assert emulator.requests() == []


def test_values_known_after_apply_create_app(
    tmp_path: Path, emulator: EmulatorProcess, api_key: str
) -> None:
    stack = later_stack(tmp_path, emulator, api_key, "zoom-known-later")

    stack.up()

    [app] = emulator.apps()
    assert app["client_id"] == "zoom-known-later"
    assert app["client_secret"] == "cs-zoom-known-later"
    assert stack.outputs()["appId"] == app["id"]


def test_value_invalid_once_known_fails_before_request(
    tmp_path: Path, emulator: EmulatorProcess, api_key: str
) -> None:
    stack = later_stack(tmp_path, emulator, api_key, " zoom-padded-later ")

    result = stack.up(check=False)

    printed = result.stdout + result.stderr
    assert result.returncode != 0
    expected = "client_id ' zoom-padded-later ' has leading or trailing whitespace"
    assert expected in printed
    assert emulator.requests() == []
    assert emulator.apps() == []
