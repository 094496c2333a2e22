"""Runner + report on a tiny benchmark (2 agents x 2 seeds, tiny budget)."""

from __future__ import annotations

import csv
import json
import struct
from pathlib import Path

import pytest

from benchmarks.harness_cli import main as harness_main
from benchmarks.protocols import get_protocol
from benchmarks.report import build_report
from benchmarks.runner import run_benchmark

AGENTS = ["random", "reinforce"]


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench")
    protocol = get_protocol("nb201-cifar10", budget=1_500)  # ~14 evaluations per run
    outcomes = run_benchmark(protocol, AGENTS, [0, 1], out, workers=0, progress=False, command="pytest tiny")
    assert [o.status for o in outcomes] == ["done"] * 4
    build_report(out)
    return out


def test_runs_and_files_exist(tiny):
    for a in AGENTS:
        for s in (0, 1):
            assert (tiny / "runs" / a / f"seed{s}" / "history.jsonl").is_file()
    for name in ("report.md", "summary.csv", "aggregate.json", "anytime_by_evaluations.csv", "anytime_by_time.csv",
                 "topk_vs_random.csv", "benchmark.json"):
        assert (tiny / name).is_file(), name


def test_summary_csv_rows(tiny):
    rows = list(csv.DictReader((tiny / "summary.csv").open()))
    assert sorted((r["agent"], r["seed"]) for r in rows) == sorted((a, s) for a in AGENTS for s in "01")
    for r in rows:
        assert float(r["total_simulated_seconds"]) <= 1_500
        assert 0.5 < float(r["final_reported_accuracy"]) <= 0.9438
        assert r["reported_name"] == "test_accuracy_200ep"
        assert r["best_arch"].startswith("|")


def test_report_mentions_agents_and_setup(tiny):
    md = (tiny / "report.md").read_text()
    for a in AGENTS:
        assert f"| {a} |" in md
    for needle in ("pytest tiny", "CPUs", "torch", "Seeds:", "93.92", "optimum of the table", "top-1%"):
        assert needle in md, needle
    agg = json.loads((tiny / "aggregate.json").read_text())
    assert set(agg["agents"]) == set(AGENTS)
    e = agg["agents"]["random"]
    assert e["iqm_ci"][0] <= e["iqm"] <= e["iqm_ci"][1]


def test_figures_are_valid_pngs(tiny):
    figs = sorted((tiny / "figures").glob("*.png"))
    names = {f.stem for f in figs}
    assert {"anytime", "final", "topk_vs_random", "time_to_top"} <= names
    for f in figs:
        w, h = _png_size(f)
        assert 500 <= w <= 4000 and 300 <= h <= 3000, (f.name, w, h)
        assert f.stat().st_size > 10_000


def test_resume_skips_finished_runs_and_report_regenerates(tiny, capsys):
    protocol = get_protocol("nb201-cifar10", budget=1_500)
    before = (tiny / "runs" / "random" / "seed0" / "history.jsonl").read_text()
    outcomes = run_benchmark(protocol, AGENTS, [0, 1], tiny, workers=0, progress=False)
    assert [o.status for o in outcomes] == ["skipped"] * 4
    assert (tiny / "runs" / "random" / "seed0" / "history.jsonl").read_text() == before
    (tiny / "report.md").unlink()
    assert harness_main(["report", str(tiny)]) == 0
    assert (tiny / "report.md").is_file()


def test_other_protocol_in_same_dir_is_refused(tiny):
    with pytest.raises(ValueError, match="another protocol"):
        run_benchmark(get_protocol("macro-cifar10", budget=5), AGENTS, [0], tiny, workers=0, progress=False)


def test_unknown_agent_lists_valid(tmp_path):
    with pytest.raises(ValueError, match="valid: .*random"):
        run_benchmark(get_protocol("macro-cifar10", budget=5), ["nope"], [0], tmp_path, workers=0, progress=False)
