"""NAS-Bench-Macro as a reward backend (6,561 networks on CIFAR-10).

NAS-Bench-Macro publishes **only test accuracy** (3 training seeds per network).
To keep the search honest, one seed (``signal_seed``, default 0) is the search
signal and is reported as ``val_accuracy``; ``test_accuracy`` is the mean of the
*other* seeds, so reward and report never share a training run. The table has no
training times: ``cost_seconds`` is 0, and protocols on this space count
evaluations instead of seconds.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from nas_env.data.tables import load_npz
from nas_env.evaluators.base import Evaluator, failure_metrics, make_metrics
from nas_env.spaces.macro import MACRO_OPS, MacroArch
from nas_env.validation import check_int

__all__ = ["MacroTableEvaluator"]

_OP_INDEX = {op: i for i, op in enumerate(MACRO_OPS)}


class MacroTableEvaluator(Evaluator):
    """NAS-Bench-Macro lookup; ``signal_seed`` in 0, 1, 2 picks the seed used as the signal."""

    def __init__(self, signal_seed: int = 0):
        check_int("signal_seed", signal_seed, low=0, high=2)  # NAS-Bench-Macro has 3 seeds
        d = load_npz("macro.npz", required=("test_acc", "params", "flops", "key"))
        self.signal_seed = signal_seed
        self.acc = d["test_acc"] / 100.0
        self.params = d["params"]
        self.flops = d["flops"]
        self.keys = d["key"]
        self._others = [s for s in range(3) if s != signal_seed]

    @staticmethod
    def row(arch: MacroArch) -> int:
        r = 0
        for op in arch.ops:
            r = r * 3 + _OP_INDEX[op]
        return r

    def evaluate(self, arch: Hashable, *, fidelity: Any = None, seed: Any = None) -> dict[str, Any]:
        self.check_fidelity(fidelity)
        if not isinstance(arch, MacroArch):
            return failure_metrics("failed", f"Macro table expects a MacroArch, got {type(arch).__name__}")
        r = self.row(arch)
        acc = self.acc[r]
        return make_metrics(
            float(acc[self.signal_seed]),
            test_accuracy=float(acc[self._others].mean()),
            cost_seconds=0.0,
            params=int(self.params[r]),
            flops=int(self.flops[r]),
            test_accuracy_seeds=acc.tolist(),
            signal_seed=self.signal_seed,
        )

    def config(self) -> dict[str, Any]:
        return {"name": "MacroTableEvaluator", "signal_seed": self.signal_seed}
