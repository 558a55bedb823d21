"""The demo stack: one Recall Zoom OAuth app, declared from stack config.

Exports the app's id and webhook URL, and the Zoom event types that the Zoom app
must send there, for other stacks to read with ``StackReference``.
"""

import pulumi
from pulumi.runtime.config import get_config, is_config_secret

from recall_provider import ZOOM_EVENT_TYPES, ZoomOAuthApp, ZoomOAuthAppArgs

config = pulumi.Config()

# A Zoom secret typed without --secret sits in Pulumi.<stack>.yaml in plain text.
for key in ("zoomClientSecret", "zoomWebhookSecret"):
    full_key = f"{config.name}:{key}"
    if get_config(full_key) is not None and not is_config_secret(full_key):
        raise pulumi.RunError(
            f"{full_key} is stored in plain text in the stack's config file. Store "
            f"it encrypted: `pulumi config rm {key}`, then "
            f"`pulumi config set --secret {key}` and paste the value at the prompt."
        )

app = ZoomOAuthApp(
    "zoom-oauth-app",
    ZoomOAuthAppArgs(
        kind=config.get("zoomAppKind") or "user_level",
        client_id=config.require("zoomClientId"),
        client_secret=config.require_secret("zoomClientSecret"),
        webhook_secret=config.require_secret("zoomWebhookSecret"),
        adopt=config.get_bool("zoomAdopt") or False,
    ),
)

pulumi.export("zoomOAuthAppId", app.app_id)
pulumi.export("webhookUrl", app.webhook_url)
pulumi.export("zoomEventTypes", list(ZOOM_EVENT_TYPES))
