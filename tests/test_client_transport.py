"""Client tests on an in-process transport: retry decisions, error messages and
pagination checks that need exact control over each response."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from recall_provider.client import RecallClient, RetryPolicy
from recall_provider.errors import (
    RecallAPIError,
    RecallAuthError,
    RecallError,
    RecallNotFoundError,
    RecallRetriesExhaustedError,
    RecallValidationError,
)

BASE = "https://us-east-1.recall.ai"
KEY = "key-0123456789abcdef"
APP = {
    "id": "6a1b7c1e-8d36-4b8e-9d43-3f1c5a4d2b10",
    "kind": "user_level",
    "client_id": "cid",
    "client_secret": "the-client-secret",
    "webhook_secret": "the-webhook-secret",
    "created_at": "2026-12-04T10:00:00.000000Z",
    "webhook_last_validation": None,
}

Handler = Callable[[httpx.Request], httpx.Response]


def make_client(handler: Handler, sleeps: list[float] | None = None) -> RecallClient:
    waits = sleeps if sleeps is not None else []
    return RecallClient(
        api_key=KEY,
        region="us-east-1",
        base_url=BASE,
        retry=RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05),
        transport=httpx.MockTransport(handler),
        sleep=waits.append,
    )


def sequence(
    *responses: httpx.Response | Exception,
) -> tuple[Handler, list[httpx.Request]]:
    """A handler that plays the responses in order and records the requests."""
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


def test_sends_token_authorization_header() -> None:
    handler, seen = sequence(httpx.Response(200, json=APP))
    with make_client(handler) as client:
        client.get_app(APP["id"])

    assert seen[0].headers["Authorization"] == f"Token {KEY}"
    assert seen[0].url.path == f"/api/v2/zoom-oauth-apps/{APP['id']}/"


def test_retry_after_is_honoured_on_429() -> None:
    sleeps: list[float] = []
    handler, seen = sequence(
        httpx.Response(429, headers={"Retry-After": "3"}, json={"detail": "throttled"}),
        httpx.Response(200, json=APP),
    )
    with make_client(handler, sleeps) as client:
        app = client.get_app(APP["id"])

    assert app["id"] == APP["id"]
    assert len(seen) == 2
    assert sleeps == [3.0]


@pytest.mark.parametrize("status", [409, 500, 502, 503, 504, 507])
def test_transient_statuses_are_retried(status: int) -> None:
    handler, seen = sequence(
        httpx.Response(status, text="<html>busy</html>"), httpx.Response(200, json=APP)
    )
    with make_client(handler) as client:
        client.get_app(APP["id"])

    assert len(seen) == 2


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, RecallValidationError),
        (401, RecallAuthError),
        (403, RecallAuthError),
        (404, RecallNotFoundError),
        (405, RecallAPIError),
    ],
)
def test_permanent_statuses_are_not_retried(
    status: int, error_class: type[RecallAPIError]
) -> None:
    handler, seen = sequence(httpx.Response(status, json={"detail": "no"}))
    with make_client(handler) as client, pytest.raises(error_class) as caught:
        client.get_app(APP["id"])

    assert len(seen) == 1
    assert caught.value.status == status


def test_exhausted_retries_list_every_attempt() -> None:
    handler, seen = sequence(
        httpx.Response(503),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
        httpx.Response(502),
    )
    with (
        make_client(handler) as client,
        pytest.raises(RecallRetriesExhaustedError) as e,
    ):
        client.get_app(APP["id"])

    message = str(e.value)
    assert len(seen) == 4
    assert e.value.attempts == 4
    assert "HTTP 503" in message
    assert "timed out" in message
    assert "RemoteProtocolError" in message
    assert "us-east-1" in message
    assert BASE in message
    assert APP["id"] in message


def test_error_names_region_status_and_field_messages() -> None:
    body = {"client_id": ["Ensure this field has no more than 200 characters."]}
    handler, _ = sequence(httpx.Response(400, json=body))
    with make_client(handler) as client, pytest.raises(RecallValidationError) as e:
        client.create_app(
            kind="user_level",
            client_id="x" * 201,
            client_secret="s1",
            webhook_secret="s2",
        )

    message = str(e.value)
    assert "HTTP 400" in message
    assert "region us-east-1" in message
    assert "client_id: Ensure this field has no more than 200 characters." in message
    assert e.value.field_errors == body


def test_401_says_key_may_belong_to_another_region() -> None:
    handler, _ = sequence(httpx.Response(401, json={"detail": "Invalid token."}))
    with make_client(handler) as client, pytest.raises(RecallAuthError) as e:
        client.get_app(APP["id"])

    assert "Invalid token." in str(e.value)
    assert "only in the region that issued them" in str(e.value)


def test_error_messages_never_contain_secrets() -> None:
    # A server that echoes the values it refused must not leak them.
    body = {
        "client_secret": ["'the-client-secret' is wrong"],
        "detail": f"bad key {KEY}",
    }
    handler, _ = sequence(httpx.Response(400, json=body))
    with make_client(handler) as client, pytest.raises(RecallValidationError) as e:
        client.create_app(
            kind="user_level",
            client_id="cid",
            client_secret="the-client-secret",
            webhook_secret="the-webhook-secret",
        )

    assert "the-client-secret" not in str(e.value)
    assert KEY not in str(e.value)
    assert "the-client-secret" not in json.dumps(e.value.field_errors)


def test_html_error_body_is_summarised_not_quoted() -> None:
    handler, _ = sequence(
        httpx.Response(
            403,
            text="<html>blocked by firewall</html>",
            headers={"content-type": "text/html"},
        )
    )
    with make_client(handler) as client, pytest.raises(RecallAuthError) as e:
        client.get_app(APP["id"])

    assert "<html>" not in str(e.value)
    assert "text/html" in str(e.value)


def test_pagination_follows_next_links() -> None:
    page2 = f"{BASE}/api/v2/zoom-oauth-apps/?cursor=abc&client_id=cid"
    handler, seen = sequence(
        httpx.Response(200, json={"next": page2, "previous": None, "results": [APP]}),
        httpx.Response(200, json={"next": None, "previous": None, "results": [APP]}),
    )
    with make_client(handler) as client:
        apps = list(client.list_apps(client_id="cid"))

    assert len(apps) == 2
    assert seen[0].url.params["client_id"] == "cid"
    assert seen[1].url.params["cursor"] == "abc"


def test_pagination_refuses_link_to_other_host() -> None:
    handler, seen = sequence(
        httpx.Response(
            200,
            json={
                "next": "https://elsewhere.test/?cursor=x",
                "previous": None,
                "results": [],
            },
        ),
    )
    with make_client(handler) as client, pytest.raises(RecallError, match="elsewhere"):
        list(client.list_apps())

    assert len(seen) == 1


def test_dropped_create_continues_with_created_app() -> None:
    listing = {"next": None, "previous": None, "results": [APP]}
    handler, seen = sequence(
        httpx.RemoteProtocolError("connection dropped after the create"),
        httpx.Response(200, json=listing),
    )
    with make_client(handler) as client:
        app = client.create_app(
            kind="user_level",
            client_id="cid",
            client_secret="the-client-secret",
            webhook_secret="the-webhook-secret",
        )

    assert app["id"] == APP["id"]
    assert [r.method for r in seen] == ["POST", "GET"]
    assert seen[1].url.params["client_id"] == "cid"


def test_lost_create_without_app_is_resent() -> None:
    empty = {"next": None, "previous": None, "results": []}
    only_new = {"next": None, "previous": None, "results": [APP]}
    handler, seen = sequence(
        httpx.RemoteProtocolError("dropped before the create"),
        httpx.Response(200, json=empty),
        httpx.Response(201, json=APP),
        httpx.Response(200, json=only_new),
    )
    with make_client(handler) as client:
        app = client.create_app(
            kind="user_level",
            client_id="cid",
            client_secret="the-client-secret",
            webhook_secret="the-webhook-secret",
        )

    assert app["id"] == APP["id"]
    assert [r.method for r in seen] == ["POST", "GET", "POST", "GET"]


def test_timed_out_create_found_after_wait() -> None:
    # The first create is still running at Recall when the client gives up on it.
    empty = {"next": None, "previous": None, "results": []}
    landed = {"next": None, "previous": None, "results": [APP]}
    sleeps: list[float] = []
    handler, seen = sequence(
        httpx.ReadTimeout("no response yet"),
        httpx.Response(200, json=empty),
        httpx.Response(200, json=landed),
    )
    with make_client(handler, sleeps) as client:
        app = client.create_app(
            kind="user_level",
            client_id="cid",
            client_secret="the-client-secret",
            webhook_secret="the-webhook-secret",
        )

    assert app["id"] == APP["id"]
    assert [r.method for r in seen] == ["POST", "GET", "GET"]
    assert sleeps[0] >= client.timeout


def test_late_duplicate_of_lost_create_is_deleted() -> None:
    late = {**APP, "id": "0f6c2a55-55a8-4c8d-9b3c-5f7e0e3f9a01"}
    empty = {"next": None, "previous": None, "results": []}
    both = {"next": None, "previous": None, "results": [late, APP]}
    handler, seen = sequence(
        httpx.ReadTimeout("no response yet"),
        httpx.Response(200, json=empty),
        httpx.Response(200, json=empty),
        httpx.Response(201, json=APP),
        httpx.Response(200, json=both),
        httpx.Response(204),
    )
    with make_client(handler) as client:
        app = client.create_app(
            kind="user_level",
            client_id="cid",
            client_secret="the-client-secret",
            webhook_secret="the-webhook-secret",
        )

    assert app["id"] == APP["id"]
    assert seen[-1].method == "DELETE"
    assert seen[-1].url.path.endswith(f"/{late['id']}/")


def test_zero_retry_after_cannot_throttle_forever() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "0"})

    client = RecallClient(
        api_key=KEY,
        region="us-east-1",
        base_url=BASE,
        retry=RetryPolicy(max_attempts=2, max_throttled_wait=5.0),
        transport=httpx.MockTransport(handler),
        sleep=lambda seconds: None,
    )
    with client, pytest.raises(RecallRetriesExhaustedError) as caught:
        client.get_app(APP["id"])

    assert "throttled" in str(caught.value)


def test_throttled_create_is_retried_without_lookup() -> None:
    handler, seen = sequence(
        httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(201, json=APP)
    )
    with make_client(handler) as client:
        client.create_app(
            kind="user_level", client_id="cid", client_secret="a", webhook_secret="b"
        )

    assert [r.method for r in seen] == ["POST", "POST"]


def test_delete_of_missing_app_reports_already_gone() -> None:
    handler, _ = sequence(httpx.Response(404, json={"detail": "Not found."}))
    with make_client(handler) as client:
        assert client.delete_app(APP["id"]) is False
