"""Issue 27: a reward that is not a fraction (the paper's c / ppl^2) is printed as the reward it is, never as "%"."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nas_env.benchmarks.harness.runner import run_benchmark
from nas_env.benchmarks.protocols import get_protocol
from nas_env.benchmarks.report import build_report


@pytest.fixture(scope="module")
def paper_c80(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """rnn-tinyshakespeare-paper with the paper's own c = 80, 2 tiny cells per agent; the best random cell's
    reward set to the issue's 1.1115 (a character perplexity of 8.48)."""
    out = tmp_path_factory.mktemp("paper")
    protocol = get_protocol("rnn-tinyshakespeare-paper", budget=2, env_kwargs={"reward": "ppl", "max_chars": 4_000})
    run_benchmark(protocol, ["random", "reinforce"], [0], out, workers=0, progress=False)
    history = out / "runs" / "random" / "seed0" / "history.jsonl"
    rows = [json.loads(line) for line in history.read_text().splitlines()]
    rows[0]["reward"] = rows[0]["best_reward"] = 1.1115
    rows[1]["best_reward"] = max(1.1115, rows[1]["reward"])
    history.write_text("".join(json.dumps(r) + "\n" for r in rows))
    build_report(out)
    return out


def test_the_top_k_table_prints_the_paper_reward_as_a_reward_not_a_percentage(paper_c80: Path) -> None:
    text = (paper_c80 / "report.md").read_text()
    assert "111.15" not in text
    assert "Mean over runs at the end of the budget (reward 80 / ppl^2):" in text
    assert "| random | 1.1115 | n/a | n/a |" in text
    assert "top-1 Δ [95% t-interval] (reward units)" in text and "(pp)" not in text
    assert not re.search(r"\d pp\b", text)  # the verdicts' differences too
    agg = json.loads((paper_c80 / "aggregate.json").read_text())
    assert agg["answers"]["topk"]["1"]["random"]["mean_at_end_reward"] == pytest.approx(1.1115)
    assert agg["reward_unit"] == {"scale": 1.0, "unit": "reward 80 / ppl^2", "difference": "reward units"}
    end = agg["topk_vs_random_end"]["comparisons"]["end_of_budget"]["k"]["1"]["reinforce"]
    assert end["values_y"] == [pytest.approx(1.1115)]  # random's top-1 in reward units, not x 100
    kth = agg["answers"]["topk_concentration"]["agents"]["random"]["kth_best_reward"]
    assert kth["1"] == pytest.approx(1.1115)  # why the gap grows with k: in reward units too


def test_reward_units_follow_the_reward() -> None:
    from nas_env.benchmarks.report.benchmark.units import PERCENT, reward_units

    assert reward_units(get_protocol("rnn-tinyshakespeare-paper")).unit == "reward 3.15 / ppl^2"
    assert reward_units(get_protocol("rnn-tinyshakespeare")) == PERCENT  # bits saved: a fraction
    assert reward_units(get_protocol("cnn-digits")) == PERCENT
    u = reward_units(get_protocol("rnn-tinyshakespeare-paper"))
    assert (u.fmt(0.0123456), u.fmt(-0.002, signed=True), u.fmt(float("nan"))) == ("0.0123", "-0.0020", "n/a")
    assert (PERCENT.head("top-1"), PERCENT.diff_head("Δ"), PERCENT.fmt(96.111)) == ("top-1 (%)", "Δ (pp)", "96.11")
