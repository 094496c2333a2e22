"""The transfer section: each CIFAR-10 answer on CIFAR-100 and ImageNet16-120 (issue 24, item 3)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nas_env.agents.history import read_history
from nas_env.benchmarks.harness.runner import run_benchmark
from nas_env.benchmarks.protocols import get_protocol
from nas_env.benchmarks.protocols.nb201_transfer import TABLE5_TRANSFER_COLUMNS, best_cell_trials
from nas_env.benchmarks.report import build_report
from nas_env.evaluators.nb201_table import NB201Table


def _best(history):
    best = history[0]
    for e in history:
        if e.reward > best.reward:
            best = e
    return best.arch


def test_each_cifar10_answer_is_looked_up_on_the_other_datasets(tmp_path) -> None:
    run_benchmark(get_protocol("nb201-cifar10", budget=1_500), ["random"], [0, 1], tmp_path, workers=0,
                  progress=False)
    text = build_report(tmp_path).read_text()
    tr = json.loads((tmp_path / "aggregate.json").read_text())["transfer"]
    archs = [_best(read_history(tmp_path / "runs" / "random" / f"seed{s}" / "history.jsonl")) for s in (0, 1)]
    for ds in ("cifar100", "imagenet16-120"):
        t = NB201Table(ds)
        expected = [100 * t.val200_mean[t.row(a)] for a in archs]
        assert tr[ds]["agents"]["random"]["per_run"] == pytest.approx(expected)
        assert tr[ds]["agents"]["random"]["mean"] == pytest.approx(np.mean(expected))
        assert f"| random | 2 | {np.mean(expected):.2f} ± {np.std(expected):.2f} | — |" in text
    assert "## 7. Transfer: each run's CIFAR-10 answer on CIFAR-100 and ImageNet16-120" in text
    assert "No readable source we found quotes this column's numbers: not quoted." in text


def test_no_unconfirmed_number_is_quoted_and_the_imagenet_optimum_is_explained() -> None:
    assert all(v is None for c in TABLE5_TRANSFER_COLUMNS.values() for v in c.published.values())
    opt = best_cell_trials("imagenet16-120")
    assert [round(t, 2) for t in opt["trials_percent"]] == [46.70, 46.77] and round(opt["mean_percent"], 2) == 46.73
    assert "46.73, the mean of its best cell's two trials (46.70 and 46.77)" in "\n".join(
        get_protocol("nb201-imagenet16-120").differences)
    cifar100 = get_protocol("nb201-cifar100")
    assert "46.7" not in "\n".join(cifar100.differences)
