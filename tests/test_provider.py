"""Provider tests: each method called directly, the way the engine calls it, with
plain dicts, against the emulator over a real socket."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.output import Unknown
from pulumi.runtime import rpc

from recall_provider import (
    RecallAuthError,
    RecallConflictError,
    RecallNotFoundError,
    ZoomOAuthAppProvider,
    inventory,
)
from recall_provider.settings import set_settings, settings_from_config
from recall_provider.webhook_check import WebhookCheckError
from tests.harness import EmulatorProcess, checked

UNKNOWN = rpc.UNKNOWN


def test_check_fills_region_and_endpoint(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any], emulator: EmulatorProcess
) -> None:
    result = checked(provider, inputs)

    assert result["region"] == "us-east-1"
    assert result["endpoint"] == emulator.url


def test_check_normalizes_endpoint_slash(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any]
) -> None:
    result = checked(provider, {**inputs, "endpoint": "http://127.0.0.1:9/"})

    assert result["endpoint"] == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("kind", None, "kind is missing"),
        ("kind", "admin", "'admin' is not valid"),
        ("kind", 3.0, "must be the string"),
        ("client_id", "", "empty"),
        ("client_id", "   ", "only whitespace"),
        ("client_id", " abc", "leading or trailing whitespace"),
        ("client_id", "x" * 201, "at most 200"),
        ("client_id", ["a"], "must be a string"),
        ("client_secret", None, "client_secret is missing"),
        ("client_secret", "s" * 201, "at most 200"),
        ("webhook_secret", "", "empty"),
        ("webhook_secret", 12.0, "must be a string"),
        ("region", "mars-1", "not a Recall region"),
        ("region", 1.0, "must be a string"),
        ("endpoint", "not a url", "not an http(s) URL"),
        ("endpoint", "ftp://127.0.0.1", "not an http(s) URL"),
        ("endpoint", "http://recall.example.com", "plain http"),
        ("endpoint", "https://user:pw@recall.example.com", "user name or password"),
        (
            "endpoint",
            "https://user:pw@recall.example.com:99999",
            "user name or password",
        ),
        ("endpoint", "https://recall.example.com/?a=1", "query or fragment"),
    ],
)
def test_check_reports_invalid_field(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    field: str,
    value: object,
    expected: str,
) -> None:
    bad = {**inputs, field: value}
    if value is None:
        del bad[field]

    result = provider.check({}, bad)

    # A failure whose value must not be printed names no property; its message
    # still starts with the field.
    reasons = {f.property or f.reason.split()[0]: f.reason for f in result.failures}
    assert field in reasons
    assert expected in reasons[field]
    assert emulator.requests() == []


def test_check_hides_endpoint_credentials(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any]
) -> None:
    endpoint = "https://user:hunter2@recall.example.com"

    result = provider.check({}, {**inputs, "endpoint": endpoint})

    [failure] = result.failures
    assert failure.property == "", "the engine would print the endpoint's value"
    assert "hunter2" not in failure.reason
    assert "endpoint" in failure.reason


def test_check_never_shows_secret_values(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any]
) -> None:
    secret = " padded-secret-value "
    result = provider.check({}, {**inputs, "client_secret": secret})

    [failure] = result.failures
    assert "padded-secret-value" not in failure.reason


def test_check_accepts_unknown_values(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any]
) -> None:
    result = provider.check(
        {}, {**inputs, "client_id": UNKNOWN, "webhook_secret": UNKNOWN}
    )

    assert result.failures == []


def test_check_accepts_unknown_objects(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any]
) -> None:
    # SDK 3.272 delivers a value not known yet as an Unknown object.
    result = provider.check({}, {**inputs, "client_id": Unknown(), "region": Unknown()})

    assert result.failures == []


def test_check_reports_missing_api_key(inputs: dict[str, Any]) -> None:
    provider = ZoomOAuthAppProvider()
    set_settings(settings_from_config({}, environ={}))

    result = provider.check({}, inputs)

    reasons = [f.reason for f in result.failures]
    assert any("pulumi config set --secret recall:apiKey" in r for r in reasons)


def test_create_read_update_delete(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any], emulator: EmulatorProcess
) -> None:
    props = checked(provider, inputs)

    created = provider.create(props)
    app_id = created.id
    outs = created.outs
    assert outs is not None
    assert outs["app_id"] == app_id
    assert (
        outs["webhook_url"] == f"{emulator.url}/api/v2/zoom-oauth-apps/{app_id}/webhook"
    )
    assert outs["client_secret"] == inputs["client_secret"]

    read = provider.read(app_id, outs)
    assert read.id == app_id
    assert read.outs == outs
    assert read.inputs is not None
    assert read.inputs["client_id"] == inputs["client_id"]

    news = {**props, "webhook_secret": "rotated-webhook-secret"}
    updated = provider.update(app_id, outs, news)
    assert updated.outs is not None
    assert updated.outs["app_id"] == app_id
    assert updated.outs["webhook_secret"] == "rotated-webhook-secret"
    assert emulator.apps()[0]["webhook_secret"] == "rotated-webhook-secret"

    provider.delete(app_id, updated.outs)
    assert emulator.apps() == []


def test_read_of_deleted_app_drops_it(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any], emulator: EmulatorProcess
) -> None:
    created = provider.create(checked(provider, inputs))
    provider.delete(created.id, created.outs or {})

    read = provider.read(created.id, created.outs or {})

    assert not read.id
    assert read.outs == {}


def test_read_keeps_declared_secrets_when_not_echoed(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any], emulator: EmulatorProcess
) -> None:
    created = provider.create(checked(provider, inputs))
    emulator.configure(echo_secrets=False)

    read = provider.read(created.id, created.outs or {})

    assert read.outs is not None
    assert read.outs["client_secret"] == inputs["client_secret"]
    assert read.outs["webhook_secret"] == inputs["webhook_secret"]


def test_delete_of_missing_app_succeeds(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any], emulator: EmulatorProcess
) -> None:
    created = provider.create(checked(provider, inputs))
    provider.delete(created.id, created.outs or {})

    provider.delete(created.id, created.outs or {})

    assert [r["status"] for r in emulator.requests() if r["method"] == "DELETE"] == [
        204,
        404,
    ]


def test_update_of_missing_app_says_to_refresh(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any]
) -> None:
    created = provider.create(checked(provider, inputs))
    outs = created.outs or {}
    provider.delete(created.id, outs)

    with pytest.raises(RecallNotFoundError, match="pulumi refresh"):
        provider.update(created.id, outs, {**outs, "client_secret": "new"})


def test_wrong_api_key_says_region(
    emulator: EmulatorProcess, inputs: dict[str, Any]
) -> None:
    provider = ZoomOAuthAppProvider()
    config = {"recall:apiKey": "not-a-key", "recall:endpoint": emulator.url}
    provider.configure(ConfigureRequest(Config(config, "recall-zoom")))

    with pytest.raises(RecallAuthError) as caught:
        provider.create(checked(provider, inputs))

    assert "region us-east-1" in str(caught.value)
    assert "not-a-key" not in str(caught.value)


@pytest.mark.parametrize(
    ("change", "replaces"),
    [
        ({"kind": "account_level"}, ["kind"]),
        ({"client_id": "other"}, ["client_id"]),
        ({"region": "eu-central-1"}, ["region"]),
        ({"endpoint": "http://127.0.0.1:1"}, ["endpoint"]),
        ({"client_id": UNKNOWN}, ["client_id"]),
    ],
)
def test_diff_replaces(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    change: dict[str, str],
    replaces: list[str],
) -> None:
    created = provider.create(checked(provider, inputs))
    news = {**checked(provider, inputs), **change}

    diff = provider.diff(created.id, created.outs or {}, news)

    assert diff.changes is True
    assert diff.replaces == replaces


@pytest.mark.parametrize("field", ["client_secret", "webhook_secret"])
def test_diff_updates_secret_in_place(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any], field: str
) -> None:
    created = provider.create(checked(provider, inputs))
    news = {**checked(provider, inputs), field: "changed"}

    diff = provider.diff(created.id, created.outs or {}, news)

    assert diff.changes is True
    assert diff.replaces == []


def test_diff_ignores_provider_and_outputs(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any]
) -> None:
    created = provider.create(checked(provider, inputs))
    olds = {**(created.outs or {}), "__provider": "old-pickle"}
    news = {**checked(provider, inputs), "__provider": "new-pickle"}

    diff = provider.diff(created.id, olds, news)

    assert diff.changes is False
    assert diff.replaces == []


def test_provider_pickles_by_reference_without_settings() -> None:
    from pulumi.dynamic.dynamic import serialize_provider

    set_settings(settings_from_config({"recall:apiKey": "pickle-test-key"}, environ={}))

    serialized = serialize_provider(ZoomOAuthAppProvider())

    import base64

    raw = base64.b64decode(serialized)
    assert b"recall_provider.provider" in raw
    assert b"ZoomOAuthAppProvider" in raw
    assert b"pickle-test-key" not in raw
    assert len(raw) < 200


def create_by_hand(emulator: EmulatorProcess, api_key: str, **body: str) -> str:
    """Create an app through the API, as a person with curl would."""
    response = httpx.post(
        f"{emulator.url}/api/v2/zoom-oauth-apps/",
        json=body,
        headers={"Authorization": f"Token {api_key}"},
    )
    response.raise_for_status()
    return str(response.json()["id"])


def test_create_refuses_existing_app_for_client_id(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    api_key: str,
) -> None:
    existing = create_by_hand(emulator, api_key, **inputs)

    with pytest.raises(RecallConflictError) as caught:
        provider.create(checked(provider, inputs))

    message = str(caught.value)
    assert existing in message
    assert "region us-east-1" in message
    assert "adopt=True" in message
    assert "delete it" in message
    assert inputs["client_secret"] not in message
    assert len(emulator.apps()) == 1
    posts = [r for r in emulator.requests() if r["method"] == "POST"]
    assert len(posts) == 1, "the provider sent a create"


def test_adopt_takes_over_and_sets_secrets(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    api_key: str,
) -> None:
    existing = create_by_hand(
        emulator, api_key, **{**inputs, "client_secret": "made-by-hand"}
    )

    created = provider.create(checked(provider, {**inputs, "adopt": True}))

    assert created.id == existing
    [app] = emulator.apps()
    assert app["client_secret"] == inputs["client_secret"]
    assert [r["method"] for r in emulator.requests()][-1] == "PATCH"


def test_adopt_without_echoed_secrets_sets_them(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    api_key: str,
) -> None:
    create_by_hand(emulator, api_key, **{**inputs, "webhook_secret": "made-by-hand"})
    emulator.configure(echo_secrets=False)

    provider.create(checked(provider, {**inputs, "adopt": True}))

    [app] = emulator.apps()
    assert app["webhook_secret"] == inputs["webhook_secret"]


def test_adopt_setting_applies_to_every_app(
    emulator: EmulatorProcess, inputs: dict[str, Any], api_key: str
) -> None:
    existing = create_by_hand(emulator, api_key, **inputs)
    provider = ZoomOAuthAppProvider()
    config = {
        "recall:apiKey": api_key,
        "recall:endpoint": emulator.url,
        "recall:adoptExisting": "true",
    }
    provider.configure(ConfigureRequest(Config(config, "recall-zoom")))
    inventory.clear()

    created = provider.create(checked(provider, inputs))

    assert created.id == existing
    inventory.clear()


def test_adopt_refuses_other_kind(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    api_key: str,
) -> None:
    create_by_hand(emulator, api_key, **{**inputs, "kind": "account_level"})

    with pytest.raises(RecallConflictError, match="cannot change the kind"):
        provider.create(checked(provider, {**inputs, "adopt": True}))


def test_adopt_refuses_two_existing_apps(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    api_key: str,
) -> None:
    first = create_by_hand(emulator, api_key, **inputs)
    second = create_by_hand(emulator, api_key, **inputs)

    with pytest.raises(RecallConflictError) as caught:
        provider.create(checked(provider, {**inputs, "adopt": True}))

    assert first in str(caught.value)
    assert second in str(caught.value)
    assert len(emulator.apps()) == 2


def test_many_creates_list_the_workspace_once(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any], emulator: EmulatorProcess
) -> None:
    for number in range(5):
        provider.create(checked(provider, {**inputs, "client_id": f"client-{number}"}))

    methods = [r["method"] for r in emulator.requests()]
    assert methods.count("GET") == 1
    assert methods.count("POST") == 5


def test_two_resources_with_one_client_id_are_refused(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any], emulator: EmulatorProcess
) -> None:
    provider.create(checked(provider, inputs))

    with pytest.raises(RecallConflictError):
        provider.create(checked(provider, inputs))

    assert len(emulator.apps()) == 1


def test_check_rejects_non_boolean_adopt(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any]
) -> None:
    result = provider.check({}, {**inputs, "adopt": "yes"})

    assert [f.property for f in result.failures] == ["adopt"]


def test_validate_webhook_passes_and_records_time(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any], emulator: EmulatorProcess
) -> None:
    created = provider.create(checked(provider, {**inputs, "validate_webhook": True}))

    outs = created.outs or {}
    assert outs["webhook_last_validation"] is not None
    assert (
        outs["webhook_last_validation"] == emulator.apps()[0]["webhook_last_validation"]
    )


def test_failed_webhook_check_deletes_new_app(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any], emulator: EmulatorProcess
) -> None:
    emulator.inject(path=".*/webhook", status=404)

    with pytest.raises(WebhookCheckError) as caught:
        provider.create(checked(provider, {**inputs, "validate_webhook": True}))

    assert "was deleted again" in str(caught.value)
    assert inputs["webhook_secret"] not in str(caught.value)
    assert emulator.apps() == []


def test_turning_webhook_check_on_runs_it(
    provider: ZoomOAuthAppProvider, inputs: dict[str, Any], emulator: EmulatorProcess
) -> None:
    created = provider.create(checked(provider, inputs))
    news = checked(provider, {**inputs, "validate_webhook": True})

    diff = provider.diff(created.id, created.outs or {}, news)
    updated = provider.update(created.id, created.outs or {}, news)

    assert diff.changes is True
    assert diff.replaces == []
    assert (updated.outs or {})["webhook_last_validation"] is not None
    assert "PATCH" not in [r["method"] for r in emulator.requests()]
