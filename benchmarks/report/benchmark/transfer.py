"""Section 7 of an ``nb201-cifar10`` report: each run's CIFAR-10 answer on CIFAR-100 and ImageNet16-120, the
like-for-like comparison with NAS-Bench-201's Table 5 columns for those datasets
(:mod:`nas_env.benchmarks.protocols.nb201_transfer` says why and what is known of the published numbers).

:func:`compute_transfer` fills ``d.aggregate["transfer"]`` (pure data); :func:`transfer_markdown` writes it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nas_env.benchmarks.protocols.nb201 import NB201_DATASETS
from nas_env.benchmarks.protocols.nb201_transfer import (
    TABLE5_TRANSFER_COLUMNS,
    TRANSFER_DATASETS,
    best_cell_trials,
    transfer_accuracy,
)
from nas_env.benchmarks.report.benchmark.data import ReportData

__all__ = ["compute_transfer", "transfer_markdown"]


def applies(d: ReportData) -> bool:
    """Only a CIFAR-10 search on the NAS-Bench-201 table is what Table 5 transferred."""
    return d.protocol.reporter == "nb201" and (d.protocol.reporter_option or "cifar10") == "cifar10"


def compute_transfer(d: ReportData) -> None:
    """Per transfer dataset and agent: the runs' answers' 200-epoch validation accuracy there (mean ± std, per run)."""
    if not applies(d):
        return
    out: dict[str, Any] = {}
    for ds in TRANSFER_DATASETS:
        col = TABLE5_TRANSFER_COLUMNS[ds]
        agents = {}
        for agent, rs in d.runs.items():
            acc = transfer_accuracy([None if r.best is None else r.best.arch for r in rs], ds)
            ok = acc[np.isfinite(acc)]
            agents[agent] = {"runs": int(ok.size), "mean": float(ok.mean()) if ok.size else None,
                             "std": float(ok.std()) if ok.size else None, "per_run": acc.tolist()}
        out[ds] = {"metric": col.metric, "agents": agents, "published": col.published, "source": col.source,
                   "table_optimum": best_cell_trials(ds)}
    d.aggregate["transfer"] = out


def transfer_markdown(d: ReportData) -> list[str]:
    """The section's text (empty where it does not apply)."""
    tr = d.aggregate.get("transfer")
    if not tr:
        return []
    lines = ["## 7. Transfer: each run's CIFAR-10 answer on CIFAR-100 and ImageNet16-120 (NAS-Bench-201, Table 5)\n",
             "NAS-Bench-201 searched on CIFAR-10 only and reports the CIFAR-10-searched architecture's accuracy on "
             "all three datasets (its author, AutoDL-Projects issues #64 and #96). Here, likewise: each run's answer "
             "(its best-reward cell) looked up on CIFAR-100 and ImageNet16-120, 200-epoch validation accuracy "
             "(the mean over the cell's trials; the data has no 200-epoch test accuracy there), mean ± std over runs "
             "(population std, as NAS-Bench-201).\n"]
    add = lines.append
    for ds, v in tr.items():
        label = NB201_DATASETS[ds]
        opt = v["table_optimum"]
        trials = ", ".join(f"{t:.2f}" for t in opt["trials_percent"])
        add(f"**{label}**, {v['metric']}; optimum of the table {opt['mean_percent']:.2f} (`{opt['arch']}`, "
            f"trials {trials}):\n")
        add("| agent | runs | mean ± std | published (Table 5) |")
        add("|---|---|---|---|")
        for a, s in v["agents"].items():
            ours = "n/a" if s["mean"] is None else f"{s['mean']:.2f} ± {s['std']:.2f}"
            add(f"| {a} | {s['runs']} | {ours} | — |")
        quoted = {m: p for m, p in v["published"].items() if p is not None}
        for m, (mean, std) in quoted.items():
            add(f"| *{m} (published)* | | | {mean:.2f} ± {std:.2f} |")
        add(f"\nPublished numbers: {v['source']}\n")
    imagenet = tr.get("imagenet16-120", {}).get("table_optimum")
    if imagenet:
        t = imagenet["trials_percent"]
        add(f"ImageNet16-120's validation optimum: the table's best cell has {len(t)} trials "
            f"({', '.join(f'{x:.2f}' for x in t)}); their mean, {imagenet['mean_percent']:.2f}, is the table's "
            f"optimum. The 46.77 quoted as NAS-Bench-201's published optimum is one of those trials "
            f"({max(t):.2f}), not their mean: the published number comes from a benchmark file (v1.0) whose trials "
            "of this cell we cannot see, the table here from file v1.1.\n")
    return lines
