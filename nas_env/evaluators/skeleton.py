"""The skeleton the four training evaluators share: one child trained stand-alone, or shared weights trained on it.

:class:`StandaloneEvaluator` (``image_train.TrainEvaluator``, ``lm_train.LMTrainEvaluator``) builds and
trains a fresh child per evaluation inside :func:`~nas_env.training.child.run_child` and turns what
happened into metrics: an exception is status ``"failed"``, a trainer's ``"timeout"``/``"diverged"``
is that status, else the subclass's metrics. Whose failure: the child's (it does not build, it
diverges) is its result; the machine's (memory refused, ``max_train_seconds`` run out: the
same child trains on a freer machine) carries ``transient=True``, so that an evaluation store
keeps it as ``retry`` and trains the child again on the next query. :class:`WeightSharingEvaluator`
(``image_shared.SharedWeightEvaluator``, ``lm_shared.SharedWeightLMEvaluator``) keeps one model for the
whole search: its first evaluation warms the weights up, every evaluation is numbered, and its
``state_dict`` travels with a run's checkpoint. A subclass fills in the family's part (its data, model,
training and metrics) through the hooks below; every metric key and its order stay the subclass's.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import torch

from nas_env.evaluators.base import Evaluator, failure_metrics
from nas_env.training.child import child_seed, deterministic, machine_args, run_child, torch_threads
from nas_env.validation import check_int

__all__ = ["StandaloneEvaluator", "TrainingEvaluator", "WeightSharingEvaluator"]


def _machine(failed: bool) -> dict[str, bool]:
    """``transient=True`` for a failure of the machine (:mod:`nas_env.executors.base`), nothing for the child's."""
    return {"transient": True} if failed else {}


class TrainingEvaluator(Evaluator):
    """What every training evaluator has: the machine it runs on and its data, moved there once."""

    fidelities = None
    device_spec: Any
    device: torch.device
    seed: int
    num_threads: int | None
    eval_batch_size: int

    def _set_machine(self, device: Any, seed: Any, num_threads: Any, eval_batch_size: Any) -> None:
        """Check and keep the machine arguments (:func:`~nas_env.training.child.machine_args`)."""
        self.device_spec, self.device, self.seed, self.num_threads, self.eval_batch_size = machine_args(
            device, seed, num_threads, eval_batch_size)

    def _device_config(self) -> str:
        """The device as given (``"auto"``, ``"cpu"`` ...), for :meth:`config`."""
        return self.device_spec if isinstance(self.device_spec, str) else str(self.device_spec)

    def _data_on_device(self) -> Any:
        """The data children train on, on ``self.device`` (cached by the subclass)."""
        raise NotImplementedError

    def _data_facts(self, data: Any) -> dict[str, Any]:
        """Metrics that describe the data, first in every metrics dict (none by default)."""
        return {}


class StandaloneEvaluator(TrainingEvaluator):
    """Train a fresh child per evaluation for ``fidelity`` epochs (the default: ``default_fidelity``).

    Subclasses implement :meth:`_train` (build, record sizes, train; runs inside ``run_child``) and
    :meth:`_metrics` (a successful child's metrics).
    """

    expensive = True
    #: size metrics filled as far as the child gets (``None`` where it did not get that far)
    size_keys: tuple[str, ...] = ("params",)
    #: score metrics a failed child reports as ``None`` (one schema for success and failure)
    no_scores: Mapping[str, None] = {}

    def _epochs(self, fidelity: Any) -> int | None:
        """The epochs of one evaluation; ``ValueError`` for a bad fidelity (a caller error, not a bad child)."""
        return check_int("fidelity (epochs)", self.check_fidelity(fidelity))

    def _train(self, arch: Hashable, data: Any, epochs: int | None, seed: int, sizes: dict[str, int | None]) -> Any:
        """Build ``arch``, record its sizes in ``sizes``, train it; returns the trainer's result."""
        raise NotImplementedError

    def _progress(self, result: Any) -> dict[str, Any]:
        """Metrics about how far training got, reported by a timed-out or diverged child too."""
        return {}

    def _metrics(self, result: Any, sizes: dict[str, int | None], progress: dict[str, Any],
                 common: dict[str, Any]) -> dict[str, Any]:
        """The metrics of a child whose training ended with status ``"ok"``."""
        raise NotImplementedError

    def evaluate(
        self,
        arch: Hashable,
        *,
        fidelity: int | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> dict[str, Any]:
        """Build and train ``arch`` for ``fidelity`` epochs (default ``epochs``); a bad child never raises.

        Raises:
            ValueError: ``fidelity`` is not a positive int (a caller error, not a bad child).
        """
        epochs = self._epochs(fidelity)
        int_seed = child_seed(seed, self.seed)
        data = self._data_on_device()  # data errors are configuration errors: they raise
        common = {**self._data_facts(data), "device": str(self.device), "epochs": epochs, "seed": int_seed}
        sizes: dict[str, int | None] = dict.fromkeys(self.size_keys)
        run = run_child(
            lambda: self._train(arch, data, epochs, int_seed, sizes),
            device=self.device, seed=int_seed, num_threads=self.num_threads,
        )
        if run.error is not None:
            return failure_metrics("failed", run.error, cost_seconds=run.seconds, **sizes, **self.no_scores, **common,
                                   **_machine(run.machine))
        result = run.result
        assert result is not None  # no error: train() returned
        progress = self._progress(result)
        if result.status != "ok":
            return failure_metrics(
                result.status, result.error or result.status, cost_seconds=result.seconds,
                **sizes, **self.no_scores, **progress, **common, **_machine(result.status == "timeout"),
            )
        return self._metrics(result, sizes, progress, common)


class WeightSharingEvaluator(TrainingEvaluator):
    """Train one set of shared weights on each child for ``fidelity`` steps (default ``steps``), then measure it.

    Subclasses implement :meth:`_build` (the shared model and its optimizer), :meth:`_warm_up` and
    :meth:`_evaluate_child`; :meth:`_optimizer_state` / :meth:`_load_optimizer_state` where the
    optimizer's state needs copying.
    """

    expensive = False
    stateful = True

    def _set_steps(self, steps: Any, warmup_steps: Any) -> None:
        """Check and keep ``steps`` (the default fidelity) and ``warmup_steps``; nothing is built yet."""
        self.steps = check_int("steps", steps, low=0)
        self.warmup_steps = check_int("warmup_steps", warmup_steps, low=0)
        self.default_fidelity = self.steps
        self._model: Any = None
        self._optimizer: Any = None
        #: evaluations done so far (warm-up excluded)
        self.num_evaluations = 0
        self._warm = self.warmup_steps == 0

    def _build(self) -> tuple[Any, Any]:
        """The shared model (on ``self.device``, initialised from ``seed``) and its optimizer."""
        raise NotImplementedError

    def _warm_up(self, data: Any) -> None:
        """Train the shared weights ``warmup_steps`` steps on random children (seeded by ``seed``)."""
        raise NotImplementedError

    def _evaluate_child(self, arch: Hashable, data: Any, steps: int, seed: int, index: int,
                        common: dict[str, Any], start: float) -> dict[str, Any]:
        """Train the shared weights on ``arch`` for ``steps`` steps and measure it (evaluation ``index``)."""
        raise NotImplementedError

    @property
    def model(self) -> Any:
        """The shared weights (built on first use, initialised from ``seed``)."""
        if self._model is None:
            self._model, self._optimizer = self._build()
        return self._model

    @property
    def optimizer(self) -> Any:
        self.model  # noqa: B018 (builds the optimizer with the model)
        assert self._optimizer is not None
        return self._optimizer

    # ------------------------------------------------------------------ state
    def _optimizer_state(self) -> Any:
        return self.optimizer.state_dict()

    def _load_optimizer_state(self, state: Any) -> None:
        self.optimizer.load_state_dict(state)

    def state_dict(self) -> dict[str, Any]:
        """Shared weights, optimizer state and counters (CPU copies; saved with a run's checkpoint)."""
        return {
            "model": {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()},
            "optimizer": self._optimizer_state(),
            "num_evaluations": self.num_evaluations,
            "warm": self._warm,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (exactly: bit-identical weights and optimizer state)."""
        self.model.load_state_dict(state["model"])
        self._load_optimizer_state(state["optimizer"])
        self.num_evaluations = int(state["num_evaluations"])
        self._warm = bool(state["warm"])

    # ------------------------------------------------------------------ evaluate
    def evaluate(
        self,
        arch: Hashable,
        *,
        fidelity: int | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> dict[str, Any]:
        """Train the shared weights on ``arch`` for ``fidelity`` steps (default ``steps``), then measure it;
        a bad child never raises (status ``"failed"``/``"diverged"``, weights untouched). The first
        evaluation warms the weights up first (its ``cost_seconds`` includes the warm-up).

        Raises:
            ValueError: ``fidelity`` is not an int >= 0 (a caller error, not a bad child).
        """
        steps = check_int("fidelity (steps)", self.check_fidelity(fidelity), low=0)
        int_seed = child_seed(seed, self.seed)
        data = self._data_on_device()
        common = {**self._data_facts(data), "device": str(self.device), "steps": steps, "seed": int_seed,
                  "reward_kind": "shared_weights"}
        start = time.perf_counter()
        with torch_threads(self.num_threads):
            if not self._warm:
                with deterministic(self.device, self.seed):
                    self._warm_up(data)
                self._warm = True
            index = self.num_evaluations
            self.num_evaluations += 1
            return self._evaluate_child(arch, data, steps, int_seed, index, common, start)
