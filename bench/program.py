"""The Pulumi program that the benchmark runs: ``bench:count`` resources of the
provider named by ``bench:provider`` (noop, plain or recall).

Every provider gets the same inputs, so that their states compare. The secrets are
derived from the secret ``bench:secretSeed``, which keeps them out of the program
and different on each run.
"""

import hashlib

import pulumi

from bench.noop_provider import NoopApp
from bench.plain_provider import PlainZoomOAuthApp
from recall_provider import ZoomOAuthApp, ZoomOAuthAppArgs

config = pulumi.Config("bench")
provider = config.require("provider")
count = config.require_int("count")
seed = config.require_secret("secretSeed")


def derive(label: str, index: int) -> pulumi.Output[str]:
    return seed.apply(
        lambda value: hashlib.sha256(f"{value}:{label}:{index}".encode()).hexdigest()
    )


for index in range(count):
    name = f"app-{index:04d}"
    inputs = {
        "kind": "user_level",
        "client_id": f"bench-client-{index:04d}",
        "client_secret": derive("client-secret", index),
        "webhook_secret": derive("webhook-secret", index),
    }
    if provider == "noop":
        NoopApp(name, inputs)
    elif provider == "plain":
        PlainZoomOAuthApp(name, inputs)
    elif provider == "recall":
        ZoomOAuthApp(name, ZoomOAuthAppArgs(**inputs))
    else:
        raise pulumi.RunError(
            f"bench:provider is {provider!r}; use noop, plain or recall"
        )
