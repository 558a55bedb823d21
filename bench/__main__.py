"""Command line: ``python -m bench``. See ``python -m bench --help``."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.analysis import evaluate_targets, summarize
from bench.machine import describe_machine
from bench.runner import BenchOptions, BenchRunner

REPO_ROOT = Path(__file__).resolve().parent.parent


def _numbers(kind: type, text: str) -> tuple[Any, ...]:
    try:
        values = tuple(kind(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list: {text!r}"
        ) from None
    if not values or any(value < 0 for value in values):
        raise argparse.ArgumentTypeError(f"expected numbers of 0 or more: {text!r}")
    return values


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark the Zoom OAuth app provider against its floors on a "
        "local Recall emulator, and check the performance targets.",
    )
    parser.add_argument(
        "--sizes",
        type=lambda text: _numbers(int, text),
        default=(1, 10, 50),
        metavar="N,N,...",
        help="numbers of apps per stack, comma-separated (default: 1,10,50)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        metavar="N",
        help="runs of each case; each figure is their median (default: 3)",
    )
    parser.add_argument(
        "--latencies",
        type=lambda text: _numbers(float, text),
        default=(0.0, 0.1),
        metavar="SECONDS,...",
        help="seconds the emulator adds to every response, comma-separated "
        "(default: 0,0.1)",
    )
    parser.add_argument(
        "--throttled-size",
        type=int,
        default=200,
        metavar="N",
        help="apps in the rate-limited run; 0 skips it (default: 200)",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=2.0,
        metavar="X",
        help="the emulator's rate-limit minute lasts 60/X seconds in the "
        "rate-limited run (default: 2)",
    )
    parser.add_argument(
        "--profile-count",
        type=int,
        default=20,
        metavar="N",
        help="calls of each kind in the single-call profile; 0 skips it (default: 20)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=REPO_ROOT / "bench" / "results.json",
        help="where to write the raw runs, medians and targets "
        "(default: bench/results.json)",
    )
    parser.add_argument(
        "--doc",
        type=Path,
        default=REPO_ROOT / "docs" / "performance.md",
        help="where to write the report (default: docs/performance.md)",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        default=REPO_ROOT / "docs" / "performance.png",
        help="where to write the plot (default: docs/performance.png)",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="run nothing: recompute the medians and targets from the raw runs in "
        "--results, and rewrite it, the report and the plot",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the stacks and emulator logs in this folder (default: a "
        "temporary folder, deleted at the end)",
    )
    return parser


def _print_targets(targets: list[dict[str, Any]]) -> None:
    print("\nTargets (measured ratio, limit):")
    for target in targets:
        verdict = {True: "PASS", False: "FAIL", None: "SKIP"}[target["passed"]]
        measured = "-" if target["measured"] is None else f"{target['measured']:.2f}"
        print(
            f"  {verdict}  {measured:>6} <= {target['limit']:<5g} "
            f"{target['description']} ({target['detail']})"
        )
    failed = sum(1 for t in targets if t["passed"] is False)
    passed = sum(1 for t in targets if t["passed"] is True)
    print(f"\n{passed} targets passed, {failed} failed")


def _write_outputs(results: dict[str, Any], arguments: argparse.Namespace) -> None:
    arguments.results.parent.mkdir(parents=True, exist_ok=True)
    arguments.results.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nWrote {arguments.results}")

    # Imported here: the plot needs matplotlib, which the runs do not.
    from bench.report import write_report

    write_report(results, arguments.doc, arguments.plot)
    print(f"Wrote {arguments.doc} and {arguments.plot}")
    _print_targets(results["targets"])


def _report_only(arguments: argparse.Namespace) -> int:
    results = json.loads(arguments.results.read_text())
    summary = summarize(results["runs"], results["throttled_runs"])
    results["medians"] = summary
    results["targets"] = evaluate_targets(summary, results["settings"]["page_size"])
    _write_outputs(results, arguments)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    if arguments.report_only:
        return _report_only(arguments)
    if arguments.repeats < 1:
        print("error: --repeats must be at least 1", file=sys.stderr)
        return 2
    if arguments.time_scale <= 0:
        print("error: --time-scale must be greater than 0", file=sys.stderr)
        return 2

    workdir = arguments.workdir or Path(tempfile.mkdtemp(prefix="recall-bench-"))
    options = BenchOptions(
        workdir=workdir,
        sizes=arguments.sizes,
        repeats=arguments.repeats,
        latencies=arguments.latencies,
        throttled_size=arguments.throttled_size,
        time_scale=arguments.time_scale,
        profile_count=arguments.profile_count,
    )
    runner = BenchRunner(options, log=lambda line: print(line, flush=True))
    started = time.monotonic()
    try:
        print("Standard runs:", flush=True)
        runs, page_size = runner.run_standard()
        throttled = []
        if options.throttled_size:
            print("Rate-limited runs:", flush=True)
            throttled = runner.run_throttled()
        profile = runner.run_call_profile() if options.profile_count else {}
    finally:
        if arguments.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)

    summary = summarize(runs, throttled)
    targets = evaluate_targets(summary, page_size)
    results = {
        "machine": describe_machine(dict(os.environ)),
        "settings": {
            "sizes": list(options.sizes),
            "repeats": options.repeats,
            "latencies": list(options.latencies),
            "throttled_size": options.throttled_size,
            "time_scale": options.time_scale,
            "page_size": page_size,
            "profile_count": options.profile_count,
            "wall_seconds": round(time.monotonic() - started, 1),
        },
        "runs": runs,
        "throttled_runs": throttled,
        "call_profile": profile,
        "medians": summary,
        "targets": targets,
    }
    _write_outputs(results, arguments)
    return 0


if __name__ == "__main__":
    sys.exit(main())
