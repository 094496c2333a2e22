"""Reward by weight sharing (ENAS): every child is a slice of one set of shared weights.

:class:`SharedWeightEvaluator` keeps one :class:`~nas_env.models.shared_cnn.SharedZophLeCNN`
for the whole search. Evaluating a child trains the shared weights *on that child* for
``steps`` minibatches (the fidelity; ``0`` only measures), then returns the child's
validation accuracy with the current shared weights. The reward is therefore a
**shared-weight estimate** of how good the child is, and it **depends on every
evaluation before it** (the order of evaluations, their number, the seed): it is not the
child's stand-alone accuracy. Re-train the best children stand-alone
(``nas-env search ... --retrain-top K``) to know what they are worth.

Consequences for runners, declared by the class attributes:

* ``stateful = True``: the evaluator must run in the search process (executor ``"none"``),
  its :meth:`state_dict` is saved with the run's checkpoint and restored on resume, and
  children evaluated after the last checkpoint are evaluated again on resume (from the
  restored weights), so a resumed search repeats an uninterrupted one exactly;
* ``expensive = False``: a child costs a few minibatches, and the evaluation store is not
  used by default (a stored shared-weight reward is only valid at its place in its
  search). Its ``config()`` names this class, so a store never mixes shared-weight and
  stand-alone rewards.

Minibatches: child number ``k`` draws ``steps`` distinct minibatches of the training split
with a ``torch.Generator`` seeded by its training seed (drawn from the env's RNG), so a
seeded search is deterministic. Optimizer: :class:`~nas_env.models.shared_cnn.SlicedSGD`
(constant learning rate, Nesterov momentum, weight decay on the used entries only).

Metrics beyond the standard keys: ``val_accuracy_final`` (= ``val_accuracy``), ``val_samples``
(validation images the reward was measured on),
``train_loss`` (mean over the steps), ``steps``, ``evaluation`` (0-based number of this
evaluation in the evaluator's life), ``reward_kind`` (``"shared_weights"``), ``device``,
``seed``. ``test_accuracy`` is the shared-weight child's test accuracy; ``params`` the
number of shared entries the child uses (= its stand-alone parameter count without BN
running statistics).
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from nas_env.evaluators.base import failure_metrics, make_metrics, reject_renamed
from nas_env.evaluators.image_data import ImageData, check_sgd
from nas_env.evaluators.skeleton import WeightSharingEvaluator
from nas_env.models.shared_cnn import ChildPlan, SharedZophLeCNN, SlicedSGD
from nas_env.spaces.zoph_le_cnn import ZophLeCNNArch, ZophLeCNNSpace
from nas_env.training.child import deterministic, error_text
from nas_env.training.datasets import Dataset
from nas_env.validation import check_int

__all__ = ["SharedWeightEvaluator"]


class SharedWeightEvaluator(WeightSharingEvaluator):
    """Train shared weights on each child for ``steps`` minibatches; reward = its validation accuracy.

    Args:
        space: the :class:`ZophLeCNNSpace` whose children share the weights.
        dataset: a name from ``nas_env.training.DATASETS`` or a ready :class:`~nas_env.training.Dataset`.
        steps: minibatches each evaluation trains the shared weights on the child (the default fidelity).
        warmup_steps: before the first evaluation, train the shared weights this many minibatches on
            uniformly random children (one new child per minibatch); ``0`` = none.
        batch_size: training batch size.
        lr: constant SGD learning rate.
        momentum: Nesterov momentum.
        weight_decay: L2 weight decay (on the entries a child uses).
        device: ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"``.
        data_root, download, val_fraction, split_seed, max_train_samples: as for
            :class:`~nas_env.evaluators.image_train.TrainEvaluator` (same splits).
        seed: seeds the shared weights' initialisation and the warm-up children; also the training
            seed of an ``evaluate`` call with ``seed=None``.
        num_threads: intra-op threads while evaluating (restored afterwards). ``1`` is much the fastest
            for digits-size children on a busy machine (MEASUREMENTS.md: 0.9 s instead of 20 s a child).
        eval_batch_size: batch size of validation and test (batch norm uses each batch's statistics:
            keep it at least the size of the validation split for a reward independent of batching).
        evaluate_test: also measure each child's shared-weight test accuracy (``False``: ``None``, and
            an evaluation costs one forward pass less; named as the LM evaluators' switch, formerly
            ``test_accuracy``).
        val_samples: measure the reward on this many validation images, a fresh random subset per
            evaluation (drawn from its training seed; ENAS scores each child on one validation
            minibatch): a cheaper, noisier reward. ``None`` (default): the whole validation split. The
            final ranking of a run's children (``--retrain-top``) always uses the whole split. Measured on
            digits (MEASUREMENTS.md): 64 or 144 of the 288 images saved 40 % or 20 % of a child's time but
            made REINFORCE's picks clearly worse.
    """

    def __init__(
        self,
        space: ZophLeCNNSpace,
        dataset: str | Dataset = "digits",
        *,
        steps: int = 10,
        warmup_steps: int = 0,
        batch_size: int = 64,
        lr: float = 0.05,
        momentum: float = 0.9,
        weight_decay: float = 5e-4,
        device: str = "auto",
        data_root: str | None = None,
        download: bool = False,
        val_fraction: float | None = None,
        split_seed: int = 0,
        max_train_samples: int | None = None,
        seed: int = 0,
        num_threads: int | None = None,
        eval_batch_size: int = 2048,
        evaluate_test: bool = True,
        val_samples: int | None = None,
        **renamed: Any,
    ):
        reject_renamed(type(self).__name__, renamed)
        if not isinstance(space, ZophLeCNNSpace):
            raise ValueError(f"space must be a ZophLeCNNSpace, got {type(space).__name__}")
        self.images = ImageData(dataset, data_root=data_root, download=download, val_fraction=val_fraction,
                                split_seed=split_seed, max_train_samples=max_train_samples)
        self.space = space
        self._set_steps(steps, warmup_steps)
        self.batch_size, self.lr, self.momentum, self.weight_decay = check_sgd(batch_size, lr, momentum, weight_decay)
        self._set_machine(device, seed, num_threads, eval_batch_size)
        self.evaluate_test = bool(evaluate_test)
        self.val_samples = check_int("val_samples", val_samples, optional=True)

    # ------------------------------------------------------------------ data, model
    def _data_on_device(self) -> Dataset:
        return self.images.on(self.device)

    def _build(self) -> tuple[SharedZophLeCNN, SlicedSGD]:
        data = self._data_on_device()
        with deterministic(self.device, self.seed):
            model = SharedZophLeCNN(self.space, data.num_classes, data.in_channels, data.image_size)
        model = model.to(self.device)
        return model, SlicedSGD(list(model.parameters()), lr=self.lr, momentum=self.momentum,
                                weight_decay=self.weight_decay)

    # ------------------------------------------------------------------ training
    def _train_steps(self, plans: list[ChildPlan], seed: int, data: Dataset) -> float:
        """One minibatch per plan (cycled), distinct minibatches; returns the mean loss (NaN: stopped)."""
        if not plans:
            return 0.0
        n = len(data.train_y)
        gen = torch.Generator(device="cpu").manual_seed(seed)
        perm = torch.cat([torch.randperm(n, generator=gen) for _ in range(-(-len(plans) * self.batch_size // n))])
        model, opt = self.model, self.optimizer
        losses = []
        for k, plan in enumerate(plans):
            idx = perm[k * self.batch_size:(k + 1) * self.batch_size].to(self.device)
            slices = model.child_slices(plan)
            for p in model.parameters():
                p.grad = None
            loss = F.cross_entropy(model(data.train_x[idx], plan), data.train_y[idx])
            value = float(loss.item())
            if not np.isfinite(value):
                return float("nan")
            loss.backward()
            opt.step(slices)
            losses.append(value)
        return float(np.mean(losses)) if losses else 0.0

    @torch.no_grad()
    def _accuracy(self, plan: ChildPlan, x: torch.Tensor, y: torch.Tensor) -> float:
        if len(y) == 0:
            return 0.0
        correct = 0
        for start in range(0, len(y), self.eval_batch_size):
            logits = self.model(x[start:start + self.eval_batch_size], plan)
            correct += int((logits.argmax(dim=1) == y[start:start + self.eval_batch_size]).sum())
        return correct / len(y)

    def _validation(self, data: Dataset, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The validation images of one evaluation: all, or ``val_samples`` of them drawn with ``seed``."""
        n = len(data.val_y)
        if self.val_samples is None or self.val_samples >= n:
            return data.val_x, data.val_y
        gen = torch.Generator(device="cpu").manual_seed(seed + 1)  # + 1: not the training minibatches' stream
        idx = torch.randperm(n, generator=gen)[:self.val_samples].to(self.device)
        return data.val_x[idx], data.val_y[idx]

    def _warm_up(self, data: Dataset) -> None:
        rng = np.random.default_rng(self.seed)
        plans: list[ChildPlan] = []
        while len(plans) < self.warmup_steps:
            arch = self.space.decode(self.space.sample(rng))
            try:
                plans.append(self.model.plan(arch))
            except ValueError:  # too-small feature maps (strides): draw another child
                continue
        self._train_steps(plans, self.seed, data)

    def _evaluate_child(self, arch: Hashable, data: Dataset, steps: int, seed: int, index: int,
                        common: dict[str, Any], start: float) -> dict[str, Any]:
        try:
            if not isinstance(arch, ZophLeCNNArch):
                raise ValueError(f"expected a ZophLeCNNArch, got {type(arch).__name__}: {arch!r}")
            plan = self.model.plan(arch)
        except ValueError as e:  # too-small feature maps, a child of another space
            return failure_metrics("failed", error_text(e), cost_seconds=time.perf_counter() - start,
                                   evaluation=index, **common)
        with deterministic(self.device, seed):
            loss = self._train_steps([plan] * steps, seed, data)
            if not np.isfinite(loss):
                return failure_metrics("diverged", f"loss became {loss} training the shared weights",
                                       cost_seconds=time.perf_counter() - start, evaluation=index, **common)
            val_x, val_y = self._validation(data, seed)
            val = self._accuracy(plan, val_x, val_y)
            test = self._accuracy(plan, data.test_x, data.test_y) if self.evaluate_test else None
        params = sum(p[idx].numel() for p, idx in self.model.child_slices(plan))
        return make_metrics(val, test_accuracy=test, cost_seconds=time.perf_counter() - start, params=params,
                            val_accuracy_final=val, train_loss=loss, evaluation=index,
                            val_samples=len(val_y), **common)

    def config(self) -> dict[str, Any]:
        return {
            "name": type(self).__name__,
            "dataset": self.images.name,
            "steps": self.steps,
            "warmup_steps": self.warmup_steps,
            "batch_size": self.batch_size,
            "lr": self.lr,
            "momentum": self.momentum,
            "weight_decay": self.weight_decay,
            "device": self._device_config(),
            "val_fraction": self.images.val_fraction,
            "split_seed": self.images.split_seed,
            "max_train_samples": self.images.max_train_samples,
            "seed": self.seed,
            "eval_batch_size": self.eval_batch_size,
            "evaluate_test": self.evaluate_test,
            **({} if self.val_samples is None else {"val_samples": self.val_samples}),
        }
