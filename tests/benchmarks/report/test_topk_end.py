"""Figure 6's end-of-search comparison and its verdicts (issue 24, items 6 and 7), on tiny nb201 benchmarks,
checked against values computed here from the saved histories (no report code)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from nas_env.agents.history import read_history
from nas_env.benchmarks.harness.runner import run_benchmark
from nas_env.benchmarks.protocols import get_protocol
from nas_env.benchmarks.report import build_report
from nas_env.benchmarks.report.intervals import MIN_SEEDS_FOR_VERDICT, difference_of_means

SEEDS = list(range(MIN_SEEDS_FOR_VERDICT))


def _bench(tmp: Path, agents: list[str], seeds: list[int]) -> tuple[Path, dict, str]:
    run_benchmark(get_protocol("nb201-cifar10", budget=1_500), agents, seeds, tmp, workers=0, progress=False)
    text = build_report(tmp).read_text()
    return tmp, json.loads((tmp / "aggregate.json").read_text()), text


@pytest.fixture(scope="module")
def five(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    return _bench(tmp_path_factory.mktemp("five"), ["random", "reinforce-table", "grid"], SEEDS)


def _topk(history, k: int, n: int) -> float:
    best: dict[str, float] = {}
    for e in history[:n]:
        best[e.arch] = max(best.get(e.arch, -math.inf), e.reward)
    top = sorted(best.values(), reverse=True)[:k]
    return 100 * float(np.mean(top)) if len(top) >= k else math.nan


def _histories(out: Path, agent: str, seeds: list[int]) -> list:
    return [read_history(out / "runs" / agent / f"seed{s}" / "history.jsonl") for s in seeds]


def test_delta_at_the_end_is_at_equal_search_time_not_at_the_shortest_run(five) -> None:
    out, agg, text = five
    rf, rnd = _histories(out, "reinforce-table", SEEDS), _histories(out, "random", SEEDS)
    lengths = [len(h) for h in rf + rnd]
    assert len(set(lengths)) > 1  # runs under a time budget differ in length: the two comparisons differ
    c = agg["topk_vs_random_end"]["comparisons"]
    for k in (1, 5):
        full = np.mean([_topk(h, k, len(h)) for h in rf]) - np.mean([_topk(h, k, len(h)) for h in rnd])
        e = c["end_of_budget"]["k"][str(k)]["reinforce-table"]
        assert e["difference"] == pytest.approx(full)
        n = min(lengths)
        short = np.mean([_topk(h, k, n) for h in rf]) - np.mean([_topk(h, k, n) for h in rnd])
        assert c["equal_evaluations"]["k"][str(k)]["reinforce-table"]["evaluations"] == n
        assert c["equal_evaluations"]["k"][str(k)]["reinforce-table"]["difference"] == pytest.approx(short)
    assert "**At the end of the budget (equal simulated search time)** (the verdicts below)" in text
    assert "**At equal evaluations (the shortest run of each pair)**" in text


def test_verdicts_rest_on_a_t_interval_with_per_seed_values(five) -> None:
    out, agg, text = five
    e = agg["topk_vs_random_end"]["comparisons"]["end_of_budget"]["k"]["1"]["reinforce-table"]
    x = [_topk(h, 1, len(h)) for h in _histories(out, "reinforce-table", SEEDS)]
    y = [_topk(h, 1, len(h)) for h in _histories(out, "random", SEEDS)]
    from scipy import stats

    t = stats.ttest_ind(x, y, equal_var=False)
    if hasattr(t, "confidence_interval"):  # scipy >= 1.10
        low, high = t.confidence_interval(0.95)
    else:  # scipy 1.9 (.ci/lowest): the same Welch interval from the test's own degrees of freedom and error
        import numpy as np

        vx, vy = np.var(x, ddof=1) / len(x), np.var(y, ddof=1) / len(y)
        df = (vx + vy) ** 2 / (vx ** 2 / (len(x) - 1) + vy ** 2 / (len(y) - 1))
        half = stats.t.ppf(0.975, df) * np.sqrt(vx + vy)
        low, high = np.mean(x) - np.mean(y) - half, np.mean(x) - np.mean(y) + half
    assert e["ci"] == pytest.approx([low, high]) and e["values_x"] == pytest.approx(x) and e["status"] == "ok"
    line = next(s for s in text.splitlines() if s.startswith("- `reinforce-table` "))
    assert "too few seeds" not in line and f"`reinforce-table` {len(SEEDS)} seeds: " in line
    assert f"{x[0]:.2f}" in line


def test_grid_runs_once_and_its_verdict_says_so(five) -> None:
    out, agg, text = five
    assert sorted(p.name for p in (out / "runs" / "grid").iterdir()) == ["seed0"]
    e = agg["topk_vs_random_end"]["comparisons"]["end_of_budget"]["k"]["1"]["grid"]
    assert e["n_x"] == 1 and e["deterministic_x"] and e["status"] == "ok"
    y = np.array(e["values_y"])
    half = stats_t(len(y)) * y.std(ddof=1) / math.sqrt(len(y))
    assert e["ci"] == pytest.approx([e["difference"] - half, e["difference"] + half])
    assert "`grid` is one deterministic run (" in next(s for s in text.splitlines() if s.startswith("- `grid` "))


def stats_t(n: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.975, n - 1))


def test_one_seed_gives_no_verdict(tmp_path: Path) -> None:
    _, agg, text = _bench(tmp_path, ["random", "reinforce-table"], [0])
    line = next(s for s in text.splitlines() if s.startswith("- `reinforce-table`"))
    assert line.startswith(f"- `reinforce-table`: too few seeds for a verdict (at least {MIN_SEEDS_FOR_VERDICT} per")
    assert "beats" not in line and "trails" not in line and "excludes 0" not in line


def test_difference_of_means_below_and_at_the_minimum() -> None:
    few = difference_of_means([1.0, 2.0], [0.0, 1.0, 2.0, 3.0, 4.0])
    assert few["status"] == "too_few_seeds" and few["difference"] == -0.5
    det = difference_of_means([5.0, 5.0], [1.0, 2.0, 3.0, 4.0, 5.0], x_deterministic=True)
    assert det["status"] == "ok" and det["n_x"] == 1 and det["difference"] == 2.0
    assert det["ci"] == pytest.approx([2.0 - stats_t(5) * math.sqrt(2.5 / 5), 2.0 + stats_t(5) * math.sqrt(2.5 / 5)])
