"""Provider methods under injected faults.

Each transient fault that the emulator can inject is retried to a correct result
on create, read, update and delete. When faults outlast the attempts, the error
is clear and the next call repairs the result. Permanent errors are sent once.

The methods are called directly, as the engine calls them, against the emulator
over a real socket. The requests the emulator logged show what was sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from recall_provider import (
    RecallAPIError,
    RecallAuthError,
    RecallConflictError,
    RecallNotFoundError,
    RecallRetriesExhaustedError,
    RecallValidationError,
    ZoomOAuthAppProvider,
    inventory,
)
from recall_provider.settings import set_settings, settings_from_config
from tests.harness import EmulatorProcess, ZoomCredentials, checked

APPS = "/api/v2/zoom-oauth-apps/"
ONE_APP = "/api/v2/zoom-oauth-apps/[^/]+/"

# The client's timeout per request, set through recall:requestTimeout, and the
# delay of a slow fault. The delay is past the timeout, so the client gives up on
# the request while the emulator still applies it afterwards, as a slow Recall
# would.
REQUEST_TIMEOUT_SECONDS = 1
SLOW_RESPONSE_SECONDS = 1.5
MAX_ATTEMPTS = 3

# A webhook secret that an update sets in place of the declared one.
ROTATED_SECRET = "ws-rotated-4f1c9a2e7b"

HTML_ERROR_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"
)

# Every kind of transient trouble the emulator can inject, by test id. A small
# Retry-After keeps the 429 and 507 waits short (the client waits 30 s after a
# 507 that has none).
TRANSIENT_FAULTS: dict[str, dict[str, Any]] = {
    "409": {"status": 409},
    "429-retry-after": {"status": 429, "retry_after": 0.2},
    "500": {"status": 500},
    "502": {"status": 502},
    "503": {"status": 503},
    "504": {"status": 504},
    "507-retry-after": {"status": 507, "retry_after": 0.2},
    "html-page": {"status": 502, "body": HTML_ERROR_PAGE},
    "slow-response": {"delay": SLOW_RESPONSE_SECONDS},
    "drop-before-applied": {"drop": "before"},
    "drop-after-applied": {"drop": "after"},
}

# The text of the client's error message for each failed attempt.
PROBLEM_TEXT = {
    "409": "HTTP 409",
    "500": "HTTP 500",
    "503": "HTTP 503",
    "504": "HTTP 504",
    "507-retry-after": "HTTP 507 (Retry-After 0.2 s)",
    "html-page": "HTTP 502",
    "slow-response": f"timed out after {REQUEST_TIMEOUT_SECONDS} s",
    "drop-before-applied": "connection failed",
    "drop-after-applied": "connection failed",
}


@pytest.fixture(scope="module")
def emulator_process(api_key: str) -> Iterator[EmulatorProcess]:
    """This module's own emulator, in place of the session's."""
    emulator = EmulatorProcess(api_keys=[api_key])
    yield emulator
    stderr = emulator.stop()
    assert api_key not in stderr, "the emulator logged the API key"


ProviderFactory = Callable[..., ZoomOAuthAppProvider]


@pytest.fixture
def make_provider(emulator: EmulatorProcess, api_key: str) -> Iterator[ProviderFactory]:
    """Build a provider configured for the emulator, as `pulumi up` configures it.

    The short request timeout is set only for a fault with a delay, so that a busy
    machine does not turn an ordinary request into a timeout.
    """

    def build(
        *, max_attempts: int | None = None, fault: dict[str, Any] | None = None
    ) -> ZoomOAuthAppProvider:
        config = {"recall:apiKey": api_key, "recall:endpoint": emulator.url}
        if max_attempts is not None:
            config["recall:maxAttempts"] = str(max_attempts)
        if fault is not None and fault.get("delay"):
            config["recall:requestTimeout"] = str(REQUEST_TIMEOUT_SECONDS)
        provider = ZoomOAuthAppProvider()
        provider.configure(ConfigureRequest(Config(config, "recall-zoom")))
        inventory.clear()
        return provider

    yield build
    set_settings(settings_from_config({}, environ={}))
    inventory.clear()


@pytest.fixture
def provider(make_provider: ProviderFactory) -> ZoomOAuthAppProvider:
    return make_provider()


@pytest.fixture
def short_provider(make_provider: ProviderFactory) -> ZoomOAuthAppProvider:
    """A provider that gives up after MAX_ATTEMPTS attempts per request."""
    return make_provider(max_attempts=MAX_ATTEMPTS)


@pytest.fixture
def secrets_in_play(api_key: str, zoom: ZoomCredentials) -> list[str]:
    return [api_key, zoom.client_secret, zoom.webhook_secret, ROTATED_SECRET]


def inject(
    emulator: EmulatorProcess,
    method: str,
    path: str,
    fault: dict[str, Any],
    count: int = 1,
) -> None:
    emulator.inject(method=method, path=path, count=count, **fault)


def clear_faults(emulator: EmulatorProcess) -> None:
    emulator.admin.delete("/_emulator/faults").raise_for_status()


def wait_for_held_request(fault: dict[str, Any]) -> None:
    """Wait until a request delayed by the fault has been applied, so that the
    emulator shows its change."""
    time.sleep(fault.get("delay", 0))


def only_app(emulator: EmulatorProcess) -> dict[str, Any]:
    apps = emulator.apps()
    assert len(apps) == 1, f"expected one app in the emulator, found {len(apps)}"
    return apps[0]


def sent(emulator: EmulatorProcess, method: str, *, one_app: bool) -> int:
    """Count the requests of this method to one app's path, or to the list path."""
    return sum(
        1
        for r in emulator.requests()
        if r["method"] == method and (r["path"] != APPS) == one_app
    )


def assert_no_secret(message: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in message, "the error message contains a secret"


# Transient faults, one at a time: retried to the right result.


def create_fault_params() -> list[Any]:
    params = []
    for name in TRANSIENT_FAULTS:
        params.append(pytest.param(name, id=name))
    return params


@pytest.mark.parametrize("fault_name", create_fault_params())
def test_create_recovers_from(
    make_provider: ProviderFactory,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    fault_name: str,
) -> None:
    fault = TRANSIENT_FAULTS[fault_name]
    provider = make_provider(fault=fault)
    inject(emulator, "POST", APPS, fault)

    created = provider.create(checked(provider, inputs))
    wait_for_held_request(fault)

    assert emulator.pending_faults() == [], "the fault was never hit"
    app = only_app(emulator)
    assert created.id == app["id"]
    assert app["kind"] == "user_level"
    assert app["client_id"] == inputs["client_id"]
    assert app["client_secret"] == inputs["client_secret"]
    assert app["webhook_secret"] == inputs["webhook_secret"]
    assert created.outs is not None
    assert created.outs["client_secret"] == inputs["client_secret"]
    assert created.outs["webhook_secret"] == inputs["webhook_secret"]


@pytest.mark.parametrize("fault_name", list(TRANSIENT_FAULTS))
def test_create_recovers_from_fault_on_list(
    make_provider: ProviderFactory,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    fault_name: str,
) -> None:
    """The workspace list that create starts with, to find an existing app."""
    fault = TRANSIENT_FAULTS[fault_name]
    provider = make_provider(fault=fault)
    inject(emulator, "GET", APPS, fault)

    created = provider.create(checked(provider, inputs))
    wait_for_held_request(fault)

    assert emulator.pending_faults() == [], "the fault was never hit"
    app = only_app(emulator)
    assert created.id == app["id"]
    assert app["client_secret"] == inputs["client_secret"]
    assert sent(emulator, "POST", one_app=False) == 1


@pytest.mark.parametrize("fault_name", list(TRANSIENT_FAULTS))
def test_read_recovers_from(
    make_provider: ProviderFactory,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    fault_name: str,
) -> None:
    fault = TRANSIENT_FAULTS[fault_name]
    provider = make_provider(fault=fault)
    created = provider.create(checked(provider, inputs))
    inject(emulator, "GET", ONE_APP, fault)

    read = provider.read(created.id, created.outs or {})
    wait_for_held_request(fault)

    assert emulator.pending_faults() == [], "the fault was never hit"
    assert read.id == created.id
    assert read.outs == created.outs
    assert read.inputs is not None
    assert read.inputs["client_id"] == inputs["client_id"]


@pytest.mark.parametrize("fault_name", list(TRANSIENT_FAULTS))
def test_update_recovers_from(
    make_provider: ProviderFactory,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    fault_name: str,
) -> None:
    fault = TRANSIENT_FAULTS[fault_name]
    provider = make_provider(fault=fault)
    created = provider.create(checked(provider, inputs))
    news = {**checked(provider, inputs), "webhook_secret": ROTATED_SECRET}
    inject(emulator, "PATCH", ONE_APP, fault)

    updated = provider.update(created.id, created.outs or {}, news)
    wait_for_held_request(fault)

    assert emulator.pending_faults() == [], "the fault was never hit"
    app = only_app(emulator)
    assert app["id"] == created.id
    assert app["webhook_secret"] == ROTATED_SECRET
    assert app["client_secret"] == inputs["client_secret"]
    assert updated.outs is not None
    assert updated.outs["app_id"] == created.id
    assert updated.outs["webhook_secret"] == ROTATED_SECRET


@pytest.mark.parametrize("fault_name", list(TRANSIENT_FAULTS))
def test_delete_recovers_from(
    make_provider: ProviderFactory,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    fault_name: str,
) -> None:
    fault = TRANSIENT_FAULTS[fault_name]
    provider = make_provider(fault=fault)
    created = provider.create(checked(provider, inputs))
    inject(emulator, "DELETE", ONE_APP, fault)

    provider.delete(created.id, created.outs or {})
    wait_for_held_request(fault)

    assert emulator.pending_faults() == [], "the fault was never hit"
    assert emulator.apps() == []


def test_throttling_does_not_use_up_attempts(
    short_provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
) -> None:
    created = short_provider.create(checked(short_provider, inputs))
    throttled = MAX_ATTEMPTS + 2
    inject(emulator, "GET", ONE_APP, TRANSIENT_FAULTS["429-retry-after"], throttled)

    read = short_provider.read(created.id, created.outs or {})

    assert read.outs == created.outs
    assert sent(emulator, "GET", one_app=True) == throttled + 1


# More faults than attempts: a clear error, and a state the next call repairs.

CREATE_EXHAUSTING = [
    "409",
    "500",
    "507-retry-after",
    "html-page",
    "drop-before-applied",
]
ONE_APP_EXHAUSTING = [
    "503",
    "html-page",
    "slow-response",
    "drop-before-applied",
    "drop-after-applied",
]


def assert_clear_exhaustion(
    error: RecallRetriesExhaustedError,
    fault_name: str,
    emulator: EmulatorProcess,
    secrets: list[str],
    app_id: str | None = None,
) -> None:
    message = str(error)
    assert f"failed after {MAX_ATTEMPTS} attempts" in message
    assert message.count(PROBLEM_TEXT[fault_name]) == MAX_ATTEMPTS
    assert "region us-east-1" in message
    assert emulator.url in message
    assert "run the command again" in message
    if app_id is not None:
        assert app_id in message
    assert_no_secret(message, secrets)


@pytest.mark.parametrize("fault_name", CREATE_EXHAUSTING)
def test_create_out_of_attempts_then_repaired(
    make_provider: ProviderFactory,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    secrets_in_play: list[str],
    fault_name: str,
) -> None:
    fault = TRANSIENT_FAULTS[fault_name]
    provider = make_provider(max_attempts=MAX_ATTEMPTS, fault=fault)
    inject(emulator, "POST", APPS, fault, MAX_ATTEMPTS + 1)

    with pytest.raises(RecallRetriesExhaustedError) as caught:
        provider.create(checked(provider, inputs))

    assert_clear_exhaustion(caught.value, fault_name, emulator, secrets_in_play)
    assert "'create a Zoom OAuth app'" in str(caught.value)
    assert sent(emulator, "POST", one_app=False) == MAX_ATTEMPTS
    assert emulator.apps() == []

    # The next `pulumi up` runs in a new provider process, with a new inventory.
    clear_faults(emulator)
    inventory.clear()
    created = provider.create(checked(provider, inputs))

    app = only_app(emulator)
    assert created.id == app["id"]
    assert app["client_secret"] == inputs["client_secret"]


@pytest.mark.parametrize("fault_name", ONE_APP_EXHAUSTING)
def test_read_out_of_attempts_then_repaired(
    make_provider: ProviderFactory,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    secrets_in_play: list[str],
    fault_name: str,
) -> None:
    fault = TRANSIENT_FAULTS[fault_name]
    provider = make_provider(max_attempts=MAX_ATTEMPTS, fault=fault)
    created = provider.create(checked(provider, inputs))
    inject(emulator, "GET", ONE_APP, fault, MAX_ATTEMPTS + 1)

    with pytest.raises(RecallRetriesExhaustedError) as caught:
        provider.read(created.id, created.outs or {})
    wait_for_held_request(fault)

    assert_clear_exhaustion(
        caught.value, fault_name, emulator, secrets_in_play, app_id=created.id
    )
    assert "'read'" in str(caught.value)
    assert sent(emulator, "GET", one_app=True) == MAX_ATTEMPTS

    clear_faults(emulator)
    read = provider.read(created.id, created.outs or {})

    assert read.id == created.id
    assert read.outs == created.outs


@pytest.mark.parametrize("fault_name", ONE_APP_EXHAUSTING)
def test_update_out_of_attempts_then_repaired(
    make_provider: ProviderFactory,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    secrets_in_play: list[str],
    fault_name: str,
) -> None:
    fault = TRANSIENT_FAULTS[fault_name]
    provider = make_provider(max_attempts=MAX_ATTEMPTS, fault=fault)
    created = provider.create(checked(provider, inputs))
    news = {**checked(provider, inputs), "webhook_secret": ROTATED_SECRET}
    inject(emulator, "PATCH", ONE_APP, fault, MAX_ATTEMPTS + 1)

    with pytest.raises(RecallRetriesExhaustedError) as caught:
        provider.update(created.id, created.outs or {}, news)
    wait_for_held_request(fault)

    assert_clear_exhaustion(
        caught.value, fault_name, emulator, secrets_in_play, app_id=created.id
    )
    assert "'update'" in str(caught.value)
    assert sent(emulator, "PATCH", one_app=True) == MAX_ATTEMPTS

    # The engine keeps the old outputs after a failed update and sends it again.
    clear_faults(emulator)
    updated = provider.update(created.id, created.outs or {}, news)

    app = only_app(emulator)
    assert app["id"] == created.id
    assert app["webhook_secret"] == ROTATED_SECRET
    assert updated.outs is not None
    assert updated.outs["webhook_secret"] == ROTATED_SECRET


@pytest.mark.parametrize("fault_name", ONE_APP_EXHAUSTING)
def test_delete_out_of_attempts_then_repaired(
    make_provider: ProviderFactory,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    secrets_in_play: list[str],
    fault_name: str,
) -> None:
    fault = TRANSIENT_FAULTS[fault_name]
    provider = make_provider(max_attempts=MAX_ATTEMPTS, fault=fault)
    created = provider.create(checked(provider, inputs))
    inject(emulator, "DELETE", ONE_APP, fault, MAX_ATTEMPTS + 1)

    with pytest.raises(RecallRetriesExhaustedError) as caught:
        provider.delete(created.id, created.outs or {})
    wait_for_held_request(fault)

    assert_clear_exhaustion(
        caught.value, fault_name, emulator, secrets_in_play, app_id=created.id
    )
    assert "'delete'" in str(caught.value)
    assert sent(emulator, "DELETE", one_app=True) == MAX_ATTEMPTS

    # The engine keeps the resource after a failed delete and sends it again.
    clear_faults(emulator)
    provider.delete(created.id, created.outs or {})

    assert emulator.apps() == []


def test_exhaustion_lists_each_attempt(
    short_provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
) -> None:
    created = short_provider.create(checked(short_provider, inputs))
    inject(emulator, "GET", ONE_APP, {"status": 503, "retry_after": 0.1})
    inject(emulator, "GET", ONE_APP, TRANSIENT_FAULTS["html-page"])
    inject(emulator, "GET", ONE_APP, {"drop": "before"})

    with pytest.raises(RecallRetriesExhaustedError) as caught:
        short_provider.read(created.id, created.outs or {})

    listed = "HTTP 503 (Retry-After 0.1 s); HTTP 502; connection failed"
    assert listed in str(caught.value)
    assert caught.value.attempts == MAX_ATTEMPTS


def test_create_dropped_every_time_finds_its_app(
    short_provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
) -> None:
    """A create applied but unanswered is found by client ID and not sent again."""
    inject(emulator, "POST", APPS, {"drop": "after"}, MAX_ATTEMPTS + 1)

    created = short_provider.create(checked(short_provider, inputs))

    app = only_app(emulator)
    assert created.id == app["id"]
    assert app["client_secret"] == inputs["client_secret"]
    assert sent(emulator, "POST", one_app=False) == 1


def test_create_lost_and_unconfirmed_needs_adopt(
    short_provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    secrets_in_play: list[str],
) -> None:
    """A create applied but unanswered, whose look-up by client ID fails too.

    The call fails with one app left in Recall. The next create rejects making a
    second one and names the app, and with adopt it takes that app over.
    """
    # A harmless fault used up by the workspace list that create starts with, so
    # that the 500s below hit the look-up after the dropped create.
    inject(emulator, "GET", APPS, {"delay": 0.01})
    inject(emulator, "POST", APPS, {"drop": "after"})
    inject(emulator, "GET", APPS, {"status": 500}, MAX_ATTEMPTS)

    with pytest.raises(RecallRetriesExhaustedError) as caught:
        short_provider.create(checked(short_provider, inputs))

    assert emulator.pending_faults() == []
    assert_no_secret(str(caught.value), secrets_in_play)
    assert "RECALL_ADOPT_EXISTING=true" in str(caught.value)
    orphan = only_app(emulator)

    inventory.clear()
    with pytest.raises(RecallConflictError) as refused:
        short_provider.create(checked(short_provider, inputs))

    assert orphan["id"] in str(refused.value)
    assert "adopt=True" in str(refused.value)
    assert len(emulator.apps()) == 1

    inventory.clear()
    adopted = short_provider.create(checked(short_provider, {**inputs, "adopt": True}))

    app = only_app(emulator)
    assert adopted.id == app["id"] == orphan["id"]
    assert app["client_secret"] == inputs["client_secret"]
    assert app["webhook_secret"] == inputs["webhook_secret"]
    assert sent(emulator, "POST", one_app=False) == 1


# Permanent errors: sent once, never retried.

FIELD_ERROR_BODY = (
    '{"client_id": ["Ensure this field has no more than 200 characters."]}'
)


def permanent_fault(status: int) -> dict[str, Any]:
    if status == 400:
        return {
            "status": 400,
            "body": FIELD_ERROR_BODY,
            "content_type": "application/json",
        }
    return {"status": status}


@pytest.mark.parametrize(
    ("status", "error_class", "expected"),
    [
        (400, RecallValidationError, "client_id: Ensure this field"),
        (401, RecallAuthError, "only in the region that issued them"),
        (403, RecallAuthError, "firewall"),
    ],
)
def test_create_permanent_error_sent_once(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    secrets_in_play: list[str],
    status: int,
    error_class: type[RecallAPIError],
    expected: str,
) -> None:
    inject(emulator, "POST", APPS, permanent_fault(status))

    with pytest.raises(error_class) as caught:
        provider.create(checked(provider, inputs))

    message = str(caught.value)
    assert f"HTTP {status}" in message
    assert "region us-east-1" in message
    assert expected in message
    assert_no_secret(message, secrets_in_play)
    assert sent(emulator, "POST", one_app=False) == 1
    assert emulator.apps() == []


def test_create_rejected_key_on_list_sends_no_create(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
) -> None:
    inject(emulator, "GET", APPS, {"status": 401})

    with pytest.raises(RecallAuthError, match="HTTP 401"):
        provider.create(checked(provider, inputs))

    assert sent(emulator, "GET", one_app=False) == 1
    assert sent(emulator, "POST", one_app=False) == 0


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(401, RecallAuthError), (403, RecallAuthError)],
)
def test_read_permanent_error_sent_once(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    secrets_in_play: list[str],
    status: int,
    error_class: type[RecallAPIError],
) -> None:
    created = provider.create(checked(provider, inputs))
    inject(emulator, "GET", ONE_APP, permanent_fault(status))

    with pytest.raises(error_class) as caught:
        provider.read(created.id, created.outs or {})

    message = str(caught.value)
    assert f"HTTP {status}" in message
    assert created.id in message
    assert "region us-east-1" in message
    assert_no_secret(message, secrets_in_play)
    assert sent(emulator, "GET", one_app=True) == 1


def test_read_not_found_sent_once_drops_app(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
) -> None:
    created = provider.create(checked(provider, inputs))
    inject(emulator, "GET", ONE_APP, {"status": 404})

    read = provider.read(created.id, created.outs or {})

    assert not read.id
    assert read.outs == {}
    assert sent(emulator, "GET", one_app=True) == 1


@pytest.mark.parametrize(
    ("status", "error_class", "expected"),
    [
        (400, RecallValidationError, "client_id: Ensure this field"),
        (401, RecallAuthError, "only in the region that issued them"),
        (403, RecallAuthError, "firewall"),
        (404, RecallNotFoundError, "pulumi refresh"),
    ],
)
def test_update_permanent_error_sent_once(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    secrets_in_play: list[str],
    status: int,
    error_class: type[RecallAPIError],
    expected: str,
) -> None:
    created = provider.create(checked(provider, inputs))
    news = {**checked(provider, inputs), "webhook_secret": ROTATED_SECRET}
    inject(emulator, "PATCH", ONE_APP, permanent_fault(status))

    with pytest.raises(error_class) as caught:
        provider.update(created.id, created.outs or {}, news)

    message = str(caught.value)
    assert f"HTTP {status}" in message
    assert created.id in message
    assert "region us-east-1" in message
    assert expected in message
    assert_no_secret(message, secrets_in_play)
    assert sent(emulator, "PATCH", one_app=True) == 1
    assert only_app(emulator)["webhook_secret"] == inputs["webhook_secret"]


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(401, RecallAuthError), (403, RecallAuthError)],
)
def test_delete_permanent_error_sent_once(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
    secrets_in_play: list[str],
    status: int,
    error_class: type[RecallAPIError],
) -> None:
    created = provider.create(checked(provider, inputs))
    inject(emulator, "DELETE", ONE_APP, permanent_fault(status))

    with pytest.raises(error_class) as caught:
        provider.delete(created.id, created.outs or {})

    message = str(caught.value)
    assert f"HTTP {status}" in message
    assert created.id in message
    assert_no_secret(message, secrets_in_play)
    assert sent(emulator, "DELETE", one_app=True) == 1
    assert only_app(emulator)["id"] == created.id


def test_delete_not_found_sent_once_succeeds(
    provider: ZoomOAuthAppProvider,
    inputs: dict[str, Any],
    emulator: EmulatorProcess,
) -> None:
    created = provider.create(checked(provider, inputs))
    inject(emulator, "DELETE", ONE_APP, {"status": 404})

    provider.delete(created.id, created.outs or {})

    assert sent(emulator, "DELETE", one_app=True) == 1
