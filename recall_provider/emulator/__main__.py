"""Command line: ``python -m recall_provider.emulator --port 8700``.

Prints one line, ``Recall emulator listening on http://HOST:PORT``, to stdout once
the socket is bound, then logs one line per request to stderr until SIGTERM or
SIGINT.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from recall_provider.regions import DEFAULT_REGION, REGION_BASE_URLS

from .admin import is_loopback
from .runner import Emulator
from .settings import DEFAULT_PAGE_SIZE, DEV_API_KEY, EmulatorSettings
from .store import StateFileError

DEFAULT_PORT = 8700

logger = logging.getLogger("recall_provider.emulator")


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m recall_provider.emulator",
        description="Serve Recall's Zoom OAuth App API locally, for tests.",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1); keep it a loopback address",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on; 0 picks a free one (default: {DEFAULT_PORT})",
    )

    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help=(
            "accept this API key, each key being its own workspace; repeat for "
            f"more keys (default: the development key {DEV_API_KEY})"
        ),
    )
    parser.add_argument(
        "--region",
        default=DEFAULT_REGION,
        choices=sorted(REGION_BASE_URLS),
        metavar="REGION",
        help=f"the region this emulator plays, shown in its settings: "
        f"{', '.join(REGION_BASE_URLS)} (default: {DEFAULT_REGION})",
    )

    parser.add_argument(
        "--state-file",
        metavar="PATH",
        help="keep apps in this JSON file across restarts (default: in memory only)",
    )

    # Switches for behaviours that Recall does not document.
    parser.add_argument(
        "--omit-secrets",
        action="store_true",
        help="leave client_secret and webhook_secret out of responses "
        "(default: include them)",
    )
    parser.add_argument(
        "--refuse-duplicate-client-id",
        action="store_true",
        help="reject a create whose client_id an app of the same API key has, with "
        "400 (default: accept)",
    )

    parser.add_argument(
        "--rate-limits",
        action="store_true",
        help="enforce the per-minute rate limits per API key (default: off)",
    )
    parser.add_argument(
        "--time-scale",
        type=_positive_float,
        default=1.0,
        metavar="X",
        help="make a rate-limit minute last 60/X seconds (default: 1.0)",
    )
    parser.add_argument(
        "--limit-default",
        type=_positive_int,
        default=300,
        metavar="N",
        help="requests per minute for create, retrieve, update and delete together "
        "(default: 300)",
    )
    parser.add_argument(
        "--limit-list",
        type=_positive_int,
        default=60,
        metavar="N",
        help="list requests per minute (default: 60)",
    )

    parser.add_argument(
        "--page-size",
        type=_positive_int,
        default=DEFAULT_PAGE_SIZE,
        metavar="N",
        help=f"apps per list page (default: {DEFAULT_PAGE_SIZE})",
    )
    parser.add_argument(
        "--latency",
        type=_non_negative_float,
        default=0.0,
        metavar="SECONDS",
        help="delay added to every /api/v2 response, in seconds (default: 0)",
    )
    return parser


def settings_from_arguments(arguments: argparse.Namespace) -> EmulatorSettings:
    return EmulatorSettings(
        host=arguments.host,
        port=arguments.port,
        api_keys=tuple(arguments.api_keys or (DEV_API_KEY,)),
        region=arguments.region,
        state_file=arguments.state_file,
        echo_secrets=not arguments.omit_secrets,
        refuse_duplicate_client_id=arguments.refuse_duplicate_client_id,
        rate_limits=arguments.rate_limits,
        time_scale=arguments.time_scale,
        limit_default=arguments.limit_default,
        limit_list=arguments.limit_list,
        page_size=arguments.page_size,
        latency=arguments.latency,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        settings = settings_from_arguments(arguments)
        settings.validate()
    except ValueError as error:
        parser.error(str(error))

    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s"
    )
    stop_requested = threading.Event()

    def request_stop(signal_number: int, frame: FrameType | None) -> None:
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    emulator = Emulator(settings)
    try:
        emulator.start()
    except StateFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(
            f"error: cannot listen on {settings.host} port {settings.port}: {error}",
            file=sys.stderr,
        )
        return 2

    print(f"Recall emulator listening on {emulator.url}", flush=True)
    if emulator.host != "localhost" and not is_loopback(emulator.host):
        logger.warning(
            "Listening on %s, which is not a loopback address: other machines can "
            "reach the API, whose development key is public. Use --host 127.0.0.1 "
            "unless that is intended.",
            emulator.host,
        )
    logger.info(
        "Region %s, %d API key(s), %d app(s) loaded%s",
        settings.region,
        len(settings.api_keys),
        len(emulator.apps()),
        f" from {settings.state_file}" if settings.state_file else "",
    )
    stop_requested.wait()
    emulator.stop()
    logger.info("Emulator stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
