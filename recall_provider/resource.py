"""``ZoomOAuthApp``, the Pulumi resource for a Recall Zoom OAuth app, and its args."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import Resource
from pulumi.runtime.config import get_config, is_config_secret

from recall_provider.provider import ZoomOAuthAppProvider
from recall_provider.settings import CONFIG_API_KEY, CONFIG_API_KEYS

__all__ = ["ZOOM_EVENT_TYPES", "ZoomOAuthApp", "ZoomOAuthAppArgs"]

# The Zoom events that the Zoom app must send to the webhook URL.
ZOOM_EVENT_TYPES = ("meeting.created", "user.updated")

_SECRET_OUTPUTS = ["client_secret", "webhook_secret"]


def _reject_plain_text_api_keys() -> None:
    """Stop the program when an API key sits unencrypted in the stack's config.

    Pulumi copies the stack's config into the state, so a key set without
    ``--secret`` would be stored in plain text there and in every backup.
    """
    commands = {
        CONFIG_API_KEY: f"pulumi config set --secret {CONFIG_API_KEY} <key>",
        CONFIG_API_KEYS: (
            f"pulumi config set --secret --path '{CONFIG_API_KEYS}.<region>' <key>"
        ),
    }
    for key, command in commands.items():
        if get_config(key) is not None and not is_config_secret(key):
            raise pulumi.RunError(
                f"{key} is stored in plain text in the stack's config file, and "
                "Pulumi would copy it into the state. Encrypt it: "
                f"`pulumi config rm {key}`, then `{command}`."
            )


@dataclass
class ZoomOAuthAppArgs:
    """The inputs of a ``ZoomOAuthApp``.

    ``kind``, ``client_id``, ``client_secret`` and ``webhook_secret`` are required.
    ``check`` validates every input during ``pulumi preview``, before any request,
    and reports each invalid one with its field name. It never shows a secret's
    value. The API key is no input: the provider reads it from the stack config or
    the environment by the app's region.
    """

    kind: pulumi.Input[str]
    """``user_level`` for a user-managed Zoom app, ``account_level`` for an
    admin-managed one. A change replaces the app."""
    client_id: pulumi.Input[str]
    """The Zoom app's Client ID, at most 200 characters. A change replaces the app."""
    client_secret: pulumi.Input[str]
    """The Zoom app's Client Secret, at most 200 characters. It is stored as a
    secret even when given as a plain string. A change updates the app in place."""
    webhook_secret: pulumi.Input[str]
    """The Zoom app's Secret Token (not the deprecated Verification Token), at most
    200 characters. It is stored as a secret even when given as a plain string. A
    change updates the app in place."""
    region: pulumi.Input[str] | None = None
    """The Recall region of this app: ``us-east-1``, ``us-west-2``,
    ``eu-central-1`` or ``ap-northeast-1``. Defaults to ``recall:region`` (or
    ``RECALL_REGION``), else ``us-east-1``. The provider calls Recall with the
    region's own API key, ``recall:apiKeys.<region>`` (or
    ``RECALL_API_KEY_<REGION>``), else with ``recall:apiKey`` (or
    ``RECALL_API_KEY``). A change replaces the app."""
    endpoint: pulumi.Input[str] | None = None
    """A base URL that overrides the region's, such as the local emulator's.
    Defaults to ``recall:endpoint`` (or ``RECALL_ENDPOINT``). It must be
    ``https``, or plain ``http`` to a loopback address, with no user name,
    password, query or fragment. A change replaces the app."""
    adopt: pulumi.Input[bool] | None = None
    """Take over an app that already exists in Recall for this client ID, instead
    of failing; its secrets are set to the declared ones. The way to bring an app
    made by hand under management (``pulumi import`` cannot import a dynamic
    resource). A change alone changes nothing in Recall."""
    validate_webhook: pulumi.Input[bool] | None = None
    """After each create and update, send Zoom's URL validation request to the
    webhook URL, signed with ``webhook_secret``, and fail the step if the answer
    is wrong, as Zoom's Validate button would. A create that fails this way
    deletes the new app again."""


class ZoomOAuthApp(Resource, module="recall", name="ZoomOAuthApp"):
    """A Recall Zoom OAuth app: lets Recall's bots join a Zoom app's meetings.

    Its type is ``pulumi-python:dynamic/recall:ZoomOAuthApp`` and its id is
    Recall's app id. Point the Zoom app's event notifications (events
    ``meeting.created`` and ``user.updated``, see ``ZOOM_EVENT_TYPES``) at
    ``webhook_url``. A change of ``kind``, ``client_id``, ``region`` or
    ``endpoint`` makes a new app, so the id and the webhook URL change with it.
    ``client_secret`` and ``webhook_secret`` are secret outputs.
    """

    app_id: pulumi.Output[str]
    """Recall's id of the app, the same as the resource id."""
    webhook_url: pulumi.Output[str]
    """The URL that Zoom must send the app's event notifications to."""
    kind: pulumi.Output[str]
    """``user_level`` or ``account_level``."""
    client_id: pulumi.Output[str]
    """The Zoom app's Client ID."""
    client_secret: pulumi.Output[str]
    """The Zoom app's Client Secret (secret)."""
    webhook_secret: pulumi.Output[str]
    """The Zoom app's Secret Token (secret)."""
    region: pulumi.Output[str]
    """The Recall region of the app."""
    endpoint: pulumi.Output[str | None]
    """The base URL override that the app was made at, or None."""
    created_at: pulumi.Output[str]
    """When Recall created the app (ISO 8601)."""
    webhook_last_validation: pulumi.Output[str | None]
    """When Zoom last validated the webhook URL (ISO 8601), or None."""
    adopt: pulumi.Output[bool]
    """Whether the resource may take over an existing app."""
    validate_webhook: pulumi.Output[bool]
    """Whether create and update check the webhook URL as Zoom does."""

    def __init__(
        self,
        resource_name: str,
        args: ZoomOAuthAppArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a Zoom OAuth app.

        :param resource_name: The resource's name, unique in the stack.
        :param args: The app's inputs.
        :param opts: Options of the resource. They are merged with
            ``additional_secret_outputs`` for the two secrets.
        """
        _reject_plain_text_api_keys()
        props: dict[str, Any] = {
            "kind": args.kind,
            "client_id": args.client_id,
            # Secret even when the program passes plain strings.
            "client_secret": pulumi.Output.secret(args.client_secret),
            "webhook_secret": pulumi.Output.secret(args.webhook_secret),
            "region": args.region,
            "endpoint": args.endpoint,
            "adopt": args.adopt,
            "validate_webhook": args.validate_webhook,
            # Outputs only: seeded so that the class exposes them.
            "app_id": None,
            "webhook_url": None,
            "created_at": None,
            "webhook_last_validation": None,
        }
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=_SECRET_OUTPUTS)
        super().__init__(
            ZoomOAuthAppProvider(),
            resource_name,
            props,
            pulumi.ResourceOptions.merge(opts, secret_opts),
        )
