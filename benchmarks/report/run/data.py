"""A single run read back for its report: the :class:`~nas_env.benchmarks.run.record.RunRecord`, plus its search
space rebuilt lazily (for drawings) and the per-run selections the report shows."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from nas_env.agents.history import Evaluation
from nas_env.benchmarks.run.environment import check_trusted
from nas_env.benchmarks.run.record import RunRecord, load_run

__all__ = [
    "TOP_K", "RunReportData", "load_run_report_data", "reward_label", "space_for", "succeeded", "top_architectures",
]

TOP_K = 6


@dataclass
class RunReportData:
    """A run directory loaded for its report; ``space`` is rebuilt from ``run.json`` on first use."""

    record: RunRecord

    @property
    def out(self) -> Path:
        return self.record.path

    @property
    def run(self) -> dict[str, Any]:
        return self.record.run

    @property
    def history(self) -> list[Evaluation]:
        return self.record.history

    @cached_property
    def _space(self) -> tuple[Any, str | None]:
        """``gym.make(env_id, **env_kwargs).unwrapped.space``, or ``(None, why)``."""
        try:
            from nas_env.benchmarks.run.environment import make_env

            env = make_env(self.run["env_id"], self.run.get("env_kwargs") or {})
            try:
                return env.unwrapped.space, None
            finally:
                env.close()
        except Exception as exc:  # a missing dataset or optional dependency must not stop the report
            return None, f"{type(exc).__name__}: {exc}"

    @property
    def space(self) -> Any:
        """The run's search space, or ``None`` when it cannot be rebuilt (see :attr:`space_error`)."""
        return self._space[0]

    @property
    def space_error(self) -> str | None:
        return self._space[1]


def load_run_report_data(out: Path | str) -> RunReportData:
    """Load a run directory for its report.

    Raises:
        FileNotFoundError: ``out`` is not a run directory.
        ValueError: the run has no evaluations yet (or a corrupt history line,
                :class:`nas_env.agents.history.HistoryError`).
    """
    record = load_run(out)
    check_trusted(str(record.run.get("env_id", "")))  # one line, before anything would import it
    if not record.history:
        raise ValueError(f"{record.path}/history.jsonl holds no evaluations yet: nothing to report")
    return RunReportData(record)


def space_for(space: Any, tokens: tuple[int, ...]) -> Any:
    """The grammar ``tokens`` belong to: ``space``, or a shallower copy (layer curriculum runs)."""
    try:
        space.validate(tokens)
        return space
    except ValueError:
        pass
    config = space.config() if hasattr(space, "config") else {}
    full = config.get("num_layers")
    if isinstance(full, int) and not isinstance(full, bool):
        kwargs = {k: v for k, v in config.items() if k != "name"}
        for n in range(1, full):
            try:
                sp = type(space)(**{**kwargs, "num_layers": n})
                sp.validate(tokens)
                return sp
            except (ValueError, TypeError):
                continue
    raise ValueError(f"tokens {tokens} do not fit {space!r}")


def succeeded(ev: Evaluation) -> bool:
    """Whether the evaluated child built and trained (``metrics["status"]``, "ok" when absent)."""
    return ev.metrics.get("status", "ok") == "ok"


def top_architectures(history: list[Evaluation], k: int = TOP_K) -> list[Evaluation]:
    """The ``k`` best *distinct* architectures by reward (the first evaluation of each; failed ones skipped)."""
    best: dict[Any, Evaluation] = {}
    for ev in history:
        if not succeeded(ev):
            continue
        key = ev.arch if ev.arch is not None else tuple(ev.tokens)
        cur = best.get(key)
        if cur is None or ev.reward > cur.reward:
            best[key] = ev
    return sorted(best.values(), key=lambda e: (-e.reward, e.index))[:k]


def reward_label(history: list[Evaluation]) -> tuple[str, str]:
    """(axis label, words) for what the reward is, recognised from the metrics."""
    ok = [e for e in history if succeeded(e) and e.metrics.get("val_accuracy") is not None]
    if ok and all(abs(e.reward - float(e.metrics["val_accuracy"])) < 1e-9 for e in ok):
        return "reward = validation accuracy (fraction)", "validation accuracy (a fraction)"
    if ok and all(abs(e.reward - float(e.metrics["val_accuracy"]) ** 3) < 1e-9 for e in ok):
        return "reward = validation accuracy³", "validation accuracy cubed"
    return "reward", "the env's reward"
