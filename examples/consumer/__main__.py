"""A service's stack: reads the Zoom OAuth app of one environment from the platform
stack with ``StackReference`` and exports what the service is configured with.

Config: ``platformStack``, the platform stack's full name
(``<organization>/recall-platform/<stack>``), and ``environment``, ``development``
or ``production`` (the default, see ``Pulumi.yaml``).
"""

import pulumi

ENVIRONMENTS = ("development", "production")

config = pulumi.Config()
environment = config.require("environment")
if environment not in ENVIRONMENTS:
    raise pulumi.RunError(
        f"environment is {environment!r}, which the platform stack does not "
        f"export; set it to one of {', '.join(ENVIRONMENTS)}: "
        "`pulumi config set environment production`"
    )

platform = pulumi.StackReference(config.require("platformStack"))

pulumi.export("zoomOAuthAppId", platform.require_output(f"{environment}AppId"))
pulumi.export("zoomWebhookUrl", platform.require_output(f"{environment}WebhookUrl"))
pulumi.export("recallRegion", platform.require_output(f"{environment}Region"))
