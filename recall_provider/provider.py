"""The dynamic provider behind ``ZoomOAuthApp``: check, diff, create, read, update,
delete.

The engine pickles an instance of ``ZoomOAuthAppProvider`` into every resource's
state by reference (module and class name), so both names are a public contract:
renaming either breaks ``refresh`` and ``destroy`` of existing stacks. Move or
rename it only with an alias at the old path; ``tests/test_upgrade.py`` loads a
stack written by version 0.1.0 to guard this. The pickle is loaded without
calling ``__init__``. The instance has no attributes at all, because the settings
live in ``recall_provider.settings``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from recall_provider import inventory
from recall_provider.client import RecallClient, RetryPolicy
from recall_provider.errors import (
    RecallConfigError,
    RecallConflictError,
    RecallNotFoundError,
)
from recall_provider.regions import REGION_BASE_URLS, base_url_for, webhook_url
from recall_provider.settings import (
    CONFIG_API_KEY,
    CONFIG_API_KEYS,
    CONFIG_KEYS,
    ENV_API_KEY,
    ProviderSettings,
    current_settings,
    env_key_name,
    set_settings,
    settings_from_config,
)
from recall_provider.validation import (
    is_unknown,
    normalize_endpoint,
    validate_endpoint,
    validate_inputs,
)
from recall_provider.webhook_check import (
    ZOOM_RESPONSE_TIME_LIMIT_SECONDS,
    WebhookCheckError,
    check_webhook,
)

__all__ = ["INPUT_FIELDS", "OUTPUT_FIELDS", "ZoomOAuthAppProvider"]

logger = logging.getLogger(__name__)

INPUT_FIELDS = (
    "kind",
    "client_id",
    "client_secret",
    "webhook_secret",
    "region",
    "endpoint",
    "adopt",
    "validate_webhook",
)
OUTPUT_FIELDS = (
    "app_id",
    "webhook_url",
    "kind",
    "client_id",
    "client_secret",
    "webhook_secret",
    "region",
    "endpoint",
    "created_at",
    "webhook_last_validation",
    "adopt",
    "validate_webhook",
)

# A change of these makes a new app: Recall cannot change them in place, and an
# app lives in one region only.
REPLACE_FIELDS = ("kind", "client_id", "region", "endpoint")
# These change in place with PATCH, keeping the id and the webhook URL.
UPDATE_FIELDS = ("client_secret", "webhook_secret")


def _config_problems(
    settings: ProviderSettings, declared: Mapping[str, Any]
) -> list[CheckFailure]:
    """Check the provider settings that this app uses.

    The failures name no input property, so that the engine reports them as
    problems of the resource instead of a property it was never given.
    """
    failures = [CheckFailure("", problem) for problem in settings.problems]
    if "region" not in declared and settings.region not in REGION_BASE_URLS:
        known = ", ".join(REGION_BASE_URLS)
        failures.append(
            CheckFailure(
                "",
                f"recall:region (or RECALL_REGION) is {settings.region!r}, which is "
                f"not a Recall region; use one of {known}",
            )
        )
    if "endpoint" not in declared and settings.endpoint is not None:
        message = validate_endpoint(settings.endpoint, "recall:endpoint")
        if message:
            failures.append(CheckFailure("", message))

    region = declared.get("region", settings.region)
    known_region = isinstance(region, str) and region in REGION_BASE_URLS
    if known_region and settings.api_key_for(region) is None:
        failures.append(CheckFailure("", _missing_key_message(region)))
    return failures


def _reported_property(name: str, declared: Mapping[str, Any]) -> str:
    """Return the property a failure names; the engine prints its value.

    An endpoint carrying credentials must not be printed, so its failure names
    no property and the message alone names the field.
    """
    value = declared.get(name)
    if name == "endpoint" and isinstance(value, str) and "@" in value:
        return ""
    return name


def _missing_key_message(region: str) -> str:
    return (
        f"no Recall API key is set for region {region}: run `pulumi config set "
        f"--secret {CONFIG_API_KEY} <key>` for a stack in one region, or `pulumi "
        f"config set --secret --path '{CONFIG_API_KEYS}.{region}' <key>` for this "
        f"region alone, or set {ENV_API_KEY} or {env_key_name(region)}"
    )


def _known_secrets(*props: Mapping[str, Any]) -> list[str]:
    """Collect the Zoom secrets of an app's old and new properties, to scrub."""
    return [
        value
        for values in props
        for name in UPDATE_FIELDS
        if isinstance(value := values.get(name), str)
    ]


def _client(
    settings: ProviderSettings,
    region: str,
    endpoint: str | None,
    secrets: list[str] | None = None,
) -> RecallClient:
    api_key = settings.api_key_for(region)
    if api_key is None:
        message = _missing_key_message(region)
        raise RecallConfigError(message[0].upper() + message[1:] + ".")
    return RecallClient(
        api_key=api_key,
        region=region,
        base_url=base_url_for(region, endpoint),
        timeout=settings.request_timeout,
        retry=RetryPolicy(max_attempts=settings.max_attempts),
        secrets=secrets or (),
        shared=True,
    )


def _location(
    props: Mapping[str, Any], settings: ProviderSettings
) -> tuple[str, str | None]:
    """Return the region and endpoint of an app from its inputs or outputs."""
    region = props.get("region") or settings.region
    endpoint = props.get("endpoint") or None
    return str(region), (str(endpoint) if endpoint else None)


def _outputs(
    app: Mapping[str, Any],
    *,
    declared: Mapping[str, Any],
    region: str,
    endpoint: str | None,
) -> dict[str, Any]:
    """Build the full set of outputs from Recall's object.

    Recall may not echo the secrets; then the declared ones are kept, and drift
    of a secret cannot be seen.
    """
    app_id = str(app["id"])
    outs = {
        "app_id": app_id,
        "webhook_url": webhook_url(base_url_for(region, endpoint), app_id),
        "kind": app.get("kind", declared.get("kind")),
        "client_id": app.get("client_id", declared.get("client_id")),
        "client_secret": app.get("client_secret", declared.get("client_secret")),
        "webhook_secret": app.get("webhook_secret", declared.get("webhook_secret")),
        "region": region,
        "endpoint": endpoint,
        "created_at": app.get("created_at"),
        "webhook_last_validation": app.get("webhook_last_validation"),
    }
    # The two switches appear only when set, so that an app that never set them
    # shows no change of them in a diff.
    for name in ("adopt", "validate_webhook"):
        if declared.get(name):
            outs[name] = True
    return outs


def _check_webhook(
    client: RecallClient, outs: dict[str, Any], settings: ProviderSettings
) -> None:
    """Send Zoom's URL validation to the app's webhook URL, then record the
    validation time Recall stores, so that the next refresh finds no change."""
    result = check_webhook(
        outs["webhook_url"], outs["webhook_secret"], timeout=settings.request_timeout
    )
    if not result.within_zoom_time_limit:
        logger.warning(
            "The webhook URL of Zoom OAuth app %s returned a correct URL validation "
            "response but took %.1f s; Zoom allows about %g s, so its Validate "
            "button may fail.",
            outs["app_id"],
            result.elapsed_seconds,
            ZOOM_RESPONSE_TIME_LIMIT_SECONDS,
        )
    app = client.get_app(outs["app_id"])
    outs["webhook_last_validation"] = app.get("webhook_last_validation")


def _take_over(
    client: RecallClient,
    existing: list[dict[str, Any]],
    props: Mapping[str, Any],
    *,
    adopt: bool,
) -> dict[str, Any]:
    """Adopt the one existing app with the declared client ID, or explain why not."""
    where = f"in region {client.region} ({client.base_url})"
    client_id = props["client_id"]
    if len(existing) > 1:
        ids = ", ".join(str(app["id"]) for app in existing)
        raise RecallConflictError(
            f"Recall has {len(existing)} Zoom OAuth apps for client ID {client_id!r} "
            f"{where}: {ids}. Only one can be managed: delete the others in Recall, "
            "then run `pulumi up` again."
        )

    app = existing[0]
    app_id = str(app["id"])
    if not adopt:
        raise RecallConflictError(
            f"Recall already has Zoom OAuth app {app_id} for client ID {client_id!r} "
            f"{where}, created {app.get('created_at')}; creating another would give "
            "one Zoom app two Recall apps. Either take it over: set adopt=True on "
            "this resource (its secrets are then set to the declared ones), or run "
            "once with RECALL_ADOPT_EXISTING=true. Or delete it in Recall if no one "
            "uses it, then run `pulumi up` again."
        )
    if app.get("kind") != props["kind"]:
        raise RecallConflictError(
            f"Zoom OAuth app {app_id} for client ID {client_id!r} {where} has kind "
            f"{app.get('kind')!r}, not the declared {props['kind']!r}, and Recall "
            "cannot change the kind of an app. Declare its kind, or delete it in "
            "Recall so that a new app is made."
        )

    # Where Recall does not echo the secrets they cannot be compared: set them.
    stale = {
        name: props[name] for name in UPDATE_FIELDS if app.get(name) != props[name]
    }
    if stale:
        app = client.update_app(app_id, **stale)
    return app


class ZoomOAuthAppProvider(ResourceProvider):
    """Manages one Recall Zoom OAuth app per resource.

    Keeps no state on the instance: each call builds a ``RecallClient`` on the
    process's shared connection pool, so one instance can serve the engine's
    four concurrent calls.
    """

    def configure(self, req: ConfigureRequest) -> None:
        raw = {key: req.config.get(key) for key in CONFIG_KEYS}
        set_settings(
            settings_from_config({k: v for k, v in raw.items() if v is not None})
        )

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        settings = current_settings()
        declared = {
            k: news[k] for k in INPUT_FIELDS if k in news and news[k] is not None
        }
        errors = validate_inputs(declared)
        failures = [
            CheckFailure(_reported_property(name, declared), message)
            for name, message in errors.items()
        ]
        failures.extend(_config_problems(settings, declared))

        # Fill in the stack's region and endpoint, so that a change of either in
        # the stack config shows up as a change of the app.
        inputs = dict(declared)
        inputs.setdefault("region", settings.region)
        if settings.endpoint is not None:
            inputs.setdefault("endpoint", settings.endpoint)
        endpoint = inputs.get("endpoint")
        if isinstance(endpoint, str) and not is_unknown(endpoint):
            inputs["endpoint"] = normalize_endpoint(endpoint)
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        settings = current_settings()
        old_region, old_endpoint = _location(olds, settings)
        new_region, new_endpoint = _location(news, settings)
        old = {**olds, "region": old_region, "endpoint": old_endpoint}
        new = {**news, "region": new_region, "endpoint": new_endpoint}

        replaces = [
            k
            for k in REPLACE_FIELDS
            if is_unknown(new.get(k)) or old.get(k) != new.get(k)
        ]
        updates = [
            k
            for k in UPDATE_FIELDS
            if is_unknown(new.get(k)) or old.get(k) != new.get(k)
        ]
        # Turning the webhook check on runs it once, through an update that
        # changes nothing in Recall.
        if new.get("validate_webhook") is True and not old.get("validate_webhook"):
            updates.append("validate_webhook")

        # A new app in the same region with the same client ID would collide with
        # the old one, so the old one is deleted first. Otherwise the new one is
        # created first, which keeps the old webhook URL working until then.
        same_place = not {"client_id", "region", "endpoint"} & set(replaces)
        return DiffResult(
            changes=bool(replaces or updates),
            replaces=replaces,
            delete_before_replace=bool(replaces) and same_place,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        settings = current_settings()
        region, endpoint = _location(props, settings)
        adopt = bool(props.get("adopt")) or settings.adopt_existing
        with _client(settings, region, endpoint, _known_secrets(props)) as client:
            existing = inventory.apps_for_client_id(client, props["client_id"])
            if existing:
                app = _take_over(client, existing, props, adopt=adopt)
            else:
                app = client.create_app(
                    kind=props["kind"],
                    client_id=props["client_id"],
                    client_secret=props["client_secret"],
                    webhook_secret=props["webhook_secret"],
                )
            inventory.remember(client, app)
            outs = _outputs(app, declared=props, region=region, endpoint=endpoint)
            # The declared secrets are what was sent; keep them even if echoed.
            outs["client_secret"] = props["client_secret"]
            outs["webhook_secret"] = props["webhook_secret"]
            if props.get("validate_webhook"):
                try:
                    _check_webhook(client, outs, settings)
                except WebhookCheckError as exc:
                    # A failed create must leave nothing behind, or the next up
                    # would meet this app as one that already exists.
                    client.delete_app(outs["app_id"])
                    inventory.forget(client, outs["app_id"])
                    raise WebhookCheckError(
                        f"{exc} The new app {outs['app_id']} was deleted again; fix "
                        "the cause and run `pulumi up` again.",
                        reason=exc.reason,
                        webhook_url=exc.webhook_url,
                        status=exc.status,
                    ) from None
        return CreateResult(outs["app_id"], outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        settings = current_settings()
        region, endpoint = _location(props, settings)
        with _client(settings, region, endpoint, _known_secrets(props)) as client:
            try:
                app = client.get_app(id_)
            except RecallNotFoundError:
                # Deleted out of band: an empty id and empty outputs drop it from
                # the state, and the next `pulumi up` creates it again.
                return ReadResult(None, {})
        outs = _outputs(app, declared=props, region=region, endpoint=endpoint)
        inputs = {k: outs[k] for k in INPUT_FIELDS if outs.get(k) is not None}
        return ReadResult(id_, outs, inputs)

    def update(
        self, id_: str, olds: dict[str, Any], news: dict[str, Any]
    ) -> UpdateResult:
        settings = current_settings()
        region, endpoint = _location(olds, settings)
        changed = {k: news[k] for k in UPDATE_FIELDS if olds.get(k) != news.get(k)}
        with _client(settings, region, endpoint, _known_secrets(olds, news)) as client:
            try:
                app = (
                    client.update_app(id_, **changed)
                    if changed
                    else client.get_app(id_)
                )
            except RecallNotFoundError as exc:
                raise RecallNotFoundError(
                    f"{exc} Run `pulumi refresh` to drop it from the state, then "
                    "`pulumi up` to create it again.",
                    status=exc.status,
                    region=exc.region,
                    base_url=exc.base_url,
                    app_id=exc.app_id,
                ) from None
            outs = _outputs(app, declared=news, region=region, endpoint=endpoint)
            outs["client_secret"] = news["client_secret"]
            outs["webhook_secret"] = news["webhook_secret"]
            if news.get("validate_webhook"):
                _check_webhook(client, outs, settings)
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        settings = current_settings()
        region, endpoint = _location(props, settings)
        with _client(settings, region, endpoint, _known_secrets(props)) as client:
            client.delete_app(id_)
            inventory.forget(client, id_)
