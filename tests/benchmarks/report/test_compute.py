"""Issue 27: the report states compute per agent and compares Figure 6's top-k at equal compute."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nas_env.benchmarks.harness.runner import run_benchmark
from nas_env.benchmarks.protocols import get_protocol
from nas_env.benchmarks.report import build_report
from nas_env.benchmarks.run.record import load_runs


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("compute")
    run_benchmark(get_protocol("nb201-cifar10", budget=3_000), ["random", "reinforce-table"], [0, 1, 2], out,
                  workers=0, progress=False)
    build_report(out)
    return out, json.loads((out / "aggregate.json").read_text())


def _top(rewards: list[tuple[str, float]], k: int) -> float:
    best: dict[str, float] = {}
    for arch, r in rewards:
        best[arch] = max(r, best.get(arch, -np.inf))
    top = sorted(best.values(), reverse=True)
    return float(np.mean(top[:k])) if len(top) >= k else float("nan")


def test_compute_per_agent_sums_what_each_agent_trained(bench: tuple[Path, dict]) -> None:
    out, agg = bench
    runs = load_runs(out)
    for agent, rs in runs.items():
        s = agg["compute"]["agents"][agent]
        secs = [sum(e.metrics.get("cost_seconds", e.cost_seconds) for e in r.history) for r in rs]
        params = [sum(e.metrics["params"] for e in r.history) for r in rs]
        assert s["runs"] == 3
        assert s["train_seconds_mean"] == pytest.approx(np.mean(secs))
        assert s["params_mean"] == pytest.approx(np.mean(params))
        assert s["wall_seconds_mean"] == pytest.approx(np.mean([r.total_wall_seconds for r in rs]))
    assert "## 3c. Compute per agent, and Figure 6 at equal compute" in (out / "report.md").read_text()


def test_equal_compute_top_k_cuts_every_run_at_the_smallest_total_cost(bench: tuple[Path, dict]) -> None:
    out, agg = bench
    runs = load_runs(out)
    eq = agg["compute"]["equal_compute_topk_vs_random"]["reinforce-table"]["params"]
    totals = [sum(e.metrics["params"] for e in r.history) for rs in runs.values() for r in rs]
    assert eq["budget"] == pytest.approx(min(totals))

    def cut(r):  # the run's evaluations within the budget
        cum = np.cumsum([e.metrics["params"] for e in r.history])
        return [(e.arch, e.reward) for e, c in zip(r.history, cum) if c <= eq["budget"] * (1 + 1e-12)]

    for k in (1, 5):
        mine = np.mean([100 * _top(cut(r), k) for r in runs["reinforce-table"]])
        base = np.mean([100 * _top(cut(r), k) for r in runs["random"]])
        got = eq[str(k)]
        assert got["difference_pp"] == pytest.approx(mine - base)
        assert got["ci"][0] <= got["difference_pp"] <= got["ci"][1]
