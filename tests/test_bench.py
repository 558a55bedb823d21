"""The benchmark, run with tiny sizes: it completes and writes every section of
its results, its report and its plot. Timings are not checked."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.harness import REPO_ROOT

OPERATIONS = ("up", "refresh", "destroy")
SIZES = (1, 2)
THROTTLED_SIZE = 3


@pytest.fixture(scope="module")
def bench_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Run the benchmark once for the whole module and return its output files."""
    folder = tmp_path_factory.mktemp("bench")
    files = {
        "results": folder / "results.json",
        "doc": folder / "performance.md",
        "plot": folder / "performance.png",
    }
    environment = dict(os.environ)
    environment["PYTHONPATH"] = str(REPO_ROOT)
    tools = REPO_ROOT / ".tools" / "bin"
    if tools.is_dir():
        environment["PATH"] = f"{tools}{os.pathsep}{environment.get('PATH', '')}"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--sizes",
            ",".join(str(size) for size in SIZES),
            "--repeats",
            "1",
            "--latencies",
            "0",
            "--throttled-size",
            str(THROTTLED_SIZE),
            "--time-scale",
            "60",
            "--profile-count",
            "2",
            "--results",
            str(files["results"]),
            "--doc",
            str(files["doc"]),
            "--plot",
            str(files["plot"]),
            "--workdir",
            str(folder / "work"),
        ],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr
    files["stdout"] = folder / "stdout.txt"
    files["stdout"].write_text(completed.stdout)
    return files


@pytest.fixture(scope="module")
def results(bench_output: dict[str, Path]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(bench_output["results"].read_text())
    return loaded


def test_results_have_every_section(results: dict[str, Any]) -> None:
    for section in (
        "machine",
        "settings",
        "runs",
        "throttled_runs",
        "call_profile",
        "medians",
        "targets",
    ):
        assert section in results, f"results.json lacks {section!r}"
    for field in ("date", "uname", "cpu_model", "python", "pulumi_cli"):
        assert results["machine"][field], f"machine description lacks {field!r}"


def test_standard_runs_cover_each_case(results: dict[str, Any]) -> None:
    cases = {(run["provider"], run["count"]) for run in results["runs"]}
    for provider in ("http", "noop", "plain", "recall"):
        for size in SIZES:
            assert (provider, size) in cases, f"no run of {provider} with N={size}"


def test_pulumi_runs_record_requests_state_and_memory(
    results: dict[str, Any],
) -> None:
    for run in results["runs"]:
        if run["provider"] == "http":
            continue
        label = f"{run['provider']} N={run['count']}"
        assert run["resources_after_up"] == run["count"], label
        assert run["resources_left"] == 0, label
        assert run["apps_left"] == 0, label
        assert run["state"]["bytes_per_app"] > 0, label
        for operation in OPERATIONS:
            record = run["operations"][operation]
            assert record["ok"], f"{label} {operation}: {record.get('errors')}"
            assert record["seconds"] > 0, f"{label} {operation}"
            assert record["provider_peak_rss_bytes"] > 0, f"{label} {operation}"
            timeline = record["timeline"]
            assert timeline["provider_started"] is not None, f"{label} {operation}"
            assert timeline["provider_started"] <= timeline["command_exited"]
            if run["provider"] != "noop":
                assert timeline["first_response"] is not None, f"{label} {operation}"


def test_request_counts_match_what_providers_send(results: dict[str, Any]) -> None:
    expected = {"up": "POST", "refresh": "GET single", "destroy": "DELETE single"}
    for run in results["runs"]:
        for operation in OPERATIONS:
            if run["provider"] == "http":
                continue
            counts = run["operations"][operation]["requests"]["by_kind"]
            label = f"{run['provider']} N={run['count']} {operation}"
            if run["provider"] == "noop":
                assert counts == {}, label
            else:
                assert counts.get(expected[operation]) == run["count"], label


def test_throttled_runs_cover_both_providers(results: dict[str, Any]) -> None:
    providers = {run["provider"] for run in results["throttled_runs"]}
    assert providers == {"plain", "recall"}
    for run in results["throttled_runs"]:
        assert run["count"] == THROTTLED_SIZE
        assert run["failed_resources"] >= 0
        assert run["total_seconds"] > 0


def test_medians_and_targets_are_computed(results: dict[str, Any]) -> None:
    medians = results["medians"]["standard"]
    assert len(medians) == 4 * len(SIZES)
    assert len(results["medians"]["throttled"]) == 2
    ids = {target["id"] for target in results["targets"]}
    assert "throttled-n3-time" in ids
    assert "vs-plain-up-n1-latency0" in ids
    assert "requests-refresh-n2-latency0" in ids
    for target in results["targets"]:
        assert target["passed"] in (True, False, None), target["id"]


def test_call_profile_times_each_caller(results: dict[str, Any]) -> None:
    per_call = results["call_profile"]["per_call"]
    for caller in ("http", "plain", "recall"):
        for call in ("create", "read", "delete"):
            assert per_call[caller][call]["median_ms"] > 0, f"{caller} {call}"
    assert results["call_profile"]["recall_profile_top"]


def test_report_and_plot_are_written(
    bench_output: dict[str, Path], results: dict[str, Any]
) -> None:
    doc = bench_output["doc"].read_text()
    for heading in ("## Machine", "## Findings", "## Targets", "## Time"):
        assert heading in doc, f"the report lacks {heading!r}"
    assert "(performance.png)" in doc
    assert bench_output["plot"].read_bytes().startswith(b"\x89PNG")
    assert "targets passed" in bench_output["stdout"].read_text()


def test_output_contains_no_api_key(bench_output: dict[str, Path]) -> None:
    # Each run makes up its API key as "bench-" and 32 hexadecimal digits.
    api_key = re.compile(r"bench-[0-9a-f]{32}")
    outputs = [bench_output[name] for name in ("results", "doc", "stdout")]
    outputs += sorted(bench_output["results"].parent.glob("work/emulator-*.log"))
    for path in outputs:
        assert not api_key.search(path.read_text()), f"{path.name} has the API key"
