"""Tests of the Recall emulator, each against a real emulator on 127.0.0.1."""

from __future__ import annotations

import json
import re
import secrets
import signal
import socket
import ssl
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from recall_provider.emulator import DEV_API_KEY, Emulator, EmulatorSettings
from recall_provider.emulator.admin import handle_admin
from recall_provider.emulator.state import EmulatorState
from recall_provider.emulator.wire import Request
from recall_provider.webhook_signature import encrypt_token, sign, verify
from tests.emulator_helpers import (
    EmulatorCommand,
    zoom_encrypted_token,
    zoom_signature,
)

APPS = "/api/v2/zoom-oauth-apps/"
TIMESTAMP_FORMAT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")

# The emulator speaks plain HTTP. Sharing one TLS context spares every new client
# the time to load the CA bundle, tens of milliseconds.
TLS_CONTEXT = ssl.create_default_context()


def new_client(**options: Any) -> httpx.Client:
    return httpx.Client(timeout=10, verify=TLS_CONTEXT, **options)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(port=0) as running:
        yield running
        # The last-resort 500 handler must never be reached, whatever a test sent.
        assert running.internal_errors == 0


@pytest.fixture
def client(emulator: Emulator) -> Iterator[httpx.Client]:
    """A client of the emulator's API with the development API key."""
    headers = {"Authorization": f"Token {DEV_API_KEY}"}
    with new_client(base_url=emulator.url, headers=headers) as http:
        yield http


@pytest.fixture
def admin(emulator: Emulator) -> Iterator[httpx.Client]:
    with new_client(base_url=f"{emulator.url}/_emulator") as http:
        yield http


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """A client with no base URL and no API key, for requests to any emulator."""
    with new_client() as plain:
        yield plain


def app_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "kind": "user_level",
        "client_id": "zoom-" + secrets.token_hex(4),
        "client_secret": "cs-" + secrets.token_hex(8),
        "webhook_secret": "ws-" + secrets.token_hex(8),
    }
    fields.update(changes)
    return fields


def create_app(client: httpx.Client, **changes: Any) -> dict[str, Any]:
    response = client.post(APPS, json=app_fields(**changes))
    assert response.status_code == 201, response.text
    app: dict[str, Any] = response.json()
    return app


def signed_webhook(
    client: httpx.Client,
    app_id: str,
    webhook_secret: str,
    payload: dict[str, Any],
    timestamp: int | None = None,
) -> httpx.Response:
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "x-zm-request-timestamp": stamp,
        "x-zm-signature": zoom_signature(webhook_secret, stamp, body),
        "Content-Type": "application/json",
    }
    request = client.build_request(
        "POST", f"{APPS}{app_id}/webhook", content=body, headers=headers
    )
    # No API key: Zoom does not have one.
    request.headers.pop("Authorization", None)
    return client.send(request)


# Create


def test_create_returns_app(client: httpx.Client) -> None:
    fields = app_fields(kind="account_level")
    response = client.post(APPS, json=fields)

    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"
    app = response.json()
    assert list(app) == [
        "id",
        "kind",
        "client_id",
        "client_secret",
        "webhook_secret",
        "webhook_last_validation",
        "created_at",
    ]
    assert str(uuid.UUID(app["id"], version=4)) == app["id"]
    assert app["kind"] == "account_level"
    assert app["client_id"] == fields["client_id"]
    assert app["client_secret"] == fields["client_secret"]
    assert app["webhook_secret"] == fields["webhook_secret"]
    assert app["webhook_last_validation"] is None
    assert TIMESTAMP_FORMAT.fullmatch(app["created_at"])


@pytest.mark.parametrize("encoding", ["json", "form", "multipart"])
def test_create_accepts_each_body_encoding(client: httpx.Client, encoding: str) -> None:
    fields = app_fields()
    if encoding == "json":
        response = client.post(APPS, json=fields)
    elif encoding == "form":
        response = client.post(APPS, data=fields)
    else:
        parts = {name: (None, value) for name, value in fields.items()}
        response = client.post(APPS, files=parts)

    assert response.status_code == 201, response.text
    assert response.json()["client_id"] == fields["client_id"]
    assert response.json()["webhook_secret"] == fields["webhook_secret"]


def test_create_trims_surrounding_whitespace(
    client: httpx.Client, emulator: Emulator
) -> None:
    app = create_app(client, client_id="  zoom-client  ", client_secret="\tsecret\n")

    assert app["client_id"] == "zoom-client"
    assert emulator.apps()[0]["client_secret"] == "secret"


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"kind": None}, {"kind": ["This field may not be null."]}),
        ({"kind": "admin"}, {"kind": ['"admin" is not a valid choice.']}),
        ({"kind": ""}, {"kind": ['"" is not a valid choice.']}),
        ({"client_id": ""}, {"client_id": ["This field may not be blank."]}),
        ({"client_id": "   "}, {"client_id": ["This field may not be blank."]}),
        ({"client_id": None}, {"client_id": ["This field may not be null."]}),
        ({"client_id": 12345}, {"client_id": ["Not a valid string."]}),
        ({"client_id": True}, {"client_id": ["Not a valid string."]}),
        ({"client_secret": ["a"]}, {"client_secret": ["Not a valid string."]}),
        ({"webhook_secret": {"a": 1}}, {"webhook_secret": ["Not a valid string."]}),
        (
            {"client_secret": "x" * 201},
            {"client_secret": ["Ensure this field has no more than 200 characters."]},
        ),
        (
            {"webhook_secret": "a\x00b"},
            {"webhook_secret": ["Null characters are not allowed."]},
        ),
        (
            {"client_id": "a\ud800"},
            {"client_id": ["Surrogate characters are not allowed: U+D800."]},
        ),
    ],
)
def test_create_rejects_invalid_field(
    client: httpx.Client,
    emulator: Emulator,
    changes: dict[str, Any],
    errors: dict[str, list[str]],
) -> None:
    # ensure_ascii keeps a lone surrogate sendable as a JSON escape.
    body = json.dumps(app_fields(**changes))
    response = client.post(
        APPS, content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json() == errors
    assert emulator.apps() == []


def test_create_accepts_200_characters(client: httpx.Client) -> None:
    app = create_app(client, client_secret="x" * 200)

    assert app["client_secret"] == "x" * 200


def test_create_reports_every_field_at_once(client: httpx.Client) -> None:
    response = client.post(APPS, json={"kind": "x", "client_id": ""})

    assert response.status_code == 400
    assert response.json() == {
        "kind": ['"x" is not a valid choice.'],
        "client_id": ["This field may not be blank."],
        "client_secret": ["This field is required."],
        "webhook_secret": ["This field is required."],
    }


def test_create_with_empty_body_requires_fields(client: httpx.Client) -> None:
    response = client.post(APPS)

    assert response.status_code == 400
    assert set(response.json()) == {
        "kind",
        "client_id",
        "client_secret",
        "webhook_secret",
    }


def test_create_rejects_non_object_json(client: httpx.Client) -> None:
    response = client.post(APPS, json=[app_fields()])

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


def test_create_ignores_read_only_fields(client: httpx.Client) -> None:
    chosen_id = str(uuid.uuid4())
    app = create_app(client, id=chosen_id, created_at="2000-01-01T00:00:00Z")

    assert app["id"] != chosen_id
    assert not app["created_at"].startswith("2000")


def test_create_rejects_uploaded_file(client: httpx.Client) -> None:
    fields = app_fields()
    parts: dict[str, Any] = {name: (None, value) for name, value in fields.items()}
    parts["client_secret"] = ("secret.txt", b"from a file", "text/plain")
    response = client.post(APPS, files=parts)

    assert response.status_code == 400
    assert response.json() == {"client_secret": ["Not a valid string."]}


# Retrieve, update, delete


def test_retrieve_returns_app(client: httpx.Client) -> None:
    created = create_app(client)
    response = client.get(f"{APPS}{created['id']}/")

    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize(
    "app_id", [str(uuid.uuid4()), "not-a-uuid", "123", "%00", "..", "a" * 300]
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_app_id_is_not_found(
    client: httpx.Client, method: str, app_id: str
) -> None:
    create_app(client)
    response = client.request(method, f"{APPS}{app_id}/", json={})

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_update_changes_secrets(client: httpx.Client, emulator: Emulator) -> None:
    created = create_app(client)
    response = client.patch(
        f"{APPS}{created['id']}/",
        json={"client_secret": "new-client-secret", "webhook_secret": "new-ws"},
    )

    assert response.status_code == 200
    updated = response.json()
    assert updated["client_secret"] == "new-client-secret"
    assert updated["webhook_secret"] == "new-ws"
    assert updated["id"] == created["id"]
    assert updated["client_id"] == created["client_id"]
    assert updated["created_at"] == created["created_at"]
    assert client.get(f"{APPS}{created['id']}/").json() == updated
    assert emulator.apps()[0]["client_secret"] == "new-client-secret"


def test_update_one_secret_keeps_the_other(client: httpx.Client) -> None:
    created = create_app(client)
    response = client.patch(f"{APPS}{created['id']}/", data={"webhook_secret": "w2"})

    assert response.status_code == 200
    assert response.json()["webhook_secret"] == "w2"
    assert response.json()["client_secret"] == created["client_secret"]


@pytest.mark.parametrize(
    ("field", "value"), [("client_id", "other-client"), ("kind", "account_level")]
)
def test_update_rejects_fixed_field_change(
    client: httpx.Client, field: str, value: str
) -> None:
    created = create_app(client, kind="user_level")
    response = client.patch(
        f"{APPS}{created['id']}/", json={field: value, "client_secret": "changed"}
    )

    assert response.status_code == 400
    assert response.json() == {field: ["This field cannot be changed."]}
    assert client.get(f"{APPS}{created['id']}/").json() == created


def test_update_accepts_unchanged_fixed_fields(client: httpx.Client) -> None:
    created = create_app(client)
    body = {
        "kind": created["kind"],
        "client_id": created["client_id"],
        "client_secret": "rotated",
    }
    response = client.patch(f"{APPS}{created['id']}/", json=body)

    assert response.status_code == 200
    assert response.json()["client_secret"] == "rotated"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"client_secret": ""}, {"client_secret": ["This field may not be blank."]}),
        ({"webhook_secret": None}, {"webhook_secret": ["This field may not be null."]}),
        ({"webhook_secret": 7}, {"webhook_secret": ["Not a valid string."]}),
        (
            {"client_secret": "s" * 201},
            {"client_secret": ["Ensure this field has no more than 200 characters."]},
        ),
    ],
)
def test_update_rejects_invalid_secret(
    client: httpx.Client, body: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    created = create_app(client)
    response = client.patch(f"{APPS}{created['id']}/", json=body)

    assert response.status_code == 400
    assert response.json() == errors
    assert client.get(f"{APPS}{created['id']}/").json() == created


def test_update_with_empty_body_changes_nothing(client: httpx.Client) -> None:
    created = create_app(client)
    response = client.patch(f"{APPS}{created['id']}/")

    assert response.status_code == 200
    assert response.json() == created


def test_delete_removes_app(client: httpx.Client, emulator: Emulator) -> None:
    created = create_app(client)
    response = client.delete(f"{APPS}{created['id']}/")

    assert response.status_code == 204
    assert response.content == b""
    assert client.get(f"{APPS}{created['id']}/").status_code == 404
    assert client.delete(f"{APPS}{created['id']}/").status_code == 404
    assert emulator.apps() == []


def test_head_and_options(client: httpx.Client) -> None:
    created = create_app(client)
    head = client.head(f"{APPS}{created['id']}/")
    options = client.options(APPS)

    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["Content-Length"]) > 0
    assert options.status_code == 200
    assert options.headers["Allow"] == "GET, POST, HEAD, OPTIONS"


# API keys and workspaces


def test_missing_api_key_is_rejected(emulator: Emulator, http: httpx.Client) -> None:
    response = http.get(f"{emulator.url}{APPS}")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided."
    }
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    "authorization",
    [
        "Token wrong-key",
        "wrong-key",
        f"Bearer {DEV_API_KEY}",
        f"Token {DEV_API_KEY} extra",
        f"Token {DEV_API_KEY[:-1]}",
        "Token",
        "Token é",
    ],
)
@pytest.mark.parametrize(("method", "path"), [("GET", APPS), ("POST", APPS)])
def test_wrong_api_key_is_rejected(
    emulator: Emulator, authorization: str, method: str, path: str, http: httpx.Client
) -> None:
    headers = {b"Authorization": authorization.encode("utf-8")}
    response = http.request(
        method, f"{emulator.url}{path}", headers=headers, json=app_fields()
    )

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
    assert emulator.apps() == []


@pytest.mark.parametrize(
    "authorization", [DEV_API_KEY, f"token {DEV_API_KEY}", f"Token   {DEV_API_KEY}"]
)
def test_api_key_forms_accepted(
    emulator: Emulator, authorization: str, http: httpx.Client
) -> None:
    response = http.get(
        f"{emulator.url}{APPS}", headers={"Authorization": authorization}
    )

    assert response.status_code == 200


def test_api_keys_are_separate_workspaces(http: httpx.Client) -> None:
    with Emulator(port=0, api_keys=("key-a", "key-b")) as emulator:
        url = emulator.url
        key_a = {"Authorization": "Token key-a"}
        key_b = {"Authorization": "Token key-b"}
        created = http.post(f"{url}{APPS}", json=app_fields(), headers=key_a).json()

        assert http.get(f"{url}{APPS}", headers=key_b).json()["results"] == []
        other = http.get(f"{url}{APPS}{created['id']}/", headers=key_b)
        assert other.status_code == 404
        assert http.get(f"{url}{APPS}{created['id']}/", headers=key_a).json() == created
        assert (
            http.get(f"{url}{APPS}", headers={"Authorization": DEV_API_KEY}).status_code
            == 401
        )


def test_auth_comes_before_method_check(emulator: Emulator, http: httpx.Client) -> None:
    response = http.put(f"{emulator.url}{APPS}")

    assert response.status_code == 401


# List, filters and pagination


def test_list_empty(client: httpx.Client) -> None:
    response = client.get(APPS)

    assert response.status_code == 200
    assert response.json() == {"next": None, "previous": None, "results": []}


def test_list_default_order_is_newest_first(client: httpx.Client) -> None:
    ids = [create_app(client)["id"] for _ in range(3)]
    results = client.get(APPS).json()["results"]

    assert [app["id"] for app in results] == ids[::-1]


def test_list_orders_by_created_at(client: httpx.Client) -> None:
    ids = [create_app(client)["id"] for _ in range(3)]
    oldest_first = client.get(APPS, params={"ordering": "created_at"}).json()
    newest_first = client.get(APPS, params={"ordering": "-created_at"}).json()

    assert [app["id"] for app in oldest_first["results"]] == ids
    assert [app["id"] for app in newest_first["results"]] == ids[::-1]


def test_list_paginates_with_cursor(client: httpx.Client, admin: httpx.Client) -> None:
    admin.patch("/settings", json={"page_size": 3}).raise_for_status()
    ids = [create_app(client)["id"] for _ in range(8)]

    pages = []
    url: str | None = f"{client.base_url}{APPS}"
    while url is not None:
        page = client.get(url).json()
        pages.append(page)
        url = page["next"]

    assert [len(page["results"]) for page in pages] == [3, 3, 2]
    seen = [app["id"] for page in pages for app in page["results"]]
    assert seen == ids[::-1]
    assert pages[0]["previous"] is None
    assert pages[-1]["next"] is None
    assert pages[0]["next"].startswith(f"{client.base_url}{APPS}?")
    assert "cursor" in parse_qs(urlsplit(pages[0]["next"]).query)

    back = client.get(pages[2]["previous"]).json()
    assert back["results"] == pages[1]["results"]
    first = client.get(back["previous"]).json()
    assert first["results"] == pages[0]["results"]
    assert first["previous"] is None


def test_list_next_keeps_filters(client: httpx.Client, admin: httpx.Client) -> None:
    admin.patch("/settings", json={"page_size": 2}).raise_for_status()
    account_ids = [create_app(client, kind="account_level")["id"] for _ in range(3)]
    for _ in range(3):
        create_app(client, kind="user_level")
    params = {"kind": "account_level", "ordering": "created_at"}

    first = client.get(APPS, params=params).json()
    query = parse_qs(urlsplit(first["next"]).query)
    second = client.get(first["next"]).json()

    assert query["kind"] == ["account_level"]
    assert query["ordering"] == ["created_at"]
    seen = [app["id"] for app in first["results"] + second["results"]]
    assert seen == account_ids
    assert second["next"] is None


def test_list_page_survives_deleted_boundary_app(
    client: httpx.Client, admin: httpx.Client
) -> None:
    admin.patch("/settings", json={"page_size": 2}).raise_for_status()
    ids = [create_app(client)["id"] for _ in range(4)]
    first = client.get(APPS, params={"ordering": "created_at"}).json()
    client.delete(f"{APPS}{ids[1]}/").raise_for_status()

    second = client.get(first["next"]).json()

    assert [app["id"] for app in second["results"]] == ids[2:]


def test_list_filters_by_client_id(client: httpx.Client) -> None:
    expected = create_app(client, client_id="zoom-expected")
    create_app(client, client_id="zoom-expected-not")
    create_app(client, client_id="zoom-other")

    results = client.get(APPS, params={"client_id": "zoom-expected"}).json()["results"]

    assert results == [expected]


def test_list_filters_by_kind(client: httpx.Client) -> None:
    user_app = create_app(client, kind="user_level")
    account_app = create_app(client, kind="account_level")

    user_results = client.get(APPS, params={"kind": "user_level"}).json()["results"]
    account_results = client.get(APPS, params={"kind": "account_level"}).json()

    assert user_results == [user_app]
    assert account_results["results"] == [account_app]


def test_list_filters_by_created_at(client: httpx.Client) -> None:
    apps = [create_app(client) for _ in range(3)]
    middle = apps[1]["created_at"]

    after = client.get(APPS, params={"created_at_after": middle}).json()["results"]
    before = client.get(APPS, params={"created_at_before": middle}).json()["results"]
    both = client.get(
        APPS, params={"created_at_after": middle, "created_at_before": middle}
    ).json()["results"]

    assert [app["id"] for app in after] == [apps[2]["id"], apps[1]["id"]]
    assert [app["id"] for app in before] == [apps[1]["id"], apps[0]["id"]]
    assert [app["id"] for app in both] == [apps[1]["id"]]


def test_list_created_at_offsets_and_dates(client: httpx.Client) -> None:
    app = create_app(client)
    created = datetime.fromisoformat(app["created_at"].replace("Z", "+00:00"))
    tomorrow = (created + timedelta(days=1)).date().isoformat()
    an_hour_ago_in_tokyo = (created - timedelta(hours=1)).astimezone(
        timezone(timedelta(hours=9))
    )

    before_tomorrow = client.get(APPS, params={"created_at_before": tomorrow}).json()
    after_an_hour_ago = client.get(
        APPS, params={"created_at_after": an_hour_ago_in_tokyo.isoformat()}
    ).json()
    after_tomorrow = client.get(APPS, params={"created_at_after": tomorrow}).json()

    assert before_tomorrow["results"] == [app]
    assert after_an_hour_ago["results"] == [app]
    assert after_tomorrow["results"] == []


def test_list_ignores_empty_filters(client: httpx.Client) -> None:
    app = create_app(client)
    params = {"kind": "", "client_id": "", "ordering": "", "cursor": ""}

    response = client.get(APPS, params=params)

    assert response.status_code == 200
    assert response.json()["results"] == [app]


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        (
            {"kind": "team_level"},
            {
                "kind": [
                    "Select a valid choice. team_level is not one of the available "
                    "choices."
                ]
            },
        ),
        (
            {"ordering": "client_id"},
            {
                "ordering": [
                    "Select a valid choice. client_id is not one of the available "
                    "choices."
                ]
            },
        ),
        (
            {"created_at_after": "yesterday"},
            {"created_at_after": ["Enter a valid date/time."]},
        ),
        (
            {"created_at_before": "2026-13-01T00:00:00Z", "created_at_after": "1"},
            {
                "created_at_after": ["Enter a valid date/time."],
                "created_at_before": ["Enter a valid date/time."],
            },
        ),
    ],
)
def test_list_rejects_invalid_filter(
    client: httpx.Client, params: dict[str, str], errors: dict[str, list[str]]
) -> None:
    response = client.get(APPS, params=params)

    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "eyJkIjoic2lkZXdheXMifQ", "e30", "!!!", "x" * 5000, "bnVsbA"],
)
def test_list_rejects_invalid_cursor(client: httpx.Client, cursor: str) -> None:
    response = client.get(APPS, params={"cursor": cursor})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor"}


# Switches for behaviours Recall does not document


def test_omit_secrets_setting(client: httpx.Client, emulator: Emulator) -> None:
    emulator.update_settings(echo_secrets=False)
    fields = app_fields()

    created = client.post(APPS, json=fields).json()
    retrieved = client.get(f"{APPS}{created['id']}/").json()
    listed = client.get(APPS).json()["results"][0]
    updated = client.patch(f"{APPS}{created['id']}/", json={"client_secret": "c2"})

    for served in (created, retrieved, listed, updated.json()):
        assert "client_secret" not in served
        assert "webhook_secret" not in served
        assert served["client_id"] == fields["client_id"]
    stored = emulator.apps()[0]
    assert stored["client_secret"] == "c2"
    assert stored["webhook_secret"] == fields["webhook_secret"]


def test_omit_secrets_flag(http: httpx.Client) -> None:
    with Emulator(port=0, echo_secrets=False) as emulator:
        headers = {"Authorization": f"Token {emulator.api_key}"}
        response = http.post(
            f"{emulator.url}{APPS}", json=app_fields(), headers=headers
        )

        assert response.status_code == 201
        assert "client_secret" not in response.json()
        assert "webhook_secret" not in response.json()


def test_duplicate_client_id_accepted_by_default(client: httpx.Client) -> None:
    first = create_app(client, client_id="zoom-shared")
    second = create_app(client, client_id="zoom-shared")

    assert first["id"] != second["id"]
    found = client.get(APPS, params={"client_id": "zoom-shared"}).json()["results"]
    assert {app["id"] for app in found} == {first["id"], second["id"]}


def test_duplicate_client_id_rejected_if_enabled(
    client: httpx.Client, emulator: Emulator
) -> None:
    emulator.update_settings(refuse_duplicate_client_id=True)
    create_app(client, client_id="zoom-shared")

    response = client.post(APPS, json=app_fields(client_id="zoom-shared"))

    assert response.status_code == 400
    assert response.json() == {
        "client_id": ["zoom oauth app with this client id already exists."]
    }
    assert len(emulator.apps()) == 1


def test_duplicate_check_is_per_workspace(http: httpx.Client) -> None:
    with Emulator(
        port=0, api_keys=("key-a", "key-b"), refuse_duplicate_client_id=True
    ) as emulator:
        for key in ("key-a", "key-b"):
            response = http.post(
                f"{emulator.url}{APPS}",
                json=app_fields(client_id="zoom-shared"),
                headers={"Authorization": f"Token {key}"},
            )
            assert response.status_code == 201


# Rate limits


def test_rate_limit_throttles_then_recovers(
    client: httpx.Client, emulator: Emulator
) -> None:
    created = create_app(client)
    emulator.update_settings(rate_limits=True, time_scale=120.0, limit_default=3)

    statuses = [client.get(f"{APPS}{created['id']}/").status_code for _ in range(3)]
    throttled = client.get(f"{APPS}{created['id']}/")

    assert statuses == [200, 200, 200]
    assert throttled.status_code == 429
    retry_after = float(throttled.headers["Retry-After"])
    assert 0 < retry_after <= 0.5
    assert re.fullmatch(r"\d+(\.\d{1,3})?", throttled.headers["Retry-After"])
    assert throttled.json()["detail"].startswith(
        "Request was throttled. Expected available in "
        f"{throttled.headers['Retry-After']} second"
    )

    time.sleep(retry_after)
    assert client.get(f"{APPS}{created['id']}/").status_code == 200


def test_rate_limit_shared_by_writes(client: httpx.Client, emulator: Emulator) -> None:
    emulator.update_settings(rate_limits=True, limit_default=3)
    created = create_app(client)
    client.patch(f"{APPS}{created['id']}/", json={"client_secret": "c2"})
    client.delete(f"{APPS}{created['id']}/")

    response = client.post(APPS, json=app_fields())

    assert response.status_code == 429


def test_rate_limit_list_has_own_budget(
    client: httpx.Client, emulator: Emulator
) -> None:
    created = create_app(client)
    emulator.update_settings(rate_limits=True, limit_list=2, limit_default=100)

    lists = [client.get(APPS).status_code for _ in range(3)]
    retrieve = client.get(f"{APPS}{created['id']}/")

    assert lists == [200, 200, 429]
    assert retrieve.status_code == 200


def test_unscaled_retry_after_whole_seconds(
    client: httpx.Client, emulator: Emulator
) -> None:
    emulator.update_settings(rate_limits=True, limit_list=1)
    client.get(APPS)

    throttled = client.get(APPS)

    assert throttled.status_code == 429
    assert re.fullmatch(r"[0-9]+", throttled.headers["Retry-After"])
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60


def test_rate_limit_is_per_api_key(http: httpx.Client) -> None:
    with Emulator(
        port=0, api_keys=("key-a", "key-b"), rate_limits=True, limit_list=1
    ) as emulator:
        url = f"{emulator.url}{APPS}"
        key_a = {"Authorization": "Token key-a"}
        key_b = {"Authorization": "Token key-b"}

        assert http.get(url, headers=key_a).status_code == 200
        assert http.get(url, headers=key_a).status_code == 429
        assert http.get(url, headers=key_b).status_code == 200


def test_rate_limit_off_by_default(client: httpx.Client) -> None:
    statuses = {client.get(APPS).status_code for _ in range(70)}

    assert statuses == {200}


# Webhook


def test_webhook_url_validation(client: httpx.Client) -> None:
    app = create_app(client)
    plain_token = "qgg8vlvZRS6UYooatFL8Aw"

    response = signed_webhook(
        client,
        app["id"],
        app["webhook_secret"],
        {"event": "endpoint.url_validation", "payload": {"plainToken": plain_token}},
    )

    assert response.status_code == 200
    assert response.json() == {
        "plainToken": plain_token,
        "encryptedToken": zoom_encrypted_token(app["webhook_secret"], plain_token),
    }
    validated = client.get(f"{APPS}{app['id']}/").json()["webhook_last_validation"]
    assert TIMESTAMP_FORMAT.fullmatch(validated)
    assert validated >= app["created_at"]


def test_webhook_rejects_wrong_secret(client: httpx.Client) -> None:
    app = create_app(client)

    response = signed_webhook(
        client,
        app["id"],
        "not-the-webhook-secret",
        {"event": "endpoint.url_validation", "payload": {"plainToken": "abc"}},
    )

    assert response.status_code == 401
    assert "signature" in response.json()["detail"]
    assert app["webhook_secret"] not in response.text
    assert client.get(f"{APPS}{app['id']}/").json()["webhook_last_validation"] is None


def test_webhook_rejects_tampered_body(
    client: httpx.Client, http: httpx.Client
) -> None:
    app = create_app(client)
    stamp = str(int(time.time()))
    signed_body = b'{"event":"meeting.created"}'
    headers = {
        "x-zm-request-timestamp": stamp,
        "x-zm-signature": zoom_signature(app["webhook_secret"], stamp, signed_body),
    }

    response = http.post(
        f"{client.base_url}{APPS}{app['id']}/webhook",
        content=b'{"event": "meeting.created"}',
        headers=headers,
    )

    assert response.status_code == 401


@pytest.mark.parametrize("age", [301, -301, 3600])
def test_webhook_rejects_stale_timestamp(client: httpx.Client, age: int) -> None:
    app = create_app(client)

    response = signed_webhook(
        client,
        app["id"],
        app["webhook_secret"],
        {"event": "endpoint.url_validation", "payload": {"plainToken": "abc"}},
        timestamp=int(time.time()) - age,
    )

    assert response.status_code == 401
    assert "5 minutes" in response.json()["detail"]
    assert client.get(f"{APPS}{app['id']}/").json()["webhook_last_validation"] is None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-zm-request-timestamp": "1700000000"},
        {"x-zm-signature": "v0=00"},
        {"x-zm-request-timestamp": "soon", "x-zm-signature": "v0=00"},
        {"x-zm-request-timestamp": "1700000000", "x-zm-signature": "v0=é"},
    ],
)
def test_webhook_rejects_missing_or_bad_headers(
    client: httpx.Client, headers: dict[str, str], http: httpx.Client
) -> None:
    app = create_app(client)

    response = http.post(
        f"{client.base_url}{APPS}{app['id']}/webhook",
        content=b'{"event":"meeting.created"}',
        headers={name.encode(): value.encode() for name, value in headers.items()},
    )

    assert response.status_code == 401
    assert set(response.json()) == {"detail"}


def test_webhook_records_other_events(
    client: httpx.Client, admin: httpx.Client
) -> None:
    app = create_app(client)
    body = {"event": "meeting.created", "payload": {"object": {"id": 1}}}

    accepted = signed_webhook(client, app["id"], app["webhook_secret"], body)
    rejected = signed_webhook(client, app["id"], "wrong", {"event": "user.updated"})
    events = admin.get("/webhook-events").json()["events"]

    assert accepted.status_code == 200
    assert rejected.status_code == 401
    assert [
        (event["event"], event["app_id"], event["valid_signature"], event["status"])
        for event in events
    ] == [
        ("meeting.created", app["id"], True, 200),
        ("user.updated", app["id"], False, 401),
    ]
    assert all(TIMESTAMP_FORMAT.fullmatch(event["time"]) for event in events)
    assert "payload" not in json.dumps(events)
    assert client.get(f"{APPS}{app['id']}/").json()["webhook_last_validation"] is None


def test_webhook_unknown_app_is_not_found(client: httpx.Client) -> None:
    response = signed_webhook(client, str(uuid.uuid4()), "any", {"event": "x"})

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"event": "endpoint.url_validation", "payload": {}}, 400),
        ({"event": "endpoint.url_validation", "payload": {"plainToken": 5}}, 400),
        ({"event": "endpoint.url_validation"}, 400),
        ([1, 2], 400),
    ],
)
def test_webhook_rejects_invalid_validation_body(
    client: httpx.Client, payload: Any, status: int, http: httpx.Client
) -> None:
    app = create_app(client)
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()))
    headers = {
        "x-zm-request-timestamp": stamp,
        "x-zm-signature": zoom_signature(app["webhook_secret"], stamp, body),
    }

    response = http.post(
        f"{client.base_url}{APPS}{app['id']}/webhook", content=body, headers=headers
    )

    assert response.status_code == status
    assert set(response.json()) == {"detail"}


def test_webhook_allows_post_only(client: httpx.Client) -> None:
    app = create_app(client)

    response = client.get(f"{APPS}{app['id']}/webhook")

    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_signature_helpers_match_zoom_formula() -> None:
    body = b'{"event":"meeting.created"}'
    signature = sign("secret-token", "1700000000", body)

    assert signature == zoom_signature("secret-token", "1700000000", body)
    assert verify("secret-token", "1700000000", body, signature)
    assert not verify("secret-token", "1700000001", body, signature)
    assert not verify("other-token", "1700000000", body, signature)
    assert not verify("secret-token", "1700000000", body + b" ", signature)
    assert not verify("secret-token", "1700000000", body, "v0=ü")
    assert encrypt_token("secret-token", "plain") == zoom_encrypted_token(
        "secret-token", "plain"
    )


# Admin API


@pytest.mark.parametrize(
    ("client_host", "status"),
    [
        ("127.0.0.1", 200),
        ("127.8.9.10", 200),
        ("::1", 200),
        ("::ffff:127.0.0.1", 200),
        ("192.0.2.10", 403),
        ("2001:db8::1", 403),
        ("::ffff:192.0.2.10", 403),
        ("", 403),
    ],
)
def test_admin_serves_loopback_only(client_host: str, status: int) -> None:
    # The handler is called directly: tests send nothing to other addresses.
    request = Request(
        method="GET",
        path="/_emulator/health",
        query="",
        headers={},
        body=b"",
        client_host=client_host,
    )

    response = handle_admin(request, EmulatorState(EmulatorSettings()))

    assert response.status == status


def test_concurrent_creates_all_stored(emulator: Emulator) -> None:
    def create(index: int) -> str:
        headers = {"Authorization": DEV_API_KEY}
        with new_client(base_url=emulator.url, headers=headers) as api:
            response = api.post(APPS, json=app_fields(client_id=f"zoom-{index}"))
            assert response.status_code == 201
            app_id: str = response.json()["id"]
            return app_id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(create, range(40)))

    stored = emulator.apps()
    assert len(set(ids)) == 40
    assert {app["id"] for app in stored} == set(ids)
    assert {app["client_id"] for app in stored} == {f"zoom-{i}" for i in range(40)}


def test_admin_health(admin: httpx.Client) -> None:
    response = admin.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_admin_reset_keeps_settings(client: httpx.Client, admin: httpx.Client) -> None:
    admin.patch("/settings", json={"page_size": 5}).raise_for_status()
    app = create_app(client)
    signed_webhook(
        client, app["id"], app["webhook_secret"], {"event": "meeting.created"}
    )
    admin.post("/faults", json={"status": 503, "path": "/never"}).raise_for_status()

    response = admin.post("/reset")

    assert response.status_code == 204
    assert admin.get("/apps").json() == {"apps": []}
    assert admin.get("/requests").json() == {"requests": []}
    assert admin.get("/faults").json() == {"faults": []}
    assert admin.get("/webhook-events").json() == {"events": []}
    assert admin.get("/settings").json()["page_size"] == 5


def test_admin_reset_clears_rate_limit_counters(
    client: httpx.Client, emulator: Emulator, admin: httpx.Client
) -> None:
    emulator.update_settings(rate_limits=True, limit_list=1)
    client.get(APPS)
    assert client.get(APPS).status_code == 429

    admin.post("/reset").raise_for_status()

    assert client.get(APPS).status_code == 200


def test_admin_request_log(
    client: httpx.Client, admin: httpx.Client, http: httpx.Client
) -> None:
    app = create_app(client)
    client.get(APPS, params={"client_id": app["client_id"]})
    client.get(f"{APPS}{uuid.uuid4()}/")
    http.get(f"{client.base_url}{APPS}")
    admin.get("/health")

    log = admin.get("/requests").json()["requests"]

    assert [(entry["method"], entry["path"], entry["status"]) for entry in log] == [
        ("POST", APPS, 201),
        ("GET", APPS, 200),
        ("GET", log[2]["path"], 404),
        ("GET", APPS, 401),
    ]
    assert log[1]["query"] == f"client_id={app['client_id']}"
    assert all(TIMESTAMP_FORMAT.fullmatch(entry["time"]) for entry in log)
    assert set(log[0]) == {"method", "path", "query", "status", "time"}

    assert admin.delete("/requests").status_code == 204
    assert admin.get("/requests").json() == {"requests": []}


def test_admin_apps_show_all_secrets(http: httpx.Client) -> None:
    with Emulator(port=0, api_keys=("key-a", "key-b"), echo_secrets=False) as emulator:
        for key in ("key-a", "key-b"):
            http.post(
                f"{emulator.url}{APPS}",
                json=app_fields(client_secret=f"secret-of-{key}"),
                headers={"Authorization": key},
            ).raise_for_status()

        apps = http.get(f"{emulator.url}/_emulator/apps").json()["apps"]

        assert [app["client_secret"] for app in apps] == [
            "secret-of-key-a",
            "secret-of-key-b",
        ]
        assert apps[0]["workspace"] != apps[1]["workspace"]
        assert all(app["webhook_secret"].startswith("ws-") for app in apps)


def test_admin_settings_never_show_api_keys(http: httpx.Client) -> None:
    key = "key-" + secrets.token_hex(8)
    with Emulator(port=0, api_keys=(key,), region="eu-central-1") as emulator:
        response = http.get(f"{emulator.url}/_emulator/settings")

        assert response.status_code == 200
        assert key not in response.text
        assert response.json() == {
            "region": "eu-central-1",
            "state_file": None,
            "api_key_count": 1,
            "echo_secrets": True,
            "refuse_duplicate_client_id": False,
            "rate_limits": False,
            "time_scale": 1.0,
            "limit_default": 300,
            "limit_list": 60,
            "page_size": 25,
            "latency": 0.0,
        }


def test_admin_settings_patch(admin: httpx.Client) -> None:
    changes = {
        "echo_secrets": False,
        "refuse_duplicate_client_id": True,
        "rate_limits": True,
        "time_scale": 10,
        "limit_default": 5,
        "limit_list": 2,
        "page_size": 7,
        "latency": 0.01,
    }
    response = admin.patch("/settings", json=changes)

    assert response.status_code == 200
    current = response.json()
    assert {name: current[name] for name in changes} == changes
    assert admin.get("/settings").json() == current


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"api_keys": ["k"]},
            {"api_keys": ["API keys are fixed when the emulator starts."]},
        ),
        (
            {"region": "us-west-2"},
            {"region": ["This setting is fixed when the emulator starts."]},
        ),
        ({"colour": "red"}, {"colour": ["Unknown setting."]}),
        ({"echo_secrets": "no"}, {"echo_secrets": ["Must be a boolean."]}),
        ({"page_size": 0}, {"page_size": ["Must be between 1 and 1000."]}),
        ({"page_size": 2.5}, {"page_size": ["Must be a whole number."]}),
        ({"time_scale": 0}, {"time_scale": ["Must be greater than 0."]}),
        ({"limit_list": True}, {"limit_list": ["Must be a number."]}),
        ({"latency": -1}, {"latency": ["Must be between 0 and 600 seconds."]}),
        ({"limit_default": 10**400}, {"limit_default": ["Must be a finite number."]}),
    ],
)
def test_admin_settings_patch_rejects_invalid(
    admin: httpx.Client, changes: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    before = admin.get("/settings").json()

    response = admin.patch("/settings", json=changes)

    assert response.status_code == 400
    assert response.json() == errors
    assert admin.get("/settings").json() == before


def test_admin_unknown_path_and_method(admin: httpx.Client) -> None:
    unknown = admin.get("/nothing")
    wrong_method = admin.delete("/apps")

    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "Not found."}
    assert wrong_method.status_code == 405
    assert wrong_method.headers["Allow"] == "GET"


def test_admin_requests_bypass_log_and_faults(admin: httpx.Client) -> None:
    admin.post("/faults", json={"status": 500}).raise_for_status()

    assert admin.get("/health").status_code == 200
    assert admin.get("/requests").json() == {"requests": []}


def test_latency_setting_still_responds(
    client: httpx.Client, emulator: Emulator
) -> None:
    emulator.update_settings(latency=0.05)

    response = client.get(APPS)

    assert response.status_code == 200


# Fault injection


def test_fault_status_with_retry_after(
    client: httpx.Client, admin: httpx.Client, emulator: Emulator
) -> None:
    added = admin.post(
        "/faults",
        json={"method": "POST", "path": APPS, "status": 503, "retry_after": 2},
    )
    failed = client.post(APPS, json=app_fields())
    succeeded = client.post(APPS, json=app_fields())

    assert added.status_code == 201
    assert uuid.UUID(added.json()["id"])
    assert failed.status_code == 503
    assert failed.headers["Retry-After"] == "2"
    assert failed.json() == {
        "detail": "Service temporarily unavailable, try again later."
    }
    assert succeeded.status_code == 201
    assert len(emulator.apps()) == 1
    assert [entry["status"] for entry in emulator.requests()] == [503, 201]
    assert admin.get("/faults").json() == {"faults": []}


def test_fault_html_body(client: httpx.Client, admin: httpx.Client) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    admin.post("/faults", json={"status": 502, "body": page}).raise_for_status()

    response = client.get(APPS)

    assert response.status_code == 502
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.text == page


def test_fault_custom_content_type(client: httpx.Client, admin: httpx.Client) -> None:
    admin.post(
        "/faults",
        json={
            "status": 507,
            "body": "Insufficient Storage",
            "content_type": "text/plain",
        },
    ).raise_for_status()

    response = client.get(APPS)

    assert response.status_code == 507
    assert response.headers["Content-Type"] == "text/plain"
    assert response.text == "Insufficient Storage"


def test_fault_429_default_body(client: httpx.Client, admin: httpx.Client) -> None:
    admin.post("/faults", json={"status": 429, "retry_after": 3}).raise_for_status()

    response = client.get(APPS)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.json() == {
        "detail": "Request was throttled. Expected available in 3 seconds."
    }


def test_faults_consumed_in_order(client: httpx.Client, admin: httpx.Client) -> None:
    admin.post("/faults", json={"status": 500, "count": 2}).raise_for_status()
    admin.post("/faults", json={"status": 503}).raise_for_status()
    listed = admin.get("/faults").json()["faults"]

    statuses = [client.get(APPS).status_code for _ in range(4)]

    assert [(fault["status"], fault["count"]) for fault in listed] == [
        (500, 2),
        (503, 1),
    ]
    assert statuses == [500, 500, 503, 200]


def test_fault_matches_method_and_path(
    client: httpx.Client, admin: httpx.Client
) -> None:
    app = create_app(client)
    admin.post(
        "/faults",
        json={"method": "patch", "path": f"{APPS}[^/]+/", "status": 409},
    ).raise_for_status()

    listed = client.get(APPS)
    retrieved = client.get(f"{APPS}{app['id']}/")
    created = client.post(APPS, json=app_fields())
    patched = client.patch(f"{APPS}{app['id']}/", json={"client_secret": "c2"})

    assert listed.status_code == 200
    assert retrieved.status_code == 200
    assert created.status_code == 201
    assert patched.status_code == 409
    assert (
        client.get(f"{APPS}{app['id']}/").json()["client_secret"]
        == app["client_secret"]
    )


def test_fault_delay_then_normal_answer(
    client: httpx.Client, admin: httpx.Client, emulator: Emulator
) -> None:
    admin.post("/faults", json={"method": "POST", "delay": 0.5}).raise_for_status()

    with pytest.raises(httpx.ReadTimeout):
        client.post(APPS, json=app_fields(), timeout=0.05)

    # The delayed request still creates the app once its delay is over.
    for _ in range(100):
        if emulator.requests():
            break
        time.sleep(0.05)
    assert [entry["status"] for entry in emulator.requests()] == [201]
    assert len(emulator.apps()) == 1


def test_fault_delay_with_status(client: httpx.Client, admin: httpx.Client) -> None:
    admin.post("/faults", json={"delay": 0.05, "status": 504}).raise_for_status()

    response = client.get(APPS)

    assert response.status_code == 504
    assert response.json() == {"detail": "Gateway Timeout."}


def test_fault_drop_before_changes_nothing(
    client: httpx.Client, admin: httpx.Client, emulator: Emulator
) -> None:
    admin.post("/faults", json={"method": "POST", "drop": "before"}).raise_for_status()

    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.post(APPS, json=app_fields())

    assert emulator.apps() == []
    assert [entry["status"] for entry in emulator.requests()] == [0]
    assert client.get(APPS).status_code == 200


def test_fault_drop_after_applies_change(
    client: httpx.Client, admin: httpx.Client, emulator: Emulator
) -> None:
    fields = app_fields()
    admin.post("/faults", json={"method": "POST", "drop": "after"}).raise_for_status()

    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.post(APPS, json=fields)

    apps = emulator.apps()
    assert [app["client_id"] for app in apps] == [fields["client_id"]]
    assert [entry["status"] for entry in emulator.requests()] == [0]
    found = client.get(APPS, params={"client_id": fields["client_id"]}).json()
    assert [app["id"] for app in found["results"]] == [apps[0]["id"]]


def test_fault_applies_to_webhook(client: httpx.Client, admin: httpx.Client) -> None:
    app = create_app(client)
    admin.post(
        "/faults", json={"path": r".*/webhook", "status": 503}
    ).raise_for_status()

    response = signed_webhook(client, app["id"], app["webhook_secret"], {"event": "e"})

    assert response.status_code == 503


@pytest.mark.parametrize(
    ("fault", "field"),
    [
        ({}, "non_field_errors"),
        ({"count": 3}, "non_field_errors"),
        ({"status": 200}, "status"),
        ({"status": "503"}, "status"),
        ({"status": 503, "count": 0}, "count"),
        ({"status": 503, "path": "("}, "path"),
        ({"status": 503, "method": "PO ST"}, "method"),
        ({"drop": "during"}, "drop"),
        ({"drop": "before", "status": 503}, "drop"),
        ({"body": "<html>"}, "body"),
        ({"status": 503, "retry_after": "1\r\nX-Evil: 1"}, "retry_after"),
        ({"status": 503, "content_type": "text/html\nX: 1"}, "content_type"),
        ({"delay": -1}, "delay"),
        ({"status": 503, "colour": "red"}, "colour"),
    ],
)
def test_fault_rejects_invalid(
    admin: httpx.Client, fault: dict[str, Any], field: str
) -> None:
    response = admin.post("/faults", json=fault)

    assert response.status_code == 400
    assert field in response.json()
    assert admin.get("/faults").json() == {"faults": []}


def test_fault_rejects_non_object(admin: httpx.Client) -> None:
    not_json = admin.post("/faults", content=b"{status: 503}")
    not_object = admin.post("/faults", json=[{"status": 503}])

    assert not_json.status_code == 400
    assert not_json.json()["detail"].startswith("JSON parse error - ")
    assert not_object.status_code == 400


def test_faults_list_and_clear(admin: httpx.Client) -> None:
    admin.post(
        "/faults",
        json={"method": "GET", "path": "/api/v2/.*", "status": 500, "count": 4},
    ).raise_for_status()

    listed = admin.get("/faults").json()["faults"]
    cleared = admin.delete("/faults")

    assert len(listed) == 1
    assert listed[0]["method"] == "GET"
    assert listed[0]["path"] == "/api/v2/.*"
    assert listed[0]["count"] == 4
    assert cleared.status_code == 204
    assert admin.get("/faults").json() == {"faults": []}


# Hostile input


@pytest.mark.parametrize(
    ("body", "detail_start"),
    [
        (b"{", "JSON parse error - Expecting property name"),
        (b'{"kind": "user_level",}', "JSON parse error - "),
        (b"[" * 100_000, "JSON parse error - "),
        (b'{"client_id": NaN}', "JSON parse error - Out of range float values"),
        (b'{"client_id": ' + b"9" * 5000 + b"}", "JSON parse error - "),
        (b"\xff\xfe{}", "JSON parse error - the body is not valid utf-8"),
        (b"\x00" * 64, "JSON parse error - "),
    ],
)
def test_malformed_json_is_400(
    client: httpx.Client, body: bytes, detail_start: str
) -> None:
    response = client.post(
        APPS, content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert response.json()["detail"].startswith(detail_start)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "application/json-patch+json", None],
)
def test_unsupported_media_type_is_415(
    client: httpx.Client, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    body = json.dumps(app_fields()).encode()
    request = client.build_request("POST", APPS, content=body, headers=headers)
    if content_type is None:
        request.headers.pop("Content-Type", None)

    response = client.send(request)

    assert response.status_code == 415
    shown = content_type or ""
    assert response.json() == {
        "detail": f'Unsupported media type "{shown}" in request.'
    }


def test_multipart_without_boundary_is_400(client: httpx.Client) -> None:
    response = client.post(
        APPS, content=b"--x\r\n", headers={"Content-Type": "multipart/form-data"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Multipart form parse error - Invalid boundary in multipart: None"
    }


def test_form_with_too_many_fields_is_400(client: httpx.Client) -> None:
    body = "&".join(f"f{index}=v" for index in range(1001))
    response = client.post(
        APPS,
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Form parse error - ")


def test_huge_body_is_413(client: httpx.Client, emulator: Emulator) -> None:
    fields = app_fields(client_secret="x" * (2 * 1024 * 1024))
    response = client.post(APPS, json=fields)

    assert response.status_code == 413
    assert set(response.json()) == {"detail"}
    assert emulator.apps() == []
    assert client.get(APPS).status_code == 200


def test_chunked_body_is_read(client: httpx.Client) -> None:
    body = json.dumps(app_fields()).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 7):
            yield body[start : start + 7]

    response = client.post(
        APPS, content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 201


def test_huge_chunked_body_is_413(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 65536

    response = client.post(
        APPS, content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/v2/",
        "/api/v2/bots/",
        "/api/v2/zoom-oauth-apps",
        f"{APPS}{uuid.uuid4()}",
        f"{APPS}{uuid.uuid4()}/extra/",
        f"{APPS}{uuid.uuid4()}/webhook/",
        "/api/v1/zoom-oauth-apps/",
        "/_emulator",
    ],
)
def test_unknown_path_is_404(client: httpx.Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    ("method", "on_detail", "allow"),
    [
        ("PUT", False, "GET, POST, HEAD, OPTIONS"),
        ("PATCH", False, "GET, POST, HEAD, OPTIONS"),
        ("DELETE", False, "GET, POST, HEAD, OPTIONS"),
        ("PUT", True, "GET, PATCH, DELETE, HEAD, OPTIONS"),
        ("POST", True, "GET, PATCH, DELETE, HEAD, OPTIONS"),
        ("TRACE", True, "GET, PATCH, DELETE, HEAD, OPTIONS"),
    ],
)
def test_method_not_allowed_is_405(
    client: httpx.Client, method: str, on_detail: bool, allow: str
) -> None:
    app = create_app(client)
    path = f"{APPS}{app['id']}/" if on_detail else APPS

    response = client.request(method, path, json=app_fields())

    assert response.status_code == 405
    assert response.json() == {"detail": f'Method "{method}" not allowed.'}
    assert response.headers["Allow"] == allow
    assert client.get(f"{APPS}{app['id']}/").json() == app


def raw_exchange(emulator: Emulator, data: bytes) -> bytes:
    """Send ``data`` on a new connection and return all bytes until it closes."""
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET / HTTP/1.1 extra words\r\n\r\n", 400),
        (b"BREW /api/v2/zoom-oauth-apps/ HTTP/1.1\r\nHost: x\r\n\r\n", 501),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"POST /api/v2/zoom-oauth-apps/ HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400),
        (b"POST /api/v2/zoom-oauth-apps/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (
            b"POST /api/v2/zoom-oauth-apps/ HTTP/1.1\r\nContent-Length: 2\r\n"
            b"Content-Length: 3\r\n\r\n{}",
            400,
        ),
        (
            b"POST /api/v2/zoom-oauth-apps/ HTTP/1.1\r\nContent-Length: 2\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
        ),
        (
            b"POST /api/v2/zoom-oauth-apps/ HTTP/1.1\r\n"
            b"Transfer-Encoding: gzip\r\n\r\n",
            501,
        ),
        (
            b"POST /api/v2/zoom-oauth-apps/ HTTP/1.1\r\nTransfer-Encoding: chunked"
            b"\r\n\r\nzz\r\n",
            400,
        ),
        (
            b"POST /api/v2/zoom-oauth-apps/ HTTP/1.1\r\nContent-Length: 10\r\n\r\n{}",
            400,
        ),
        (
            b"POST /api/v2/zoom-oauth-apps/ HTTP/1.1\r\nAuthorization: "
            + DEV_API_KEY.encode()
            + b"\r\nContent-Type: application/json\x0b\x85\r\nContent-Length: 2"
            b"\r\nConnection: close\r\n\r\n{}",
            415,
        ),
    ],
)
def test_malformed_http_gets_json_error(
    emulator: Emulator, request_bytes: bytes, status: int
) -> None:
    if b"Content-Length: 10" in request_bytes:
        # A body shorter than its Content-Length: the client half-closes.
        with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as sock:
            sock.sendall(request_bytes)
            sock.shutdown(socket.SHUT_WR)
            received = b""
            while chunk := sock.recv(65536):
                received += chunk
    else:
        received = raw_exchange(emulator, request_bytes)

    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status} ".encode()) or head.startswith(
        f"HTTP/1.0 {status} ".encode()
    )
    assert b"Content-Type: application/json" in head
    assert set(json.loads(body)) == {"detail"}


def test_keep_alive_serves_several_requests(emulator: Emulator) -> None:
    request = b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as sock:
        for _ in range(3):
            sock.sendall(request)
            head = b""
            while b"\r\n\r\n" not in head:
                head += sock.recv(1)
            match = re.search(rb"Content-Length: (\d+)", head)
            assert match is not None
            length = int(match[1])
            body = b""
            while len(body) < length:
                body += sock.recv(length - len(body))

            assert head.startswith(b"HTTP/1.1 200 ")
            assert json.loads(body) == {"status": "ok"}


def test_next_link_uses_host_header(client: httpx.Client, admin: httpx.Client) -> None:
    admin.patch("/settings", json={"page_size": 1}).raise_for_status()
    create_app(client)
    create_app(client)

    proxied = client.get(APPS, headers={"Host": "recall.test:8443"}).json()
    hostile = client.get(APPS, headers={"Host": "evil.test/<script>"}).json()

    assert proxied["next"].startswith(f"http://recall.test:8443{APPS}?cursor=")
    assert hostile["next"].startswith(f"{client.base_url}{APPS}?cursor=")


# Secrets stay out of logs


def test_request_log_has_no_secrets(
    client: httpx.Client, admin: httpx.Client, http: httpx.Client
) -> None:
    app = create_app(client)
    client.patch(f"{APPS}{app['id']}/", json={"webhook_secret": "rotated-ws-secret"})
    signed_webhook(
        client, app["id"], app["webhook_secret"], {"event": "meeting.created"}
    )
    http.get(f"{client.base_url}{APPS}", headers={"Authorization": "Token guessed"})

    logs = admin.get("/requests").text + admin.get("/webhook-events").text

    for secret in (
        DEV_API_KEY,
        "guessed",
        app["client_secret"],
        app["webhook_secret"],
        "rotated-ws-secret",
    ):
        assert secret not in logs


def test_cli_logs_no_secrets_to_stderr(tmp_path: Path) -> None:
    api_key = "key-" + secrets.token_hex(12)
    emulator = EmulatorCommand("--api-key", api_key, stderr_path=tmp_path / "stderr")
    try:
        assert emulator.url, emulator.first_line
        headers = {"Authorization": f"Token {api_key}"}
        fields = app_fields()
        with new_client(base_url=emulator.url, headers=headers) as api:
            app = api.post(APPS, json=fields).json()
            api.patch(f"{APPS}{app['id']}/", json={"client_secret": "rotated-cs"})
            api.get(APPS, params={"client_id": fields["client_id"]})
            api.post(APPS, json=app_fields(client_secret="x" * 300))
            signed_webhook(api, app["id"], fields["webhook_secret"], {"event": "e"})
            api.get(APPS, headers={"Authorization": "Token wrong-key"})
    finally:
        exit_code = emulator.stop()

    stderr = emulator.stderr
    assert exit_code == 0
    for secret in (
        api_key,
        "wrong-key",
        fields["client_secret"],
        fields["webhook_secret"],
        "rotated-cs",
        "x" * 300,
    ):
        assert secret not in stderr
    assert f"POST {APPS} 201" in stderr
    assert f"PATCH {APPS}{app['id']}/ 200" in stderr
    assert f"GET {APPS} 401" in stderr


# Command line and persistence


def test_cli_prints_url_line(tmp_path: Path, http: httpx.Client) -> None:
    emulator = EmulatorCommand(stderr_path=tmp_path / "stderr")
    try:
        response = http.get(
            f"{emulator.url}{APPS}", headers={"Authorization": f"Token {DEV_API_KEY}"}
        )
    finally:
        exit_code = emulator.stop(signal.SIGINT)

    assert re.fullmatch(
        r"Recall emulator listening on http://127\.0\.0\.1:[0-9]+\n",
        emulator.first_line,
    )
    assert emulator.later_output == ""
    assert response.status_code == 200
    assert exit_code == 0


def test_state_file_survives_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "state" / "apps.json"
    headers = {"Authorization": f"Token {DEV_API_KEY}"}
    first = EmulatorCommand("--state-file", str(state_file), stderr_path=tmp_path / "1")
    try:
        with new_client(base_url=first.url, headers=headers) as api:
            app = api.post(APPS, json=app_fields()).json()
            deleted = api.post(APPS, json=app_fields()).json()
            api.delete(f"{APPS}{deleted['id']}/").raise_for_status()
            signed_webhook(
                api,
                app["id"],
                app["webhook_secret"],
                {"event": "endpoint.url_validation", "payload": {"plainToken": "t"}},
            )
            before = api.get(f"{APPS}{app['id']}/").json()
    finally:
        assert first.stop() == 0

    assert state_file.stat().st_mode & 0o077 == 0
    second = EmulatorCommand(
        "--state-file", str(state_file), stderr_path=tmp_path / "2"
    )
    try:
        with new_client(base_url=second.url, headers=headers) as api:
            after = api.get(f"{APPS}{app['id']}/")
            listed = api.get(APPS).json()
    finally:
        assert second.stop() == 0

    assert after.status_code == 200
    assert after.json() == before
    assert before["webhook_last_validation"] is not None
    assert [item["id"] for item in listed["results"]] == [app["id"]]


def test_state_file_of_other_region_rejected(
    tmp_path: Path, http: httpx.Client
) -> None:
    state_file = tmp_path / "apps.json"
    with Emulator(port=0, state_file=str(state_file)) as emulator:
        http.post(
            f"{emulator.url}{APPS}",
            json=app_fields(),
            headers={"Authorization": DEV_API_KEY},
        ).raise_for_status()

    other = EmulatorCommand(
        "--state-file",
        str(state_file),
        "--region",
        "eu-central-1",
        stderr_path=tmp_path / "stderr",
    )
    exit_code = other.stop()

    assert other.url == ""
    assert exit_code == 2
    assert "belongs to region 'us-east-1'" in other.stderr


def test_corrupt_state_file_rejected(tmp_path: Path) -> None:
    state_file = tmp_path / "apps.json"
    state_file.write_text("{not json")

    emulator = EmulatorCommand(
        "--state-file", str(state_file), stderr_path=tmp_path / "e"
    )
    exit_code = emulator.stop()

    assert exit_code == 2
    assert "cannot read state file" in emulator.stderr


def test_cli_rejects_invalid_flags(tmp_path: Path) -> None:
    for flags in (("--time-scale", "0"), ("--region", "mars-1"), ("--page-size", "0")):
        emulator = EmulatorCommand(*flags, stderr_path=tmp_path / "stderr")
        exit_code = emulator.stop()

        assert exit_code == 2, flags
        assert "usage:" in emulator.stderr


def test_stop_closes_idle_connections(emulator: Emulator) -> None:
    with new_client(base_url=emulator.url) as http:
        assert http.get("/_emulator/health").status_code == 200
        emulator.stop()

        with pytest.raises(httpx.TransportError):
            http.get("/_emulator/health")
