"""Reward by real training: build the child network, train it, report validation accuracy.

:class:`TrainEvaluator` works for every architecture :func:`nas_env.models.build_model`
knows (``ZophLeCNNArch``, ``NB201Cell``, ``MacroArch``). Metrics, beyond the standard keys:

==========================  =========================================================
key                         meaning
==========================  =========================================================
``val_accuracy``            the search signal: ``val_accuracy_final`` when
                            ``reward_metric="final"`` (default), else
                            ``val_accuracy_max_last5`` (cube it with the env's
                            ``reward="cubed"`` for the paper's CIFAR reward)
``val_accuracy_final``      validation accuracy after the last epoch
``val_accuracy_max_last5``  best validation accuracy of the last 5 epochs
``val_accuracy_per_epoch``  list, one value per completed epoch
``test_accuracy``           accuracy on the test split (reported, never a reward)
``cost_seconds``            measured wall seconds of training (+ per-epoch validation)
``params`` / ``flops``      parameters; FLOPs of one forward pass of one sample
``device`` / ``epochs``     where it ran; the epochs asked for (the fidelity)
``seed``                    the integer seed the child was trained with
==========================  =========================================================

Failures never raise out of :meth:`TrainEvaluator.evaluate`: a child that fails to
build or crashes in training (too-small feature maps, out of memory, ...) is status
``"failed"`` with the error text; ``"timeout"`` and ``"diverged"`` come from the
trainer. Bad constructor arguments raise ``ValueError`` before any training.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import torch

from nas_env.evaluators.base import make_metrics
from nas_env.evaluators.image_data import ImageData, check_sgd
from nas_env.evaluators.skeleton import StandaloneEvaluator
from nas_env.models import build_model, count_flops, count_params
from nas_env.training.datasets import Dataset
from nas_env.training.trainer import TrainResult, train_model
from nas_env.validation import check_bool, check_choice, check_int, check_real

__all__ = ["REWARD_METRICS", "TrainEvaluator"]

REWARD_METRICS: tuple[str, ...] = ("final", "max_last5")


#: what :func:`nas_env.models.build_model` is given besides the builder options: by the search and by the dataset
BUILDER_ARGUMENTS = ("arch", "num_classes", "in_channels", "image_size")


def _check_model_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """``model_options`` as a dict; ``ValueError`` naming keys that collide with the builder's other arguments
    (Python would say "got multiple values for argument" in every child instead)."""
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise ValueError(f"model_options must be a dict of builder options, got {type(options).__name__} {options!r}")
    taken = [k for k in options if k in BUILDER_ARGUMENTS]
    if taken:
        raise ValueError(f"model_options {taken} collide with what the child's builder is given by the dataset "
                         "(num_classes, in_channels, image_size) and the search (arch); remove them from model_options")
    return dict(options)


class TrainEvaluator(StandaloneEvaluator):
    """Train each child for ``fidelity`` epochs and report its validation accuracy.

    Args:
        dataset: a name from ``nas_env.training.DATASETS`` (``"digits"``, ``"fashion_mnist"``,
            ``"cifar10"``) or a ready :class:`~nas_env.training.Dataset`.
        epochs: default number of epochs (the default fidelity).
        batch_size: training batch size.
        lr: peak learning rate (SGD, Nesterov momentum, cosine decay per step).
        momentum: SGD momentum (0.9 as in the paper).
        weight_decay: L2 weight decay.
        device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``, ``"cuda:N"``.
        max_train_seconds: wall-clock budget per child (checked per batch); exceeded -> ``"timeout"``.
        reward_metric: ``"final"`` (last epoch) or ``"max_last5"`` (the paper's max over the last 5
            epochs): which goes into ``val_accuracy``.
        data_root: directory with the dataset files (not needed for digits).
        download: allow downloading the dataset (CIFAR-10).
        val_fraction: validation fraction of the training data (``None``: the dataset's default).
        split_seed: seed of the train/validation split; fixed so every child sees the same split.
        max_train_samples: train on the first N training samples only (quick experiments, tests).
        model_options: builder options, e.g. ``{"channels": 16, "cells_per_stage": 5}`` for NB201.
        seed: training seed used when ``evaluate`` gets ``seed=None``.
        num_threads: intra-op threads while a child trains (restored afterwards); ``None`` leaves
            torch's setting alone.
        eval_batch_size: batch size for validation and test.
        count_flops: measure FLOPs with ``FlopCounterMode`` (one extra forward pass).
        channels_last: train in the channels-last memory format (model and images). Off by default: on this
            2-core CPU it trains the benchmark child 1.25x faster, but 8 random 4-layer children only 1.13x
            in total (0.95x-1.25x each), and it changes the last bits of some results
            (``python -m nas_env.benchmarks.measure.train_throughput --channels-last``; MEASUREMENTS.md). In
            ``config()`` only when on, so stores of the default keep their keys.
    """

    size_keys = ("params", "flops")

    def __init__(
        self,
        dataset: str | Dataset = "digits",
        *,
        epochs: int = 2,
        batch_size: int = 64,
        lr: float = 0.1,
        momentum: float = 0.9,
        weight_decay: float = 5e-4,
        device: str = "auto",
        max_train_seconds: float | None = None,
        reward_metric: str = "final",
        data_root: str | None = None,
        download: bool = False,
        val_fraction: float | None = None,
        split_seed: int = 0,
        max_train_samples: int | None = None,
        model_options: Mapping[str, Any] | None = None,
        seed: int = 0,
        num_threads: int | None = None,
        eval_batch_size: int = 2048,
        count_flops: bool = True,
        channels_last: bool = False,
    ):
        self.images = ImageData(dataset, data_root=data_root, download=download, val_fraction=val_fraction,
                                split_seed=split_seed, max_train_samples=max_train_samples)
        self.epochs = check_int("epochs", epochs)
        self.batch_size, self.lr, self.momentum, self.weight_decay = check_sgd(batch_size, lr, momentum, weight_decay)
        self._set_machine(device, seed, num_threads, eval_batch_size)
        self.max_train_seconds = check_real("max_train_seconds", max_train_seconds, low=0, low_open=True,
                                            optional=True)
        self.reward_metric = check_choice("reward_metric", reward_metric, REWARD_METRICS)
        self.model_options = _check_model_options(model_options)
        self.count_flops = bool(count_flops)
        self.channels_last = check_bool("channels_last", channels_last)
        self.default_fidelity = self.epochs

    # ------------------------------------------------------------------ data
    @property
    def data(self) -> Dataset:
        """The dataset, loaded on first use and cached (on the CPU)."""
        return self.images.cpu

    def _data_on_device(self) -> Dataset:
        return self.images.on(self.device, self.channels_last)

    # -------------------------------------------------------------- evaluate
    def _progress(self, result: TrainResult) -> dict[str, Any]:
        return {"val_accuracy_per_epoch": result.val_accuracy_per_epoch}

    def _metrics(self, result: TrainResult, sizes: dict[str, int | None], progress: dict[str, Any],
                 common: dict[str, Any]) -> dict[str, Any]:
        final, best5 = result.val_accuracy, result.val_accuracy_max_last5
        return make_metrics(
            final if self.reward_metric == "final" else best5,
            test_accuracy=result.test_accuracy,
            cost_seconds=result.seconds,
            params=sizes["params"],
            val_accuracy_final=final,
            val_accuracy_max_last5=best5,
            **progress,
            flops=sizes["flops"],
            **common,
        )

    def _train(
        self, arch: Hashable, data: Dataset, epochs: int, seed: int, sizes: dict[str, int | None]
    ) -> TrainResult:
        """Build ``arch``, record its ``params``/``flops`` in ``sizes``, train it (inside :func:`run_child`)."""
        model = build_model(
            arch, data.num_classes, data.in_channels, data.image_size, **self.model_options
        ).to(self.device)
        if self.channels_last:
            model = model.to(memory_format=torch.channels_last)
        sizes["params"] = count_params(model)
        if self.count_flops:
            sizes["flops"] = count_flops(model, data.input_shape, self.device)
        return train_model(
            model, data, epochs=epochs, batch_size=self.batch_size, lr=self.lr,
            momentum=self.momentum, weight_decay=self.weight_decay, seed=seed,
            max_train_seconds=self.max_train_seconds, eval_batch_size=self.eval_batch_size,
        )

    def config(self) -> dict[str, Any]:
        return {
            "name": type(self).__name__,
            "dataset": self.images.name,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "lr": self.lr,
            "momentum": self.momentum,
            "weight_decay": self.weight_decay,
            "device": self._device_config(),
            "max_train_seconds": self.max_train_seconds,
            "reward_metric": self.reward_metric,
            "data_root": self.images.data_root,
            "val_fraction": self.images.val_fraction,
            "split_seed": self.images.split_seed,
            "max_train_samples": self.images.max_train_samples,
            "model_options": dict(self.model_options),
            "seed": self.seed,
            "eval_batch_size": self.eval_batch_size,
            **({"channels_last": True} if self.channels_last else {}),
        }
