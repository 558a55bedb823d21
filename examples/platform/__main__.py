"""A platform stack: the Recall Zoom OAuth apps of a development and a production
Zoom app, each in its own Recall region.

Each app reads its config under a prefix, ``dev`` or ``prod``:

- ``<prefix>ZoomClientId``, ``<prefix>ZoomClientSecret`` (secret) and
  ``<prefix>ZoomWebhookSecret`` (secret): the Zoom app's credentials;
- ``<prefix>Region``: the Recall region, ``us-east-1`` and ``eu-central-1`` unless
  set (see ``Pulumi.yaml``);
- ``<prefix>ZoomAppKind``: ``user_level`` unless set;
- ``<prefix>Endpoint``: a base URL that replaces the region's, such as a local
  emulator's; unset in real use.

Each region needs its API key in ``recall:apiKeys.<region>``. The stack exports
``<environment>AppId``, ``<environment>WebhookUrl`` and ``<environment>Region`` for
``development`` and ``production``, which services read with ``StackReference``.
"""

import pulumi

from recall_provider import ZOOM_EVENT_TYPES, ZoomOAuthApp, ZoomOAuthAppArgs

# Environment name, used in resource names and outputs, and its config prefix.
ENVIRONMENTS = {"development": "dev", "production": "prod"}

config = pulumi.Config()

for environment, prefix in ENVIRONMENTS.items():
    app = ZoomOAuthApp(
        f"zoom-{environment}",
        ZoomOAuthAppArgs(
            kind=config.get(f"{prefix}ZoomAppKind") or "user_level",
            client_id=config.require(f"{prefix}ZoomClientId"),
            client_secret=config.require_secret(f"{prefix}ZoomClientSecret"),
            webhook_secret=config.require_secret(f"{prefix}ZoomWebhookSecret"),
            region=config.require(f"{prefix}Region"),
            endpoint=config.get(f"{prefix}Endpoint"),
        ),
    )
    pulumi.export(f"{environment}AppId", app.app_id)
    pulumi.export(f"{environment}WebhookUrl", app.webhook_url)
    pulumi.export(f"{environment}Region", app.region)

pulumi.export("zoomEventTypes", list(ZOOM_EVENT_TYPES))
