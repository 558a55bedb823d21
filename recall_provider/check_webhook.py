"""Check a webhook URL the way Zoom validates it, from the command line.

    export ZOOM_WEBHOOK_SECRET=...   # the Zoom app's Secret Token
    python -m recall_provider.check_webhook --url "$(pulumi stack output webhookUrl)"

The webhook secret is read from an environment variable or from stdin, never
from the command line, where other users of the machine could see it in ``ps``.
Exit status: 0 when the URL responds correctly, 1 when it does not, 2 for a usage
error. The result is one line: on stdout for a pass, on stderr for a failure.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from recall_provider.webhook_check import (
    ZOOM_RESPONSE_TIME_LIMIT_SECONDS,
    WebhookCheckError,
    WebhookCheckResult,
    check_webhook,
)

__all__ = ["DEFAULT_SECRET_ENV", "format_result", "main"]

DEFAULT_SECRET_ENV = "ZOOM_WEBHOOK_SECRET"

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class _UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m recall_provider.check_webhook",
        description=(
            "Send Zoom's URL validation request, signed with the webhook secret, to "
            "a webhook URL and check the response."
        ),
        epilog=(
            "Example: pulumi config get zoomWebhookSecret | python -m "
            'recall_provider.check_webhook --url "$(pulumi stack output '
            'webhookUrl)" --secret-stdin'
        ),
        allow_abbrev=False,
    )
    parser.add_argument(
        "--url",
        required=True,
        help="the webhook URL to check, such as `pulumi stack output webhookUrl`",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--secret-env",
        metavar="NAME",
        default=DEFAULT_SECRET_ENV,
        help=(
            "the environment variable that contains the webhook secret (default: "
            f"{DEFAULT_SECRET_ENV})"
        ),
    )
    source.add_argument(
        "--secret-stdin",
        action="store_true",
        help="read the webhook secret from stdin, one line, instead",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="seconds to wait for each step of the request (default: 10)",
    )
    return parser


def _read_secret(args: argparse.Namespace, stdin: TextIO) -> str:
    if args.secret_stdin:
        text = stdin.read()
        # One final newline, as `pulumi config get` and `echo` print it.
        if text.endswith("\r\n"):
            text = text[:-2]
        elif text.endswith("\n"):
            text = text[:-1]
        if "\n" in text or "\r" in text:
            raise _UsageError(
                "stdin contains more than one line; pipe in the webhook secret alone"
            )
        if not text:
            raise _UsageError(
                "stdin is empty; pipe in the webhook secret, such as with "
                "`pulumi config get zoomWebhookSecret | ...`"
            )
        return text

    secret = os.environ.get(args.secret_env)
    if not secret:
        raise _UsageError(
            f"the environment variable {args.secret_env} is not set or empty; set it "
            "to the Zoom app's Secret Token, or pass --secret-stdin and pipe the "
            "secret in"
        )
    return secret


def format_result(result: WebhookCheckResult) -> str:
    """Return the one-line report of a passed check."""
    line = (
        f"OK: {result.webhook_url} responded to Zoom's URL validation correctly "
        f"in {result.elapsed_seconds:.2f} s."
    )
    if not result.within_zoom_time_limit:
        line += (
            " Warning: Zoom waits about "
            f"{ZOOM_RESPONSE_TIME_LIMIT_SECONDS:g} s, so its own validation may "
            "time out."
        )
    return line


def _fail_usage(parser: argparse.ArgumentParser, message: str) -> NoReturn:
    parser.print_usage(sys.stderr)
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None) -> int:
    """Run the check and return the exit status."""
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # Not echoed: a secret typed on the command line by mistake would show.
        _fail_usage(
            parser,
            f"{len(unknown)} unrecognized argument(s), not shown because they may "
            f"contain a secret. Pass the webhook secret in {DEFAULT_SECRET_ENV} or "
            "with --secret-stdin",
        )
    if not args.timeout > 0:
        _fail_usage(parser, "--timeout must be a positive number of seconds")
    try:
        secret = _read_secret(args, stdin or sys.stdin)
    except _UsageError as exc:
        _fail_usage(parser, str(exc))

    try:
        result = check_webhook(args.url, secret, timeout=args.timeout)
    except WebhookCheckError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(format_result(result))
    return EXIT_PASSED


if __name__ == "__main__":
    sys.exit(main())
