"""What a protocol reports as the accuracy of an architecture (at the end of a run: not its reward).

``Protocol.reporter`` names one of these. A :class:`Reporter` turns an evaluated architecture
(one history line) into the number a protocol reports for it, names that number, and -- where
the whole space is tabulated -- gives the reported accuracy of every architecture (for the
optimum and for "top-1%" thresholds).

=================  ==========================================================================
``nb201``          NAS-Bench-201's 200-epoch accuracy of the cell from :class:`NB201Table`:
                   test accuracy on CIFAR-10 (``NB201Table.lookup(arch, 200)``); the mean
                   200-epoch *validation* accuracy over the training seeds on CIFAR-100 and
                   ImageNet16-120, whose data has no 200-epoch test accuracy (labelled so).
``macro``          NAS-Bench-Macro test accuracy: the mean of the seeds that are not the
                   search signal (what the env puts in ``metrics["test_accuracy"]``).
``env``            whatever the env reports: ``metrics["test_accuracy"]`` when present,
                   else ``metrics["val_accuracy"]`` (labelled), for any registered env.
=================  ==========================================================================

Accuracies are fractions in ``[0, 1]``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Any

import numpy as np

from nas_env.validation import check_choice

__all__ = ["REPORTERS", "EnvReporter", "MacroReporter", "NB201Reporter", "Reporter", "make_reporter"]


class Reporter(ABC):
    """Reported accuracy of architectures for one protocol."""

    #: short description of the reported number, e.g. ``"200-epoch test accuracy"``
    label: str = "reported accuracy"

    @abstractmethod
    def accuracy(self, arch: str | None, metrics: dict[str, Any]) -> float | None:
        """The reported accuracy of ``arch`` (canonical string) given its evaluation ``metrics``."""

    def name(self) -> str:
        """Machine-friendly name of the reported number (CSV column value)."""
        return self.label.replace(" ", "_")

    def table(self) -> np.ndarray | None:
        """Reported accuracy of every architecture of the space, or ``None`` if not tabulated."""
        return None

    def row(self, arch: str) -> int | None:
        """Row of ``arch`` in :meth:`table`, or ``None``."""
        return None

    def optimum(self) -> tuple[float, str] | None:
        """Best reported accuracy in the table and its architecture, or ``None``."""
        return None


class NB201Reporter(Reporter):
    """NAS-Bench-201's 200-epoch accuracy (test on CIFAR-10, mean validation elsewhere)."""

    def __init__(self, dataset: str = "cifar10"):
        from nas_env.evaluators.nb201_table import NB201Table

        self.dataset = dataset
        self._table = _nb201_table(dataset)
        acc, kind = self._table.reported_accuracy(200)
        self._acc = acc
        self.kind = kind  # "test_accuracy" or "val_accuracy_mean"
        self._row = NB201Table.row
        self._memo: dict[str, float] = {}  # arch string -> reported accuracy
        if kind == "test_accuracy":
            self.label = "200-epoch test accuracy"
        else:
            self.label = "200-epoch mean validation accuracy (no test accuracy in the data)"

    def name(self) -> str:
        return f"{self.kind}_200ep"

    def accuracy(self, arch: str | None, metrics: dict[str, Any]) -> float | None:
        if arch is None or metrics.get("status", "ok") != "ok":
            return None
        acc = self._memo.get(arch)
        if acc is None:  # parsing the string is the cost: a report asks for the same cells ~10^6 times
            acc = self._memo[arch] = float(self._acc[self._row(arch)])
        return acc

    def table(self) -> np.ndarray:
        return self._acc

    def row(self, arch: str) -> int:
        return int(self._row(arch))

    def optimum(self) -> tuple[float, str]:
        r = self._table.best_row
        return float(self._acc[r]), str(self._table.arch_str[r])

    def evaluation_costs(self, epochs: int) -> np.ndarray:
        """Simulated seconds of evaluating every cell at ``epochs`` (the 200-epoch training time x epochs / 200,
        as the nb201 protocols charge), in the rows of :meth:`table`."""
        return np.asarray(self._table.train_time200, dtype=float) * epochs / 200


class MacroReporter(Reporter):
    """NAS-Bench-Macro test accuracy averaged over the seeds that are not the signal."""

    label = "test accuracy (mean of non-signal seeds)"

    def __init__(self, signal_seed: int = 0):
        from nas_env.evaluators.macro_table import MacroTableEvaluator
        from nas_env.spaces.macro import MacroArch

        ev = MacroTableEvaluator(signal_seed)
        others = [s for s in range(3) if s != signal_seed]
        self._acc = ev.acc[:, others].mean(axis=1)
        self._keys = ev.keys
        self._from_string = MacroArch.from_string
        self._row = ev.row
        self._memo: dict[str, float] = {}  # arch string -> reported accuracy

    def name(self) -> str:
        return "test_accuracy_nonsignal_seeds"

    def accuracy(self, arch: str | None, metrics: dict[str, Any]) -> float | None:
        if arch is None or metrics.get("status", "ok") != "ok":
            return None
        acc = self._memo.get(arch)
        if acc is None:
            acc = self._memo[arch] = float(self._acc[self.row(arch)])
        return acc

    def table(self) -> np.ndarray:
        return self._acc

    def row(self, arch: str) -> int:
        return int(self._row(self._from_string(arch)))

    def optimum(self) -> tuple[float, str]:
        r = int(np.argmax(self._acc))
        return float(self._acc[r]), str(self._keys[r])


class EnvReporter(Reporter):
    """The env's own ``test_accuracy`` (or ``val_accuracy`` when it has none)."""

    label = "test accuracy as the env reports it (validation accuracy where it has none)"

    def name(self) -> str:
        return "env_test_accuracy"

    def accuracy(self, arch: str | None, metrics: dict[str, Any]) -> float | None:
        if metrics.get("status", "ok") != "ok":
            return None
        test = metrics.get("test_accuracy")
        if test is not None:
            return float(test)
        val = metrics.get("val_accuracy")
        return None if val is None else float(val)


@lru_cache(maxsize=4)
def _nb201_table(dataset: str) -> Any:
    from nas_env.evaluators.nb201_table import NB201Table

    return NB201Table(dataset)


REPORTERS = ("nb201", "macro", "env")
#: the env kwarg each reporter's option must match: a protocol reporting CIFAR-10 accuracy must search
#: CIFAR-10 (``--env-kwargs '{"dataset": "cifar100"}'`` with ``nb201-cifar10`` is refused)
REPORTER_ENV_KWARG = {"nb201": "dataset", "macro": "signal_seed"}


@lru_cache(maxsize=16)
def make_reporter(kind: str, option: Any = None) -> Reporter:
    """Build (and cache) a reporter: ``("nb201", dataset)``, ``("macro", signal_seed)`` or ``("env", None)``."""
    check_choice("reporter", kind, REPORTERS)
    if kind == "nb201":
        return NB201Reporter(option or "cifar10")
    if kind == "macro":
        return MacroReporter(0 if option is None else int(option))
    return EnvReporter()
