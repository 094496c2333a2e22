"""Image-classification datasets as in-memory tensors, behind one small interface.

=================  ==========  =======  ========================================================
name               shape       classes  source
=================  ==========  =======  ========================================================
``digits``         1 x 8 x 8   10       scikit-learn's bundled digits (1,797 images; default)
``fashion_mnist``  1 x 28 x 28 10       IDX files (``.gz`` or raw): ``root``, or the Debian
                                        package ``dataset-fashion-mnist``
                                        (``/usr/share/datasets/fashion-mnist``); elsewhere
                                        download the four ``.gz`` files of
                                        github.com/zalandoresearch/fashion-mnist (data/fashion)
                                        into a directory and pass it as ``root``
``fashion_mnist_   1 x 14 x 14 10       the same files, each image averaged over 2 x 2 blocks
14``                                    (4x cheaper per image; the CPU protocol
                                        ``cnn-fashion-mnist``)
``cifar10``        3 x 32 x 32 10       torchvision's python-pickle batches
                                        (``root/cifar-10-batches-py``); ``download=True``
                                        fetches them
=================  ==========  =======  ========================================================

Splits: the validation split is carved from the training data with ``seed`` (the
search signal); the test split is the dataset's official one (digits, which has
none, holds out a fixed 20 % chosen independently of ``seed``) and is only ever
reported. Images are normalised per channel with the mean and standard deviation
of the training split. Labels are ``int64``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np
import torch

from nas_env.training.dataset_files import DATASETS, TEST_SIZES, check_dataset_name
from nas_env.validation import check_real

__all__ = ["DATASETS", "TEST_SIZES", "Dataset", "check_dataset_name", "load_dataset"]


@dataclass(frozen=True)
class Dataset:
    """A classification dataset as tensors ``x: (N, C, H, W) float32``, ``y: (N,) int64``."""

    name: str
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    num_classes: int

    def channels_last(self) -> Dataset:
        """The same data with the images in the channels-last memory format (labels shared)."""
        def f(x: torch.Tensor) -> torch.Tensor:
            return x.contiguous(memory_format=torch.channels_last)

        return replace(self, train_x=f(self.train_x), val_x=f(self.val_x), test_x=f(self.test_x))

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """``(channels, height, width)`` of one image."""
        return tuple(self.train_x.shape[1:])  # type: ignore[return-value]

    @property
    def in_channels(self) -> int:
        return int(self.train_x.shape[1])

    @property
    def image_size(self) -> tuple[int, int]:
        return int(self.train_x.shape[2]), int(self.train_x.shape[3])

    def subset(self, train: int | None = None, val: int | None = None, test: int | None = None) -> Dataset:
        """The first ``train`` / ``val`` / ``test`` samples of each split (``None`` keeps a split whole)."""
        return replace(
            self,
            train_x=self.train_x[:train], train_y=self.train_y[:train],
            val_x=self.val_x[:val], val_y=self.val_y[:val],
            test_x=self.test_x[:test], test_y=self.test_y[:test],
        )

    def to(self, device: torch.device | str) -> Dataset:
        """A copy with every tensor on ``device``."""
        return replace(
            self,
            train_x=self.train_x.to(device), train_y=self.train_y.to(device),
            val_x=self.val_x.to(device), val_y=self.val_y.to(device),
            test_x=self.test_x.to(device), test_y=self.test_y.to(device),
        )

    def __repr__(self) -> str:
        c, h, w = self.input_shape
        return (
            f"Dataset({self.name!r}, {c}x{h}x{w}, classes={self.num_classes}, train={len(self.train_y)}, "
            f"val={len(self.val_y)}, test={len(self.test_y)})"
        )


def load_dataset(
    name: str = "digits",
    root: str | os.PathLike | None = None,
    *,
    val_fraction: float | None = None,
    seed: int = 0,
    download: bool = False,
) -> Dataset:
    """Load a dataset into memory with a validation split carved from the training data.

    Args:
        name: one of :data:`DATASETS` (``"digits"``, ``"fashion_mnist"``, ``"cifar10"``).
        root: directory holding the files (ignored by ``digits``).
        val_fraction: fraction of the training data held out for validation, in (0, 1);
            ``None`` uses the dataset's default (digits 0.2, others 0.1).
        seed: seed of the train/validation split.
        download: allow downloading (CIFAR-10 only).

    Raises:
        ValueError: unknown name or bad ``val_fraction``.
        DatasetError: missing or corrupt files (names the path and the expected files;
            :mod:`nas_env.training.dataset_files`).
    """
    key = check_dataset_name(name)
    loader, default_val = DATASETS[key]
    checked = check_real("val_fraction", val_fraction, low=0, high=1, low_open=True, high_open=True, optional=True)
    frac = default_val if checked is None else checked
    root_str = None if root is None else os.fspath(root)
    train_x, train_y, test_x, test_y, num_classes = loader(root_str, download)
    perm = np.random.default_rng(seed).permutation(len(train_y))
    n_val = max(1, int(round(frac * len(train_y))))
    val_idx, tr_idx = perm[:n_val], perm[n_val:]
    tr_x = train_x[tr_idx]
    mean = tr_x.mean(axis=(0, 2, 3), keepdims=True, dtype=np.float64).astype(np.float32)
    std = tr_x.std(axis=(0, 2, 3), keepdims=True, dtype=np.float64).astype(np.float32) + np.float32(1e-8)

    def norm(x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(((x - mean) / std).astype(np.float32))

    return Dataset(
        name=key,
        train_x=norm(tr_x), train_y=torch.from_numpy(train_y[tr_idx].astype(np.int64)),
        val_x=norm(train_x[val_idx]), val_y=torch.from_numpy(train_y[val_idx].astype(np.int64)),
        test_x=norm(test_x), test_y=torch.from_numpy(test_y.astype(np.int64)),
        num_classes=num_classes,
    )
