"""The image data of a CNN evaluator: which dataset, how it is split, loaded once (CPU) and once per device;
and the SGD arguments both CNN evaluators take.

Shared by the stand-alone trainer (:class:`~nas_env.evaluators.image_train.TrainEvaluator`) and the
shared-weight evaluator (:class:`~nas_env.evaluators.image_shared.SharedWeightEvaluator`), so both see the
same splits for the same arguments and check their arguments alike.
"""

from __future__ import annotations

from typing import Any

import torch

from nas_env.training.datasets import DATASETS, Dataset, check_dataset_name, load_dataset
from nas_env.validation import check_int, check_real

__all__ = ["ImageData", "check_sgd"]


def check_sgd(batch_size: Any, lr: Any, momentum: Any, weight_decay: Any) -> tuple[int, float, float, float]:
    """``(batch_size, lr, momentum, weight_decay)`` of SGD, checked (a clear ``ValueError`` naming the bad one)."""
    return (check_int("batch_size", batch_size), check_real("lr", lr, low=0, low_open=True),
            check_real("momentum", momentum, low=0), check_real("weight_decay", weight_decay, low=0))


class ImageData:
    """A dataset by name (loaded on first use) or a ready :class:`Dataset`, with its split arguments checked.

    Args:
        dataset: a name from ``nas_env.training.DATASETS`` or a ready :class:`Dataset`.
        data_root: where the dataset's files are (``None``: its default place).
        download: fetch the files when missing (datasets that can).
        val_fraction: validation fraction of the training data (``None``: the dataset's default).
        split_seed: seed of the train/validation split; fixed so every child sees the same split.
        max_train_samples: train on the first N training samples only (quick experiments, tests).

    Raises:
        ValueError: an unknown dataset name, ``val_fraction`` outside (0, 1), ``max_train_samples`` < 1.
    """

    def __init__(self, dataset: str | Dataset = "digits", *, data_root: str | None = None, download: bool = False,
                 val_fraction: float | None = None, split_seed: int = 0, max_train_samples: int | None = None):
        if isinstance(dataset, Dataset):
            self.name, self._cpu = dataset.name, dataset
        elif isinstance(dataset, str):
            self.name, self._cpu = check_dataset_name(dataset), None
        else:
            raise ValueError(f"dataset must be a name from {sorted(DATASETS)} or a Dataset, got {dataset!r}")
        check_real("val_fraction", val_fraction, low=0, high=1, low_open=True, high_open=True, optional=True)
        self.data_root, self.download, self.val_fraction = data_root, bool(download), val_fraction
        self.split_seed = int(split_seed)
        self.max_train_samples = (
            check_int("max_train_samples", max_train_samples, optional=True)
        )
        self._on_device: tuple[torch.device, bool, Dataset] | None = None

    @property
    def cpu(self) -> Dataset:
        """The whole dataset on the CPU (loaded on first use, then cached)."""
        if self._cpu is None:
            self._cpu = load_dataset(self.name, self.data_root, val_fraction=self.val_fraction,
                                     seed=self.split_seed, download=self.download)
        return self._cpu

    def on(self, device: torch.device, channels_last: bool = False) -> Dataset:
        """The data children train on (``max_train_samples`` applied) on ``device``, in the channels-last
        memory format if asked; cached."""
        if self._on_device is None or self._on_device[:2] != (device, channels_last):
            data = self.cpu
            if self.max_train_samples is not None:
                data = data.subset(train=self.max_train_samples)
            data = data.to(device)
            self._on_device = (device, channels_last, data.channels_last() if channels_last else data)
        return self._on_device[2]
