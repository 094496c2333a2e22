"""NAS-Bench-201 as a reward backend: tabulated accuracies, training seeds and costs.

Data (shipped in ``nas_env/data/nb201.npz``, derived by :mod:`nas_env.data.derive`):

===============  ===============================  =========================================
fidelity         ``val_accuracy`` (the signal)    ``test_accuracy`` (reported)
===============  ===============================  =========================================
200 epochs       one of the cell's 2 or 3         CIFAR-10 only (trained on train+valid);
                 training seeds, drawn with the   ``None`` for CIFAR-100, ImageNet16-120
                 env's RNG (NB201's protocol)
12 epochs        the one run the data has         all three datasets
===============  ===============================  =========================================

``cost_seconds`` is the 200-epoch ``train_time`` x fidelity / 200, as NB201 charges
it. ``params`` is the parameter count; ``latency_ms`` has the HW-NAS-Bench
latencies of the cell on seven devices. Accuracies are fractions.
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import cached_property
from typing import Any

import numpy as np

from nas_env.data.tables import load_npz
from nas_env.evaluators.base import Evaluator, as_generator, failure_metrics, make_metrics
from nas_env.spaces.nb201 import NB201_OPS, NB201Cell
from nas_env.validation import check_choice

__all__ = ["NB201_DATASETS", "NB201_FIDELITIES", "NB201Table", "NB201TableEvaluator"]

NB201_DATASETS = ("cifar10", "cifar100", "imagenet16-120")
NB201_FIDELITIES = (12, 200)
_OP_INDEX = {op: i for i, op in enumerate(NB201_OPS)}


class NB201Table:
    """The whole NAS-Bench-201 table for one dataset, indexed by token-order row.

    Row ``r`` is the mixed-radix (base 5) number of the cell's 6 tokens, i.e.
    the position of the cell in ``NB201Space().enumerate()``.
    """

    def __init__(self, dataset: str = "cifar10"):
        check_choice("NAS-Bench-201 dataset", dataset, NB201_DATASETS)
        self.dataset = dataset
        d = load_npz("nb201.npz", required=("nb201_index", "arch_str", "latency_ms", f"{dataset}__val200"))
        self.nb201_index = d["nb201_index"]
        self.arch_str = d["arch_str"]
        self.val200 = d[f"{dataset}__val200"] / 100.0
        self.num_seeds = np.sum(~np.isnan(self.val200), axis=1)
        self.val200_mean = np.nanmean(self.val200, axis=1)
        self.train_time200 = d[f"{dataset}__train_time200"]
        self.params = np.rint(d[f"{dataset}__params"] * 1e6).astype(np.int64)
        self.val12 = d[f"{dataset}__val12"] / 100.0
        self.test12 = d[f"{dataset}__test12"] / 100.0
        self.test200 = d["cifar10__test200"] / 100.0 if dataset == "cifar10" else None
        self.latency_ms = d["latency_ms"]
        self.latency_devices = tuple(str(x) for x in d["latency_devices"])

    def __len__(self) -> int:
        return len(self.arch_str)

    @staticmethod
    def row(arch: NB201Cell | str) -> int:
        """Token-order row of a cell (object or canonical string)."""
        if isinstance(arch, str):
            arch = NB201Cell.from_string(arch)
        r = 0
        for op in arch.ops:
            r = r * 5 + _OP_INDEX[op]
        return r

    def reported_accuracy(self, fidelity: int = 200) -> tuple[np.ndarray, str]:
        """The accuracy NB201 reports for every cell at ``fidelity``, and its name.

        Test accuracy where the data has it, else the mean validation accuracy.
        """
        if fidelity == 12:
            return self.test12, "test_accuracy"
        if self.test200 is not None:
            return self.test200, "test_accuracy"
        return self.val200_mean, "val_accuracy_mean"

    @cached_property
    def best_row(self) -> int:
        """Row of the best cell by the reported 200-epoch accuracy.

        Exact ties (two CIFAR-10 cells share 94.3733%) go to the lower NB201 index.
        """
        acc = self.reported_accuracy(200)[0]
        tied = np.flatnonzero(acc == acc.max())
        return int(tied[np.argmin(self.nb201_index[tied])])

    def reference_optimum(self) -> dict[str, Any]:
        """The table's best cell (:attr:`best_row`), for context in run summaries.

        Returns ``{"arch": canonical string, <reported name>: its 200-epoch reported accuracy,
        "val_accuracy": its seed-mean 200-epoch validation accuracy}``, where the reported name
        is ``"test_accuracy"`` (CIFAR-10) or ``"val_accuracy_mean"`` (see :meth:`reported_accuracy`).
        """
        row = self.best_row
        acc, name = self.reported_accuracy(200)
        return {
            "arch": str(self.arch_str[row]),
            name: float(acc[row]),
            "val_accuracy": float(self.val200_mean[row]),
        }

    def rank(self, arch: NB201Cell | str) -> dict[str, Any]:
        """Where ``arch`` ranks among all cells by the 200-epoch reported accuracy.

        ``rank`` is 1 + the number of cells strictly better (tied cells share a rank); returns
        ``{"rank", "of": number of cells, "top_percent": 100 * rank / of, "by": the accuracy's name}``.
        """
        acc, name = self.reported_accuracy(200)
        better = int((acc > acc[self.row(arch)]).sum())
        return {"rank": better + 1, "of": len(acc), "top_percent": 100.0 * (better + 1) / len(acc), "by": name}

    def lookup(self, arch: NB201Cell | str, fidelity: int = 200) -> dict[str, Any]:
        """Seed-averaged metrics of a cell, without drawing a seed (for reports)."""
        r = self.row(arch)
        if fidelity == 200:
            val = float(self.val200_mean[r])
            test = None if self.test200 is None else float(self.test200[r])
        else:
            val, test = float(self.val12[r]), float(self.test12[r])
        return self.row_metrics(r, val, test, fidelity)

    def row_metrics(self, r: int, val: float, test: float | None, epochs: int, **extra: Any) -> dict[str, Any]:
        """The metrics of row ``r`` with these accuracies after ``epochs``: the cost is the 200-epoch
        training time x ``epochs`` / 200 (as NAS-Bench-201 charges its 12-epoch reward), then ``extra``."""
        return make_metrics(val, test_accuracy=test, cost_seconds=float(self.train_time200[r]) * epochs / 200,
                            params=int(self.params[r]), **extra, nb201_index=int(self.nb201_index[r]))


class NB201TableEvaluator(Evaluator):
    """NAS-Bench-201 lookup. ``dataset`` in ``cifar10, cifar100, imagenet16-120``; fidelity 12 or 200."""

    fidelities = NB201_FIDELITIES
    default_fidelity = 200

    def __init__(self, dataset: str = "cifar10"):
        self.table = NB201Table(dataset)
        self.dataset = dataset
        self._devices = self.table.latency_devices

    def evaluate(self, arch: Hashable, *, fidelity: Any = None, seed: Any = None) -> dict[str, Any]:
        fidelity = self.check_fidelity(fidelity)
        if not isinstance(arch, NB201Cell):
            return failure_metrics("failed", f"NB201 table expects an NB201Cell, got {type(arch).__name__}")
        t = self.table
        r = NB201Table.row(arch)
        if fidelity == 200:
            n = int(t.num_seeds[r])
            k = int(as_generator(seed).integers(n))
            val = float(t.val200[r, k])
            test = None if t.test200 is None else float(t.test200[r])
        else:
            n, k = 1, 0
            val, test = float(t.val12[r]), float(t.test12[r])
        metrics = t.row_metrics(r, val, test, fidelity, fidelity=fidelity, seed_index=k, num_seeds=n)
        metrics["latency_ms"] = dict(zip(self._devices, t.latency_ms[r].tolist()))
        return metrics

    def config(self) -> dict[str, Any]:
        return {"name": "NB201TableEvaluator", "dataset": self.dataset}
