"""What NAS-Bench-201's Table 5 reports on CIFAR-100 and ImageNet16-120, and how a CIFAR-10 search is compared
with it (issue 24, item 3); plain data and functions, reused by reports and suites.

NAS-Bench-201 searched on **CIFAR-10 only** and reports the CIFAR-10-searched architecture's accuracy on all
three datasets (its author, D-X-Y/AutoDL-Projects issues #64 and #96; its ``exps/algos/reinforce.py`` asserts
``dataset == 'cifar10'``). The like-for-like comparison with Table 5's CIFAR-100 and ImageNet16-120 columns is
therefore each ``nb201-cifar10`` run's answer (its best-reward cell) looked up on those datasets
(:func:`transfer_accuracy`). The shipped data has, for those datasets, the 200-epoch **validation** accuracy
(mean over a cell's trials), so the comparison is with Table 5's validation columns.

Sources of the published numbers: we could confirm Table 5's CIFAR-10 test column (the nb201 protocol's
``PUBLISHED_NB201_CIFAR10``) but no readable source found with the ``search`` tool (public code and issues of
AutoDL-Projects / NATS-Bench) quotes Table 5's CIFAR-100 or ImageNet16-120 columns: they are **not quoted**
here (:data:`TABLE5_TRANSFER_COLUMNS` says so per column) rather than quoted unconfirmed.

Direct search on CIFAR-100 / ImageNet16-120 (``nb201-cifar100``, ``nb201-imagenet16-120``): NATS-Bench (Dong et al.,
TPAMI 2021) searched on every dataset with different budgets and settings (:data:`NATS_BENCH_TSS_DIRECT_SEARCH`);
its results are figures, not a table of numbers we could read, so those protocols have **no comparator**.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["NATS_BENCH_TSS_DIRECT_SEARCH", "TABLE5_TRANSFER_COLUMNS", "TRANSFER_DATASETS", "TransferColumn",
           "best_cell_trials", "transfer_accuracy"]

#: the datasets a CIFAR-10 answer is transferred to (Table 5's other columns)
TRANSFER_DATASETS = ("cifar100", "imagenet16-120")


@dataclass(frozen=True)
class TransferColumn:
    """One column of NAS-Bench-201's Table 5 for a transfer dataset, and what is known of its numbers."""

    dataset: str
    metric: str
    published: dict[str, tuple[float, float] | None]
    """method -> (mean, std) where a readable source confirms it, else None (not quoted)."""
    source: str


_NOT_CONFIRMED = ("NAS-Bench-201 (ICLR 2020), Table 5: the CIFAR-10-searched architecture's accuracy, mean ± std "
                  "over 500 runs for RS, REA, REINFORCE, BOHB (AutoDL-Projects issue #70). No readable source we "
                  "found quotes this column's numbers: not quoted.")
#: Table 5's validation columns for the transfer datasets (what the shipped data can be compared with)
TABLE5_TRANSFER_COLUMNS: dict[str, TransferColumn] = {
    ds: TransferColumn(ds, "200-epoch validation accuracy (%)", dict.fromkeys(("REA", "REINFORCE", "RS", "BOHB")),
                       _NOT_CONFIRMED) for ds in TRANSFER_DATASETS}

#: NATS-Bench's direct-search settings on the topology space ("tss"), read from its code
#: (AutoDL-Projects ``exps/NATS-algos/run-all.sh`` and ``exps/NATS-Bench/draw-table.py``; time budgets differ per
#: dataset: issue #96, "see caption of Figure 7"): what the nb201 protocols' direct search would have to match
NATS_BENCH_TSS_DIRECT_SEARCH: dict[str, Any] = {
    "budget_seconds": {"cifar10": 20_000, "cifar100": 40_000, "imagenet16-120": 120_000},
    "ours_seconds": {"cifar10": 12_000, "cifar100": 24_000, "imagenet16-120": 72_000},
    "results": "figures (Figure 7), not a table of numbers we could read",
    "comparator": None,
}


def transfer_accuracy(archs: list[str | None], dataset: str) -> np.ndarray:
    """Each architecture's 200-epoch mean validation accuracy (%) on ``dataset`` (NaN for ``None``)."""
    from nas_env.benchmarks.protocols.reported_accuracy import make_reporter

    reporter = make_reporter("nb201", dataset)
    acc = [reporter.accuracy(a, {}) if a is not None else None for a in archs]
    return np.array([np.nan if a is None else 100 * a for a in acc])


def best_cell_trials(dataset: str) -> dict[str, Any]:
    """The table's best cell by 200-epoch mean validation accuracy on ``dataset``: its string, its trials' accuracies
    (%) and their mean. On ImageNet16-120 it has two trials, 46.70 and 46.77 (mean 46.73): the 46.77 quoted as
    NAS-Bench-201's optimum is one trial of that cell, the table's 46.73 their mean."""
    from nas_env.evaluators.nb201_table import NB201Table

    t = NB201Table(dataset)
    r = int(np.nanargmax(t.val200_mean))
    trials = [100 * float(v) for v in t.val200[r] if np.isfinite(v)]
    return {"arch": str(t.arch_str[r]), "trials_percent": trials, "mean_percent": float(np.mean(trials))}
