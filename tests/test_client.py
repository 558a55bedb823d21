"""Client tests against the emulator over a real socket: the five calls,
pagination, authentication and recovery from injected faults."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from recall_provider.client import RecallClient, RetryPolicy
from recall_provider.errors import RecallAuthError, RecallNotFoundError
from tests.harness import EmulatorProcess


@pytest.fixture
def client(emulator: EmulatorProcess, api_key: str) -> Iterator[RecallClient]:
    retry = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)
    with RecallClient(
        api_key=api_key, region="us-east-1", base_url=emulator.url, retry=retry
    ) as client:
        yield client


def create(client: RecallClient, client_id: str = "cid") -> str:
    app = client.create_app(
        kind="user_level",
        client_id=client_id,
        client_secret="client-secret",
        webhook_secret="webhook-secret",
    )
    return str(app["id"])


def test_five_calls_round_trip(client: RecallClient, emulator: EmulatorProcess) -> None:
    app_id = create(client)

    assert client.get_app(app_id)["client_id"] == "cid"
    assert [a["id"] for a in client.list_apps()] == [app_id]
    updated = client.update_app(app_id, webhook_secret="rotated")
    assert updated["webhook_secret"] == "rotated"
    assert client.delete_app(app_id) is True
    assert emulator.apps() == []


def test_list_follows_every_page(
    client: RecallClient, emulator: EmulatorProcess
) -> None:
    emulator.configure(page_size=2)
    created = {create(client, f"client-{n}") for n in range(5)}

    listed = {str(app["id"]) for app in client.list_apps()}

    assert listed == created
    lists = [r for r in emulator.requests() if r["method"] == "GET"]
    assert len(lists) == 3


def test_list_filters_by_client_id(client: RecallClient) -> None:
    wanted = create(client, "wanted")
    create(client, "other")

    assert [a["id"] for a in client.list_apps(client_id="wanted")] == [wanted]


def test_wrong_key_is_refused_once(emulator: EmulatorProcess) -> None:
    with (
        RecallClient(
            api_key="wrong-key", region="us-east-1", base_url=emulator.url
        ) as client,
        pytest.raises(RecallAuthError) as caught,
    ):
        client.get_app("6a1b7c1e-8d36-4b8e-9d43-3f1c5a4d2b10")

    assert caught.value.status == 401
    assert len(emulator.requests()) == 1


def test_missing_app_is_not_found(client: RecallClient) -> None:
    with pytest.raises(RecallNotFoundError):
        client.get_app("6a1b7c1e-8d36-4b8e-9d43-3f1c5a4d2b10")


def test_injected_503_is_retried(
    client: RecallClient, emulator: EmulatorProcess
) -> None:
    app_id = create(client)
    emulator.inject(method="GET", status=503, count=2)

    assert client.get_app(app_id)["id"] == app_id
    statuses = [r["status"] for r in emulator.requests() if r["method"] == "GET"]
    assert statuses == [503, 503, 200]


def test_create_dropped_after_apply_makes_one_app(
    client: RecallClient, emulator: EmulatorProcess
) -> None:
    emulator.inject(method="POST", drop="after")

    app_id = create(client)

    apps = emulator.apps()
    assert [a["id"] for a in apps] == [app_id]


def test_create_dropped_before_apply_is_sent_again(
    client: RecallClient, emulator: EmulatorProcess
) -> None:
    emulator.inject(method="POST", drop="before")

    app_id = create(client)

    assert [a["id"] for a in emulator.apps()] == [app_id]
    posts = [r for r in emulator.requests() if r["method"] == "POST"]
    assert len(posts) == 2


def test_shared_clients_use_one_pool_across_threads(
    emulator: EmulatorProcess, api_key: str
) -> None:
    def shared() -> RecallClient:
        return RecallClient(
            api_key=api_key, region="us-east-1", base_url=emulator.url, shared=True
        )

    with shared() as first:
        app_id = create(first)
    with shared() as second, shared() as third:
        assert second._http is third._http
        with ThreadPoolExecutor(max_workers=4) as pool:
            ids = list(pool.map(lambda _: second.get_app(app_id)["id"], range(20)))

    assert ids == [app_id] * 20
    assert not second._http.is_closed, "closing a shared client closed the pool"
