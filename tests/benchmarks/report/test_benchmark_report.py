"""Runner + benchmark report on a tiny benchmark (2 agents x 2 seeds, tiny budget).

The report's numbers are checked against values computed here from the saved histories and the
NAS-Bench-201 table, without the report's own code (no RunRecord, no analysis module).
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from nas_env.agents.history import read_history
from nas_env.benchmarks.cli import main as cli_main
from nas_env.benchmarks.harness.runner import run_benchmark
from nas_env.benchmarks.protocols import get_protocol
from nas_env.benchmarks.report import build_report
from nas_env.evaluators.nb201_table import NB201Table

AGENTS = ["random", "reinforce"]
SEEDS = [0, 1]
BUDGET = 1_500  # simulated seconds: ~14 evaluations per run


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench")
    protocol = get_protocol("nb201-cifar10", budget=BUDGET)
    outcomes = run_benchmark(protocol, AGENTS, SEEDS, out, workers=0, progress=False, command="pytest tiny")
    assert [o.status for o in outcomes] == ["done"] * 4
    build_report(out)
    return out


@pytest.fixture(scope="module")
def c10() -> NB201Table:
    return NB201Table("cifar10")


def _history(out: Path, agent: str, seed: int):
    return read_history(out / "runs" / agent / f"seed{seed}" / "history.jsonl")


def _incumbent(history, n: int):
    """Best reward among the first n evaluations, earliest on ties."""
    best = history[0]
    for e in history[:n]:
        if e.reward > best.reward:
            best = e
    return best


def _test_pct(c10: NB201Table, arch: str) -> float:
    return 100 * c10.lookup(arch, 200)["test_accuracy"]


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_summary_csv_is_each_runs_best_cell_and_its_table_accuracy(tiny, c10):
    rows = _csv(tiny / "summary.csv")
    assert [(r["agent"], int(r["seed"])) for r in rows] == [(a, s) for a in AGENTS for s in SEEDS]
    for r in rows:
        h = _history(tiny, r["agent"], int(r["seed"]))
        best = _incumbent(h, len(h))
        assert int(r["evaluations"]) == len(h)
        assert float(r["total_simulated_seconds"]) == round(h[-1].total_cost_seconds, 3) <= BUDGET
        assert r["best_arch"] == best.arch and float(r["best_reward"]) == pytest.approx(best.reward)
        assert 100 * float(r["final_reported_accuracy"]) == pytest.approx(_test_pct(c10, best.arch))
        assert r["reported_name"] == "test_accuracy_200ep" and r["complete"] == "True"


def test_final_statistics_in_aggregate_and_report(tiny, c10):
    agg = json.loads((tiny / "aggregate.json").read_text())
    md = (tiny / "report.md").read_text()
    assert list(agg["agents"]) == AGENTS
    for a in AGENTS:
        hs = [_history(tiny, a, s) for s in SEEDS]
        finals = [_test_pct(c10, _incumbent(h, len(h)).arch) for h in hs]
        e = agg["agents"][a]
        np.testing.assert_allclose(e["final_accuracy_percent"], finals)
        assert e["mean"] == pytest.approx(np.mean(finals)) and e["std"] == pytest.approx(np.std(finals))
        assert e["seeds"] == SEEDS and e["iqm_ci"][0] <= e["iqm"] <= e["iqm_ci"][1]
        evals = np.mean([len(h) for h in hs])
        hours = np.mean([h[-1].total_cost_seconds for h in hs]) / 3600
        assert f"| {a} | 2 | {evals:.1f} | {hours:.2f} | {np.mean(finals):.2f} ± {np.std(finals):.2f} |" in md


def test_anytime_curves_follow_the_incumbent(tiny, c10):
    rows = _csv(tiny / "anytime_by_evaluations.csv")
    hs = {a: [_history(tiny, a, s) for s in SEEDS] for a in AGENTS}
    n_max = max(len(h) for v in hs.values() for h in v)
    assert len(rows) == len(AGENTS) * n_max
    for r in rows:
        n = int(r["evaluations"])
        expected = np.mean([_test_pct(c10, _incumbent(h, n).arch) for h in hs[r["agent"]]])  # ended runs: final
        assert float(r["mean"]) == pytest.approx(expected), r
    # at the end of the time grid (the budget) every run has spent its budget: the mean of the finals
    by_time = _csv(tiny / "anytime_by_time.csv")
    for a in AGENTS:
        last = [r for r in by_time if r["agent"] == a][-1]
        assert float(last["simulated_seconds"]) == pytest.approx(BUDGET)
        assert float(last["mean"]) == pytest.approx(np.mean([_test_pct(c10, _incumbent(h, len(h)).arch)
                                                             for h in hs[a]]))


def _topk_mean(history, k: int, n: int) -> float:
    best: dict[str, float] = {}
    for e in history[:n]:
        best[e.arch] = max(best.get(e.arch, -math.inf), e.reward)
    top = sorted(best.values(), reverse=True)[:k]
    return float(np.mean(top)) if len(top) >= k else math.nan


def test_topk_difference_is_reinforce_minus_random(tiny):
    rows = _csv(tiny / "topk_vs_random.csv")
    assert {r["agent"] for r in rows} == {"reinforce"}
    hs = {a: [_history(tiny, a, s) for s in SEEDS] for a in AGENTS}
    for r in rows:
        k, n = int(r["k"]), int(r["samples"])
        diff = 100 * (np.mean([_topk_mean(h, k, n) for h in hs["reinforce"]])
                      - np.mean([_topk_mean(h, k, n) for h in hs["random"]]))
        if math.isnan(diff):
            assert r["difference_pp"] in ("", "nan")
        else:
            assert float(r["difference_pp"]) == pytest.approx(diff), r


def test_time_to_top_uses_the_tables_top_fraction(tiny, c10):
    tt = json.loads((tiny / "aggregate.json").read_text())["time_to_top"]
    acc = c10.reported_accuracy(200)[0]
    for label, fraction in (("top-1%", 0.01), ("top-0.1%", 0.001)):
        threshold = np.sort(acc)[::-1][math.ceil(fraction * len(acc)) - 1]
        assert tt[label]["threshold_percent"] == pytest.approx(100 * threshold)
        assert tt[label]["architectures"] == int((acc >= threshold).sum())
        for a in AGENTS:
            expected = []
            for s in SEEDS:
                hits = [i + 1 for i, e in enumerate(_history(tiny, a, s))
                        if c10.lookup(e.arch, 200)["test_accuracy"] >= threshold]
                expected.append(hits[0] if hits else None)
            assert tt[label]["agents"][a]["per_seed_evaluations"] == expected


def test_controller_summary_comes_from_the_saved_diagnostics(tiny):
    agg = json.loads((tiny / "aggregate.json").read_text())
    extras = [json.loads((tiny / "runs" / "reinforce" / f"seed{s}" / "extras.json").read_text()) for s in SEEDS]
    s = agg["controller"]["reinforce"]
    assert s["runs_with_diagnostics"] == 2
    assert s["entropy_first_median"] == pytest.approx(np.median([x["diagnostics"]["entropy_per_token"][0]
                                                                 for x in extras]))
    assert s["prob_best_last_median"] == pytest.approx(np.median([x["snapshots"]["prob_best"][-1] for x in extras]))
    assert agg["controller_missing"] == ["random"]
    assert "No learning diagnostics saved for: random (skipped)." in (tiny / "report.md").read_text()


def test_report_states_the_setup(tiny):
    md = (tiny / "report.md").read_text()
    for needle in ("pytest tiny", "CPUs", "torch", "- **Seeds:** 2 per agent: 0..1", "- **Agents:** random, reinforce",
                   "| budget | 1,500 simulated seconds (an evaluation that would exceed", "| *REA (published:",
                   "93.92 ± 0.30", "| *optimum of the table* | | | | 94.37 |",
                   '`{"evolution": {"variant": "nb201"}, "reinforce": {"lr": 0.02}}`', "## Protocol notes",
                   "## 6. The paper's questions, answered"):
        assert needle in md, needle
    for name in ("anytime", "final", "topk_vs_random", "time_to_top", "controller"):
        assert f"(figures/{name}.png)" in md


@pytest.mark.parametrize(("name", "width_in", "height_in"), [
    ("anytime", 2 * 6.2, 4.4),  # by time and by evaluations
    ("final", 1.1 * (2 + 4) + 1.5, 4.4),  # 2 agents + 4 published results with a std
    ("topk_vs_random", 3 * 4.6, 4.0),  # top-1, -5, -15
    ("time_to_top", 2 * 5.4, 4.0),  # top-1% and top-0.1%
    ("controller", 12, 4.2),
])
def test_figures_have_their_panels_and_are_not_blank(tiny, name, width_in, height_in):
    from matplotlib.image import imread

    image = imread(tiny / "figures" / f"{name}.png")
    assert image.shape[:2] == (round(150 * height_in), round(150 * width_in))
    assert np.ptp(image[..., :3]) > 0.5, f"{name}.png looks blank"


def test_report_of_some_agents_only(tiny, tmp_path):
    copy = tmp_path / "bench"
    shutil.copytree(tiny, copy)
    build_report(copy, ["reinforce"])
    assert {r["agent"] for r in _csv(copy / "summary.csv")} == {"reinforce"}
    md = (copy / "report.md").read_text()
    assert "Top-k analysis skipped: it compares against `random`, which was not run." in md
    assert "## 3. Top-k architectures vs random search (Zoph & Le, Figure 6)\n\nSkipped (see notes)." in md


def test_resume_skips_finished_runs_and_report_regenerates(tiny, capsys):
    protocol = get_protocol("nb201-cifar10", budget=BUDGET)
    before = (tiny / "runs" / "random" / "seed0" / "history.jsonl").read_text()
    outcomes = run_benchmark(protocol, AGENTS, SEEDS, tiny, workers=0, progress=False)
    assert [o.status for o in outcomes] == ["skipped"] * 4
    summary = {(r["agent"], int(r["seed"])): r for r in _csv(tiny / "summary.csv")}
    for o in outcomes:
        assert o.best_arch == summary[(o.agent, o.seed)]["best_arch"]
        assert o.final_accuracy == pytest.approx(float(summary[(o.agent, o.seed)]["final_reported_accuracy"]))
    assert (tiny / "runs" / "random" / "seed0" / "history.jsonl").read_text() == before
    (tiny / "report.md").unlink()
    assert cli_main(["report", str(tiny)]) == 0
    assert (tiny / "report.md").is_file()


def test_other_protocol_in_same_dir_is_refused(tiny):
    with pytest.raises(ValueError, match="another protocol"):
        run_benchmark(get_protocol("macro-cifar10", budget=5), AGENTS, [0], tiny, workers=0, progress=False)


def test_unknown_agent_lists_valid(tmp_path):
    with pytest.raises(ValueError, match=r"unknown agent\(s\) \['nope'\]; valid: .*random"):
        run_benchmark(get_protocol("macro-cifar10", budget=5), ["nope"], [0], tmp_path, workers=0, progress=False)
    assert not (tmp_path / "benchmark.json").exists()
